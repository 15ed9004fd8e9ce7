import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { pgSync, type Backend } from '../pg/backend.js';

/**
 * Editing a database behind irr's back, on either backend, as a careful tamperer would: the
 * append-only triggers off for the edit only, so that what is detected is the edit itself. SQLite:
 * the triggers dropped and put back (tamper.test.ts). PostgreSQL: the server's superuser with
 * `session_replication_role = replica`, which switches off every ordinary trigger and the foreign
 * keys for that session only. Plain SQL with literals, so that one edit reads the same on both.
 */
export interface RawDb {
  rows(sql: string): Record<string, string | number>[];
  /** One or more statements, run with the triggers off. */
  run(sql: string): void;
}

/** A SQL string literal. */
export const lit = (text: string): string => `'${text.replaceAll("'", "''")}'`;

const TRIGGERS = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TRIGGER (\w+)[\s\S]*?END;/g)].map((t) => ({ name: t[1]!, sql: t[0] })));

export function behindItsBack(backend: Backend, db: string, edit: (raw: RawDb) => void): void {
  if (backend.name === 'postgres') {
    edit({
      rows: (sql) => pgSync(db, sql) as Record<string, string | number>[],
      run: (sql) => void pgSync(db, `SET session_replication_role = replica; ${sql}`),
    });
    return;
  }
  const raw = new Database(db);
  raw.pragma('foreign_keys = OFF');
  for (const t of TRIGGERS) raw.exec(`DROP TRIGGER IF EXISTS ${t.name}`);
  try {
    edit({ rows: (sql) => raw.prepare(sql).all() as Record<string, string | number>[], run: (sql) => void raw.exec(sql) });
  } finally {
    for (const t of TRIGGERS) raw.exec(t.sql);
    raw.close();
  }
}

/** Re-hash every event of `id` from `fromSeq` on, correctly (hash.ts), and reseal its snapshot with the new head. */
export function rehashFrom(raw: RawDb, id: string, fromSeq: number): string {
  const rows = raw.rows(`SELECT * FROM events WHERE incident = ${lit(id)} AND seq >= ${fromSeq} ORDER BY seq`);
  let prev = String(raw.rows(`SELECT hash FROM events WHERE incident = ${lit(id)} AND seq = ${fromSeq - 1}`)[0]!.hash);
  const updates: string[] = [];
  for (const r of rows) {
    const body = `{"actor":${JSON.stringify(r.actor)},"at":${JSON.stringify(r.at)},"incident":${JSON.stringify(r.incident)},"payload":${r.payload},"recorded_at":${JSON.stringify(r.recorded_at)},"seq":${r.seq},"type":${JSON.stringify(r.type)}}`;
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    updates.push(`UPDATE events SET prev_hash = ${lit(prev)}, hash = ${lit(hash)} WHERE incident = ${lit(id)} AND seq = ${r.seq};`);
    prev = hash;
  }
  // A careful forger reseals the snapshot too, so that only the signatures can tell.
  const [snap] = raw.rows(`SELECT state FROM snapshots WHERE incident = ${lit(id)}`);
  if (snap) {
    const seal = createHash('sha256').update(`${prev}\n${snap.state}`).digest('hex');
    updates.push(`UPDATE snapshots SET head_hash = ${lit(prev)}, state_sha256 = ${lit(seal)} WHERE incident = ${lit(id)};`);
  }
  if (updates.length > 0) raw.run(updates.join('\n'));
  return prev;
}

/** How many signatures an incident has: to see that an append signed, or that a refusal wrote none. */
export function signatureCount(backend: Backend, db: string, id: string): number {
  const sql = `SELECT count(*) AS n FROM signatures WHERE incident = ${lit(id)}`;
  if (backend.name === 'postgres') return Number((pgSync(db, sql)[0] as { n: string | number }).n);
  const raw = new Database(db, { readonly: true });
  try {
    return (raw.prepare(sql).get() as { n: number }).n;
  } finally {
    raw.close();
  }
}
