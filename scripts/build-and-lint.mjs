// What `npm test` runs before the tests: the build (scripts/compile.mjs, the catalogue, the bundle)
// and the lint, side by side. Each is mostly one busy core and neither reads what the other writes
// (eslint ignores dist/), so on two cores they take the time of the longer (measured: 7.6 s
// against 13.0 s one after the other). Fails if either fails; their output is passed through.
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (script) =>
  new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', script], { stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`irr: npm run ${script}: ${err.message}`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });

const [build, lint] = await Promise.all([run('build'), run('lint')]);
if (build !== 0) console.error(`irr: npm run build failed (exit ${build}); the tests were not run`);
if (lint !== 0) console.error(`irr: npm run lint failed (exit ${lint}); the tests were not run`);
process.exitCode = build !== 0 || lint !== 0 ? 1 : 0;
