/**
 * One contract, both drivers of the store port: SQLite (a file) and PostgreSQL (the throwaway
 * server of test/pg/global-setup.ts). What the engine relies on must hold on each.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/events.js';
import { contentHash, eventBody, GENESIS_HASH, hashBody } from '../../src/store/hash.js';
import { ChainWalk, type EventRow } from '../../src/store/integrity.js';
import { openStore, type StorePort } from '../../src/store/port.js';
import { StaleHead } from '../../src/store/stale-head.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { Engine } from '../../src/engine/engine.js';
import { systemClock } from '../../src/clocks/wall.js';
import { translatePgError } from '../../src/store/postgres/pg-errors.js';
import { MINI, tempDir } from '../helpers.js';
import { loadRunbookFile } from '../../src/playbook/runbook.js';
import { generateKeyPairSync, sign } from 'node:crypto';
import { fingerprintOf, signatureProblem, type Signer } from '../../src/store/signature.js';
import { adminOf, asRole as asRoleUrl, freshPgDatabase, pgAvailable } from '../pg/pg.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { IntegrityFailure } from '../../src/domain/errors.js';

interface Driver {
  readonly name: string;
  /** A new, empty database: its --db value. */
  fresh(): Promise<string>;
  /** Run SQL around the driver, as someone with the file or the owner's password would. */
  raw(db: string, sql: string): Promise<void>;
  /** The same, with the append-only triggers out of the way for `sql` and put back after it (a careful tamperer). */
  tamper(db: string, sql: string): Promise<void>;
  /** Take one append-only trigger of events away and leave it so; returns the name verify reports. */
  dropGuard(db: string): Promise<string>;
}

/** SQLite's append-only triggers as the migrations create them (a tamperer drops and restores them). */
const SQLITE_TRIGGERS = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TRIGGER (\w+)[\s\S]*?END;/g)].map((t) => ({ name: t[1]!, sql: t[0] })));

const sqlite: Driver = {
  name: 'sqlite',
  fresh: async () => join(tempDir(), 'irr.db'),
  raw: async (db, sql) => {
    const d = new Database(db);
    try {
      d.exec(sql);
    } finally {
      d.close();
    }
  },
  tamper: async (db, sql) => {
    const d = new Database(db);
    try {
      d.pragma('foreign_keys = OFF');
      for (const t of SQLITE_TRIGGERS) d.exec(`DROP TRIGGER IF EXISTS ${t.name}`);
      d.exec(sql);
      for (const t of SQLITE_TRIGGERS) d.exec(t.sql);
    } finally {
      d.close();
    }
  },
  dropGuard: async (db) => {
    await sqlite.raw(db, 'DROP TRIGGER events_append_only_update');
    return 'events_append_only_update';
  },
};

const pg: Driver = {
  name: 'postgres',
  fresh: freshPgDatabase,
  raw: async (db, sql) => {
    const a = adminOf(db);
    try {
      await a.unsafe(sql);
    } finally {
      await a.end();
    }
  },
  tamper: async (db, sql) => pg.raw(db, `ALTER TABLE events DISABLE TRIGGER USER; ALTER TABLE incidents DISABLE TRIGGER USER; ${sql}; ALTER TABLE events ENABLE TRIGGER USER; ALTER TABLE incidents ENABLE TRIGGER USER;`),
  dropGuard: async (db) => {
    await pg.raw(db, 'ALTER TABLE events DISABLE TRIGGER events_append_only');
    return 'events_append_only';
  },
};

const content = JSON.stringify({ id: 'contract', version: '1' });
const PLAYBOOK = { hash: contentHash(content), id: 'contract', version: '1', content, source: 'id: contract\n' };

const opened = (id: string, sha: string): NewEvent =>
  ({ type: 'incident.opened', at: new Date().toISOString(), actor: 'alice', payload: { title: 'Contract', mode: 'real', playbook: { id: 'contract', version: '1', hash: PLAYBOOK.hash, source_sha256: sha } } }) as NewEvent;
const note = (actor: string, text: string): NewEvent => ({ type: 'note.added', at: new Date().toISOString(), actor, payload: { text } }) as NewEvent;

/** A responder's Ed25519 key as the store sees it: a signer, and the event that registers it. */
function keyOf(actor: string): { signer: Signer; registered: NewEvent } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const fingerprint = fingerprintOf(publicKey);
  return {
    signer: { actor, fingerprint, sign: (st: string) => sign(null, Buffer.from(st, 'utf8'), privateKey).toString('base64') },
    registered: { type: 'key.registered', at: new Date().toISOString(), actor, payload: { algorithm: 'ed25519', public_key: publicKey.export({ type: 'spki', format: 'pem' }) as string, fingerprint } } as NewEvent,
  };
}

const open: StorePort[] = [];
async function init(db: string): Promise<StorePort> {
  const s = await openStore(db, { create: true });
  open.push(s);
  return s;
}
afterAll(async () => {
  for (const s of open) await s.close().catch(() => undefined);
});

async function openOne(store: StorePort): Promise<string> {
  const ev = await store.openIncident({ prefix: 'INC', year: 2026, title: 'Contract', mode: 'real', playbook: PLAYBOOK, opened });
  return ev.incident;
}

/** The chain as stored re-hashed from the first row: the problem, or undefined when sound. */
function chainProblem(rows: readonly EventRow[]): string | undefined {
  const walk = new ChainWalk();
  for (const r of rows) {
    const p = walk.next(r);
    if (p) return p.problem;
  }
  return undefined;
}

const cases: { name: string; run: (d: Driver) => Promise<void> }[] = [
  {
    name: 'init creates the schema on an empty database; opening one without init is refused',
    run: async (d) => {
      const db = await d.fresh();
      if (d.name === 'sqlite') await sqlite.raw(db, ''); // an empty file
      await expect(openStore(db, { create: false })).rejects.toThrow(/irr init/);
      const s = await init(db);
      expect(await s.schemaVersion()).toBeGreaterThanOrEqual(1);
      expect(await s.incidents()).toEqual([]);
    },
  },
  {
    name: 'a database holding someone else’s tables is refused, nothing changed',
    run: async (d) => {
      const db = await d.fresh();
      await d.raw(db, 'CREATE TABLE other (x integer)');
      await expect(openStore(db, { create: true })).rejects.toThrow(/not an irr database/);
    },
  },
  {
    name: 'incident ids are allocated per year, one each, also for openers racing',
    run: async (d) => {
      const db = await d.fresh();
      const stores = await Promise.all(Array.from({ length: 4 }, () => init(db)));
      const ids = await Promise.all(stores.flatMap((s) => [openOne(s), openOne(s)]));
      expect(new Set(ids).size).toBe(8);
      expect([...ids].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `INC-2026-${String(i + 1).padStart(4, '0')}`));
    },
  },
  {
    name: 'events chain by SHA-256 over the payload text exactly as stored (key order kept)',
    run: async (d) => {
      const s = await init(await d.fresh());
      const id = await openOne(s);
      const head = await s.head(id);
      const payload = { zeta: 1, alpha: 'é\u0000"', text: 'x' };
      const [stored] = await s.append(id, head, [{ type: 'note.added', at: '2026-01-01T00:00:00.000Z', actor: 'bob', payload } as unknown as NewEvent]);
      expect(stored!.seq).toBe(2);
      expect(stored!.prev_hash).toBe(head.hash);
      const rows = await s.rawEvents(id);
      expect(rows.map((r) => r.seq)).toEqual([1, 2]);
      expect(rows[1]!.payload).toBe(JSON.stringify(payload));
      expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
      expect(chainProblem(rows)).toBeUndefined();
      expect((await s.head(id)).hash).toBe(stored!.hash);
      expect((await s.events(id, 1))[0]!.payload).toEqual(payload);
    },
  },
  {
    name: 'recorded_at is written by the store (an ISO instant of now) unless a drill time is given',
    run: async (d) => {
      const s = await init(await d.fresh());
      const id = await openOne(s);
      const before = Date.now();
      const [a] = await s.append(id, await s.head(id), [note('bob', 'now')]);
      const [b] = await s.append(id, await s.head(id), [note('bob', 'drill')], { recordedAt: '2026-03-01T09:00:00.000Z' });
      expect(a!.recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Math.abs(Date.parse(a!.recorded_at) - before)).toBeLessThan(5_000);
      expect(b!.recorded_at).toBe('2026-03-01T09:00:00.000Z');
      expect(chainProblem(await s.rawEvents(id))).toBeUndefined();
    },
  },
  {
    name: 'an append against a stale head is refused (StaleHead) and writes nothing',
    run: async (d) => {
      const s = await init(await d.fresh());
      const id = await openOne(s);
      const head = await s.head(id);
      await s.append(id, head, [note('bob', 'first')]);
      await expect(s.append(id, head, [note('carol', 'second'), note('carol', 'third')])).rejects.toBeInstanceOf(StaleHead);
      // A head that is ahead of the log would leave a gap: refused too.
      await expect(s.append(id, { seq: 9, hash: head.hash }, [note('carol', 'gap')])).rejects.toBeInstanceOf(StaleHead);
      expect((await s.rawEvents(id)).map((r) => r.actor)).toEqual(['alice', 'bob']);
    },
  },
  {
    name: 'UPDATE and DELETE of events are refused by the database itself',
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      await expect(d.raw(db, `UPDATE events SET actor = 'mallory' WHERE incident = '${id}'`)).rejects.toThrow(/append-only/);
      await expect(d.raw(db, `DELETE FROM events WHERE incident = '${id}'`)).rejects.toThrow(/append-only/);
      await expect(d.raw(db, `DELETE FROM incidents WHERE id = '${id}'`)).rejects.toThrow(/immutable|append-only/);
      expect((await s.rawEvents(id)).map((r) => r.actor)).toEqual(['alice']);
    },
  },
  {
    name: '8 writers × 25 events: nothing lost, duplicated or reordered; the chain holds',
    run: async (d) => {
      const db = await d.fresh();
      const first = await init(db);
      const id = await openOne(first);
      const writers = await Promise.all(Array.from({ length: 8 }, () => init(db)));
      const PER = 25;
      await Promise.all(
        writers.map(async (w, n) => {
          for (let i = 0; i < PER; i++) {
            for (let attempt = 0; ; attempt++) {
              try {
                await w.append(id, await w.head(id), [note(`w${n}`, String(i))]);
                break;
              } catch (err) {
                if (!(err instanceof StaleHead) || attempt > 200) throw err;
              }
            }
          }
        }),
      );
      const rows = await first.rawEvents(id);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 8 * PER + 1 }, (_, i) => i + 1));
      expect(chainProblem(rows)).toBeUndefined();
      for (let n = 0; n < 8; n++) {
        const mine = rows.filter((r) => r.actor === `w${n}`).map((r) => (JSON.parse(r.payload) as { text: string }).text);
        expect(mine).toEqual(Array.from({ length: PER }, (_, i) => String(i)));
      }
    },
  },
  {
    name: '8 engines × 25 commands: nothing lost, duplicated or reordered; losers queue (at most one lost race per writer, never a give-up)',
    run: async (d) => {
      const db = await d.fresh();
      const first = await init(db);
      const { incident: id } = await new Engine(first, systemClock).open({ playbook: loadRunbookFile(MINI), title: 'Contention', who: { actor: 'alice', at: new Date().toISOString() } });
      const writers = await Promise.all(Array.from({ length: 8 }, () => init(db)));
      const PER = 25;
      await Promise.all(
        writers.map(async (w, n) => {
          const engine = new Engine(w, systemClock);
          for (let i = 0; i < PER; i++) await engine.execute(id, () => [note(`w${n}`, String(i))]);
        }),
      );
      const rows = await first.rawEvents(id);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 8 * PER + 1 }, (_, i) => i + 1));
      expect(chainProblem(rows)).toBeUndefined();
      for (let n = 0; n < 8; n++) {
        const mine = rows.filter((r) => r.actor === `w${n}`).map((r) => (JSON.parse(r.payload) as { text: string }).text);
        expect(mine).toEqual(Array.from({ length: PER }, (_, i) => String(i)));
      }
      // Each writer loses at most once before it queues; once queued it holds the incident's lock,
      // which every other writer's irr_append waits for, so it never loses again: at most one lost
      // race per writer, whatever the number of commands.
      const lost = writers.reduce((a, w) => a + (w instanceof PgStore ? w.retries : 0), 0);
      expect(lost).toBeLessThanOrEqual(8);
    },
  },
  {
    name: 'signatures: written beside the events in the append transaction, checked against the registered keys; the hashes unchanged',
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      const bob = keyOf('bob');
      const carol = keyOf('carol');
      await s.append(id, await s.head(id), [bob.registered], { signers: [bob.signer] });
      await s.append(id, await s.head(id), [note('bob', 'signed'), note('dave', 'no key, unsigned')], { signers: [bob.signer] });
      await s.append(id, await s.head(id), [carol.registered, note('carol', 'signed too')], { signers: [carol.signer] });
      const rows = await s.rawEvents(id);
      const sigs = await s.signatures(id);
      expect(sigs.map((x) => [x.seq, x.fingerprint])).toEqual([
        [2, bob.signer.fingerprint],
        [3, bob.signer.fingerprint],
        [5, carol.signer.fingerprint],
        [6, carol.signer.fingerprint],
      ]);
      expect(chainProblem(rows)).toBeUndefined();
      expect(signatureProblem(rows, sigs)).toBeUndefined();
      // A registered actor without a signer is refused, and nothing is written.
      await expect(s.append(id, await s.head(id), [note('bob', 'unsigned')])).rejects.toThrow(/bob registered a signing key .* must be signed/);
      expect((await s.rawEvents(id)).length).toBe(6);
      // The signatures are append-only too.
      await expect(d.raw(db, `DELETE FROM signatures WHERE incident = '${id}'`)).rejects.toThrow(/append-only/);
      // A signature no longer matching its event is named (a rewritten hash).
      const forged = rows.map((r) => (r.seq === 3 ? { ...r, hash: 'f'.repeat(64) } : r));
      expect(signatureProblem(forged, sigs)?.problem).toMatch(/^seq 3 \(note\.added, by bob\): the signature by key .* does not match the event/);
    },
  },
  // ---- the re-checks every append makes, for a writer that stays open (the console, drills, the
  // benchmark): what it checked before must not be trusted after someone edited the log.
  {
    name: 'a long-lived writer: the row at the head it wrote, edited behind its back, refuses its next append (exit 5), nothing written',
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      const [mine] = await s.append(id, await s.head(id), [note('bob', 'the truth')]);
      await d.tamper(db, `UPDATE events SET payload = '{"text":"a lie"}' WHERE incident = '${id}' AND seq = 2`);
      const err = await s.append(id, { seq: 2, hash: mine!.hash }, [note('bob', 'after')]).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityFailure);
      expect(String(err)).toMatch(/integrity failure in INC-2026-0001 at seq 2: seq 2 \(note\.added\) was altered after it was written/);
      expect((await s.rawEvents(id)).length).toBe(2);
    },
  },
  {
    name: 'a long-lived writer: an old row (before the head it checked) edited with the triggers put back refuses its next append, nothing written',
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      for (const text of ['one', 'two', 'three']) await s.append(id, await s.head(id), [note('bob', text)]);
      const head = await s.head(id);
      await d.tamper(db, `UPDATE events SET payload = '{"text":"not one"}' WHERE incident = '${id}' AND seq = 2`);
      await expect(s.append(id, head, [note('bob', 'four')])).rejects.toThrow(/integrity failure in INC-2026-0001 at seq 2: seq 2 \(note\.added\) was altered/);
      expect((await s.rawEvents(id)).length).toBe(4);
    },
  },
  {
    name: 'a long-lived writer: a row forged after its head by someone else (a wrong hash) refuses its next append, nothing written',
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      const [mine] = await s.append(id, await s.head(id), [note('bob', 'mine')]);
      await d.raw(
        db,
        `INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash) VALUES ('${id}', 3, 'note.added', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'mallory', '{"text":"forged"}', '${mine!.hash}', '${'f'.repeat(64)}')`,
      );
      await expect(s.append(id, { seq: 3, hash: 'f'.repeat(64) }, [note('bob', 'after')])).rejects.toThrow(/integrity failure in INC-2026-0001 at seq 3: seq 3 \(note\.added\) was altered/);
      expect((await s.rawEvents(id)).length).toBe(3);
    },
  },
  {
    name: 'a long-lived writer: an append-only trigger taken away refuses its next append, naming it; nothing written',
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      await s.append(id, await s.head(id), [note('bob', 'one')]);
      const name = await d.dropGuard(db);
      const err = await s.append(id, await s.head(id), [note('bob', 'two')]).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityFailure);
      expect(String(err)).toMatch(new RegExp(`trigger ${name} is (missing|disabled)`));
      expect((await s.rawEvents(id)).length).toBe(2);
    },
  },
  {
    name: "a long-lived writer: the incidents row edited (title) refuses its next append (the bindings), nothing written",
    run: async (d) => {
      const db = await d.fresh();
      const s = await init(db);
      const id = await openOne(s);
      await s.append(id, await s.head(id), [note('bob', 'one')]);
      await d.tamper(db, `UPDATE incidents SET title = 'Nothing happened' WHERE id = '${id}'`);
      await expect(s.append(id, await s.head(id), [note('bob', 'two')])).rejects.toThrow(/integrity failure in INC-2026-0001 at seq 1: the incidents row's title \("Nothing happened"\) differs/);
      expect((await s.rawEvents(id)).length).toBe(2);
    },
  },
  {
    name: 'an engine that knew of no signing key: a key registered meanwhile by another writer still refuses its unsigned command, nothing written',
    run: async (d) => {
      const db = await d.fresh();
      const first = await init(db);
      const engine = new Engine(first, systemClock);
      const { incident: id } = await engine.open({ playbook: loadRunbookFile(MINI), title: 'Keys', who: { actor: 'bob', at: new Date().toISOString() } });
      await engine.execute(id, () => [note('bob', 'before the key')]);
      const other = await init(db);
      const bob = keyOf('bob');
      await other.append(id, await other.head(id), [bob.registered], { signers: [bob.signer] });
      await expect(engine.execute(id, () => [note('bob', 'unsigned')])).rejects.toThrow(/bob registered a signing key in .* must be signed/);
      expect((await first.rawEvents(id)).map((r) => r.type)).toEqual(['incident.opened', 'note.added', 'key.registered']);
    },
  },
];

describe.each([sqlite])('store contract: $name', (d) => {
  for (const c of cases) it(c.name, () => c.run(d));
});

if (pgAvailable(import.meta.filename, cases.length + 11)) {
  describe.each([pg])('store contract: $name', (d) => {
    for (const c of cases) it(c.name, () => c.run(d));
  });

  describe('postgres: live consoles', () => {
    it("an engine hears another client's append (ids only, then a read), and not its own", async () => {
      const db = await freshPgDatabase();
      const a = new Engine(await init(db), systemClock);
      const { incident: id } = await a.open({ playbook: loadRunbookFile(MINI), title: 'Live', who: { actor: 'alice', at: new Date().toISOString() } });
      await a.load(id);
      const b = new Engine(await init(db), systemClock);
      const heard: number[] = [];
      let wake: () => void = () => undefined;
      const unsubscribe = await a.subscribe(id, (seq) => {
        heard.push(seq);
        wake();
      });
      const arrived = new Promise<void>((r) => (wake = r));
      const t0 = performance.now();
      await b.execute(id, () => [note('bob', 'from the other console')]);
      await Promise.race([arrived, new Promise((_, rej) => setTimeout(() => rej(new Error('no notification within 10 s')), 10_000))]);
      const latency = performance.now() - t0;
      expect(heard).toEqual([2]);
      // What the notice carried is enough to read the change, with this client's own rights.
      expect((await a.load(id)).head.seq).toBe(2);
      // Our own append is not "another responder".
      await a.execute(id, () => [note('alice', 'mine')]);
      await new Promise((r) => setTimeout(r, 300));
      expect(heard).toEqual([2]);
      await unsubscribe();
      console.log(`live update latency (append committed by one client → the other's callback): ${latency.toFixed(1)} ms`);
    });
  });

  describe('postgres: irr_append, the write half of an append (migration 6), called directly', () => {
    /** A row as the client hashes it, after `prev`. */
    function row(id: string, prev: { seq: number; hash: string }, text: string) {
      const fields = { incident: id, seq: prev.seq + 1, type: 'note.added', at: '2026-01-01T00:00:00.000Z', recorded_at: '2026-01-01T00:00:01.000Z', actor: 'bob' };
      const payload = JSON.stringify({ text });
      const { incident: _incident, ...rest } = fields;
      return { ...rest, payload, prev_hash: prev.hash, hash: hashBody(prev.hash, eventBody(fields, payload)) };
    }
    async function call(db: string, id: string, expected: { seq: number; hash: string }, rows: unknown[]): Promise<string> {
      const a = adminOf(db);
      try {
        const [r] = await a<{ outcome: string }[]>`SELECT irr_append(${id}, ${expected.seq}, ${expected.hash}, ${JSON.stringify(rows)}::text, NULL, NULL, NULL) AS outcome`;
        return r!.outcome;
      } finally {
        await a.end();
      }
    }
    async function fresh(): Promise<{ db: string; s: StorePort; id: string; head: { seq: number; hash: string } }> {
      const db = await freshPgDatabase();
      const s = await init(db);
      const id = await openOne(s);
      return { db, s, id, head: await s.head(id) };
    }

    it('writes the rows it is given after the head it is told, and they chain', async () => {
      const { db, s, id, head } = await fresh();
      const r2 = row(id, head, 'two');
      expect(await call(db, id, head, [r2, row(id, r2, 'three')])).toBe('ok');
      const rows = await s.rawEvents(id);
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(chainProblem(rows)).toBeUndefined();
    });

    it('a head that moved: answered stale with the head it found, nothing written', async () => {
      const { db, s, id, head } = await fresh();
      await s.append(id, head, [note('bob', 'first')]);
      expect(await call(db, id, head, [row(id, head, 'late')])).toBe('stale 2');
      expect((await s.rawEvents(id)).length).toBe(2);
    });

    it('a row of the batch on a seq already taken: IR002, and no row of the batch is written', async () => {
      const { db, s, id, head } = await fresh();
      const [two] = await s.append(id, head, [note('bob', 'two')]);
      const now = { seq: 2, hash: two!.hash };
      const fresh3 = row(id, now, 'three');
      const taken = { ...row(id, head, 'again two') };
      const err = await call(db, id, now, [fresh3, taken]).then(() => undefined, (e: unknown) => e);
      expect((err as { code?: string }).code).toBe('IR002');
      expect((await s.rawEvents(id)).length).toBe(2);
    });

    it('an incidents row edited behind its back: answered bindings, nothing written', async () => {
      const { db, s, id, head } = await fresh();
      await pg.tamper(db, `UPDATE incidents SET mode = 'drill' WHERE id = '${id}'`);
      expect(await call(db, id, head, [row(id, head, 'two')])).toBe('bindings');
      expect((await s.rawEvents(id)).length).toBe(1);
    });

    it('an append-only trigger disabled: answered triggers, nothing written', async () => {
      const { db, s, id, head } = await fresh();
      await pg.raw(db, 'ALTER TABLE signatures DISABLE TRIGGER signatures_no_truncate');
      expect(await call(db, id, head, [row(id, head, 'two')])).toBe('triggers');
      expect((await s.rawEvents(id)).length).toBe(1);
    });

    it('as a responder for someone else: refused by row-level security (the function runs as its caller)', async () => {
      const { db, s, id, head } = await fresh();
      const role = `t_fn_${Math.random().toString(36).slice(2, 8)}`;
      await pg.raw(db, `CREATE ROLE ${role} LOGIN IN ROLE irr_responder`);
      const err = await call(asRoleUrl(db, role), id, head, [row(id, head, 'as bob')]).then(() => undefined, (e: unknown) => e);
      expect((err as { code?: string }).code).toBe('42501');
      expect((await s.rawEvents(id)).length).toBe(1);
    });
  });

  describe('postgres: roles decide what a responder may do', () => {
    async function withRole(group: string): Promise<{ db: string; admin: StorePort; id: string; role: string; as: StorePort }> {
      const db = await freshPgDatabase();
      const admin = await init(db);
      const id = await openOne(admin);
      await admin.append(id, await admin.head(id), [{ type: 'facts.recorded', at: new Date().toISOString(), actor: 'alice', payload: { facts: { records: 10 } } } as unknown as NewEvent, note('alice', 'secret')]);
      const role = `t_${group}_${Math.random().toString(36).slice(2, 8)}`;
      await pg.raw(db, `CREATE ROLE ${role} LOGIN IN ROLE ${group}`);
      const u = new URL(db);
      u.username = role;
      const as = await openStore(u.toString(), { create: false });
      open.push(as);
      return { db, admin, id, role, as };
    }

    it('a responder appends as itself only, and has no UPDATE or DELETE on events', async () => {
      const { db, id, role, as } = await withRole('irr_responder');
      await expect(as.append(id, await as.head(id), [note('alice', 'as someone else')])).rejects.toThrow(/may not/);
      const [mine] = await as.append(id, await as.head(id), [note(role, 'as myself')]);
      expect(mine!.actor).toBe(role);
      const u = new URL(db);
      u.username = role;
      const direct = adminOf(u.toString());
      try {
        const err = await direct.unsafe(`UPDATE events SET actor = 'x'`).then(() => undefined, (e: unknown) => e);
        expect(String(translatePgError(err, 'test'))).toMatch(/role may not/);
        await expect(direct.unsafe(`DELETE FROM events`)).rejects.toThrow(/permission denied/);
      } finally {
        await direct.end();
      }
    });

    it('comms reads the timeline but not facts or notes: no grant on events, the comms_events view instead (migration 8)', async () => {
      const { id, as } = await withRole('irr_comms');
      await expect(as.rawEvents(id)).rejects.toThrow(/the comms role \(irr_comms\) reads the timeline and the notices/);
      const { headers, rows } = await (as as PgStore).redactedLog(id);
      expect(headers.map((h) => h.type)).toEqual(['incident.opened', 'facts.recorded', 'note.added']);
      expect(rows.map((r) => [r.type, r.withheld])).toEqual([['incident.opened', []]]);
    });

    it('an auditor reads everything and can write nothing', async () => {
      const { id, as } = await withRole('irr_auditor');
      expect((await as.rawEvents(id)).map((r) => r.type)).toEqual(['incident.opened', 'facts.recorded', 'note.added']);
      await expect(as.append(id, await as.head(id), [note('x', 'no')])).rejects.toThrow(/may not/);
    });

    it('the owner is refused by the triggers too, with a clear error', async () => {
      const { db } = await withRole('irr_auditor');
      const a = adminOf(db);
      try {
        const err = await a.unsafe('TRUNCATE events').then(() => undefined, (e: unknown) => e);
        expect(String(translatePgError(err, 'test'))).toMatch(/append-only: TRUNCATE refused/);
      } finally {
        await a.end();
      }
    });
  });
}
