/**
 * Issue 15, the team server: named responders as database roles (irr team add/list), the server
 * deciding the actor, approvers by server role, signed entries and tamper detection on PostgreSQL
 * (the drills run on both backends in drill.test.ts).
 * Through the real binary against the throwaway server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { holdServerApprovers, pgBackend, pgSync } from '../pg/backend.js';
import { asRole, pgAvailable, PG_URL } from '../pg/pg.js';
import { fourEyes } from './four-eyes-flows.js';
import { as as asResponder, enrol, ok, openIncident, responder } from './signing-helpers.js';

interface Logged { seq: number; type: string; actor: string }
const as = (actor: string) => ({ IRR_ACTOR: actor });

describe('irr team add / list on a SQLite file', () => {
  it('explain that roles are per incident there (exit 2), creating no file', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    for (const args of [['team', 'add', 'dora', '--role', 'approver'], ['team', 'list']]) {
      const r = irr(args, { db });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('on a SQLite file, roles are per incident: irr team assign <incident> <name> --role <role>');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

if (pgAvailable(import.meta.filename, 14)) {
  // First, while no test of this file has made a server approver (roles are server-wide).
  describe('four-eyes approval on a PostgreSQL team server (each person their own role)', () => fourEyes(pgBackend));

  describe('a team server', () => {
    // Server approvers made here are revoked after each test: other databases on this server see
    // them, so no test of another file that needs none runs meanwhile (holdServerApprovers).
    let release = () => {};
    beforeAll(() => {
      release = holdServerApprovers();
    });
    afterAll(() => release());
    afterEach(() => {
      for (const who of ['dora', 'dpo_dora']) pgSync(PG_URL, `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${who}') THEN REVOKE irr_approver FROM ${who}; END IF; END $$`);
    });

    it('irr team add creates a login role in the irr group (printing the SQL), grants to an existing one, and team list shows them', () => {
      const admin = pgBackend.newDb();
      const name = `resp_${Date.now().toString(36)}`;
      const add = irr(['team', 'add', name, '--role', 'responder', '--db', admin]);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout.split('\n')[0]).toBe(`CREATE ROLE "${name}" LOGIN IN ROLE irr_responder;`);
      const again = json<{ created: boolean; sql: string[]; db_role: string }>(irr(['team', 'add', name, '--role', 'approver', '--db', admin, '--json']));
      expect(again).toMatchObject({ created: false, db_role: 'irr_approver', sql: [`GRANT irr_approver TO "${name}";`] });
      const list = json<{ members: { member: string; roles: string[] }[]; sql: string[] }>(irr(['team', 'list', '--json', '--db', admin]));
      expect(list.members).toContainEqual({ member: name, roles: ['approver', 'responder'] });
      expect(list.sql[0]).toMatch(/^SELECT r\.rolname AS member/);
      expect(irr(['team', 'add', name, '--role', 'boss', '--db', admin]).stderr).toMatch(/--role: "boss" is not a team role \(responder, approver, comms, auditor\)/);
      expect(irr(['team', 'add', 'Robert"; DROP TABLE events; --', '--role', 'responder', '--db', admin]).code).toBe(2);
      // A responder may not make roles: refused by the server, with the reason.
      const denied = irr(['team', 'add', 'eve', '--role', 'approver', '--db', asRole(admin, name)]);
      expect(denied.code).toBe(3);
      expect(denied.stderr).toMatch(/may not do this|permission denied/);
      pgSync(admin, `REVOKE irr_approver FROM "${name}"`);
    });

    it("runs the README's team-server set-up as printed (init, team add, team list), then a responder works as herself", () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const block = readme.split('<!-- team-server set-up')[1]!.split('```sh')[1]!.split('```')[0]!;
      const url = pgBackend.newDb();
      const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      const commands = block.split('\n').filter((l) => l.startsWith('irr ')).map((l) => words(l.split(/\s+#/)[0]!.replaceAll('postgres://admin@db.example:5432/irr', url)).slice(1));
      expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual(['init --db', 'team add', 'team add', 'team list']);
      for (const args of commands) {
        const r = irr(args);
        expect(r.code, `irr ${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      const list = json<{ members: { member: string; roles: string[] }[] }>(irr(['team', 'list', '--json', '--db', url]));
      // Roles are the server's (shared by its databases, and by the other tests on this server): contained, not equal.
      expect(list.members.find((m) => m.member === 'alice')?.roles).toContain('responder');
      expect(list.members.find((m) => m.member === 'dora')?.roles).toContain('approver');
      const alice = asRole(url, 'alice');
      const opened = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Encrypted file shares', '--db', alice], { env: { IRR_ACTOR: '' } });
      expect(opened.code, opened.stderr).toBe(0);
      const log = json<Logged[]>(irr(['log', opened.stdout.trim(), '--json', '--db', alice]));
      expect(log[0]!.actor).toBe('alice');
    });

    it('the console works on the server as the connected role (it does not ask who is acting)', () => {
      const db = pgBackend.newDb();
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Console'], { db, env: as('alice') }).stdout.trim();
      expect(irr(['team', 'add', 'carol', '--role', 'responder', '--db', db]).code).toBe(0);
      const file = join(tempDir(), 'answers.yaml');
      writeFileSync(file, ['- note', '- "seen from the console"', '- quit', ''].join('\n'));
      const r = irr(['run', id, '--answers', file, '--db', asRole(db, 'carol')], { env: { IRR_ACTOR: '' } });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const log = json<(Logged & { what: string })[]>(irr(['log', id, '--json'], { db }));
      expect(log.at(-1)).toMatchObject({ type: 'note.added', actor: 'carol' });
    });

    it('the server decides the actor: the role connected as; another --as is refused and nothing is written', () => {
      const db = pgBackend.newDb();
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips'], { db, env: as('alice') }).stdout.trim();
      expect(id).toMatch(/^INC-/);
      expect(irr(['note', id, 'first look'], { db, env: as('bob') }).code).toBe(0);
      const n = json<Logged[]>(irr(['log', id, '--json'], { db })).length;
      // Connected as alice, claiming to be mallory.
      const forged = irr(['note', id, 'not me', '--as', 'mallory', '--db', asRole(db, 'alice')]);
      expect(forged.code).toBe(2);
      expect(forged.stderr).toContain('--as: on a team server you act as the database role you connect as ("alice"), not "mallory"');
      const log = json<Logged[]>(irr(['log', id, '--json'], { db }));
      expect(log).toHaveLength(n);
      expect(log.map((e) => e.actor)).toEqual(['alice', 'bob']);
      // Even a hand-made row naming someone else is refused by row-level security.
      expect(() => pgSync(asRole(db, 'alice'), `INSERT INTO events VALUES ('${id}', 3, 'note.added', 'x', 'x', 'mallory', '{}', 'x', 'x')`)).toThrow(/row-level security/);
    });

    it('a member of irr_approver approves on every incident; still never their own draft', () => {
      const db = pgBackend.newDb();
      expect(irr(['team', 'add', 'dpo_dora', '--role', 'approver', '--db', db]).code).toBe(0);
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips'], { db, env: as('alice') }).stdout.trim();
      expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db, env: as('alice') }).code).toBe(0);
      const early = irr(['obligation', id, 'gdpr-art33', 'sent'], { db, env: as('alice') });
      expect(early.code).toBe(3);
      expect(early.stderr).toMatch(/who may approve: .*dpo_dora \(dpo, legal\)/);
      expect(irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('bob') }).code).toBe(3);
      const ok = irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('dpo_dora') });
      expect(ok.code, ok.stderr).toBe(0);
      expect(irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal'], { db, env: as('alice') }).code).toBe(0);
      // Her own draft: refused although she holds the role.
      const other = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Second'], { db, env: as('alice') }).stdout.trim();
      expect(irr(['obligation', other, 'gdpr-art33', 'drafted'], { db, env: as('dpo_dora') }).code).toBe(0);
      expect(irr(['obligation', other, 'gdpr-art33', 'approved'], { db, env: as('dpo_dora') }).stderr).toContain('dpo_dora drafted gdpr-art33');
      expect(irr(['verify'], { db }).code).toBe(0);
    });

    it('signed entries on the server: every event of a responder with a registered key is signed in its append; verify, export and verify --bundle check them', () => {
      const db = pgBackend.newDb();
      const root = tempDir();
      const carol = responder('carol', root);
      const id = openIncident(db, 'Signed on the server');
      enrol(carol, db, id);
      ok(asResponder(carol, ['note', id, 'signed on the server'], db));
      const byCarol = json<Logged[]>(irr(['log', id, '--json'], { db })).filter((e) => e.actor === 'carol').map((e) => e.seq);
      expect(byCarol.length).toBe(2); // key.registered (signed by the key it registers) and the note
      const signed = pgSync(db, `SELECT seq FROM signatures WHERE incident = '${id}' ORDER BY seq`) as { seq: number }[];
      expect(signed.map((r) => r.seq)).toEqual(byCarol);
      expect(json<{ ok: boolean }[]>(irr(['verify', id, '--json'], { db }))[0]!.ok).toBe(true);
      // Without the passphrase (and no terminal to ask): refused, nothing written on the server.
      const before = pgBackend.eventCount(db);
      const none = asResponder({ ...carol, env: { ...carol.env, IRR_PASSPHRASE_FILE: '' } }, ['note', id, 'unsigned'], db);
      expect(none.code).toBe(2);
      expect(pgBackend.eventCount(db)).toBe(before);
      // The bundle for counsel carries the signatures (read with the rows in one read) and verifies alone.
      const out = join(root, 'bundle.jsonl');
      ok(asResponder(carol, ['export', id, '--out', out], db));
      const manifest = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!) as { counts: { signatures: number; keys: number } };
      expect(manifest.counts).toMatchObject({ signatures: 2, keys: 1 });
      expect(irr(['verify', '--bundle', out]).code).toBe(0);
      // A signature removed behind irr's back: verify on the server names it (exit 5).
      pgSync(db, `ALTER TABLE signatures DISABLE TRIGGER signatures_append_only; DELETE FROM signatures WHERE incident = '${id}' AND seq = ${byCarol[1]}; ALTER TABLE signatures ENABLE TRIGGER signatures_append_only;`);
      const bad = irr(['verify', id], { db });
      expect(bad.code).toBe(5);
      expect(bad.stdout).toMatch(new RegExp(`first bad seq ${byCarol[1]}`));
    });

    it('the comms role: status and log show the timeline and the notices, the hidden entries said to be hidden, never a fact or a note; other commands refused naming the role', () => {
      const db = pgBackend.newDb();
      expect(irr(['team', 'add', 'cora', '--role', 'comms', '--db', db]).code).toBe(0);
      const cora = asRole(db, 'cora');
      const alice = { db, env: as('alice') };
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips'], alice).stdout.trim();
      const secrets = ['8675309', 'ZEBRA-NOTE', 'PATIENT-X', 'WITHDRAWN-VALUE'];
      for (const args of [
        ['fact', id, 'subjects_total=8675309', 'data_categories=contact'], // #2 (seven digits: a shorter number turns up in a random hex hash, as 1234 once did)
        ['fact', id, 'root_cause=WITHDRAWN-VALUE'], // #3 (withdrawn below: the withdrawal carries what it restores)
        ['retract', id, '3', '--reason', 'wrong incident'], // #4
        ['note', id, 'ZEBRA-NOTE'], // #5
        ['step', id, 'record-report', 'done', '--note', 'PATIENT-X'], // #6
        ['team', 'assign', id, 'dora', '--role', 'dpo'], // #7
        ['obligation', id, 'gdpr-art33', 'drafted'], // #8
      ]) {
        const r = irr(args, alice);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      expect(irr(['obligation', id, 'gdpr-art33', 'approved'], { db, env: as('dora') }).code).toBe(0); // #9
      const total = pgBackend.eventCount(db);

      const log = irr(['log', id, '--json', '--db', cora], { env: { IRR_ACTOR: '' } });
      expect(log.code, log.stderr).toBe(0);
      const entries = JSON.parse(log.stdout) as { seq: number; type: string; hidden: boolean; payload: unknown; what: string }[];
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(entries.filter((e) => e.hidden).map((e) => [e.seq, e.type])).toEqual([
        [2, 'facts.recorded'],
        [3, 'facts.recorded'],
        [4, 'entry.retracted'],
        [5, 'note.added'],
        [6, 'step.completed'],
      ]);
      for (const e of entries.filter((x) => x.hidden)) expect(e).toMatchObject({ payload: null, what: `${e.type} (hidden from the comms role)` });
      const text = irr(['log', id, '--db', cora], { env: { IRR_ACTOR: '' } });
      expect(text.stdout).toContain(`5 of ${total} entries are hidden from the comms role`);
      expect(text.stdout).toMatch(/obligation gdpr-art33 approved/);

      const status = irr(['status', id, '--json', '--db', cora], { env: { IRR_ACTOR: '' } });
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ id, title: 'Payslips', phase: 'detection', read_as: 'comms', seq: total, hidden: { entries: 5, of: total }, notices: [{ obligation: 'gdpr-art33', status: 'approved', drafted_by: 'alice', approved_by: 'dora' }] });
      const shown = irr(['status', id, '--db', cora], { env: { IRR_ACTOR: '' } }).stdout;
      expect(shown).toMatch(/gdpr-art33\s+approved\s+alice .*dora /);
      expect(shown).toContain('deadlines are computed from the facts, so they are not shown to this role');
      for (const out of [log.stdout, text.stdout, status.stdout, shown]) for (const secret of secrets) expect(out).not.toContain(secret);

      // What needs the facts is refused in one line naming the role (exit 3), not a permission error.
      const listed = irr(['list', '--json', '--db', cora], { env: { IRR_ACTOR: '' } });
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, title: 'Payslips', phase: 'detection', severity: null, next_deadline: null, read_as: 'comms' })]);
      for (const args of [['clocks', id], ['verify', id], ['report', id, '--kind', 'timeline']]) {
        const r = irr([...args, '--db', cora], { env: { IRR_ACTOR: '' } });
        expect({ args, code: r.code }).toEqual({ args, code: 3 });
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain('the comms role (irr_comms) reads the timeline and the notices, not the facts and notes this command needs');
      }

      // The chain is checked across the hidden entries: a hidden entry's hash changed breaks the next link.
      pgSync(db, `SET session_replication_role = replica; UPDATE events SET hash = repeat('0', 64) WHERE incident = '${id}' AND seq = 5`);
      const broken = irr(['log', id, '--db', cora], { env: { IRR_ACTOR: '' } });
      expect(broken.code).toBe(5);
      expect(broken.stderr.trim()).toMatch(new RegExp(`^irr: integrity failure in ${id} at seq 6: seq 6 does not chain to seq 5 \\(prev_hash differs\\) \\(as far as the comms role can check`));
      expect(irr(['status', id, '--db', cora], { env: { IRR_ACTOR: '' } }).code).toBe(5);
    });

    it('tamper on the server (a payload edited with the trigger disabled) fails verify and refuses the next write (exit 5)', () => {
      const db = pgBackend.newDb();
      const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Tamper'], { db, env: as('alice') }).stdout.trim();
      expect(irr(['note', id, 'the truth'], { db, env: as('alice') }).code).toBe(0);
      expect(irr(['verify', id], { db }).code).toBe(0);
      pgSync(db, `ALTER TABLE events DISABLE TRIGGER events_append_only; UPDATE events SET payload = '{"text":"a lie"}' WHERE incident = '${id}' AND seq = 2; ALTER TABLE events ENABLE TRIGGER events_append_only;`);
      const v = irr(['verify', id], { db });
      expect(v.code).toBe(5);
      expect(v.stdout).toMatch(/FAILED .* first bad seq 2/);
      const w = irr(['note', id, 'after'], { db, env: as('alice') });
      expect(w.code).toBe(5);
      expect(w.stderr).toMatch(/^irr: integrity failure in /);
      pgSync(db, 'ALTER TABLE events DISABLE TRIGGER events_append_only');
      expect(irr(['verify', id], { db }).stdout).toMatch(/trigger events_append_only is disabled/);
    });
  });
}
