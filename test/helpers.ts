import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { runInProcess } from './in-process/run.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'irr.cjs');
export const MINI = join(ROOT, 'test', 'fixtures', 'runbooks', 'mini.yaml');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function tempDir(prefix = 'irr-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A copy of the installed command (bin/ and dist/bundle/ copied, the rest linked to this checkout)
 * that a test may spoil: its code cache, or (`withoutSqliteAddon`) an install whose better-sqlite3 is
 * not built yet, as while `npm ci` still compiles it. Run it with `node <dir>/bin/irr.cjs`.
 */
export function installCopy(opts: { withoutSqliteAddon?: boolean; copy?: readonly ('playbooks' | 'templates' | 'catalogue')[] } = {}): string {
  const dir = tempDir('irr-install-');
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist'));
  cpSync(join(ROOT, 'bin', 'irr.cjs'), join(dir, 'bin', 'irr.cjs'));
  cpSync(join(ROOT, 'dist', 'bundle'), join(dir, 'dist', 'bundle'), { recursive: true });
  // Copied folders may be edited by the test (the build's caches must then notice); the rest is linked.
  for (const linked of ['playbooks', 'templates', 'package.json']) {
    if (opts.copy?.includes(linked as 'playbooks')) cpSync(join(ROOT, linked), join(dir, linked), { recursive: true });
    else symlinkSync(join(ROOT, linked), join(dir, linked));
  }
  if (opts.copy?.includes('catalogue')) cpSync(join(ROOT, 'dist', 'catalogue'), join(dir, 'dist', 'catalogue'), { recursive: true });
  else symlinkSync(join(ROOT, 'dist', 'catalogue'), join(dir, 'dist', 'catalogue'));
  if (!opts.withoutSqliteAddon) {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name !== 'better-sqlite3') symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  const pkg = join(dir, 'node_modules', 'better-sqlite3');
  for (const part of ['package.json', 'lib']) cpSync(join(ROOT, 'node_modules', 'better-sqlite3', part), join(pkg, part), { recursive: true });
  return dir;
}

/**
 * The environment of a user piping irr's output: no debug, no database override, and none of the
 * variables (CI, FORCE_COLOR) that make picocolors colour a pipe; CI sets them, a user's shell does not.
 */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  for (const name of ['IRR_DEBUG', 'IRR_DB', 'CI', 'FORCE_COLOR', 'NO_COLOR']) delete env[name];
  return env;
}

/**
 * The environment of a run against `db`: on a team server each responder connects as their own
 * role, so the actor (--as, else IRR_ACTOR) picks the login.
 */
function runEnv(args: readonly string[], opts: { db?: string; env?: Record<string, string> }): Record<string, string> {
  const env: Record<string, string> = { ...userEnv(), IRR_ACTOR: 'tester', ...opts.env };
  if (opts.db) env.IRR_DB = opts.db;
  if (opts.db && !args.includes('--db')) {
    const flag = args.indexOf('--as');
    env.IRR_DB = loginFor(opts.db, flag >= 0 ? args[flag + 1]! : env.IRR_ACTOR!);
  }
  return env;
}

/** Run the binary of an install copy (installCopy) as a user would, from that folder. */
export function irrIn(install: string, args: readonly string[], opts: { db?: string; cwd?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), IRR_ACTOR: 'tester', ...opts.env };
  for (const name of ['IRR_DEBUG', 'IRR_DB', 'CI', 'FORCE_COLOR', 'NO_COLOR', 'IRR_NOW']) if (!opts.env || !(name in opts.env)) delete env[name];
  if (opts.db) env.IRR_DB = opts.db;
  const r = spawnSync(process.execPath, [join(install, 'bin', 'irr.cjs'), ...args], { env, cwd: opts.cwd ?? install, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Variables a process reads once, at its start, or that only a process launch honours: a run that
 * sets one launches the binary.
 */
const LAUNCH_ONLY_ENV = ['TZ', 'NO_COLOR', 'FORCE_COLOR', 'CI', 'NODE_OPTIONS', 'PATH', 'IRR_CODE_CACHE_REPORT', 'IRR_CODE_CACHE_WRITE'];

const LAUNCH_ALL = process.env.IRR_TEST_LAUNCH === '1';
let launching = LAUNCH_ALL;
/**
 * This test file's runs launch the binary (bin/irr.cjs) instead of running the CLI in process: the
 * files whose subject is the process itself (exit on a closed pipe, signals, crashes, start-up, the
 * README as a user types it). IRR_TEST_LAUNCH=1 makes every run launch it.
 */
export function launchTheBinary(): void {
  launching = true;
  // Test files share this module (vitest.config.ts: isolate false): the next file runs in process again.
  afterAll(() => {
    launching = LAUNCH_ALL;
  });
}

/**
 * Run irr against the given database as a user would, and get its exit code, stdout and stderr.
 * The CLI as shipped runs in process (test/in-process/run.ts: one process launch costs ~90 ms, most
 * of a test's time), unless the run needs a process of its own (a working folder, a variable read
 * at start-up) or the file asked for the binary (launchTheBinary).
 */
export function irr(args: readonly string[], opts: { db?: string; env?: Record<string, string>; cwd?: string } = {}): Run {
  const env = runEnv(args, opts);
  const ownFolder = opts.cwd !== undefined && resolve(opts.cwd) !== ROOT;
  const startUp = opts.env !== undefined && LAUNCH_ONLY_ENV.some((name) => name in opts.env!);
  if (!launching && !ownFolder && !startUp && process.cwd() === ROOT) return runInProcess(ROOT, args, env);
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? ROOT, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function irrAsync(args: readonly string[], opts: { db: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: runEnv(args, opts), cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** The database URL `actor` uses: on the test server their own role (see serverLogin); a file as given. */
export function loginFor(db: string, actor: string): string {
  return /^postgres(ql)?:\/\//.test(db) ? serverLogin(db, actor) : db;
}

/** As given, unless test/pg/backend.ts is loaded: then as the actor's own role (made on first use). */
let serverLogin: (adminUrl: string, actor: string) => string = (url) => url;
/** Set by test/pg/backend.ts: how a test actor logs in to the test server. */
export function setServerLogin(fn: (adminUrl: string, actor: string) => string): void {
  serverLogin = fn;
}

/** The stdout of a command that must succeed; throws with its exit code and stderr otherwise. */
export function succeeded(args: readonly string[], opts: { db?: string; env?: Record<string, string>; cwd?: string } = {}): string {
  const r = irr(args, opts);
  if (r.code !== 0) throw new Error(`irr ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export function json<T = unknown>(r: Run): T {
  if (r.code !== 0) throw new Error(`irr exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * Four eyes (issue 15): a notice to an authority or to individuals is sent only once someone other
 * than its drafter, holding an approver role, approved it. Drafts it as the tester, names `approver`
 * as holding `role` on the incident, and approves it as them; every command must succeed.
 */
export function approveNotice(db: string, id: string, obligation: string, opts: { at?: string; role?: string; approver?: string } = {}): void {
  const approver = opts.approver ?? 'approver';
  const at = opts.at ? ['--at', opts.at] : [];
  const steps: string[][] = [
    ['team', 'assign', id, approver, '--role', opts.role ?? 'dpo'],
    ['obligation', id, obligation, 'drafted', ...at],
    ['obligation', id, obligation, 'approved', '--as', approver, ...at],
  ];
  for (const args of steps) {
    const r = irr(args, { db });
    if (r.code !== 0) throw new Error(`irr ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  }
}
