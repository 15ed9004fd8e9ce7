import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/store/migrations.js';
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

const TRIGGERS = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TRIGGER (\w+)[\s\S]*?END;/g)].map((t) => ({ name: t[1]!, sql: t[0] })));

/** Edit the database behind irr's back, as tamper.test.ts does: triggers dropped, edited, put back. */
export function behindItsBack(db: string, edit: (raw: Database.Database) => void): void {
  const raw = new Database(db);
  raw.pragma('foreign_keys = OFF');
  for (const t of TRIGGERS) raw.exec(`DROP TRIGGER IF EXISTS ${t.name}`);
  edit(raw);
  for (const t of TRIGGERS) raw.exec(t.sql);
  raw.close();
}

/** Re-hash every event from `fromSeq` on, correctly (hash.ts), and the snapshot's seal with it. */
export function rehashFrom(raw: Database.Database, id: string, fromSeq: number): string {
  const rows = raw.prepare('SELECT * FROM events WHERE incident = ? AND seq >= ? ORDER BY seq').all(id, fromSeq) as Record<string, string | number>[];
  let prev = (raw.prepare('SELECT hash FROM events WHERE incident = ? AND seq = ?').get(id, fromSeq - 1) as { hash: string }).hash;
  for (const r of rows) {
    const body = `{"actor":${JSON.stringify(r.actor)},"at":${JSON.stringify(r.at)},"incident":${JSON.stringify(r.incident)},"payload":${r.payload},"recorded_at":${JSON.stringify(r.recorded_at)},"seq":${r.seq},"type":${JSON.stringify(r.type)}}`;
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    raw.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE incident = ? AND seq = ?').run(prev, hash, id, r.seq);
    prev = hash;
  }
  // A careful forger reseals the snapshot too, so that only the signatures can tell.
  const snap = raw.prepare('SELECT seq, state FROM snapshots WHERE incident = ?').get(id) as { seq: number; state: string } | undefined;
  if (snap) {
    const seal = createHash('sha256').update(`${prev}\n${snap.state}`).digest('hex');
    raw.prepare('UPDATE snapshots SET head_hash = ?, state_sha256 = ? WHERE incident = ?').run(prev, seal, id);
  }
  return prev;
}

export function countRows(db: string, table: string): number {
  const raw = new Database(db, { readonly: true });
  const n = (raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  raw.close();
  return n;
}
