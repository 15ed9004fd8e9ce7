import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  if (opts.db && /^postgres(ql)?:\/\//.test(opts.db) && !args.includes('--db')) {
    const flag = args.indexOf('--as');
    env.IRR_DB = serverLogin(opts.db, flag >= 0 ? args[flag + 1]! : env.IRR_ACTOR!);
  }
  return env;
}

/** Run the real binary, as a user would, against the given database. */
export function irr(args: readonly string[], opts: { db?: string; env?: Record<string, string>; cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: runEnv(args, opts), cwd: opts.cwd ?? ROOT, encoding: 'utf8' });
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
