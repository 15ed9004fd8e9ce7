// `npm test`: the build, then the tests with the lint beside them. The tests need the build (the
// end-to-end tests run dist/); the lint needs nothing and nothing needs it, so it runs while the tests
// do and its report is printed after theirs. eslint keeps a cache by content in node_modules/.cache/
// eslint (package.json's lint script): a first lint is ~13 CPU-s, one of unchanged files ~2, and
// the tests fill both cores, so every CPU-second the lint takes is time the tests wait. Fails if any of the three fails. Arguments
// are passed to vitest (`npm test -- test/unit`).
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command; resolves with its exit code and, when `capture`, what it printed. */
function run(cmd, args, capture = false) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('error', (err) => {
      output += `irr: ${cmd} ${args.join(' ')}: ${err.message}\n`;
      resolve({ code: 1, output });
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const build = await run(npm, ['run', '--silent', 'build']);
if (build.code !== 0) {
  console.error(`irr: npm run build failed (exit ${build.code}); the tests were not run`);
  process.exit(1);
}
const lint = run(npm, ['run', '--silent', 'lint'], true);
const tests = await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--testTimeout=60000', ...process.argv.slice(2)]);
const linted = await lint;
if (linted.output.trim() !== '') process.stdout.write(`\n${linted.output}`);
if (linted.code !== 0) console.error(`irr: npm run lint failed (exit ${linted.code})`);
if (tests.code !== 0) console.error(`irr: the tests failed (exit ${tests.code})`);
process.exitCode = tests.code !== 0 || linted.code !== 0 ? 1 : 0;
