import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { irr, json, MINI, tempDir } from '../helpers.js';

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
function incident(): { db: string; id: string; head: string } {
  const db = join(tempDir(), 'irr.db');
  const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Tamper target', '--json'], { db })).id;
  expect(irr(['step', id, 'triage', 'done'], { db }).code).toBe(0);
  expect(irr(['note', id, 'first note'], { db }).code).toBe(0);
  expect(irr(['fact', id, 'subjects_total=40'], { db }).code).toBe(0);
  const [v] = json<{ ok: boolean; head_hash: string }[]>(irr(['verify', id, '--json'], { db }));
  expect(v!.ok).toBe(true);
  return { db, id, head: v!.head_hash };
}

/** Re-hash every event from `fromSeq` on, as a forger who knows the algorithm would (hash.ts). */
function rehashFrom(raw: Database.Database, id: string, fromSeq: number): string {
  const rows = raw.prepare('SELECT * FROM events WHERE incident = ? AND seq >= ? ORDER BY seq').all(id, fromSeq) as Record<string, string | number>[];
  let prev = (raw.prepare('SELECT hash FROM events WHERE incident = ? AND seq = ?').get(id, fromSeq - 1) as { hash: string }).hash;
  for (const r of rows) {
    const body = `{"actor":${JSON.stringify(r.actor)},"at":${JSON.stringify(r.at)},"incident":${JSON.stringify(r.incident)},"payload":${r.payload},"recorded_at":${JSON.stringify(r.recorded_at)},"seq":${r.seq},"type":${JSON.stringify(r.type)}}`;
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    raw.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE incident = ? AND seq = ?').run(prev, hash, id, r.seq);
    prev = hash;
  }
  return prev;
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
      const before = countEvents(db);
      const v = irr(['verify'], { db });
      expect(v.code).toBe(5);
      expect(v.stdout + v.stderr).toMatch(s.expect);
      expect(v.stderr.trim().split('\n')).toHaveLength(1);
      const w = irr(['note', id, 'written after the tamper'], { db });
      expect({ code: w.code, stderr: w.stderr }).toMatchObject({ code: 5 });
      expect(w.stderr).toMatch(/^irr: integrity failure in /);
      expect(w.stderr.trim().split('\n')).toHaveLength(1);
      expect(countEvents(db)).toBe(before);
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
