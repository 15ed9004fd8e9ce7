import { describe, expect, it } from 'vitest';
import { irr, json } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { choose, useTerminals } from './tty.js';

/**
 * Issue 10, defect 15, in a real terminal (tmux): a local time the clocks repeat is not silently
 * resolved; the console asks which of the two instants is meant, and one the clocks skip is refused.
 * On both backends (issue 15): the flow is about the console and the instant stored, not the file.
 */

const openTerminal = useTerminals();

function consoleTimes(backend: Backend): void {
  // On the team server the console connects as the acting responder's own role, as irr() does.
  const term = openTerminal;
describe(`times typed in the console (Europe/Paris, ${backend.name})`, () => {
  it('refuses 2026-03-29 02:30, and asks which 2026-10-25 02:30, storing the reading chosen', async () => {
    const db = backend.newDb();
    const t = term(['run'], { db, env: { TZ: 'Europe/Paris' } });
    await t.waitFor('Which incident?');
    await choose(t, 'Open a new incident');
    await t.waitFor('Which runbook fits?');
    await choose(t, 'misdirected-communication:');
    await t.waitFor('Title');
    t.type('Payslips emailed to the wrong team');
    t.keys('Enter');
    await t.waitFor('When was it detected?');
    t.type('2026-03-29 02:30');
    t.keys('Enter');
    await t.waitFor('does not exist in Europe/Paris');
    // Clear the refused answer, type the repeated hour.
    for (let i = 0; i < 16; i++) t.keys('BSpace');
    t.type('2026-10-25 02:30');
    t.keys('Enter');
    const screen = await t.waitFor('happens twice in Europe/Paris');
    expect(screen).toContain('the earlier one: 2026-10-25 02:30 +02:00 = 00:30 UTC');
    expect(screen).toContain('the later one: 2026-10-25 02:30 +01:00 = 01:30 UTC');
    await choose(t, 'the later one');
    const next = await t.waitFor('What next?');
    const id = /saved: opened (INC-\d{4}-\d{4})/.exec(next)![1]!;
    const s = json<{ facts: Record<string, { value: string } | string> }>(irr(['status', id, '--json'], { db }));
    expect(JSON.stringify(s.facts.detected_at)).toContain('2026-10-25T01:30:00.000Z');
  });
});
}

consoleTimes(sqliteBackend);
if (pgAvailable(import.meta.filename, 1)) consoleTimes(pgBackend);
