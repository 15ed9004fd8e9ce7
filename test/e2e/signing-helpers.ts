import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { irr, json, MINI, tempDir, type Run } from '../helpers.js';

/** A responder with their own config folder (keys) and passphrase file (mode 0600). */
export interface Responder {
  readonly name: string;
  readonly env: Record<string, string>;
}

export function responder(name: string, root = tempDir()): Responder {
  const cfg = join(root, `${name}-config`);
  mkdirSync(cfg, { recursive: true });
  const pass = join(root, `${name}.pass`);
  writeFileSync(pass, `${name} correct horse battery\n`);
  chmodSync(pass, 0o600);
  return { name, env: { IRR_ACTOR: name, XDG_CONFIG_HOME: cfg, IRR_PASSPHRASE_FILE: pass } };
}

export function as(r: Responder, args: readonly string[], db: string): Run {
  return irr(args, { db, env: r.env });
}

export function ok(r: Run): Run {
  if (r.code !== 0) throw new Error(`irr exited ${r.code}: ${r.stderr}`);
  return r;
}

export function openIncident(db: string, title = 'Signed incident'): string {
  return json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', title, '--json'], { db })).id;
}

/** Create a key for the responder and register it in the incident. */
export function enrol(r: Responder, db: string, id: string): void {
  ok(as(r, ['key', 'create'], db));
  ok(as(r, ['key', 'register', id], db));
}

export function countRows(db: string, table: string): number {
  const raw = new Database(db, { readonly: true });
  const n = (raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  raw.close();
  return n;
}
