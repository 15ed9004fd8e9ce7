import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { irr, json, MINI, tempDir } from '../helpers.js';
import { pgBackend, pgSync } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * After a tamper: `irr verify` finds it (exit 5, one line matching `expect`), and the next write is
 * refused (exit 5, one line) with nothing written.
 */
function expectDetectedAndRefused(db: string, id: string, verifyArgs: string[], expected: RegExp, count: () => number): void {
  const before = count();
  const v = irr(verifyArgs, { db });
  expect(v.code, v.stdout + v.stderr).toBe(5);
  expect(v.stdout + v.stderr).toMatch(expected);
  expect(v.stderr.trim().split('\n')).toHaveLength(1);
  const w = irr(['note', id, 'written after the tamper'], { db });
  expect({ code: w.code, stderr: w.stderr }).toMatchObject({ code: 5 });
  expect(w.stderr).toMatch(/^irr: integrity failure in /);
  expect(w.stderr.trim().split('\n')).toHaveLength(1);
  expect(count()).toBe(before);
}


/**
 * One test per way of editing the database behind irr's back (issue 10, defects 8 and 9). The
 * tamperer is careful: it drops the append-only triggers, edits, and puts the triggers back, so
 * that what is detected is the edit itself. Each edit must be reported by `irr verify` (exit 5)
 * and must make the next write refuse (exit 5), writing nothing.
 */

const TRIGGERS = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TRIGGER (\w+)[\s\S]*?END;/g)].map((t) => ({ name: t[1]!, sql: t[0] })));

function behindItsBack(db: string, edit: (raw: Database.Database) => void, opts: { restoreTriggers?: boolean } = {}): void {
  const raw = new Database(db);
  raw.pragma('foreign_keys = OFF');
  for (const t of TRIGGERS) raw.exec(`DROP TRIGGER IF EXISTS ${t.name}`);
  edit(raw);
  if (opts.restoreTriggers !== false) for (const t of TRIGGERS) raw.exec(t.sql);
  raw.close();
}

function countEvents(db: string): number {
  const raw = new Database(db, { readonly: true });
  const n = (raw.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  raw.close();
  return n;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** An incident with a few events, verified ok; its head as `irr verify --json` printed it. */
function incident(db = join(tempDir(), 'irr.db')): { db: string; id: string; head: string } {
  const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Tamper target', '--json'], { db })).id;
  expect(irr(['step', id, 'triage', 'done'], { db }).code).toBe(0);
  expect(irr(['note', id, 'first note'], { db }).code).toBe(0);
  expect(irr(['fact', id, 'subjects_total=40'], { db }).code).toBe(0);
  const [v] = json<{ ok: boolean; head_hash: string }[]>(irr(['verify', id, '--json'], { db }));
  expect(v!.ok).toBe(true);
  return { db, id, head: v!.head_hash };
}

type Row = Record<string, string | number>;

/** The rows from the first given on, re-linked and re-hashed from `prev`, as a forger who knows the algorithm would (hash.ts). */
function rehashed(prev: string, rows: readonly Row[]): { seq: number; prev_hash: string; hash: string }[] {
  return rows.map((r) => {
    const body = `{"actor":${JSON.stringify(r.actor)},"at":${JSON.stringify(r.at)},"incident":${JSON.stringify(r.incident)},"payload":${r.payload},"recorded_at":${JSON.stringify(r.recorded_at)},"seq":${r.seq},"type":${JSON.stringify(r.type)}}`;
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    const out = { seq: Number(r.seq), prev_hash: prev, hash };
    prev = hash;
    return out;
  });
}

/** Re-hash every event from `fromSeq` on. */
function rehashFrom(raw: Database.Database, id: string, fromSeq: number): void {
  const rows = raw.prepare('SELECT * FROM events WHERE incident = ? AND seq >= ? ORDER BY seq').all(id, fromSeq) as Row[];
  const prev = (raw.prepare('SELECT hash FROM events WHERE incident = ? AND seq = ?').get(id, fromSeq - 1) as { hash: string }).hash;
  for (const r of rehashed(prev, rows)) raw.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE incident = ? AND seq = ?').run(r.prev_hash, r.hash, id, r.seq);
}

const scenarios: { name: string; expect: RegExp; edit: (raw: Database.Database, id: string) => void; restoreTriggers?: boolean }[] = [
  {
    name: 'an event row edited',
    expect: /seq 3 \(note\.added\) was altered after it was written/,
    edit: (raw, id) => raw.prepare(`UPDATE events SET payload = '{"text":"nothing to see"}' WHERE incident = ? AND seq = 3`).run(id),
  },
  {
    name: 'an event edited and the tail re-hashed (snapshot left alone)',
    expect: /the snapshot at seq 4 names head .* but the event at seq 4 is/,
    edit: (raw, id) => {
      raw.prepare(`UPDATE events SET actor = 'mallory' WHERE incident = ? AND seq = 2`).run(id);
      rehashFrom(raw, id, 2);
    },
  },
  {
    name: 'an event deleted in the middle',
    expect: /seq 2 is missing/,
    edit: (raw, id) => raw.prepare('DELETE FROM events WHERE incident = ? AND seq = 2').run(id),
  },
  {
    name: 'the tail truncated',
    expect: /the snapshot was taken at seq 4 but the log (ends at seq 3|has no seq 4)/,
    edit: (raw, id) => raw.prepare('DELETE FROM events WHERE incident = ? AND seq = 4').run(id),
  },
  {
    name: 'incidents.playbook_hash repointed to a forged playbook',
    expect: /playbook_hash .* differs from incident\.opened at seq 1/,
    edit: (raw, id) => {
      const pb = raw.prepare('SELECT * FROM playbooks').get() as { content: string; id: string; version: string; source: string };
      const forged = pb.content.replace('Triage the alert', 'Do nothing');
      raw.prepare('INSERT INTO playbooks (hash, id, version, content, source, stored_at) VALUES (?, ?, ?, ?, ?, ?)').run(sha(forged), pb.id, pb.version, forged, pb.source, '2026-01-01T00:00:00Z');
      raw.prepare('UPDATE incidents SET playbook_hash = ? WHERE id = ?').run(sha(forged), id);
    },
  },
  {
    name: "incidents.mode set to 'drill'",
    expect: /the incidents row's mode \("drill"\) differs from incident\.opened/,
    edit: (raw, id) => raw.prepare(`UPDATE incidents SET mode = 'drill' WHERE id = ?`).run(id),
  },
  {
    name: 'incidents.title edited',
    expect: /the incidents row's title \("Nothing happened"\) differs/,
    edit: (raw, id) => raw.prepare(`UPDATE incidents SET title = 'Nothing happened' WHERE id = ?`).run(id),
  },
  {
    name: 'incidents.opened_at edited',
    expect: /the incidents row's opened_at .* differs/,
    edit: (raw, id) => raw.prepare(`UPDATE incidents SET opened_at = '2020-01-01T00:00:00.000Z' WHERE id = ?`).run(id),
  },
  {
    name: 'playbooks.source edited',
    expect: /the pinned playbook source \(YAML text\) was edited/,
    edit: (raw) => raw.prepare(`UPDATE playbooks SET source = source || '# edited later'`).run(),
  },
  {
    name: 'playbooks.content edited (hash kept)',
    expect: /the pinned playbook content does not match its hash/,
    edit: (raw) => raw.prepare(`UPDATE playbooks SET content = replace(content, 'Triage the alert', 'Do nothing')`).run(),
  },
  {
    name: 'the incidents row deleted (events kept)',
    expect: /events of INC-\d{4}-0001 exist but its incidents row was deleted|its events exist but its incidents row was deleted/,
    edit: (raw, id) => raw.prepare('DELETE FROM incidents WHERE id = ?').run(id),
  },
  {
    name: 'a trigger dropped',
    expect: /trigger events_append_only_update is missing/,
    edit: (raw) => {
      for (const t of TRIGGERS) if (t.name !== 'events_append_only_update') raw.exec(t.sql);
    },
    restoreTriggers: false,
  },
  {
    name: 'a trigger replaced by one that refuses nothing',
    expect: /trigger events_append_only_delete was replaced/,
    edit: (raw) => {
      for (const t of TRIGGERS) if (t.name !== 'events_append_only_delete') raw.exec(t.sql);
      raw.exec('CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT 1; END;');
    },
    restoreTriggers: false,
  },
  {
    name: 'the snapshot edited (a step marked done)',
    expect: /the snapshot at seq 4 was edited \(its seal does not match its state\)/,
    edit: (raw, id) => {
      const s = raw.prepare('SELECT state FROM snapshots WHERE incident = ?').get(id) as { state: string };
      const state = JSON.parse(s.state);
      state.context.facts.subjects_total.value = 1;
      raw.prepare('UPDATE snapshots SET state = ? WHERE incident = ?').run(JSON.stringify(state), id);
    },
  },
];

describe('tamper suite: every edit behind irr’s back is reported by verify and refuses the next write', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      const { db, id } = incident();
      behindItsBack(db, (raw) => s.edit(raw, id), { restoreTriggers: s.restoreTriggers });
      expectDetectedAndRefused(db, id, ['verify'], s.expect, () => countEvents(db));
    });
  }

  it('an incident deleted whole (events, row and snapshot) is reported, and writes to the others refuse', () => {
    const { db, id } = incident();
    const second = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Second', '--json'], { db })).id;
    behindItsBack(db, (raw) => {
      for (const t of ['events', 'snapshots']) raw.prepare(`DELETE FROM ${t} WHERE incident = ?`).run(id);
      raw.prepare('DELETE FROM incidents WHERE id = ?').run(id);
    });
    const v = irr(['verify'], { db });
    expect(v.code).toBe(5);
    expect(v.stdout).toContain(`FAILED ${id}: first bad seq 0: incident ${id} is missing`);
    const w = irr(['note', second, 'after the deletion'], { db });
    expect(w.code).toBe(5);
    expect(w.stderr).toContain(`incident ${id} is missing`);
  });

  it('an edited snapshot is never served: status shows what the log says', () => {
    const { db, id } = incident();
    behindItsBack(db, (raw) => {
      const s = raw.prepare('SELECT state FROM snapshots WHERE incident = ?').get(id) as { state: string };
      const state = JSON.parse(s.state);
      state.context.facts.subjects_total.value = 1;
      raw.prepare('UPDATE snapshots SET state = ? WHERE incident = ?').run(JSON.stringify(state), id);
    });
    const status = json<{ facts: Record<string, unknown> }>(irr(['status', id, '--json'], { db }));
    expect(status.facts.subjects_total).toBe(40);
  });

  it('--expect-head catches a rewrite so complete that the file alone cannot show it (tail re-hashed, snapshot removed)', () => {
    const { db, id, head } = incident();
    behindItsBack(db, (raw) => {
      raw.prepare(`UPDATE events SET actor = 'mallory' WHERE incident = ? AND seq = 2`).run(id);
      rehashFrom(raw, id, 2);
      // The snapshot is only a cache: without it nothing in the file contradicts the rewritten chain.
      raw.prepare('DELETE FROM snapshots WHERE incident = ?').run(id);
    });
    // Honest limit: without the anchor, a consistent rewrite passes; the printed head is what catches it.
    expect(irr(['verify', id], { db }).code).toBe(0);
    const r = irr(['verify', id, '--expect-head', head], { db });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`the log no longer contains ${head} (--expect-head) at any seq`);
  });

  it('--expect-head: ok when it is the head; exit 5 naming both seqs when the log went on', () => {
    const { db, id, head } = incident();
    const ok = irr(['verify', id, '--expect-head', head.toUpperCase()], { db });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('(matches --expect-head)');
    expect(irr(['note', id, 'later'], { db }).code).toBe(0);
    const moved = irr(['verify', id, '--expect-head', head], { db });
    expect(moved.code).toBe(5);
    expect(moved.stderr).toMatch(/the head differs from --expect-head: [0-9a-f]{16}… is seq 4, but the log goes on to seq 5 \(head [0-9a-f]{64}\); 1 event was appended/);
    expect(irr(['verify', id, '--expect-head', 'abc'], { db }).code).toBe(2);
    expect(irr(['verify', '--expect-head', head], { db }).stderr).toContain('--expect-head: name the incident');
  });
});

/** A SQL string literal. */
const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The same edits on the team server, made as its superuser would: `session_replication_role =
 * replica` switches off, for that session only, every ordinary trigger (the append-only ones) and
 * the foreign keys, so what is detected is the edit itself, the triggers being back on afterwards.
 */
function onServer(db: string, sql: string): void {
  pgSync(db, `SET session_replication_role = replica; ${sql}`);
}

/** Re-hash every event of `id` from `fromSeq` on, on the server. */
function rehashOnServer(db: string, id: string, fromSeq: number): string {
  const rows = pgSync(db, `SELECT * FROM events WHERE incident = ${lit(id)} AND seq >= ${fromSeq} ORDER BY seq`) as Row[];
  const [prev] = pgSync(db, `SELECT hash FROM events WHERE incident = ${lit(id)} AND seq = ${fromSeq - 1}`) as { hash: string }[];
  return rehashed(prev!.hash, rows).map((r) => `UPDATE events SET prev_hash = ${lit(r.prev_hash)}, hash = ${lit(r.hash)} WHERE incident = ${lit(id)} AND seq = ${r.seq};`).join(' ');
}

function editSnapshotOnServer(db: string, id: string): string {
  const [s] = pgSync(db, `SELECT state FROM snapshots WHERE incident = ${lit(id)}`) as { state: string }[];
  const state = JSON.parse(s!.state);
  state.context.facts.subjects_total.value = 1;
  return `UPDATE snapshots SET state = ${lit(JSON.stringify(state))} WHERE incident = ${lit(id)};`;
}

/**
 * `own`: the edit concerns the database as a whole (a trigger, the shared playbook row, a deleted
 * incidents row that refuses every write), so it gets a database of its own; the others touch one
 * incident only and share a database, one incident each, verified by id.
 */
const serverScenarios: { name: string; expect: RegExp; own?: true; edit: (db: string, id: string) => string }[] = [
  { name: 'an event row edited', expect: /seq 3 \(note\.added\) was altered after it was written/, edit: (_, id) => `UPDATE events SET payload = '{"text":"nothing to see"}' WHERE incident = ${lit(id)} AND seq = 3;` },
  {
    name: 'an event edited and the tail re-hashed (snapshot left alone)',
    expect: /the snapshot at seq 4 names head .* but the event at seq 4 is/,
    edit: (db, id) => {
      pgSync(db, `SET session_replication_role = replica; UPDATE events SET actor = 'mallory' WHERE incident = ${lit(id)} AND seq = 2;`);
      return rehashOnServer(db, id, 2);
    },
  },
  { name: 'an event deleted in the middle', expect: /seq 2 is missing/, edit: (_, id) => `DELETE FROM events WHERE incident = ${lit(id)} AND seq = 2;` },
  { name: 'the tail truncated', expect: /the snapshot was taken at seq 4 but the log (ends at seq 3|has no seq 4)/, edit: (_, id) => `DELETE FROM events WHERE incident = ${lit(id)} AND seq = 4;` },
  {
    name: 'incidents.playbook_hash repointed to a forged playbook',
    expect: /playbook_hash .* differs from incident\.opened at seq 1/,
    own: true,
    edit: (db, id) => {
      const [pb] = pgSync(db, 'SELECT * FROM playbooks') as { content: string; id: string; version: string; source: string }[];
      const forged = pb!.content.replace('Triage the alert', 'Do nothing');
      return `INSERT INTO playbooks (hash, id, version, content, source, stored_at) VALUES (${lit(sha(forged))}, ${lit(pb!.id)}, ${lit(pb!.version)}, ${lit(forged)}, ${lit(pb!.source)}, '2026-01-01T00:00:00Z');
              UPDATE incidents SET playbook_hash = ${lit(sha(forged))} WHERE id = ${lit(id)};`;
    },
  },
  { name: "incidents.mode set to 'drill'", expect: /the incidents row's mode \("drill"\) differs from incident\.opened/, edit: (_, id) => `UPDATE incidents SET mode = 'drill' WHERE id = ${lit(id)};` },
  { name: 'incidents.title edited', expect: /the incidents row's title \("Nothing happened"\) differs/, edit: (_, id) => `UPDATE incidents SET title = 'Nothing happened' WHERE id = ${lit(id)};` },
  { name: 'incidents.opened_at edited', expect: /the incidents row's opened_at .* differs/, edit: (_, id) => `UPDATE incidents SET opened_at = '2020-01-01T00:00:00.000Z' WHERE id = ${lit(id)};` },
  { name: 'playbooks.source edited', expect: /the pinned playbook source \(YAML text\) was edited/, own: true, edit: () => `UPDATE playbooks SET source = source || '# edited later';` },
  { name: 'playbooks.content edited (hash kept)', expect: /the pinned playbook content does not match its hash/, own: true, edit: () => `UPDATE playbooks SET content = replace(content, 'Triage the alert', 'Do nothing');` },
  { name: 'the incidents row deleted (events kept: the foreign key switched off)', expect: /events of INC-\d{4}-0001 exist but its incidents row was deleted/, own: true, edit: (_, id) => `DELETE FROM incidents WHERE id = ${lit(id)};` },
  { name: 'a trigger dropped', expect: /trigger events_append_only is missing/, own: true, edit: () => 'DROP TRIGGER events_append_only ON events;' },
  {
    name: 'a trigger replaced by one that refuses nothing',
    expect: /trigger events_append_only was replaced by a different one/,
    own: true,
    edit: () => `DROP TRIGGER events_append_only ON events;
      CREATE FUNCTION allow_all() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN OLD; END $f$;
      CREATE TRIGGER events_append_only BEFORE DELETE OR UPDATE ON events FOR EACH ROW EXECUTE FUNCTION allow_all();`,
  },
  {
    name: 'the function the triggers call replaced by one that refuses nothing (every trigger left as it was)',
    expect: /the function irr_refuse_change, which the append-only triggers call, was replaced/,
    own: true,
    edit: () => `CREATE OR REPLACE FUNCTION irr_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN OLD; END $f$;`,
  },
  { name: 'a trigger left disabled', expect: /trigger events_append_only is disabled/, own: true, edit: () => 'ALTER TABLE events DISABLE TRIGGER events_append_only;' },
  { name: 'row-level security switched off on events', expect: /row-level security on events is disabled/, own: true, edit: () => 'ALTER TABLE events DISABLE ROW LEVEL SECURITY;' },
  { name: 'the snapshot edited (a fact changed)', expect: /the snapshot at seq 4 was edited \(its seal does not match its state\)/, edit: editSnapshotOnServer },
];

if (pgAvailable(import.meta.filename, serverScenarios.length + 5)) {
  describe('tamper suite on a PostgreSQL team server: the same edits, made as its superuser, are reported by verify and refuse the next write', () => {
    // One database for the scenarios that touch one incident each (they cannot see each other's
    // incidents: verified by id, written to by id, and none touches what the others read).
    let shared: string | undefined;
    const sharedDb = () => (shared ??= pgBackend.newDb());

    for (const s of serverScenarios) {
      it(s.name, () => {
        const db = s.own ? pgBackend.newDb() : sharedDb();
        const { id } = incident(db);
        onServer(db, s.edit(db, id));
        // An incident without its row is found only by verifying the whole database.
        expectDetectedAndRefused(db, id, s.own ? ['verify'] : ['verify', id], s.expect, () => pgBackend.eventCount(db));
      });
    }

    it('an incident deleted whole (events, row and snapshot) is reported, and writes to the others refuse; ids a push skipped are no gap', () => {
      const db = pgBackend.newDb();
      // A laptop's third incident pushed to the server skips ids 2 and 3 there: not deleted incidents.
      const laptop = join(tempDir(), 'laptop.db');
      for (const t of ['a', 'b', 'c']) expect(irr(['open', '--playbook', MINI, '--title', t], { db: laptop }).code).toBe(0);
      const { id } = incident(db);
      const pushed = irr(['push', id.replace(/0001$/, '0003'), '--to', db], { db: laptop });
      expect(pushed.code, pushed.stderr).toBe(0);
      const second = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Second', '--json'], { db })).id;
      expect(second).toMatch(/-0004$/);
      expect(irr(['verify'], { db }).code).toBe(0);
      onServer(db, ['events', 'snapshots', 'signatures'].map((t) => `DELETE FROM ${t} WHERE incident = ${lit(id)};`).join(' ') + ` DELETE FROM incidents WHERE id = ${lit(id)};`);
      const v = irr(['verify'], { db });
      expect(v.code).toBe(5);
      expect(v.stdout).toContain(`FAILED ${id}: first bad seq 0: incident ${id} is missing`);
      expect(v.stdout).not.toMatch(/-000[23] is missing/);
      const w = irr(['note', second, 'after the deletion'], { db });
      expect(w.code).toBe(5);
      expect(w.stderr).toContain(`incident ${id} is missing`);
      const before = pgBackend.eventCount(db);
      expect(irr(['open', '--playbook', MINI, '--title', 'Third'], { db }).code).toBe(5);
      expect(pgBackend.eventCount(db)).toBe(before);
    });

    it('a responder cannot do any of this: no UPDATE, DELETE or TRUNCATE of the log tables, no trigger switched off (permission denied)', () => {
      // UPDATE/DELETE of events and appending as someone else: store-contract.test.ts and team-server.test.ts.
      const db = sharedDb();
      const { id } = incident(db);
      const tester = new URL(db);
      tester.username = 'tester';
      for (const sql of [
        `UPDATE incidents SET title = 'x' WHERE id = ${lit(id)}`,
        `DELETE FROM incidents WHERE id = ${lit(id)}`,
        `UPDATE playbooks SET source = ''`,
        `DELETE FROM signatures`,
        `DELETE FROM pushed_incidents`,
        'TRUNCATE events',
        'ALTER TABLE events DISABLE TRIGGER events_append_only',
        'SET session_replication_role = replica',
      ]) {
        expect(() => pgSync(tester.toString(), sql), sql).toThrow(/permission denied|must be owner/);
      }
      expect(irr(['verify', id], { db }).code).toBe(0);
    });

    it('an edited snapshot is never served: status shows what the log says', () => {
      const db = sharedDb();
      const { id } = incident(db);
      onServer(db, editSnapshotOnServer(db, id));
      const status = json<{ facts: Record<string, unknown> }>(irr(['status', id, '--json'], { db }));
      expect(status.facts.subjects_total).toBe(40);
    });

    it('--expect-head catches a rewrite so complete that the database alone cannot show it (tail re-hashed, snapshot removed)', () => {
      const db = sharedDb();
      const { id, head } = incident(db);
      onServer(db, `UPDATE events SET actor = 'mallory' WHERE incident = ${lit(id)} AND seq = 2;`);
      onServer(db, `${rehashOnServer(db, id, 2)} DELETE FROM snapshots WHERE incident = ${lit(id)};`);
      // Honest limit, as on SQLite: without the anchor a consistent rewrite passes.
      expect(irr(['verify', id], { db }).code).toBe(0);
      const r = irr(['verify', id, '--expect-head', head], { db });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`the log no longer contains ${head} (--expect-head) at any seq`);
    });

    it('--expect-head: ok when it is the head; exit 5 naming both seqs when the log went on', () => {
      const db = sharedDb();
      const { id, head } = incident(db);
      expect(irr(['verify', id, '--expect-head', head.toUpperCase()], { db }).stdout).toContain('(matches --expect-head)');
      expect(irr(['note', id, 'later'], { db }).code).toBe(0);
      const moved = irr(['verify', id, '--expect-head', head], { db });
      expect(moved.code).toBe(5);
      expect(moved.stderr).toMatch(/the head differs from --expect-head: [0-9a-f]{16}… is seq 4, but the log goes on to seq 5 \(head [0-9a-f]{64}\); 1 event was appended/);
    });

  });
}
