// `npm run build` (and `prepare`): compile (scripts/compile.mjs), the catalogue
// (dist/playbook/build-catalogue.js), the bundle (scripts/bundle.mjs) — unless nothing they read has
// changed since the last build that finished. `npm test` right after `npm ci` built once already;
// the second build was ~7 s of CPU to write the same files (tsc loading to find nothing to do, 203
// regimes and 31 templates checked again, the bundle's code-cache warm-up).
//
// What the build reads: the sources, shipped data, these scripts and the command's entry, the
// compiler settings, the installed packages (package-lock.json) and the Node version (the code
// cache is V8's). Their SHA-256 is kept in dist/.build-inputs; a build that fails removes it. The
// outputs must all be there too: a dist/ partly deleted by hand is rebuilt.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const STAMP = join(ROOT, 'dist', '.build-inputs');

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

function inputsHash() {
  const h = createHash('sha256').update(`node ${process.version}\n`);
  const inputs = [
    ...['src', 'playbooks', 'templates', 'scripts'].flatMap((d) => files(join(ROOT, d))),
    ...['bin/irr.cjs', 'tsconfig.json', 'package.json', 'package-lock.json'].map((f) => join(ROOT, f)),
  ];
  for (const f of inputs) h.update(`${relative(ROOT, f)}\n`).update(existsSync(f) ? readFileSync(f) : '(none)').update('\n');
  return h.digest('hex');
}

function outputsPresent() {
  const compiled = files(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (!compiled.every((f) => existsSync(join(ROOT, 'dist', relative(join(ROOT, 'src'), f)).replace(/\.ts$/, '.js')))) return false;
  const catalogue = ['regimes', 'coverage', 'templates', 'runbooks', 'scenarios', 'zones', 'holidays'].map((n) => join(ROOT, 'dist', 'catalogue', `${n}.json`));
  return [...catalogue, join(ROOT, 'dist', 'bundle', 'irr.cjs'), join(ROOT, 'dist', 'bundle', 'irr.cjs.cache')].every((f) => existsSync(f));
}

const hash = inputsHash();
const stamped = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : '';
if (stamped === hash && outputsPresent()) {
  console.log('irr: the build is up to date (nothing it reads changed since the last build)');
  process.exit(0);
}
rmSync(STAMP, { force: true });
const steps = [
  ['scripts/compile.mjs'],
  ['dist/playbook/build-catalogue.js'],
  ['scripts/bundle.mjs'],
];
for (const step of steps) {
  const r = spawnSync(process.execPath, step.map((s) => join(ROOT, s)), { stdio: 'inherit', cwd: ROOT });
  if (r.error) console.error(`irr: cannot run ${step[0]} (${r.error.message})`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}
writeFileSync(STAMP, `${hash}\n`);
