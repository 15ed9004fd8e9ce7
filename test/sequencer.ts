import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files first, as measured (vitest's own order needs the durations of an earlier run,
 * which a fresh clone in CI does not have; it then starts the largest files, and a short file that
 * runs for a minute, such as the crash tests, started last, made the whole run wait on it). Keep
 * this list roughly in the order of `npx vitest run --reporter=json`'s file durations.
 */
const LONGEST_FIRST = [
  'test/e2e/output-files.test.ts',
  'test/e2e/console-facts-tty.test.ts',
  'test/e2e/crash-output.test.ts',
  'test/e2e/encryption.test.ts',
  'test/e2e/fuzz.test.ts',
  'test/e2e/console-tty.test.ts',
  'test/e2e/drill.test.ts',
  'test/e2e/console-fixes-tty.test.ts',
  'test/e2e/readme-walkthrough.test.ts',
  'test/e2e/template-cache.test.ts',
  'test/e2e/team-server.test.ts',
  'test/e2e/letters-golden.test.ts',
  'test/e2e/crash.test.ts',
  'test/e2e/tamper.test.ts',
  'test/e2e/console.test.ts',
  'test/e2e/letters-locale.test.ts',
  'test/e2e/hostile.test.ts',
  'test/e2e/legal-lifecycle.test.ts',
  'test/e2e/cli.test.ts',
  'test/e2e/runbook-cache.test.ts',
  'test/e2e/damaged-and-readonly.test.ts',
  'test/e2e/input-hardening.test.ts',
  'test/int/store-contract.test.ts',
  'test/int/store.test.ts',
  'test/int/pg-four-eyes.test.ts',
  'test/unit/not-applying-entry.test.ts',
  'test/unit/machine.test.ts',
];

const PROJECT_ORDER = ['e2e', 'int', 'unit'];

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // One project after another (e2e, int, unit), each longest first: vitest hands a finished
    // worker the next file only when that file is of the same project, and otherwise stops the
    // worker and forks a new one, which loads the modules, the in-process CLI and (on PostgreSQL)
    // the template database again; interleaved projects made 24 forks a run.
    const group = (f: TestSpecification) => PROJECT_ORDER.indexOf(f.project.name);
    return base.map((f, i) => ({ f, i, g: group(f), r: rank(f) })).sort((a, b) => a.g - b.g || a.r - b.r || a.i - b.i).map((x) => x.f);
  }
}
