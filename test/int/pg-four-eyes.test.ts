/**
 * Issue 15, four eyes on the team server (PostgreSQL migration 10), against the real (throwaway)
 * server: a member who speaks SQL to it directly, with their own role, cannot record a notice to an
 * authority or to individuals as sent unless someone other than its latest draft's drafter, holding
 * an approver role, approved that draft. Each case is a raw INSERT as a responder role (row-level
 * security makes it write as itself), as a member could type it into psql; one runs through the
 * binary, where the client's check passes and the server's refusal is the user's exit 3.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/events.js';
import type { Regime } from '../../src/domain/regime.js';
import { needsFourEyes } from '../../src/machine/approval.js';
import { openStore, type StorePort } from '../../src/store/port.js';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { holdServerApprovers, pgBackend } from '../pg/backend.js';
import { adminOf, asRole, pgAvailable } from '../pg/pg.js';

const stores: StorePort[] = [];
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
});

/** Runs `fn` on a connection to `url`; closes it after. */
async function on<T>(url: string, fn: (sql: ReturnType<typeof adminOf>) => Promise<T>): Promise<T> {
  const sql = adminOf(url);
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

interface Outcome { readonly code: string; readonly message: string }
const errorOf = (err: unknown): Outcome => ({
  code: err !== null && typeof err === 'object' && 'code' in err ? String(err.code) : 'none',
  message: err instanceof Error ? err.message : String(err),
});

/** One raw INSERT of an event as `role` (its next seq; the hashes are not irr's: the server's checks do not read them). */
async function insertAs(db: string, role: string, incident: string, type: string, payload: unknown): Promise<Outcome> {
  try {
    await on(asRole(db, role), (sql) => sql`
      INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash)
      SELECT ${incident}, coalesce(max(seq), 0) + 1, ${type}, '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z', ${role}, ${JSON.stringify(payload)}, 'x', 'x'
      FROM events WHERE incident = ${incident}`);
    return { code: '', message: '' };
  } catch (err) {
    return errorOf(err);
  }
}
const record = (db: string, role: string, incident: string, obligation: string, action: string, extra: Record<string, unknown> = {}) =>
  insertAs(db, role, incident, 'obligation.recorded', { obligation, action, ...extra });
const assign = (db: string, by: string, incident: string, member: string, role: string) => insertAs(db, by, incident, 'team.assigned', { member, role });

const rows = (db: string, incident: string) =>
  on(db, async (sql) => [...(await sql<{ seq: number; type: string; actor: string; payload: string }[]>`SELECT seq, type, actor, payload FROM events WHERE incident = ${incident} ORDER BY seq`)]);
const sentRows = async (db: string, incident: string) => (await rows(db, incident)).filter((r) => r.type === 'obligation.recorded' && (JSON.parse(r.payload) as { action: string }).action === 'sent');

let made = 0;
/** A login role of this file only, a member of `group` (irr_responder unless said). */
async function person(db: string, name: string, group = 'irr_responder'): Promise<string> {
  const role = `fe_${name}_${process.pid}_${++made}`;
  await on(db, (sql) => sql.unsafe(`CREATE ROLE ${role} LOGIN IN ROLE ${group}`));
  return role;
}

/** An incident of misdirected-communication (approver roles dpo and legal), opened through the binary by `role`. */
function openIncident(db: string, role: string): string {
  const r = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips to the wrong team', '--at', '2026-03-02T09:00:00Z', '--db', asRole(db, role)], { env: { IRR_ACTOR: '' } });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** A drill incident on the same runbook, opened through the store by `role` (the playbook row copied from `like`). */
async function openDrill(db: string, role: string, like: string): Promise<string> {
  const [pb] = await on(db, (sql) => sql<{ hash: string; id: string; version: string; content: string; source: string }[]>`
    SELECT p.hash, p.id, p.version, p.content, p.source FROM playbooks p JOIN incidents i ON i.playbook_hash = p.hash WHERE i.id = ${like}`);
  const store = await openStore(asRole(db, role), { create: false });
  stores.push(store);
  const opened = (_id: string, sha: string) =>
    ({ type: 'incident.opened', at: new Date().toISOString(), actor: role, payload: { title: 'Tabletop', mode: 'drill', playbook: { id: pb!.id, version: pb!.version, hash: pb!.hash, source_sha256: sha } } }) as NewEvent;
  return (await store.openIncident({ prefix: 'DRL', year: 2026, title: 'Tabletop', mode: 'drill', playbook: pb!, opened })).incident;
}

if (pgAvailable(import.meta.filename, 11)) {
  describe('postgres: the server holds a notice to an authority or to individuals to four eyes (migration 10)', () => {
    let db = '';
    beforeAll(() => {
      db = pgBackend.newDb();
    });

    it('refuses a sent with no approval at all, and one after a draft nobody approved (IR004, naming who may approve); nothing written', async () => {
      const alice = await person(db, 'alice');
      const id = openIncident(db, alice);
      // "Nobody holds": true only while no test of another file has made a server approver.
      const release = holdServerApprovers();
      const none = await record(db, alice, id, 'gdpr-art33', 'sent', { channel: 'portal' }).finally(release);
      expect(none.code).toBe('IR004');
      expect(none.message).toContain('obligation gdpr-art33 sent refused by the server: gdpr-art33 is not drafted and approved');
      expect(none.message).toContain(`nobody holds an approver role (dpo, legal) on ${id}: irr team assign ${id} <name> --role dpo|legal, or irr team add <name> --role approver`);
      expect(await record(db, alice, id, 'gdpr-art33', 'drafted')).toEqual({ code: '', message: '' });
      const dora = await person(db, 'dora');
      expect((await assign(db, alice, id, dora, 'dpo')).code).toBe('');
      const drafted = await record(db, alice, id, 'gdpr-art33', 'sent');
      expect(drafted.code).toBe('IR004');
      expect(drafted.message).toContain(`gdpr-art33 is drafted by ${alice} and not approved`);
      expect(drafted.message).toContain(`who may approve: `);
      expect(drafted.message).toContain(dora);
      // The individuals' notice too.
      expect((await record(db, alice, id, 'gdpr-art34', 'sent')).code).toBe('IR004');
      expect(await sentRows(db, id)).toEqual([]);
    });

    it('refuses a self-approved notice, even when its drafter holds an approver role', async () => {
      const [alice, lead] = [await person(db, 'alice'), await person(db, 'lead')];
      const id = openIncident(db, lead);
      expect((await assign(db, lead, id, alice, 'dpo')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'drafted')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'approved')).code).toBe('');
      for (const sender of [alice, lead]) {
        const r = await record(db, sender, id, 'gdpr-art33', 'sent');
        expect(r.code).toBe('IR004');
        expect(r.message).toContain(`gdpr-art33 was approved by its own drafter, ${alice}`);
      }
      expect(await sentRows(db, id)).toEqual([]);
    });

    it('refuses a notice approved by someone holding no approver role, and a role named only after the approval', async () => {
      const [alice, bob] = [await person(db, 'alice'), await person(db, 'bob')];
      const id = openIncident(db, alice);
      expect((await assign(db, alice, id, bob, 'communications')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'drafted')).code).toBe('');
      expect((await record(db, bob, id, 'gdpr-art33', 'approved')).code).toBe('');
      const r = await record(db, alice, id, 'gdpr-art33', 'sent');
      expect(r.code).toBe('IR004');
      expect(r.message).toContain(`gdpr-art33 was approved by ${bob}, who holds no approver role (dpo, legal) on ${id}`);
      // Named dpo after approving: the approval was not an approver's (the client reads the roster at the approval too).
      expect((await assign(db, alice, id, bob, 'dpo')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'sent')).code).toBe('IR004');
      expect(await sentRows(db, id)).toEqual([]);
    });

    it('accepts a notice approved after its latest draft by another holder of an approver role: named on the incident, or a member of irr_approver', async () => {
      const [alice, dora] = [await person(db, 'alice'), await person(db, 'dora')];
      const id = openIncident(db, alice);
      expect((await assign(db, alice, id, dora, 'legal')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'drafted')).code).toBe('');
      expect((await record(db, dora, id, 'gdpr-art33', 'approved')).code).toBe('');
      expect(await record(db, alice, id, 'gdpr-art33', 'sent', { channel: 'portal', ref: 'BfDI-7' })).toEqual({ code: '', message: '' });
      expect((await sentRows(db, id)).map((r) => r.actor)).toEqual([alice]);

      // A member of irr_approver approves on every incident. Roles are the server's, seen by every
      // database's engine: the grant is made and undone inside one transaction, so no other test
      // ever sees this approver; the sender's INSERT runs in it under SET ROLE (row-level security as the sender).
      const [carl, vera] = [await person(db, 'carl'), await person(db, 'vera')];
      const other = openIncident(db, carl);
      expect((await record(db, carl, other, 'gdpr-art34', 'drafted')).code).toBe('');
      expect((await record(db, vera, other, 'gdpr-art34', 'approved')).code).toBe('');
      const attempt = (grant: boolean) =>
        on(db, (sql) =>
          sql.begin(async (tx) => {
            if (grant) await tx.unsafe(`GRANT irr_approver TO ${vera}`);
            await tx.unsafe(`SET LOCAL ROLE ${carl}`);
            const outcome = await tx.savepoint((sp) => sp`
              INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash)
              SELECT ${other}, max(seq) + 1, 'obligation.recorded', 'x', 'x', ${carl}, ${JSON.stringify({ obligation: 'gdpr-art34', action: 'sent' })}, 'x', 'x' FROM events WHERE incident = ${other}
              RETURNING seq`).then((r) => ({ code: '', message: '', seq: r[0]?.seq as number }), (err: unknown) => errorOf(err));
            throw Object.assign(new Error('rolled back'), { outcome });
          }).catch((err: unknown) => (err as { outcome?: Outcome }).outcome ?? errorOf(err)),
        );
      expect((await attempt(false)).code).toBe('IR004');
      expect(await attempt(true)).toMatchObject({ code: '', seq: 4 });
      expect(await on(db, async (sql) => (await sql`SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = ${vera}`).length)).toBe(1); // irr_responder only
    });

    it('refuses a notice re-drafted after its approval, until the new draft is approved', async () => {
      const [alice, dora] = [await person(db, 'alice'), await person(db, 'dora')];
      const id = openIncident(db, alice);
      expect((await assign(db, alice, id, dora, 'dpo')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'drafted')).code).toBe('');
      expect((await record(db, dora, id, 'gdpr-art33', 'approved')).code).toBe('');
      // Re-drafted, by the approver herself: she is now the drafter and the approval is gone.
      expect((await record(db, dora, id, 'gdpr-art33', 'drafted')).code).toBe('');
      const r = await record(db, alice, id, 'gdpr-art33', 'sent');
      expect(r.code).toBe('IR004');
      expect(r.message).toContain(`gdpr-art33 is drafted by ${dora} and not approved`);
      // Approved again by alice, who holds no approver role: still refused; by a dpo other than the drafter: sent.
      expect((await record(db, alice, id, 'gdpr-art33', 'approved')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'sent')).code).toBe('IR004');
      const lena = await person(db, 'lena');
      expect((await assign(db, alice, id, lena, 'dpo')).code).toBe('');
      expect((await record(db, lena, id, 'gdpr-art33', 'approved')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'sent')).code).toBe('');
      expect(await sentRows(db, id)).toHaveLength(1);
    });

    it('re-derives the progress without withdrawn entries: a withdrawn approval, or one a retraction claims to restore, does not count', async () => {
      const [alice, dora] = [await person(db, 'alice'), await person(db, 'dora')];
      const id = openIncident(db, alice);
      expect((await assign(db, alice, id, dora, 'dpo')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art33', 'drafted')).code).toBe('');
      expect((await record(db, dora, id, 'gdpr-art33', 'approved')).code).toBe('');
      const approval = (await rows(db, id)).at(-1)!.seq;
      // The withdrawal carries, as the writer claims it, an approved state (the fold would believe it).
      const forged = { seq: approval, of: 'obligation.recorded', reason: 'typo', obligation: { id: 'gdpr-art33', progress: { status: 'approved', triggered: false, drafted_by: alice, approved_by: dora } } };
      expect((await insertAs(db, alice, id, 'entry.retracted', forged)).code).toBe('');
      const r = await record(db, alice, id, 'gdpr-art33', 'sent');
      expect(r.code).toBe('IR004');
      expect(r.message).toContain(`gdpr-art33 is drafted by ${alice} and not approved`);
      // A withdrawn re-draft, on the other hand, gives the earlier approved draft back (as irr retract does).
      const other = openIncident(db, alice);
      expect((await assign(db, alice, other, dora, 'dpo')).code).toBe('');
      expect((await record(db, alice, other, 'gdpr-art33', 'drafted')).code).toBe('');
      expect((await record(db, dora, other, 'gdpr-art33', 'approved')).code).toBe('');
      expect((await record(db, alice, other, 'gdpr-art33', 'drafted')).code).toBe('');
      const redraft = (await rows(db, other)).at(-1)!.seq;
      expect((await record(db, alice, other, 'gdpr-art33', 'sent')).code).toBe('IR004');
      expect((await insertAs(db, alice, other, 'entry.retracted', { seq: redraft, of: 'obligation.recorded', reason: 'drafted twice' })).code).toBe('');
      expect((await record(db, alice, other, 'gdpr-art33', 'sent')).code).toBe('');
    });

    it('does not hold what the client does not: a notice to other parties, a waiver, a decision, a draft or an approval; a drill approved by a played approver role', async () => {
      const alice = await person(db, 'alice');
      const id = openIncident(db, alice);
      expect((await record(db, alice, id, 'pci-card-brands', 'sent', { channel: 'acquirer' })).code).toBe('');
      expect((await record(db, alice, id, 'no-such-regime', 'sent')).code).toBe('IR004'); // not in the list: held (only the listed ids are let through)
      expect((await record(db, alice, id, 'gdpr-art33', 'waived', { override: true, reason: 'counsel: no risk' })).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art34', 'not_applicable', { reason: 'no individuals' })).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art34', 'drafted')).code).toBe('');
      expect((await record(db, alice, id, 'gdpr-art34', 'approved')).code).toBe('');
      // A waived notice is not approved: sending it is held like any other.
      expect((await record(db, alice, id, 'gdpr-art33', 'sent')).code).toBe('IR004');

      // A drill is a role-play (migration 3: members write as the played roles): "dpo" approves.
      const drill = await openDrill(db, alice, id);
      expect((await insertAs(db, alice, drill, 'obligation.recorded', { obligation: 'gdpr-art33', action: 'drafted' })).code).toBe('');
      expect((await record(db, alice, drill, 'gdpr-art33', 'sent')).code).toBe('IR004');
      const asDpo = await on(asRole(db, alice), (sql) => sql`
        INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash)
        SELECT ${drill}, max(seq) + 1, 'obligation.recorded', 'x', 'x', 'dpo', ${JSON.stringify({ obligation: 'gdpr-art33', action: 'approved' })}, 'x', 'x' FROM events WHERE incident = ${drill}`.then(() => '', (err: unknown) => errorOf(err).code));
      expect(asDpo).toBe('');
      expect((await record(db, alice, drill, 'gdpr-art33', 'sent')).code).toBe('');
    });

    it('through the binary: an approval the client takes at its word (appended by a member holding no approver role) is refused by the server at sent: exit 3, one line, nothing written', async () => {
      const [alice, bob] = [await person(db, 'alice'), await person(db, 'bob')];
      const id = openIncident(db, alice);
      const drafted = irr(['obligation', id, 'gdpr-art33', 'drafted', '--db', asRole(db, alice)], { env: { IRR_ACTOR: '' } });
      expect(drafted.code, drafted.stderr).toBe(0);
      // bob writes his approval through the store, as a client of his own would (chained and hashed).
      const store = await openStore(asRole(db, bob), { create: false });
      stores.push(store);
      await store.append(id, await store.head(id), [{ type: 'obligation.recorded', at: new Date().toISOString(), actor: bob, payload: { obligation: 'gdpr-art33', action: 'approved' } } as NewEvent]);
      const before = (await rows(db, id)).length;
      const r = irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--db', asRole(db, alice)], { env: { IRR_ACTOR: '' } });
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`obligation gdpr-art33 sent refused by the server: gdpr-art33 was approved by ${bob}, who holds no approver role (dpo, legal) on ${id}`);
      expect(r.stderr).toContain('nothing was written');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect((await rows(db, id)).length).toBe(before);
      expect(irr(['verify', id, '--db', db]).code).toBe(0);
      const log = json<{ type: string }[]>(irr(['log', id, '--json', '--db', db]));
      expect(log.map((e) => e.type)).toEqual(['incident.opened', 'obligation.recorded', 'obligation.recorded']);
    });

    it('takes a pushed incident verbatim (its history was written on the laptop), and holds the sends appended after the push', async () => {
      const file = join(tempDir(), 'laptop.db');
      const opened = irr(['open', '--playbook', 'misdirected-communication', '--title', 'On the laptop', '--at', '2026-03-02T09:00:00Z'], { db: file, env: { IRR_ACTOR: 'alice' } });
      expect(opened.code, opened.stderr).toBe(0);
      const id = opened.stdout.trim();
      // A laptop log with an unapproved sent (as logs written before four eyes have), and a draft.
      const laptop = await openStore(file, { create: false });
      const at = new Date().toISOString();
      await laptop.append(id, await laptop.head(id), [
        { type: 'obligation.recorded', at, actor: 'alice', payload: { obligation: 'gdpr-art33', action: 'sent' } },
        { type: 'obligation.recorded', at, actor: 'alice', payload: { obligation: 'gdpr-art34', action: 'drafted' } },
      ] as NewEvent[]);
      await laptop.close();
      expect(irr(['note', id, 'written on the laptop'], { db: file, env: { IRR_ACTOR: 'alice' } }).code).toBe(0); // the laptop's engine caches its state again
      const server = pgBackend.newDb(); // its own: the shared one has this id already
      const pushed = irr(['push', id, '--to', server], { db: file });
      expect(pushed.code, pushed.stderr).toBe(0);
      expect((await sentRows(server, id)).map((r) => r.actor)).toEqual(['alice']);
      const bob = await person(server, 'bob');
      const r = await record(server, bob, id, 'gdpr-art34', 'sent');
      expect(r.code).toBe('IR004');
      expect(r.message).toContain('gdpr-art34 is drafted by alice and not approved');
    });

    it('irr verify names the four-eyes check switched off or rewritten by the superuser (exit 5), and irr writes nothing while it is', async () => {
      const server = pgBackend.newDb(); // its own: the edits below concern the whole database
      const alice = await person(server, 'alice');
      const id = openIncident(server, alice);
      for (const [edit, problem, undo] of [
        ['ALTER TABLE events DISABLE TRIGGER events_four_eyes', 'trigger events_four_eyes is disabled (a notice to an authority or to individuals may be recorded as sent without four eyes)', 'ALTER TABLE events ENABLE TRIGGER events_four_eyes'],
        [
          'DROP TRIGGER events_four_eyes ON events',
          'trigger events_four_eyes is missing (someone dropped it: a notice to an authority or to individuals may be recorded as sent without four eyes)',
          "CREATE TRIGGER events_four_eyes BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.type = 'obligation.recorded') EXECUTE FUNCTION irr_four_eyes()",
        ],
        [
          'CREATE OR REPLACE TRIGGER events_four_eyes BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION irr_four_eyes()',
          'trigger events_four_eyes was replaced by a different one',
          "CREATE OR REPLACE TRIGGER events_four_eyes BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.type = 'obligation.recorded') EXECUTE FUNCTION irr_four_eyes()",
        ],
        [
          "CREATE OR REPLACE FUNCTION irr_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NEW; END $fn$",
          'the function irr_four_eyes, which the four-eyes trigger calls, was replaced',
          undefined,
        ],
      ] as const) {
        await on(server, (sql) => sql.unsafe(edit));
        const v = irr(['verify', id, '--db', server]);
        expect(v.code).toBe(5);
        expect(v.stdout + v.stderr).toContain(problem);
        const before = (await rows(server, id)).length;
        const w = irr(['note', id, 'while unguarded', '--db', asRole(server, alice)], { env: { IRR_ACTOR: '' } });
        expect(w.code).toBe(5);
        expect(w.stderr).toContain(problem);
        expect((await rows(server, id)).length).toBe(before);
        if (undo) {
          await on(server, (sql) => sql.unsafe(undo));
          expect(irr(['verify', id, '--db', server]).code).toBe(0);
        }
      }
    });

    it("lets through exactly the catalogue's regimes whose audience is neither an authority nor individuals", async () => {
      const catalogue = JSON.parse(readFileSync(join(ROOT, 'dist/catalogue/regimes.json'), 'utf8')) as { regimes: Regime[] };
      const exempt = catalogue.regimes.filter((r) => !needsFourEyes(r.audience)).map((r) => r.id).sort();
      const listed = await on(db, async (sql) => (await sql<{ regime: string }[]>`SELECT regime FROM four_eyes_exempt_regimes ORDER BY regime COLLATE "C"`).map((r) => r.regime));
      // A regime added to the catalogue with another audience needs a migration adding it here.
      expect(listed).toEqual([...exempt].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(exempt.length).toBeGreaterThan(0);
    });
  });
}
