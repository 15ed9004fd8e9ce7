import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clocks/wall.js';
import { IntegrityFailure, InvalidInput, WriteConflict } from '../../src/domain/errors.js';
import * as decide from '../../src/engine/decide.js';
import { Engine } from '../../src/engine/engine.js';
import { verifyIncident } from '../../src/engine/verify.js';
import { loadRunbookFile } from '../../src/playbook/runbook.js';
import { EventStore } from '../../src/store/event-store.js';
import { eventHash, GENESIS_HASH } from '../../src/store/hash.js';
import { canonicalJson } from '../../src/domain/canonical.js';
import { translateSqliteError } from '../../src/store/sqlite-errors.js';
import { irr, MINI, tempDir } from '../helpers.js';

const sqliteError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("SQLite's codes become irr errors inside store/", () => {
  it.each([
    ['SQLITE_BUSY', WriteConflict, /stayed locked by another writer/],
    ['SQLITE_BUSY_SNAPSHOT', WriteConflict, /stayed locked/],
    ['SQLITE_LOCKED', WriteConflict, /stayed locked/],
    ['SQLITE_READONLY', InvalidInput, /x\.db is read-only/],
    ['SQLITE_READONLY_DIRECTORY', InvalidInput, /read-only/],
    ['SQLITE_FULL', InvalidInput, /the disk holding x\.db is full; nothing was written/],
    ['SQLITE_CORRUPT', IntegrityFailure, /x\.db is damaged/],
    ['SQLITE_NOTADB', IntegrityFailure, /x\.db is not a readable SQLite database/],
    ['SQLITE_IOERR_SHORT_READ', IntegrityFailure, /cannot read or write x\.db/],
    ['SQLITE_CONSTRAINT_FOREIGNKEY', IntegrityFailure, /a constraint of the database refused the write/],
  ] as const)('%s', (code, type, text) => {
    const t = translateSqliteError(sqliteError(code), 'x.db');
    expect(t).toBeInstanceOf(type);
    expect((t as Error).message).toMatch(text);
  });

  it('leaves irr errors and non-SQLite errors alone', () => {
    const irrError = new InvalidInput('x');
    expect(translateSqliteError(irrError, 'x.db')).toBe(irrError);
    const plain = new Error('boom');
    expect(translateSqliteError(plain, 'x.db')).toBe(plain);
  });
});

async function fresh(): Promise<{ db: string; engine: Engine; id: string }> {
  const db = join(tempDir(), 'irr.db');
  const engine = new Engine(EventStore.open(db, { create: true }), systemClock);
  const { incident } = await engine.open({ playbook: loadRunbookFile(MINI), title: 'Integrity', who: engine.who('alice') });
  await engine.execute(incident, (l) => decide.recordFacts(l.ctx, l.phase, engine.who('alice'), { subjects_total: 3, aware_at: '2026-11-01T09:00:00.000Z' }));
  await engine.execute(incident, () => decide.addNote(engine.who('alice'), 'a note'));
  return { db, engine, id: incident };
}

describe('replay and hash failures are IntegrityFailure (exit 5), never a plain Error', () => {
  it('an event the lifecycle refuses, chained with a valid hash: status, verify and the next write exit 5', async () => {
    const { db, engine, id } = await fresh();
    const head = engine.store.head(id);
    engine.store.close();
    const raw = new Database(db);
    const forged = { incident: id, seq: head.seq + 1, type: 'incident.closed', at: '2026-11-02T00:00:00.000Z', recorded_at: '2026-11-02T00:00:00.000Z', actor: 'mallory', payload: {} };
    raw.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(id, forged.seq, forged.type, forged.at, forged.recorded_at, forged.actor, '{}', head.hash, eventHash(head.hash, forged));
    raw.close();
    const status = irr(['status', id], { db });
    expect(status.code).toBe(5);
    expect(status.stderr).toMatch(/replay failed: event 4 \(incident\.closed\) is not accepted by the lifecycle/);
    expect(irr(['verify', id], { db }).stderr).toMatch(/at seq 4: replay failed/);
    expect(irr(['note', id, 'x'], { db }).code).toBe(5);
  });
});

describe('a schema-1 database written by the previous irr', () => {
  it('is read read-only without its snapshots, migrated by the first write, and verifies (payloads stored non-canonical)', async () => {
    const { db, engine, id } = await fresh();
    engine.store.close();
    // Make it what irr 0.1 wrote: payload text as JSON.stringify (keys in insertion order) but each
    // hash computed over the canonical form, no sealed snapshots, schema 1.
    const raw = new Database(db);
    raw.exec('DROP TRIGGER events_append_only_update');
    const rows = raw.prepare('SELECT * FROM events WHERE incident = ? ORDER BY seq').all(id) as Record<string, string | number>[];
    expect(canonicalJson(JSON.parse(rows[0]!.payload as string))).not.toBe(rows[0]!.payload);
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const hash = eventHash(prev, { ...(r as never), payload: JSON.parse(r.payload as string) });
      raw.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE incident = ? AND seq = ?').run(prev, hash, id, r.seq);
      prev = hash;
    }
    raw.exec("CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events\n        BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END");
    raw.exec('ALTER TABLE snapshots DROP COLUMN head_hash; ALTER TABLE snapshots DROP COLUMN state_sha256;');
    // Schema 4's signatures (its triggers go with the table) and index did not exist either.
    raw.exec('DROP TABLE signatures; DROP INDEX events_by_type');
    raw.exec('DROP TABLE moved_incidents; DELETE FROM schema_migrations WHERE version >= 2');
    raw.pragma('user_version = 1');
    raw.close();
    const ro = new Engine(EventStore.open(db, { create: false, readonly: true }), systemClock);
    expect((await ro.load(id)).state.seq).toBe(3);
    expect((await verifyIncident(ro, id)).ok).toBe(true);
    expect(ro.store.schemaVersion()).toBe(1);
    ro.store.close();
    const w = irr(['note', id, 'after the upgrade'], { db });
    expect(w.code, w.stderr).toBe(0);
    const v = irr(['verify', id], { db });
    expect(v.code, v.stderr).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT head_hash IS NOT NULL AS sealed FROM snapshots WHERE incident = ?').get(id)).toEqual({ sealed: 1 });
    check.close();
  });
});

describe('a schema-2 database written before moved incidents existed', () => {
  it('is read read-only as before (nothing counts as moved), and migrated by the first write', async () => {
    const { chmodSync } = await import('node:fs');
    const db = join(tempDir(), 'v2.db');
    const o = irr(['open', '--playbook', MINI, '--title', 'Old file'], { db });
    expect(o.code, o.stderr).toBe(0);
    const id = o.stdout.trim();
    const raw = new Database(db);
    raw.exec('DROP TABLE signatures; DROP INDEX events_by_type');
    raw.exec('DROP TABLE moved_incidents; DELETE FROM schema_migrations WHERE version >= 3');
    raw.pragma('user_version = 2');
    raw.close();
    chmodSync(db, 0o444);
    const s = irr(['status', id], { db });
    expect(s.code, s.stderr).toBe(0);
    expect(irr(['verify', id], { db }).code).toBe(0);
    chmodSync(db, 0o600);
    const w = irr(['note', id, 'upgraded'], { db });
    expect(w.code, w.stderr).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});

describe('a schema-3 database written before signatures existed', () => {
  it('is read read-only (no signatures, no signature triggers expected), and migrated by the first write', async () => {
    const { chmodSync } = await import('node:fs');
    const db = join(tempDir(), 'v3.db');
    const o = irr(['open', '--playbook', MINI, '--title', 'Old file'], { db });
    expect(o.code, o.stderr).toBe(0);
    const id = o.stdout.trim();
    const raw = new Database(db);
    raw.exec('DROP TABLE signatures; DROP INDEX events_by_type; DELETE FROM schema_migrations WHERE version >= 4');
    raw.pragma('user_version = 3');
    raw.close();
    chmodSync(db, 0o444);
    const v = irr(['verify', id], { db });
    expect(v.code, v.stderr).toBe(0);
    chmodSync(db, 0o600);
    expect(irr(['note', id, 'upgraded'], { db }).code).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name LIKE 'signatures%'").get()).toEqual({ n: 3 });
    check.close();
    expect(irr(['verify', id], { db }).code).toBe(0);
  });
});
