import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clocks/wall.js';
import { WriteConflict } from '../../src/domain/errors.js';
import * as decide from '../../src/engine/decide.js';
import { Engine } from '../../src/engine/engine.js';
import { verifyIncident } from '../../src/engine/verify.js';
import { loadRunbookFile } from '../../src/playbook/runbook.js';
import { EventStore, KEY_REGISTRATIONS_SQL } from '../../src/store/event-store.js';
import { snapshotSeal } from '../../src/store/integrity.js';
import { SNAPSHOT_EVERY } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
/** Who acts, now (the engine's who() is asynchronous; decide callbacks are not). */
const whoNow = (actor: string) => ({ actor, at: new Date().toISOString() });
import { eventHash, GENESIS_HASH, storedEventHash } from '../../src/store/hash.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { irr, irrAsync, MINI, ROOT, tempDir } from '../helpers.js';

const pinned = loadRunbookFile(MINI);

async function freshIncident(): Promise<{ db: string; engine: Engine; id: string; engineFile: EventStore }> {
  const db = join(tempDir(), 'irr.db');
  const engineFile = EventStore.open(db, { create: true });
  const engine = new Engine(new SqliteStore(engineFile), systemClock);
  const ev = await engine.open({ playbook: pinned, title: 'Store test', who: whoNow('alice') });
  return { db, engine, id: ev.incident, engineFile };
}

describe('event store', () => {
  it("finds an incident's key registrations through the events_by_type index, not by walking its every row (asked on every append)", async () => {
    const { db, engineFile } = await freshIncident();
    engineFile.close();
    const raw = new Database(db, { readonly: true });
    const plan = (raw.prepare(`EXPLAIN QUERY PLAN ${KEY_REGISTRATIONS_SQL}`).all('INC-2026-0001', 'INC-2026-0001') as { detail: string }[]).map((r) => r.detail);
    raw.close();
    expect(plan.some((d) => /USING COVERING INDEX events_by_type \(incident=\? AND type=\?\)/.test(d))).toBe(true);
    // The outer lookup is by primary key and seq: one row per registration.
    expect(plan.some((d) => /USING PRIMARY KEY \(incident=\? AND seq=\?\)/.test(d))).toBe(true);
  });

  it('creates the file owner-only, in WAL mode with full sync', async () => {
    const { db, engineFile } = await freshIncident();
    expect(statSync(db).mode & 0o777).toBe(0o600);
    engineFile.close();
    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
  });

  it('appends events that chain by hash, seq 1..n', async () => {
    const { engine, id, engineFile } = await freshIncident();
    const who = whoNow('bob');
    await engine.execute(id, (l) => decide.completeStep(l.ctx, l.phase, who, 'triage'));
    await engine.execute(id, () => decide.addNote(who, 'hello'));
    const events = engineFile.events(id);
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'incident.opened'],
      [2, 'step.completed'],
      [3, 'note.added'],
    ]);
    let prev = GENESIS_HASH;
    for (const e of events) {
      expect(e.prev_hash).toBe(prev);
      expect(e.hash).toBe(storedEventHash(prev, e));
      prev = e.hash;
    }
    expect((await verifyIncident(engine, id)).ok).toBe(true);
  });

  it('refuses UPDATE and DELETE on events (triggers), and on pinned playbooks', async () => {
    const { db, id, engineFile } = await freshIncident();
    engineFile.close();
    const raw = new Database(db);
    expect(() => raw.prepare("UPDATE events SET actor = 'mallory' WHERE incident = ?").run(id)).toThrow(/append-only: UPDATE refused/);
    expect(() => raw.prepare('DELETE FROM events WHERE incident = ?').run(id)).toThrow(/append-only: DELETE refused/);
    expect(() => raw.prepare("UPDATE playbooks SET content = '{}'").run()).toThrow(/immutable/);
    raw.close();
  });

  it('pins the playbook: the stored content hashes to the pin, whatever happens to the YAML later', async () => {
    const dir = tempDir();
    const file = join(dir, 'mini.yaml');
    const yaml = (await import('node:fs')).readFileSync(MINI, 'utf8');
    writeFileSync(file, yaml);
    const db = join(dir, 'irr.db');
    const id = irr(['open', '--playbook', file, '--title', 'Pinned', '--json'], { db });
    const incident = JSON.parse(id.stdout).id as string;
    writeFileSync(file, yaml.replace('title: Triage the alert', 'title: Triage (edited later)').replace('  - id: dpo\n', '  - id: dpo\n    description: edited\n'));
    const status = JSON.parse(irr(['status', incident, '--json'], { db }).stdout);
    expect(status.steps[0].title).toBe('Triage the alert');
    expect(status.playbook.hash).toBe(pinned.hash);
    const again = JSON.parse(irr(['open', '--playbook', file, '--title', 'Second', '--json'], { db }).stdout);
    expect(again.playbook.hash).not.toBe(pinned.hash);
  });
});

describe('tamper detection (irr verify)', () => {
  async function tampered(edit: (raw: Database.Database, id: string) => void) {
    const { db, engine, id } = await freshIncident();
    const who = whoNow('bob');
    await engine.execute(id, (l) => decide.completeStep(l.ctx, l.phase, who, 'triage'));
    await engine.execute(id, () => decide.addNote(who, 'first note'));
    await engine.execute(id, () => decide.addNote(who, 'second note'));
    await engine.close();
    expect(irr(['verify', id], { db }).code).toBe(0);
    const raw = new Database(db);
    raw.exec('DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;');
    edit(raw, id);
    raw.close();
    return { db, id, result: irr(['verify'], { db }) };
  }

  it('names the incident and the first bad seq when a payload is edited', async () => {
    const { id, result } = await tampered((raw, id) => raw.prepare(`UPDATE events SET payload = '{"text":"nothing to see"}' WHERE incident = ? AND seq = 3`).run(id));
    expect(result.code).toBe(5);
    expect(result.stdout).toContain(`FAILED ${id}: first bad seq 3`);
    expect(result.stderr.trim()).toBe(`irr: integrity failure in ${id} at seq 3: seq 3 (note.added) was altered after it was written (hash mismatch)`);
  });

  it('catches an edit whose hash was recomputed, at the next link of the chain', async () => {
    const { id, result } = await tampered((raw, id) => {
      const row = raw.prepare('SELECT * FROM events WHERE incident = ? AND seq = 2').get(id) as Record<string, string | number>;
      const forged = { ...row, actor: 'mallory', payload: JSON.parse(row.payload as string) };
      raw.prepare('UPDATE events SET actor = ?, hash = ? WHERE incident = ? AND seq = 2').run('mallory', eventHash(row.prev_hash as string, forged as never), id);
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`${id} at seq 3: seq 3 does not chain to seq 2`);
  });

  it('catches a deleted event in the middle and a truncated tail', async () => {
    const middle = await tampered((raw, id) => raw.prepare('DELETE FROM events WHERE incident = ? AND seq = 2').run(id));
    expect(middle.result.code).toBe(5);
    expect(middle.result.stderr).toContain('seq 2 is missing');
    const tail = await tampered((raw, id) => raw.prepare('DELETE FROM events WHERE incident = ? AND seq = 4').run(id));
    expect(tail.result.code).toBe(5);
    expect(tail.result.stderr).toContain('the snapshot was taken at seq 4 but the log ends at seq 3');
  });
});

describe('concurrency', () => {
  it('retries transparently when another writer appended a different step meanwhile', async () => {
    const { db, engine: a, id, engineFile: aFile } = await freshIncident();
    const bFile = EventStore.open(db, { create: false });
    const who = whoNow('alice');
    await a.execute(id, (l) => decide.completeStep(l.ctx, l.phase, who, 'triage'));
    await a.execute(id, (l) => decide.advance(l.ctx, l.phase, who));
    let attempts = 0;
    const { events } = await a.execute(id, (l) => {
      attempts++;
      if (attempts === 1) {
        // Terminal B records its note after A has read the state but before A appends.
        const other = bFile.append(id, l.head, decide.addNote(whoNow('bob'), 'from B'), systemClock.now());
        expect(other[0]!.seq).toBe(l.head.seq + 1);
      }
      return decide.completeStep(l.ctx, l.phase, who, 'confirm-breach');
    });
    expect(attempts).toBe(2);
    expect(events[0]!.seq).toBe(5);
    expect(aFile.events(id).map((e) => e.type)).toEqual(['incident.opened', 'step.completed', 'phase.advanced', 'note.added', 'step.completed']);
    expect((await verifyIncident(a, id)).ok).toBe(true);
  });

  it('reports a write conflict when the other writer made the command invalid', async () => {
    const { db, engine: a, id, engineFile: aFile } = await freshIncident();
    const bFile = EventStore.open(db, { create: false });
    let first = true;
    const attempt = a.execute(id, (l) => {
      if (first) {
        first = false;
        bFile.append(id, l.head, decide.completeStep(l.ctx, l.phase, whoNow('bob'), 'triage'), systemClock.now());
      }
      return decide.completeStep(l.ctx, l.phase, whoNow('alice'), 'triage');
    });
    await expect(attempt).rejects.toThrow(WriteConflict);
    await expect(attempt).rejects.toThrow(/another responder changed .* step triage is already done \(by bob/);
    expect(aFile.events(id).filter((e) => e.type === 'step.completed')).toHaveLength(1);
  });

  it('two processes writing at once lose, duplicate and reorder nothing', async () => {
    const { db, id, engineFile } = await freshIncident();
    engineFile.close();
    const burst = (who: string) => Array.from({ length: 12 }, (_, i) => irrAsync(['note', id, `${who} ${i}`], { db, env: { IRR_ACTOR: who } }));
    const results = await Promise.all([...burst('alice'), ...burst('bob')]);
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    const checkFile = EventStore.open(db, { create: false });
    const check = new Engine(new SqliteStore(checkFile), systemClock);
    const events = checkFile.events(id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const texts = events.filter((e) => e.type === 'note.added').map((e) => (e.payload as { text: string }).text);
    expect(new Set(texts).size).toBe(24);
    // What each command reported as its seq is what is stored.
    for (const r of results) {
      const seq = Number(/seq (\d+)/.exec(r.stdout)![1]);
      expect(events[seq - 1]!.type).toBe('note.added');
    }
    expect((await verifyIncident(check, id)).ok).toBe(true);
  });

  it('the same step completed from two terminals at once is recorded once', async () => {
    const { db, id, engineFile } = await freshIncident();
    engineFile.close();
    const [r1, r2] = await Promise.all([irrAsync(['step', id, 'triage', 'done'], { db }), irrAsync(['step', id, 'triage', 'done'], { db })]);
    expect([r1!.code, r2!.code].sort()).toEqual(expect.arrayContaining([0]));
    const loser = r1!.code === 0 ? r2! : r1!;
    expect([3, 4]).toContain(loser.code);
    expect(loser.stderr).toMatch(/already done/);
    const check = EventStore.open(db, { create: false });
    expect(check.events(id).filter((e) => e.type === 'step.completed')).toHaveLength(1);
  });

  it('a process killed mid-stream loses nothing it reported and corrupts nothing', async () => {
    const { db, id, engineFile } = await freshIncident();
    engineFile.close();
    const script = `
      import { EventStore } from '${ROOT}/dist/store/event-store.js';
      import { SqliteStore } from '${ROOT}/dist/store/sqlite-store.js';
      const whoNow = (actor) => ({ actor, at: new Date().toISOString() });
      import { Engine } from '${ROOT}/dist/engine/engine.js';
      import { systemClock } from '${ROOT}/dist/clocks/wall.js';
      import * as decide from '${ROOT}/dist/engine/decide.js';
      const engineFile = EventStore.open(process.argv[2], { create: false });
      const engine = new Engine(new SqliteStore(engineFile), systemClock);
      for (let i = 0; ; i++) {
        const { events } = await engine.execute(process.argv[3], () => decide.addNote(whoNow('writer'), 'n' + i));
        process.stdout.write(events[0].seq + '\\n');
      }`;
    const file = join(tempDir(), 'writer.mjs');
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file, db, id]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const reported = out.trim().split('\n').filter(Boolean).map(Number);
    expect(reported.length).toBeGreaterThan(5);
    const checkFile = EventStore.open(db, { create: false });
    const check = new Engine(new SqliteStore(checkFile), systemClock);
    const head = checkFile.head(id).seq;
    expect(head).toBeGreaterThanOrEqual(Math.max(...reported));
    expect((await verifyIncident(check, id)).ok).toBe(true);
  });
});

describe('the snapshot cache of a long-lived engine', () => {
  const snapshotSeq = (db: string, id: string): number => {
    const raw = new Database(db, { readonly: true });
    try {
      return (raw.prepare('SELECT seq FROM snapshots WHERE incident = ?').get(id) as { seq: number }).seq;
    } finally {
      raw.close();
    }
  };

  it(`is written every ${SNAPSHOT_EVERY} events and at close; left behind by a crash, it is served as far as it goes and verify passes`, async () => {
    const { db, engine, id, engineFile } = await freshIncident();
    const who = whoNow('bob');
    for (let i = 0; i < SNAPSHOT_EVERY + 4; i++) await engine.execute(id, () => decide.addNote(who, `note ${i}`));
    const head = engineFile.head(id).seq;
    expect(head).toBe(SNAPSHOT_EVERY + 5);
    // Written with the append that put it SNAPSHOT_EVERY behind, not since.
    expect(snapshotSeq(db, id)).toBe(1 + SNAPSHOT_EVERY);
    // The process dies without closing the engine: the cache stays behind the head.
    engineFile.close();
    expect(snapshotSeq(db, id)).toBe(1 + SNAPSHOT_EVERY);
    const verified = irr(['verify', id, '--json'], { db });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject([{ incident: id, ok: true, events: head }]);
    // A command reads it, folds the 4 events after it, and refreshes it.
    const status = irr(['status', id, '--json'], { db });
    expect(status.code).toBe(0);
    const shown = JSON.parse(status.stdout) as { seq: number; notes: number };
    expect(shown.seq).toBe(head);
    expect(shown.notes).toBe(SNAPSHOT_EVERY + 4);
    const again = new Engine(SqliteStore.open(db, {}), systemClock);
    await again.execute(id, () => decide.addNote(who, 'after the crash'));
    await again.close();
    expect(snapshotSeq(db, id)).toBe(head + 1);
  });

  it('a made-up state resealed behind the head is caught by verify (compared with a replay to its seq)', async () => {
    const { db, engine, id, engineFile } = await freshIncident();
    const who = whoNow('bob');
    for (let i = 0; i < SNAPSHOT_EVERY + 2; i++) await engine.execute(id, () => decide.addNote(who, `note ${i}`));
    engineFile.close();
    const raw = new Database(db);
    const snap = raw.prepare('SELECT seq, state, head_hash FROM snapshots WHERE incident = ?').get(id) as { seq: number; state: string; head_hash: string };
    expect(snap.seq).toBeLessThan(SNAPSHOT_EVERY + 3);
    const state = JSON.parse(snap.state);
    state.context.facts = { ...state.context.facts, subjects_total: 1 };
    const forged = JSON.stringify(state);
    raw.prepare('UPDATE snapshots SET state = ?, state_sha256 = ? WHERE incident = ?').run(forged, snapshotSeal(snap.head_hash, forged), id);
    raw.close();
    const verified = irr(['verify', id], { db });
    expect(verified.code).toBe(5);
    expect(verified.stderr).toContain(`the cached snapshot at seq ${snap.seq} differs from a replay of the events`);
  });
});
