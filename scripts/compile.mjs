// `tsc -p tsconfig.json`, incremental: tsc keeps what it knows in dist/.tsbuildinfo and, when no
// source changed, checks and writes nothing (~3 s instead of ~12 s; `npm test` after `npm ci`
// compiles twice). tsc trusts that file blindly: an output deleted by hand (dist/ partly removed)
// would never be written again. So the compiled files are counted against the sources first, and
// if any is missing the record is dropped and everything is compiled afresh.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const INFO = join(ROOT, 'dist', '.tsbuildinfo');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []);
}

const missing = sources(join(ROOT, 'src')).find((f) => !existsSync(join(ROOT, 'dist', relative(join(ROOT, 'src'), f)).replace(/\.ts$/, '.js')));
if (missing && existsSync(INFO)) rmSync(INFO);
const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.error) console.error(`irr: cannot run the TypeScript compiler (${tsc.error.message}); run npm ci first`);
process.exitCode = tsc.status ?? 1;
