import { describe, expect, it } from 'vitest';
import { irr, json } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { choose, useTerminals } from './tty.js';

/**
 * The console in a real pseudo-terminal (tmux), 80×24: keys typed, screen read, database checked.
 * On both backends (issue 15): every flow here is about the console, none about the SQLite file.
 */

const openTerminal = useTerminals();

interface Status {
  phase: string;
  facts: Record<string, unknown>;
  steps: { id: string; status: string; by: string | null }[];
}
const status = (db: string, id: string) => json<Status>(irr(['status', id, '--json'], { db }));
const events = (db: string, id: string) => json<{ type: string; actor: string; payload: Record<string, unknown> }[]>(irr(['log', id, '--json'], { db }));

function openRansomware(db: string): string {
  const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Ransomware on the file server'], { db }).stdout.trim();
  expect(irr(['step', id, 'record-detection', 'done'], { db }).code).toBe(0);
  return id;
}

/**
 * One database per backend: each test opens its own incident and reads only that one (the picker's
 * "Open a new incident" is a choice whatever else is open).
 */
function terminalFlows(backend: Backend): void {
  const database = sharedDb(backend);
  // On the team server the console connects as the acting responder's own role, as irr() does.
  const term = openTerminal;
describe(`irr run in a terminal (${backend.name})`, () => {
  it('opens an incident from the picker, completes a step, and is held at the guard with the reasons', async () => {
    const db = database();
    const t = term(['run'], { db, env: { IRR_ACTOR: 'alice' } });
    await t.waitFor('Which incident?');
    await choose(t, 'Open a new incident');
    await t.waitFor('Which runbook fits?');
    await choose(t, 'ransomware-exfiltration:');
    await t.waitFor('Title');
    t.type('Ransomware on the file server');
    t.keys('Enter');
    await t.waitFor('When was it detected?');
    t.keys('Enter'); // now
    let screen = await t.waitFor('What next?');
    const id = /saved: opened (INC-\d{4}-\d{4})/.exec(screen)![1]!;
    expect(screen).toContain(`${id}  Ransomware on the file server`);
    expect(screen).toMatch(/phase: detection \(0\/8 steps resolved\) · acting as alice/);
    for (const line of screen.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    await choose(t, 'Record how and when the incident was detected');
    screen = await t.waitFor('record-detection: what now?');
    expect(screen).toContain('owner: incident_lead · required');
    expect(screen).toMatch(/Open the incident record and note the source/);
    await choose(t, 'Mark done');
    screen = await t.waitFor('saved: done record-detection');
    expect(screen).toMatch(/phase: detection \(1\/8 steps resolved\)/);

    await choose(t, 'Advance to analysis');
    screen = await t.waitFor('Cannot advance yet; held by:');
    expect(screen).toContain('- triage-ransomware-indicators: required, not done or skipped');

    const s = status(db, id);
    expect(s.steps.find((x) => x.id === 'record-detection')).toMatchObject({ status: 'done', by: 'alice' });
    expect(s.phase).toBe('detection');
    expect(s.facts.detected_at).toEqual(expect.any(String));
  });

  it('a killed console loses nothing already answered, and irr run resumes where it stood', async () => {
    const db = database();
    const id = openRansomware(db);
    const t = term(['run', id], { db });
    await t.waitFor('What next?');
    await choose(t, "Establish the organisation's regulatory profile");
    await t.waitFor('establish-regulatory-profile: what now?');
    await choose(t, 'Mark done (asks first for entity_role');
    await t.waitFor('entity_role:');
    await choose(t, 'controller');
    await t.waitFor('sec_registrant:');
    t.killProgram();
    await t.waitFor('[exit 137]');

    // The first answer was stored before the second question was put; the step is still open.
    const s = status(db, id);
    expect(s.facts.entity_role).toBe('controller');
    expect(s.steps.find((x) => x.id === 'establish-regulatory-profile')!.status).toBe('pending');
    expect(irr(['verify', id], { db }).code).toBe(0);

    const again = term(['run', id], { db });
    await again.waitFor('What next?');
    await choose(again, "Establish the organisation's regulatory profile");
    const screen = await again.waitFor('establish-regulatory-profile: what now?');
    expect(screen).toContain('entity_role = controller');
    expect(screen).toContain('Mark done (asks first for sec_registrant');
  });

  it('two consoles on one incident see each other’s progress and never record a step twice', async () => {
    const db = database();
    const id = openRansomware(db);
    const a = term(['run', id], { db, env: { IRR_ACTOR: 'alice' } });
    const b = term(['run', id], { db, env: { IRR_ACTOR: 'bob' } });
    await a.waitFor('What next?');
    await b.waitFor('What next?');
    // Both open the same step.
    await choose(a, 'Activate the response team');
    await choose(b, 'Activate the response team');
    await a.waitFor('activate-response-team: what now?');
    await b.waitFor('activate-response-team: what now?');
    await choose(a, 'Mark done');
    await a.waitFor('saved: done activate-response-team');
    // Bob's screen is older than Alice's answer: his "done" must not become a second record.
    await choose(b, 'Mark done');
    const screen = (await b.waitFor('What next?')).replace(/\s+/g, ' ');
    // The re-check before acting says what changed instead of refusing on the stale screen.
    expect(screen).toContain('since this screen: 1 entry by alice — step activate-response-team done');
    expect(screen).toContain('activate-response-team is already done (by alice');
    // And on his next screen he sees her progress.
    await b.waitFor('(2/8 steps resolved)');
    const done = events(db, id).filter((e) => e.type === 'step.completed' && e.payload.step === 'activate-response-team');
    expect(done).toHaveLength(1);
    expect(done[0]!.actor).toBe('alice');

    // Answers from both at once are all kept, in one unbroken chain.
    await choose(a, 'Record facts');
    await choose(b, 'Add a note');
    await a.waitFor('Which fact?');
    await b.waitFor('Note for the timeline');
    b.type('Insurer hotline called, claim 7781');
    await choose(a, 'subjects_total');
    await a.waitFor('subjects_total:');
    a.type('52000');
    a.keys('Enter');
    b.keys('Enter');
    await a.waitFor('saved: subjects_total = 52000');
    await b.waitFor('saved: note');
    expect(status(db, id).facts.subjects_total).toBe(52000);
    expect(events(db, id).some((e) => e.type === 'note.added' && e.actor === 'bob')).toBe(true);
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('Ctrl-C stops with the resume hint; NO_COLOR gives a screen without colour codes', async () => {
    const db = database();
    const id = openRansomware(db);
    const coloured = term(['run', id], { db });
    await coloured.waitFor('What next?');
    expect(coloured.screen({ colours: true })).toMatch(/\u001b\[[0-9;]*m/);

    const plain = term(['run', id], { db, env: { NO_COLOR: '1' } });
    await plain.waitFor('What next?');
    expect(plain.screen({ colours: true })).not.toMatch(/\u001b\[[0-9;]*m/);
    // Meaning survives without colour: marks and words say required, waiting and held.
    expect(plain.screen()).toMatch(/\[ \]\* WAITS /);
    expect(plain.screen()).toMatch(/Advance to analysis \(held: \d+ things\)/);

    plain.keys('C-c');
    const screen = await plain.waitFor('[exit 130]');
    expect(screen).toContain(`irr: stopped; everything answered is saved. Resume with: irr run ${id}`);
    expect(screen).not.toMatch(/at .*\.js:\d+/);
  });
});
}

terminalFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) terminalFlows(pgBackend);
