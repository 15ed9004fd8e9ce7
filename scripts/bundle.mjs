// Build step (npm run build, after tsc): the CLI as one CommonJS file with a V8 code cache.
//
// Why: `irr status` spent ~25 ms of its ~60 ms above `node -e ''` resolving, reading and compiling
// 45 ES modules. One CommonJS file (dependencies stay in node_modules, required when used) loads
// in a single read, and with V8's code cache its functions need no compiling: `irr status --json`
// 112 → 86 ms on the build machine. bin/irr.cjs loads it; docs/ARCHITECTURE.md has the figures.
//
// The cache is what V8 compiled while running a few read commands on a throw-away database
// (build-time only: no incident data exists yet, and the cache holds code, never data). It is
// bound to the bundle by its SHA-256 and, by V8 itself, to this Node version: when either
// differs the CLI compiles from source, correct and a little slower.
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist/bundle/irr.cjs');
const CACHE = `${OUT}.cache`;
const BIN = join(ROOT, 'bin/irr.cjs');

rmSync(CACHE, { force: true });
const result = await build({
  entryPoints: [join(ROOT, 'dist/cli/main.js')],
  outfile: OUT,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Every package stays a require() of node_modules, made only where the code first needs it (the
  // lazy imports of the sources become lazy requires): `irr status` loads no YAML, zod or prompts.
  packages: 'external',
  // ASCII only, so bin/irr.cjs reads it as latin1 (a copy, no UTF-8 decoding: ~2 ms less).
  charset: 'ascii',
  // The sources locate the catalogue and playbooks from import.meta.url; the bundle sits one folder
  // below dist/, as each module did, so the same relative paths hold.
  define: { 'import.meta.url': '__irrModuleUrl' },
  banner: { js: [
    "const __irrModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    // import() of a package, as the ES module world sees a CommonJS one: its exports, and the whole
    // as `default` unless it is compiled ESM (__esModule). One copy of each package per process.
    'const __irrImport = (id) => new Promise((ok) => { const m = require(id); ok(m && m.__esModule ? m : { ...m, default: m }); });',
  ].join('\n') },
  logLevel: 'warning',
});
let code = result.outputFiles[0].text;
// esbuild keeps `import("pkg")` for packages left outside the bundle; a CommonJS file runs them
// through the ES module loader, a second copy of a package the rest of the bundle requires.
code = code.replace(/\bimport\("([^"./][^"]*)"\)/g, '__irrImport("$1")');
if (/\bimport\(/.test(code)) throw new Error(`${OUT}: an import() is left that bin/irr.cjs cannot serve: ${code.match(/.{0,40}\bimport\(.{0,40}/)[0]}`);
// With charset ascii esbuild escapes every string, template and name; only comments keep their
// text. Those characters become '?', and the check proves that nothing but comments changed.
const ascii = code.replace(/[^\x00-\x7f]/gu, '?');
if (ascii !== code) {
  const bare = async (text) => (await transform(text, { minifyWhitespace: true, charset: 'ascii', loader: 'js' })).code;
  if ((await bare(ascii)) !== (await bare(code))) throw new Error(`${OUT}: non-ASCII text outside comments; bin/irr.cjs reads the bundle as latin1`);
  code = ascii;
}
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, code);

// Warm-up: each run loads the cache the previous one wrote and adds what it compiled.
const dir = mkdtempSync(join(tmpdir(), 'irr-code-cache-'));
try {
  const env = { ...process.env, IRR_DB: join(dir, 'irr.db'), IRR_ACTOR: 'build', IRR_CODE_CACHE_WRITE: '1', NO_COLOR: '1' };
  for (const name of ['IRR_KEY_FILE', 'IRR_NOW', 'IRR_PASSPHRASE_FILE']) delete env[name];
  const irr = (...args) => execFileSync(process.execPath, [BIN, ...args], { env, cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const id = irr('open', '--playbook', 'ransomware-exfiltration', '--title', 'Code-cache warm-up');
  for (const args of [['status', id, '--json'], ['status', id], ['clocks', id, '--json'], ['clocks', id], ['status', id, '--json']]) irr(...args);
  console.log(`irr: bundled the CLI to ${OUT} with a code cache`);
} catch (err) {
  // The CLI works without the cache (it compiles from source); say so rather than fail the build.
  rmSync(CACHE, { force: true });
  console.warn(`irr: bundled the CLI to ${OUT}; no code cache (the warm-up failed: ${String(err.stderr || err.message).trim().split('\n')[0]})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
