/**
 * Issue 15, least privilege on the team server, against the real (throwaway) PostgreSQL server:
 * incident ids are allocated only by the schema owner's functions (PostgreSQL migration 7), so a
 * team role can neither rewind nor move on a counter (an id handed out twice, or a gap that verify
 * would report as an incident deleted whole); a snapshot another member wrote is never served
 * (migration 9), so a made-up cached state cannot stand in for the log.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/events.js';
import { contentHash } from '../../src/store/hash.js';
import { openStore, type StorePort } from '../../src/store/port.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/store/postgres/pg-migrations.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { snapshotSeal } from '../../src/store/integrity.js';
import { irr, tempDir } from '../helpers.js';
import { pgBackend, pgSync } from '../pg/backend.js';
import { adminOf, asRole, freshPgDatabase, pgAvailable } from '../pg/pg.js';

const content = JSON.stringify({ id: 'roles', version: '1' });
const PLAYBOOK = { hash: contentHash(content), id: 'roles', version: '1', content, source: 'id: roles\n' };
const opened = (actor: string) => (_id: string, sha: string): NewEvent =>
  ({ type: 'incident.opened', at: new Date().toISOString(), actor, payload: { title: 'Roles', mode: 'real', playbook: { id: 'roles', version: '1', hash: PLAYBOOK.hash, source_sha256: sha } } }) as NewEvent;

const stores: StorePort[] = [];
async function connect(db: string): Promise<StorePort> {
  const s = await openStore(db, { create: true });
  stores.push(s);
  return s;
}
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
});

async function openAs(store: StorePort, actor: string): Promise<string> {
  return (await store.openIncident({ prefix: 'INC', year: 2026, title: 'Roles', mode: 'real', playbook: PLAYBOOK, opened: opened(actor) })).incident;
}

/** The SQLSTATE a statement run on `url` fails with ('' when it succeeds). */
async function sqlState(url: string, run: (sql: ReturnType<typeof adminOf>) => Promise<unknown>): Promise<string> {
  const sql = adminOf(url);
  try {
    await run(sql);
    return '';
  } catch (err) {
    return err !== null && typeof err === 'object' && 'code' in err ? String(err.code) : String(err);
  } finally {
    await sql.end();
  }
}

async function superuser<T>(db: string, run: (sql: ReturnType<typeof adminOf>) => Promise<T>): Promise<T> {
  const sql = adminOf(db);
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

const counters = (db: string) => superuser(db, async (sql) => [...(await sql<{ stem: string; n: number }[]>`SELECT stem, n FROM incident_counters ORDER BY stem`)]);
const problems = async (store: StorePort) => (await (store as PgStore).databaseRead()).problems;

let made = 0;
async function member(db: string, group: string): Promise<string> {
  const role = `t_${group.slice(4)}_${process.pid}_${++made}`;
  await superuser(db, (sql) => sql.unsafe(`CREATE ROLE ${role} LOGIN IN ROLE ${group}`));
  return role;
}

if (pgAvailable(import.meta.filename, 6)) {
  describe('postgres: incident ids are allocated by the schema owner only (migration 7)', () => {
    it('a responder cannot UPDATE, INSERT or DELETE incident_counters (permission denied); the counter is unchanged', async () => {
      const db = await freshPgDatabase();
      await connect(db);
      const role = await member(db, 'irr_responder');
      const responder = await connect(asRole(db, role));
      expect(await openAs(responder, role)).toBe('INC-2026-0001');
      const url = asRole(db, role);
      expect(await sqlState(url, (sql) => sql`UPDATE incident_counters SET n = 0`)).toBe('42501');
      expect(await sqlState(url, (sql) => sql`INSERT INTO incident_counters (stem, n) VALUES ('INC-2027-', 5)`)).toBe('42501');
      expect(await sqlState(url, (sql) => sql`DELETE FROM incident_counters`)).toBe('42501');
      expect(await sqlState(url, (sql) => sql`INSERT INTO pushed_incidents (id, counter_before) VALUES ('INC-2026-0009', 1)`)).toBe('42501');
      expect(await counters(db)).toEqual([{ stem: 'INC-2026-', n: 1 }]);
      // What the driver runs, refused with one line naming the rule, not a raw driver error.
      await expect((responder as PgStore).openIncident({ prefix: 'INC', year: 2026, title: 'x', mode: 'real', playbook: PLAYBOOK, opened: opened('someone') })).rejects.toThrow(/row-level security|may not/);
      expect(await counters(db)).toEqual([{ stem: 'INC-2026-', n: 1 }]);
    });

    it('nor allocate an id without its incident, open an incident under an id of its choosing, or record a push without one; comms and auditors cannot allocate at all', async () => {
      const db = await freshPgDatabase();
      const owner = await connect(db);
      expect(await openAs(owner, 'alice')).toBe('INC-2026-0001');
      const role = await member(db, 'irr_responder');
      const url = asRole(db, role);
      // An id taken and thrown away would be a gap verify reports as an incident deleted whole.
      expect(await sqlState(url, (sql) => sql`SELECT irr_allocate_incident_id('INC-2026-')`)).toBe('IR003');
      // A far id of its own: every id before it would look deleted.
      expect(
        await sqlState(url, (sql) => sql`INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES ('INC-2026-0500', 'x', 'real', ${PLAYBOOK.hash}, '2026-01-01T00:00:00.000Z')`),
      ).toBe('IR003');
      // A push recorded for an incident never pushed: the counter moved past ids nobody has.
      expect(await sqlState(url, (sql) => sql`SELECT irr_record_pushed_id('INC-2026-0400')`)).toBe('IR003');
      // The functions' search path is pinned: a temporary table named incidents does not stand in for the real one.
      expect(
        await sqlState(url, (sql) =>
          sql.begin(async (tx) => {
            await tx`CREATE TEMP TABLE incidents (id text)`;
            await tx`INSERT INTO pg_temp.incidents VALUES ('INC-2026-0002')`;
            await tx`SELECT irr_allocate_incident_id('INC-2026-')`;
          }),
        ),
      ).toBe('IR003');
      for (const group of ['irr_comms', 'irr_auditor']) {
        const other = asRole(db, await member(db, group));
        expect({ group, state: await sqlState(other, (sql) => sql`SELECT irr_allocate_incident_id('INC-2026-')`) }).toEqual({ group, state: '42501' });
        expect({ group, state: await sqlState(other, (sql) => sql`SELECT irr_record_pushed_id('INC-2026-0300')`) }).toEqual({ group, state: '42501' });
      }
      expect(await counters(db)).toEqual([{ stem: 'INC-2026-', n: 1 }]);
      expect(await problems(owner)).toEqual([]);
      const responder = await connect(url);
      expect(await openAs(responder, role)).toBe('INC-2026-0002');
    });

    it('irr verify names a commit-time id check dropped, disabled, replica-only, replaced or with its function rewritten (even behind an overload) by the owner (exit 5), and irr writes nothing meanwhile', () => {
      const db = pgBackend.newDb(); // its own: the edits below concern the whole database
      const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Id checks'], { db }).stdout.trim();
      expect(id).toMatch(/^INC-\d{4}-\d{4}$/);
      const ids = 'incident ids may again be chosen or thrown away';
      const recreate = 'CREATE CONSTRAINT TRIGGER incidents_id_allocated AFTER INSERT ON incidents DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION irr_check_incident_id()';
      const bodyOf = (fn: string) => new RegExp(`FUNCTION ${fn}\\(\\)[\\s\\S]*?(\\$fn\\$[\\s\\S]*?\\$fn\\$)`).exec(PG_MIGRATIONS.find((m) => m.version === 7)!.sql)![1]!;
      const body = bodyOf('irr_check_pushed');
      for (const [edit, problem, undo] of [
        // Enabled for replica sessions only: it no longer fires in any ordinary session.
        ['ALTER TABLE incident_counters ENABLE REPLICA TRIGGER incident_counters_allocated', `trigger incident_counters_allocated fires only in replica sessions (${ids})`, 'ALTER TABLE incident_counters ENABLE TRIGGER incident_counters_allocated'],
        // The original body kept in an overload while the function the trigger calls is emptied.
        [
          `SET check_function_bodies = off; CREATE FUNCTION irr_check_counter(x integer) RETURNS void LANGUAGE plpgsql AS ${bodyOf('irr_check_counter')}; CREATE OR REPLACE FUNCTION irr_check_counter() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NULL; END $fn$`,
          `the function irr_check_counter, which trigger incident_counters_allocated calls, was replaced (${ids})`,
          `DROP FUNCTION irr_check_counter(integer); CREATE OR REPLACE FUNCTION irr_check_counter() RETURNS trigger LANGUAGE plpgsql AS ${bodyOf('irr_check_counter')}`,
        ],
        ['ALTER TABLE incident_counters DISABLE TRIGGER incident_counters_allocated', `trigger incident_counters_allocated is disabled (${ids})`, 'ALTER TABLE incident_counters ENABLE TRIGGER incident_counters_allocated'],
        ['DROP TRIGGER incidents_id_allocated ON incidents', `trigger incidents_id_allocated is missing (someone dropped it: ${ids})`, recreate],
        [
          'DROP TRIGGER incidents_id_allocated ON incidents; CREATE CONSTRAINT TRIGGER incidents_id_allocated AFTER UPDATE ON incidents DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION irr_check_incident_id()',
          'trigger incidents_id_allocated was replaced by a different one',
          `DROP TRIGGER incidents_id_allocated ON incidents; ${recreate}`,
        ],
        [
          'CREATE OR REPLACE FUNCTION irr_check_pushed() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NULL; END $fn$',
          `the function irr_check_pushed, which trigger pushed_incidents_opened calls, was replaced (${ids})`,
          `CREATE OR REPLACE FUNCTION irr_check_pushed() RETURNS trigger LANGUAGE plpgsql AS ${body}`,
        ],
      ] as const) {
        pgSync(db, edit);
        const v = irr(['verify', id], { db });
        expect(v.code, v.stdout + v.stderr).toBe(5);
        expect(v.stdout + v.stderr).toContain(problem);
        const before = pgBackend.eventCount(db);
        const w = irr(['note', id, 'while unguarded'], { db });
        expect(w.code).toBe(5);
        expect(w.stderr).toContain(problem);
        expect(pgBackend.eventCount(db)).toBe(before);
        pgSync(db, undo);
        const ok = irr(['verify', id], { db });
        expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      }
      // An overload of the four-eyes function changes nothing the trigger calls: verify still passes.
      pgSync(db, 'CREATE FUNCTION irr_four_eyes(x integer) RETURNS integer LANGUAGE sql AS $fn$ SELECT x $fn$');
      const overloaded = irr(['verify', id], { db });
      expect(overloaded.code, overloaded.stdout + overloaded.stderr).toBe(0);
      pgSync(db, 'DROP FUNCTION irr_four_eyes(integer)');
    });

    it('8 clients, each its own responder role, opening 3 incidents each at once: 24 unique ids with no gap, and no problem found', async () => {
      const db = await freshPgDatabase();
      const owner = await connect(db);
      const roles = await Promise.all(Array.from({ length: 8 }, () => member(db, 'irr_responder')));
      const clients = await Promise.all(roles.map((r) => connect(asRole(db, r))));
      const ids = (await Promise.all(clients.map(async (c, i) => [await openAs(c, roles[i]!), await openAs(c, roles[i]!), await openAs(c, roles[i]!)]))).flat();
      expect(new Set(ids).size).toBe(24);
      expect([...ids].sort()).toEqual(Array.from({ length: 24 }, (_, i) => `INC-2026-${String(i + 1).padStart(4, '0')}`));
      expect(await counters(db)).toEqual([{ stem: 'INC-2026-', n: 24 }]);
      expect(await problems(owner)).toEqual([]);
    });

    it('a database initialised before migration 7 upgrades on its owner’s next open: ids go on from its counter, its incident still appends, the responder loses the grant', async () => {
      const db = await freshPgDatabase();
      // The schema as migrations 1–6 left it (as PgStore.checkSchema applies them).
      await superuser(db, (sql) =>
        sql.begin(async (tx) => {
          await tx.unsafe('CREATE TABLE irr_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
          for (const m of PG_MIGRATIONS.filter((x) => x.version <= 6)) {
            await tx.unsafe(m.sql);
            await tx`INSERT INTO irr_schema (version) VALUES (${m.version})`;
          }
        }),
      );
      // An incident opened then, with its counter: its rows as a laptop wrote them (the chain covers them), copied verbatim.
      const file = await connect(join(tempDir(), 'irr.db'));
      const id = await openAs(file, 'alice');
      const row = (await file.incident(id))!;
      const rows = await file.rawEvents(id);
      await superuser(db, async (sql) => {
        await sql`INSERT INTO playbooks (hash, id, version, content, source, stored_at) VALUES (${PLAYBOOK.hash}, ${PLAYBOOK.id}, ${PLAYBOOK.version}, ${PLAYBOOK.content}, ${PLAYBOOK.source}, ${row.opened_at})`;
        await sql`INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (${row.id}, ${row.title}, ${row.mode}, ${row.playbook_hash}, ${row.opened_at})`;
        await sql`INSERT INTO events ${sql(rows.map((r) => ({ ...r })), 'incident', 'seq', 'type', 'at', 'recorded_at', 'actor', 'payload', 'prev_hash', 'hash')}`;
        await sql`INSERT INTO incident_counters (stem, n) VALUES ('INC-2026-', 1)`;
      });
      const role = await member(db, 'irr_responder');
      // The defect before the upgrade: the responder may rewind the counter (rolled back here).
      expect(await sqlState(asRole(db, role), (sql) => sql.begin(async (tx) => { await tx`UPDATE incident_counters SET n = 0`; throw Object.assign(new Error('rolled back'), { code: 'updated' }); }))).toBe('updated');

      // A team role cannot run the upgrade: refused in one line naming who can, nothing changed.
      await expect(openStore(asRole(db, role), { create: false })).rejects.toThrow(
        `needs a schema upgrade (6 → ${PG_SCHEMA_VERSION}) that only its owner may run: the owner runs "irr init --db <url>" (or any irr command) once; nothing was changed`,
      );
      expect(await superuser(db, async (sql) => (await sql<{ v: number }[]>`SELECT max(version) AS v FROM irr_schema`)[0]!.v)).toBe(6);

      const owner = await connect(db);
      expect(await owner.schemaVersion()).toBe(PG_SCHEMA_VERSION);
      expect(await sqlState(asRole(db, role), (sql) => sql`UPDATE incident_counters SET n = 0`)).toBe('42501');
      const responder = await connect(asRole(db, role));
      expect(await openAs(responder, role)).toBe('INC-2026-0002');
      const [note] = await responder.append(id, await responder.head(id), [{ type: 'note.added', at: new Date().toISOString(), actor: role, payload: { text: 'after the upgrade' } } as NewEvent]);
      expect(note).toMatchObject({ incident: id, seq: 2, actor: role });
      expect(await counters(db)).toEqual([{ stem: 'INC-2026-', n: 2 }]);
      expect(await problems(owner)).toEqual([]);
    });
  });

  describe('postgres: a snapshot is served only to the role that wrote it (migration 9)', () => {
    it('a responder writing a made-up state with a valid seal (an approval nobody gave) does not get a notice sent; the drafter replays the log', () => {
      const db = pgBackend.newDb();
      const alice = { db, env: { IRR_ACTOR: 'alice' } };
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Forged cache'], alice).stdout.trim();
      expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], alice).code).toBe(0);
      expect(irr(['team', 'add', 'mallory', '--role', 'responder', '--db', db]).code).toBe(0);
      const mallory = asRole(db, 'mallory');
      const [snap] = pgSync(mallory, `SELECT seq, state, head_hash FROM snapshots WHERE incident = '${id}'`) as { seq: number; state: string; head_hash: string }[];
      const state = JSON.parse(snap!.state) as { context: { obligations: Record<string, Record<string, unknown>> } };
      expect(state.context.obligations['gdpr-art33']).toMatchObject({ status: 'drafted', drafted_by: 'alice' });
      state.context.obligations['gdpr-art33'] = { ...state.context.obligations['gdpr-art33'], status: 'approved', approved_by: 'dora', approved_at: new Date().toISOString() };
      const forged = JSON.stringify(state);
      // What a responder may do with its grants (the cache is theirs to refresh): a valid seal, as irr computes it.
      pgSync(mallory, `UPDATE snapshots SET state = '${forged.replaceAll("'", "''")}', state_sha256 = '${snapshotSeal(snap!.head_hash, forged)}' WHERE incident = '${id}'`);
      expect(pgSync(db, `SELECT written_by FROM snapshots WHERE incident = '${id}'`)).toEqual([{ written_by: 'mallory' }]);

      const sent = irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal'], alice);
      expect(sent.code, sent.stdout + sent.stderr).toBe(3);
      expect(sent.stderr).toContain('gdpr-art33 is drafted by alice and not approved');
      expect(irr(['status', id], alice).code).toBe(0);
      // alice's engine replayed the log and replaced the cache with its own: the draft, unapproved.
      const [mine] = pgSync(db, `SELECT written_by, state FROM snapshots WHERE incident = '${id}'`) as { written_by: string; state: string }[];
      expect(mine!.written_by).toBe('alice');
      expect((JSON.parse(mine!.state) as typeof state).context.obligations['gdpr-art33']).toMatchObject({ status: 'drafted', drafted_by: 'alice' });
      expect((JSON.parse(mine!.state) as typeof state).context.obligations['gdpr-art33']!.approved_by).toBeUndefined();
      expect(irr(['verify', id], { db }).code).toBe(0);
    });
  });
}
