import { describe, expect, it } from 'vitest';
import { irr, json, MINI } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 14, problem 1: mistakes are corrected by appending, never by editing. `irr retract` withdraws
 * a fact, note, step completion or obligation record; `irr fact <incident> key=-` clears a fact.
 */

interface Status {
  steps: { id: string; status: string }[];
  facts: Record<string, unknown>;
  notes: number;
  withdrawn: { seq: number; type: string; by: string; reason: string }[];
}

const status = (db: string, id: string) => json<Status>(irr(['--json', 'status', id], { db }));

/**
 * The same on both backends (issue 15). The tests share one database per backend: each opens its
 * own incident and reads only that one (seq numbers are per incident).
 */
function corrections(backend: Backend): void {
  const database = sharedDb(backend);
  function opened(): { db: string; id: string } {
    const db = database();
    expect(irr(['init'], { db }).code).toBe(0);
    const r = irr(['open', '--playbook', MINI, '--title', 'corrections'], { db });
    expect(r.code).toBe(0);
    return { db, id: r.stdout.trim() };
  }

describe(`irr retract: corrections, append-only (${backend.name})`, () => {
  it('a withdrawn fact returns to its previous value, then to unknown; status and log say who withdrew it and why', () => {
    const { db, id } = opened();
    expect(irr(['fact', id, 'subjects_total=10'], { db }).code).toBe(0); // #2
    expect(irr(['fact', id, 'subjects_total=1200'], { db }).code).toBe(0); // #3
    const r = irr(['retract', id, '3', '--reason', 'typed one zero too many'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('withdrew #3');
    expect(status(db, id).facts.subjects_total).toBe(10);
    expect(irr(['retract', id, '2', '--reason', 'count not confirmed'], { db }).code).toBe(0);
    const s = status(db, id);
    expect(s.facts.subjects_total).toBeUndefined();
    expect(s.withdrawn.map((w) => [w.seq, w.by, w.reason])).toEqual([
      [3, 'tester', 'typed one zero too many'],
      [2, 'tester', 'count not confirmed'],
    ]);
    const text = irr(['status', id], { db }).stdout;
    expect(text).toMatch(/withdrawn \(irr retract\):\n {2}#3 facts\.recorded, by tester .*: typed one zero too many/);
    const log = irr(['log', id], { db }).stdout;
    expect(log).toMatch(/\[WITHDRAWN by tester at \w{3} \d{1,2} \w{3}( \d{4})? \d{2}:\d{2} \S+ \(#4\): typed one zero too many\] facts subjects_total=1200/);
    // Replay equals the snapshot: the fold reads the retraction the same way on every replay.
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('a withdrawn step completion reopens the step; a withdrawn note is no longer counted', () => {
    const { db, id } = opened();
    expect(irr(['step', id, 'triage', 'done'], { db }).code).toBe(0); // #2
    expect(irr(['note', id, 'wrong incident, sorry'], { db }).code).toBe(0); // #3
    expect(irr(['retract', id, '2', '--reason', 'ticked the wrong step'], { db }).code).toBe(0);
    expect(irr(['retract', id, '3', '--reason', 'meant for another incident'], { db }).code).toBe(0);
    const s = status(db, id);
    expect(s.steps.find((x) => x.id === 'triage')!.status).toBe('pending');
    expect(s.notes).toBe(0);
    // And the step can be done again.
    expect(irr(['step', id, 'triage', 'done'], { db }).code).toBe(0);
    expect(status(db, id).steps.find((x) => x.id === 'triage')!.status).toBe('done');
  });

  it('a withdrawn obligation record is undone', () => {
    const { db, id } = opened();
    expect(irr(['obligation', id, 'gdpr-art33', 'drafted'], { db }).code).toBe(0); // #2
    type Clocks = { clocks: { id: string; record: { status: string } | null }[] };
    const art33 = (c: Clocks) => c.clocks.find((o) => o.id === 'gdpr-art33')!;
    expect(art33(json<Clocks>(irr(['--json', 'clocks', id, '--all'], { db }))).record?.status).toBe('drafted');
    expect(irr(['retract', id, '2', '--reason', 'drafted on the wrong duty'], { db }).code).toBe(0);
    expect(art33(json<Clocks>(irr(['--json', 'clocks', id, '--all'], { db }))).record?.status).toBe('pending');
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('refuses the opening (3), a retraction (3), a second retraction of one entry (3) and a seq that does not exist (2), writing nothing', () => {
    const { db, id } = opened();
    expect(irr(['note', id, 'x'], { db }).code).toBe(0); // #2
    expect(irr(['retract', id, '2', '--reason', 'r'], { db }).code).toBe(0); // #3
    const opening = irr(['retract', id, '1', '--reason', 'r'], { db });
    expect(opening.code).toBe(3);
    expect(opening.stderr).toMatch(/^irr: retract #1 refused: the opening/);
    expect(irr(['retract', id, '3', '--reason', 'r'], { db }).code).toBe(3);
    const again = irr(['retract', id, '2', '--reason', 'r'], { db });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('already withdrawn');
    const missing = irr(['retract', id, '99', '--reason', 'r'], { db });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^irr: <seq>: .* has no entry #99/);
    expect(irr(['retract', id, '2'], { db }).code).toBe(2); // no reason
    expect(irr(['retract', id, 'two', '--reason', 'r'], { db }).code).toBe(2);
    expect(json<unknown[]>(irr(['--json', 'log', id], { db }))).toHaveLength(3);
  });
});

describe(`irr fact key=-: clearing a fact from the command line (${backend.name})`, () => {
  it('makes the fact unknown again and says so; clearing an unknown fact changes nothing', () => {
    const { db, id } = opened();
    expect(irr(['fact', id, 'subjects_total=1200'], { db }).code).toBe(0);
    const r = irr(['fact', id, 'subjects_total=-'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cleared subjects_total');
    expect(status(db, id).facts.subjects_total).toBeUndefined();
    const again = irr(['--json', 'fact', id, 'subjects_total=-'], { db });
    expect(json<{ unchanged?: boolean }>(again).unchanged).toBe(true);
    // The clearing itself can be withdrawn: the value comes back.
    expect(irr(['retract', id, '3', '--reason', 'cleared by mistake'], { db }).code).toBe(0);
    expect(status(db, id).facts.subjects_total).toBe(1200);
    expect(irr(['verify', id], { db }).code).toBe(0);
  });
});
}

corrections(sqliteBackend);
if (pgAvailable(import.meta.filename, 5)) corrections(pgBackend);
