import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/sequencer.js';

// Three projects, one script each (npm run test:unit / test:int / test:e2e); `npm test` runs all.
// unit: pure logic in process. int: the real stores (SQLite files, the throwaway PostgreSQL server).
// e2e: the real binary, the real terminal (tmux), headless Chromium for reports.
export default defineConfig({
  test: {
    // Starts (and stops) a throwaway PostgreSQL server when PostgreSQL is installed.
    globalSetup: ['test/pg/global-setup.ts'],
    // The machine has two cores and the suites launch hundreds of processes: a busy minute is not a hang.
    testTimeout: 60_000,
    // vitest's default is one worker fewer than the cores: one on this 2-core machine and in CI. Two
    // per core: the terminal (tmux), crash and server tests mostly wait, and the others fill the gaps
    // (measured: 4 workers 292 s, 2 workers 310 s for the whole suite; 6 workers were faster again
    // here, 164 against 176 s, but a fresh-clone CI run with 6 had in-process answers out of step).
    maxWorkers: Math.max(availableParallelism() * 2, 4),
    // Test files share their worker process (and its in-process CLI, test/in-process/run.ts): a
    // fresh process and module graph per file cost ~0.5 s of CPU each. No test file mocks modules
    // or changes process.env; test/helpers.ts resets its one per-file switch (launchTheBinary).
    isolate: false,
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'int', include: ['test/int/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
