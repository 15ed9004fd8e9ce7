#!/usr/bin/env node
'use strict';
// The irr command: loads the bundled CLI (dist/bundle/irr.cjs, written by `npm run build`) with the
// V8 code cache the build wrote beside it, so that its functions are not compiled on every start.
// A cache that does not belong to this bundle (its first line names the bundle's SHA-256) or to this
// Node version (V8 rejects it) is ignored: the CLI then compiles from source. See scripts/bundle.mjs.
const { createHash } = require('node:crypto');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const FILE = join(__dirname, '..', 'dist', 'bundle', 'irr.cjs');
const CACHE = `${FILE}.cache`;

function compile() {
  const bytes = readFileSync(FILE);
  // The cache belongs to these exact bytes (~1 ms to hash): mtimes do not survive copies and packing.
  const stamp = `irr-code-cache 1 ${createHash('sha256').update(bytes).digest('hex')}`;
  const source = bytes.toString('latin1'); // ASCII by construction (scripts/bundle.mjs checks)
  let cachedData;
  let cache = 'absent';
  try {
    const saved = readFileSync(CACHE);
    const nl = saved.indexOf(10);
    if (nl > 0 && saved.toString('latin1', 0, nl) === stamp) cachedData = saved.subarray(nl + 1);
    else cache = 'stale';
  } catch {
    // no cache: compile from source
  }
  // No importModuleDynamically: the bundle has no import() left (scripts/bundle.mjs refuses one), and
  // vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER does not exist before Node 20.12.
  const script = new vm.Script(Module.wrap(source), { filename: FILE, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'used';
  // For the tests (test/e2e/code-cache.test.ts) and anyone asking why a start is slow.
  if (process.env.IRR_CODE_CACHE_REPORT === '1') process.stderr.write(`irr: code cache ${cache}\n`);
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(FILE), module, FILE, join(FILE, '..'));
  return { cli: module.exports, script, stamp };
}

/**
 * Build only (IRR_CODE_CACHE_WRITE=1, set by scripts/bundle.mjs): what V8 compiled in this run, for
 * the next start. It writes the bundle's own cache file and nothing else, whatever the environment.
 */
function writeCache(script, stamp) {
  if (process.env.IRR_CODE_CACHE_WRITE !== '1') return;
  const tmp = `${CACHE}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(`${stamp}\n`, 'latin1'), script.createCachedData()]), { mode: 0o644 });
  renameSync(tmp, CACHE);
}

let loaded;
try {
  loaded = compile();
} catch (err) {
  process.stderr.write(`irr: cannot load the compiled CLI (${err.code ?? err.message}); run "npm install" in the irr folder\n`);
  process.exit(1);
}
const { cli, script, stamp } = loaded;
cli.main(process.argv).then(
  () => {
    writeCache(script, stamp);
    return cli.exitWhenWritten();
  },
  // main() reports every command's error itself; this is a bug in irr, said in one line (exit 1).
  (err) => {
    process.stderr.write(`irr: internal error: ${err?.message ?? err}${process.env.IRR_DEBUG === '1' ? `\n${err?.stack}` : ' (set IRR_DEBUG=1 for details)'}\n`);
    process.exit(1);
  },
);
