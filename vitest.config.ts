import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three projects, one script each (npm run test:unit / test:int / test:e2e); `npm test` runs all.
// unit: pure logic in process. int: the real stores (SQLite files, the throwaway PostgreSQL server).
// e2e: the real binary, the real terminal (tmux), headless Chromium for reports.
export default defineConfig({
  test: {
    // Starts (and stops) a throwaway PostgreSQL server when PostgreSQL is installed.
    globalSetup: ['test/pg/global-setup.ts'],
    // The machine has two cores and the suites launch hundreds of processes: a busy minute is not a hang.
    testTimeout: 60_000,
    // vitest's default is one worker fewer than the cores: one worker on this 2-core machine and in CI,
    // which left a core idle while an e2e test waited on the binary it launched (most of the suite's
    // time). One worker per core.
    maxWorkers: Math.max(availableParallelism() * 2, 4),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'int', include: ['test/int/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
