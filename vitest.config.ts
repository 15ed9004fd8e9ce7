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
    // vitest's default is one worker fewer than the cores: one on this 2-core machine and in CI. Three
    // per core: the terminal (tmux), crash and server tests mostly wait, and the others fill the gaps
    // (measured on 2 cores: 2 workers 310 s, 4 workers 292 s, later 4 workers 176 s and 6 workers 164 s
    // for the same suite; with 6 both cores are busy from the first seconds to the last).
    maxWorkers: Math.max(availableParallelism() * 3, 6),
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
