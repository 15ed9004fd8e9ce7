import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { choose, useTerminals } from './tty.js';

/**
 * Issue 14, facts in the console, in a real terminal (tmux): a recorded fact can be cleared by a
 * visible choice (as `key=-` on the command line). On both backends (issue 15): every flow here is
 * about the console, none about the SQLite file.
 */

const openTerminal = useTerminals();

interface Status {
  facts: Record<string, unknown>;
}
const status = (db: string, id: string) => json<Status>(irr(['status', id, '--json'], { db }));
const events = (db: string, id: string) => json<{ type: string; payload: { cleared?: string[] } }[]>(irr(['log', id, '--json'], { db }));

function openMini(dir: string, db: string): string {
  const file = join(dir, 'runbook.yaml');
  writeFileSync(file, readFileSync(join(ROOT, 'test/fixtures/runbooks/mini.yaml'), 'utf8'));
  const r = irr(['open', '--playbook', file, '--title', 'Console facts'], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** A lost laptop with the GDPR Art 33 notice required and every fact its letter needs but two. */
function openNoticeDue(db: string): string {
  const id = irr(['open', '--playbook', 'lost-stolen-device', '--title', 'Laptop stolen'], { db }).stdout.trim();
  const facts = [
    'entity_role=controller', 'confidentiality=unknown_recipients', 'malicious=true', 'vulnerable_subjects=false', 'ease_of_identification=maximum',
    'integrity=none', 'availability=none', 'unintelligible=false', 'aware_at=now', 'data_categories=contact,financial', 'subjects_by_jurisdiction=FR:3200',
    'subjects_total=3200', 'dpo_contact=Jane Roe, DPO', 'breach_description=A laptop was stolen.', 'likely_consequences=Phishing.', 'measures_taken=Locked remotely.',
  ];
  const r = irr(['fact', id, ...facts.map((f) => (f === 'aware_at=now' ? `aware_at=${new Date(Date.now() - 3_600_000).toISOString()}` : f))], { db });
  expect(r.code, r.stderr).toBe(0);
  return id;
}

async function toTheLetter(t: Terminal, file: string): Promise<void> {
  await t.waitFor('What next?');
  await choose(t, 'Notifications');
  await t.waitFor('Which notification?');
  await choose(t, 'gdpr-art33 [');
  await t.waitFor('gdpr-art33: record what?');
  await choose(t, 'Write the notice (letter) to a file');
  await t.waitFor('Write to which file?');
  t.type(file);
  t.keys('Enter');
}

/**
 * One database per backend: each test opens its own incident and reads only that one; "nothing
 * stored" is checked against every event of the database, which no other test writes meanwhile
 * (a file's tests run one after another).
 */
function consoleFacts(backend: Backend): void {
  const database = sharedDb(backend);
  // On the team server the console connects as the acting responder's own role, as irr() does.
  const term = openTerminal;
describe(`clearing a fact in the console (${backend.name})`, () => {
  it('offers "clear it" for a recorded count (after change / keep) and for a yes/no (in its list); each is recorded as cleared', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    expect(irr(['fact', id, 'subjects_total=40', 'malicious=true'], { db }).code).toBe(0);
    const t = term(['run', id], { db });
    await t.waitFor('What next?');
    await choose(t, 'Record facts');
    await t.waitFor('Which fact?');
    await choose(t, 'subjects_total = 40');
    let screen = await t.waitFor('subjects_total = 40: change it, keep it, or clear it?');
    expect(screen).toContain('change it');
    expect(screen).toContain('keep 40');
    await choose(t, 'clear it: not known any more');
    screen = await t.waitFor('subjects_total cleared: not known any more');
    await t.waitFor('Which fact?');
    await choose(t, 'malicious = yes');
    screen = await t.waitFor('malicious: ');
    expect(screen).toContain('keep yes');
    await choose(t, 'clear it: not known any more');
    await t.waitFor('malicious cleared: not known any more');
    const facts = status(db, id).facts;
    expect(facts).not.toHaveProperty('subjects_total');
    expect(facts).not.toHaveProperty('malicious');
    const cleared = events(db, id).filter((e) => e.type === 'facts.recorded').flatMap((e) => e.payload.cleared ?? []);
    expect(cleared).toEqual(['subjects_total', 'malicious']);
  });

  it('offers no "clear" for a fact not recorded yet: its answer "-" stays "not known yet"', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const db = database();
    const id = openMini(dir, db);
    const t = term(['run', id], { db });
    await t.waitFor('What next?');
    await choose(t, 'Record facts');
    await t.waitFor('Which fact?');
    await choose(t, 'malicious (not known)');
    const screen = await t.waitFor('not known yet');
    expect(screen).not.toContain('clear it');
    expect(screen).not.toContain('change it, keep it, or clear it?');
  });
});

describe(`a letter refused for missing facts, in the console (${backend.name})`, () => {
  it('asks for exactly those facts on the spot, one question each, then writes the letter', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const db = database();
    const id = openNoticeDue(db);
    const file = join(dir, 'notice.md');
    const t = term(['run', id], { db, columns: 100, rows: 30 });
    await toTheLetter(t, file);
    await t.waitFor('The letter needs 2 facts not recorded yet: records_total, organisation_name.');
    // The question follows the explanation on the same screen (drawn a moment later).
    await t.waitFor('records_total: ');
    t.type('3200');
    t.keys('Enter');
    await t.waitFor('organisation_name: ');
    t.type('Example GmbH');
    t.keys('Enter');
    await t.waitFor('saved: letter gdpr-art33-authority written to');
    expect(readFileSync(file, 'utf8')).toContain('Example GmbH');
    expect(status(db, id).facts).toMatchObject({ records_total: 3200, organisation_name: 'Example GmbH' });
    expect(events(db, id).at(-1)!.type).toBe('document.rendered');
  });

  it('Esc at one of those questions goes back to the notice: nothing from it is stored and no letter is written', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const db = database();
    const id = openNoticeDue(db);
    const before = backend.eventCount(db);
    const file = join(dir, 'notice.md');
    const t = term(['run', id], { db, columns: 100, rows: 30 });
    await toTheLetter(t, file);
    await t.waitFor('records_total: ');
    t.type('32');
    t.keys('Escape');
    const screen = await t.waitFor('Which notification?');
    expect(screen).toContain('back: nothing from that question was saved');
    expect(screen).toContain('not written: the letter still needs records_total, organisation_name');
    expect(backend.eventCount(db)).toBe(before);
    expect(existsSync(file)).toBe(false);
  });
});
}

consoleFacts(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) consoleFacts(pgBackend);
