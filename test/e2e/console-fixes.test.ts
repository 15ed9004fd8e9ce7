import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 14, the console side, through the real binary with answers files: menu values that
 * cannot collide, going back without storing, clearing a fact, backdating an entry.
 */

const MINI = join(ROOT, 'test/fixtures/runbooks/mini.yaml');

interface Status {
  phase: string;
  facts: Record<string, unknown>;
  steps: { id: string; status: string; by: string | null; at?: string | null }[];
}
const status = (db: string, id: string) => json<Status>(irr(['status', id, '--json'], { db }));
const events = (db: string, id: string) => json<{ seq: number; type: string; at: string; payload: Record<string, unknown> }[]>(irr(['log', id, '--json'], { db }));

function runConsole(db: string, dir: string, answers: (string | string[])[], args: string[] = []) {
  const file = join(dir, `answers-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, answers.map((a) => `- ${JSON.stringify(a)}`).join('\n') + '\n');
  return irr(['run', ...args, '--answers', file], { db });
}

function openMini(dir: string, db: string, edit: (yaml: string) => string = (y) => y): string {
  const file = join(dir, 'runbook.yaml');
  writeFileSync(file, edit(readFileSync(MINI, 'utf8')));
  const r = irr(['open', '--playbook', file, '--title', 'Console test'], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/**
 * On both backends (issue 15). One database per backend for the tests that open their own incident
 * and read only it; the drill schedule reads every drill run in the database, so it has its own.
 */
function consoleFixes(backend: Backend): void {
  const database = sharedDb(backend);
describe(`tagged menu values (${backend.name})`, () => {
  it('a step whose id is quit is reachable as step:quit, and "quit" still quits', () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db, (y) => y.replace('    - id: triage\n', '    - id: quit\n').replace('depends_on: [triage]', 'depends_on: [quit]'));
    const left = runConsole(db, dir, ['quit'], [id]);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stdout).toContain(`Everything is saved. Resume with: irr run ${id}`);
    expect(status(db, id).steps.find((s) => s.id === 'quit')!.status).toBe('pending');

    const done = runConsole(db, dir, ['step:quit', 'done', '2026-03-02 09:00', 'quit'], [id]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('saved: done quit');
    expect(status(db, id).steps.find((s) => s.id === 'quit')!.status).toBe('done');
  });
});

describe(`going back stores nothing (${backend.name})`, () => {
  it('"back" typed at a reason or a note goes back to the screen; it is never stored', () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    const before = events(db, id).length;
    const r = runConsole(db, dir, ['triage', 'skip', 'back', 'note', 'Back', 'back', 'note', 'back', 'quit'], [id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('? Why skip triage? (kept in the record; empty to cancel; Esc or "back" = back) (back)');
    expect(r.stdout).toContain('back: nothing from that question was saved');
    expect(status(db, id).steps.find((s) => s.id === 'triage')!.status).toBe('pending');
    expect(events(db, id).length).toBe(before);
  });
});

describe(`backdating from the console (${backend.name})`, () => {
  it('"When?" stamps what is recorded on the step screen at the time given, and only there', () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    // Tokyo has no daylight saving: "yesterday 18:00" there is 09:00 UTC on yesterday's Tokyo date.
    const tokyoToday = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.parse(`${tokyoToday}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const file = join(dir, 'answers.yaml');
    writeFileSync(file, ['triage', 'when', 'yesterday 18:00', 'done', 'yesterday 17:40', 'note', 'Later note', 'quit'].map((a) => `- ${JSON.stringify(a)}`).join('\n') + '\n');
    const r = irr(['run', id, '--answers', file], { db, env: { TZ: 'Asia/Tokyo' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('? When? (Enter = now; e.g. 10:30, yesterday 18:00, 2026-12-01 09:15) yesterday 18:00');
    expect(r.stdout).toMatch(/saved: done triage \(seq \d+\) · backdated to \w{3} \d{1,2} \w{3} 18:00 GMT\+9 \(09:00 UTC\)/);
    const log = events(db, id);
    const done = log.find((e) => e.type === 'step.completed')!;
    expect(done.at).toBe(`${yesterday}T09:00:00.000Z`);
    expect(log.find((e) => e.type === 'facts.recorded')!.at).toBe(`${yesterday}T09:00:00.000Z`);
    expect(status(db, id).facts.detected_at).toBe(`${yesterday}T08:40:00.000Z`);
    // Back on the main menu the stamp is gone: the note is stamped now.
    const note = log.find((e) => e.type === 'note.added')!;
    expect(Date.now() - Date.parse(note.at)).toBeLessThan(120_000);
  });
});

describe(`practice on schedule (${backend.name})`, () => {
  it('irr drill due and history say when each scenario was last run and warn about the ones never run; the console says it once', () => {
    const dir = tempDir();
    const db = backend.newDb();
    type Due = { ok: boolean; max_age_months: number; scenarios: { scenario: string; status: string; runs: number; last_run_at: string | null }[]; warning: string | null };
    const fresh = json<Due>(irr(['drill', 'due', '--json'], { db }));
    expect(fresh.ok).toBe(true);
    expect(fresh.max_age_months).toBe(12);
    expect(fresh.scenarios.map((s) => s.status)).toEqual(['never', 'never', 'never']);
    expect(fresh.warning).toMatch(/never run \(irr drill due\)$/);

    const ran = irr(['drill', 'run', 'misdirected-health-email', '--script', join(ROOT, 'playbooks/drills/scripts/misdirected-health-email.meets-all.yaml')], { db });
    expect(ran.code, ran.stderr).toBe(0);
    const after = json<Due>(irr(['drill', 'due', '--json'], { db }));
    const mine = after.scenarios.find((s) => s.scenario === 'misdirected-health-email')!;
    expect(mine).toMatchObject({ status: 'ok', runs: 1 });
    expect(Date.now() - Date.parse(mine.last_run_at!)).toBeLessThan(10 * 60_000);
    expect(after.warning).toBe('practice: response plans should be exercised at least every 12 months; exposed-bucket-cards, ransomware-eu-us never run (irr drill due)');

    const text = irr(['drill', 'due'], { db });
    expect(text.stdout).toMatch(/misdirected-health-email\s+ok\s+\w{3} \d{1,2} \w{3}( \d{4})? \d{2}:\d{2} \S+\s+1\s+shipped/);
    expect(text.stdout).toMatch(/ransomware-eu-us\s+NEVER RUN\s+—\s+0/);
    const history = irr(['drill', 'history'], { db });
    expect(history.code).toBe(0);
    expect(history.stdout).toContain(after.warning!);

    const id = openMini(dir, db);
    const c = runConsole(db, dir, ['status', 'back', 'note', 'x', 'quit'], [id]);
    expect(c.code, c.stderr).toBe(0);
    // Once, on the first screen, though several screens follow (wrapped to the width: spaces collapsed).
    expect(c.stdout.replace(/\s+/g, ' ').split(after.warning!).length - 1).toBe(1);
  });
});

describe(`a notice recorded from the console (${backend.name})`, () => {
  it('"back" at the last question of "Sent" stores none of the answers given before it', () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    const aware = new Date(Date.now() - 3_600_000).toISOString();
    const f = irr(['fact', id, 'entity_role=controller', 'subjects_by_jurisdiction=DE:1200', 'data_categories=contact,financial', `aware_at=${aware}`], { db });
    expect(f.code, f.stderr).toBe(0);
    const before = events(db, id).length;
    const r = runConsole(db, dir, ['notifications', 'gdpr-art33', 'sent', 'now', 'portal', 'back', 'back', 'back', 'quit'], [id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('? Channel (portal, email, post, phone…) portal');
    expect(r.stdout).toContain('back: nothing from that question was saved');
    expect(events(db, id).length).toBe(before);
    expect(events(db, id).some((e) => e.type === 'obligation.recorded')).toBe(false);
  });
});

describe(`dependencies advise in the console too (${backend.name})`, () => {
  it('a step done before what it depends on is recorded, with the warning (no refusal)', () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db, (y) =>
      y.replace('      captures: [detected_at]\n', '      captures: [detected_at]\n    - id: brief-counsel\n      title: Brief counsel\n      owner: lead\n      depends_on: [triage]\n      guidance: Counsel first.\n'),
    );
    const r = runConsole(db, dir, ['brief-counsel', 'done', 'quit'], [id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('saved: done brief-counsel');
    expect(r.stdout).toContain('brief-counsel: done before triage');
    expect(r.stdout).not.toContain('not saved');
    const steps = status(db, id).steps;
    expect(steps.find((s) => s.id === 'brief-counsel')!.status).toBe('done');
    expect(steps.find((s) => s.id === 'triage')!.status).toBe('pending');
  });
});
}

consoleFixes(sqliteBackend);
if (pgAvailable(import.meta.filename, 6)) consoleFixes(pgBackend);
