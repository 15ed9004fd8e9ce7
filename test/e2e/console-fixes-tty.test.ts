import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { choose, useTerminals } from './tty.js';

/**
 * Issue 14, the console side, in a real terminal (tmux): Esc goes back, screens re-check what
 * changed, screens fit the terminal. On both backends (issue 15): every flow here is about the
 * console, none about the SQLite file.
 */

const openTerminal = useTerminals();

interface Status {
  phase: string;
  facts: Record<string, unknown>;
  steps: { id: string; status: string; by: string | null }[];
}
const status = (db: string, id: string) => json<Status>(irr(['status', id, '--json'], { db }));

function openMini(dir: string, db: string): string {
  const file = join(dir, 'runbook.yaml');
  writeFileSync(file, readFileSync(join(ROOT, 'test/fixtures/runbooks/mini.yaml'), 'utf8'));
  const r = irr(['open', '--playbook', file, '--title', 'Console test'], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/**
 * One database per backend: each test opens its own incident (the drill its own too) and reads only
 * that one; "nothing stored" is checked against every event of the database, which no other test
 * writes meanwhile (a file's tests run one after another).
 */
function consoleFixes(backend: Backend): void {
  const database = sharedDb(backend);
  // On the team server the console connects as the acting responder's own role, as irr() does.
  const term = openTerminal;
describe(`Esc in the console (${backend.name})`, () => {
  it('goes back one screen from a question and from a menu, and stores nothing', async () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    const before = backend.eventCount(db);
    const t = term(['run', id], { db });
    let screen = await t.waitFor('What next?');
    expect(screen).toContain('esc back');
    await choose(t, 'Triage the alert');
    await t.waitFor('triage: what now?');
    await choose(t, 'Skip, with a reason');
    await t.waitFor('Why skip triage?');
    t.type('half a reas');
    t.keys('Escape');
    screen = await t.waitFor(/back: nothing from that question was saved[^]*\? triage: what now\?/);
    expect(screen).not.toContain('Why skip triage?');
    t.keys('Escape');
    screen = await t.waitFor(/What next\? \(\d+ open steps? in detection\)/);
    expect(screen).not.toContain('triage: what now?');
    expect(status(db, id).steps.find((s) => s.id === 'triage')!.status).toBe('pending');
    expect(backend.eventCount(db)).toBe(before);
  });
});

describe(`a stale screen (${backend.name})`, () => {
  it('re-checks a choice against what another process wrote since the screen was drawn, and says what changed', async () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    const t = term(['run', id], { db, env: { IRR_ACTOR: 'alice' } });
    let screen = await t.waitFor('What next?');
    expect(screen).toContain('Advance to analysis (held: 1 thing)');
    // Meanwhile another responder, in another process on the same database, finishes the phase.
    const other = irr(['step', id, 'triage', 'done'], { db, env: { IRR_ACTOR: 'lena' } });
    expect(other.code, other.stderr).toBe(0);
    await choose(t, 'Advance to analysis');
    screen = (await t.waitFor(/saved: phase analysis begins[^]*What next\?/)).replace(/\s+/g, ' ');
    expect(screen).toContain('since this screen: 1 entry by lena — step triage done');
    expect(screen).toContain('Advance is now ready');
    expect(screen).not.toContain('Cannot advance yet');
    expect(status(db, id).phase).toBe('analysis');

    // And a move someone else already made is not made twice (that would skip a phase).
    const moved = irr(['advance', id], { db, env: { IRR_ACTOR: 'lena' } });
    expect(moved.code).not.toBe(0); // analysis still holds: confirm-breach is required
    for (const step of ['confirm-breach', 'card-scope']) {
      const skip = irr(['step', id, step, 'skip', '--reason', 'not personal data'], { db, env: { IRR_ACTOR: 'lena' } });
      expect(skip.code, skip.stderr).toBe(0);
    }
    expect(irr(['advance', id], { db, env: { IRR_ACTOR: 'lena' } }).code).toBe(0);
    await choose(t, 'Advance to containment');
    screen = (await t.waitFor(/not done:[^]*What next\?/)).replace(/\s+/g, ' ');
    expect(screen).toContain('not done: the incident is now in containment, so "advance" from analysis no longer applies');
    expect(status(db, id).phase).toBe('containment');
  });
});

describe(`screens that fit the terminal (${backend.name})`, () => {
  function openWithDuties(db: string): string {
    const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Ransomware on the file server'], { db }).stdout.trim();
    expect(irr(['step', id, 'record-detection', 'done'], { db }).code).toBe(0);
    const now = Date.now();
    const aware = new Date(now - 40 * 3_600_000).toISOString();
    const f = irr(['fact', id, 'entity_role=controller', 'subjects_by_jurisdiction=DE:1200,FR:300,US-CA:800', 'data_categories=contact,financial', `aware_at=${aware}`], { db });
    expect(f.code, f.stderr).toBe(0);
    return id;
  }

  it('at 80×24 a deadline in the notifications list is never cut, and the list says it scrolls', async () => {
    const db = database();
    const id = openWithDuties(db);
    const t = term(['run', id], { db, env: { TZ: 'Europe/Paris' } });
    await t.waitFor('What next?');
    await choose(t, 'Notifications (');
    const screen = await t.waitFor(/Which notification\?[^]*esc back/);
    // A choice too long for the width continues on the next line, indented under its text.
    const dueLines = screen.replace(/\n {4}(?=\S)/g, ' ').split('\n').filter((l) => / (due|target) \w{3} \d{1,2} \w{3}/.test(l));
    expect(dueLines.length).toBeGreaterThan(1);
    for (const l of dueLines) expect(l).toMatch(/ (due|target) \w{3} \d{1,2} \w{3}( \d{4})? \d{2}:\d{2} CES?T \(.* (left|ago)\)$/);
    for (const l of screen.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(screen).toMatch(/↓ more: \d+ choices, \d+ shown at a time/);

    // A notice's screen at 80×24: "Back" and "Write the notice" are on screen, not below the fold.
    await choose(t, 'gdpr-art33 [');
    const notice = await t.waitFor(/gdpr-art33: record what\?[^]*esc back/);
    expect(notice).toContain('Write the notice (letter) to a file');
    expect(notice).toMatch(/^\s*(❯ )?Back$/m);
    for (const l of notice.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('at 130 columns the header uses the width, and "Show every phase" pages instead of scrolling away', async () => {
    const db = database();
    const id = openWithDuties(db);
    const wide = term(['run', id], { db, columns: 130, rows: 30 });
    const top = await wide.waitFor('What next?');
    expect(top.split('\n')).toContain('-'.repeat(129));
    wide.close();

    const t = term(['run', id], { db });
    await t.waitFor('What next?');
    await choose(t, 'Show every phase, step and fact');
    let screen = await t.waitFor(/-- more: lines 1–\d+ of \d+ --/);
    expect(screen).toContain(`${id}`);
    const total = Number(/of (\d+) --/.exec(screen)![1]);
    expect(total).toBeGreaterThan(40);
    for (const l of screen.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    t.keys('Enter'); // Next page
    screen = await t.waitFor(/-- more: lines 2\d–\d+ of \d+ --|-- more: lines 1\d–\d+ of \d+ --/);
    t.keys('Escape');
    await t.waitFor(/\? What next\?/);
  });
});

describe(`the drill narrative (${backend.name})`, () => {
  it('is wrapped to an 80-column terminal at words, not at the file\'s ~98 columns', async () => {
    const db = database();
    const t = term(['drill', 'run', 'ransomware-eu-us'], { db, rows: 60 });
    const screen = await t.waitFor('Facilitator');
    const lines = screen.split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    const start = lines.findIndex((l) => l.startsWith('Monday morning'));
    expect(start).toBeGreaterThanOrEqual(0);
    // Each line ends at a word: the next line never starts with the rest of a cut word.
    const para = lines.slice(start, lines.indexOf('', start));
    expect(para.length).toBeGreaterThan(6);
    expect(para.join(' ')).toContain('Germany, France and California and keeps its customer relationship data (names, addresses, dates of birth,');
    for (const l of para.slice(0, -1)) expect(l.length).toBeGreaterThan(60);
  });
});
}

consoleFixes(sqliteBackend);
if (pgAvailable(import.meta.filename, 5)) consoleFixes(pgBackend);
