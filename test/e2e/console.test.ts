import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveNotice, irr, json, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * The console driven by answers files, through the real binary, on both backends (issue 15): the
 * same flow a responder walks in a terminal, unattended.
 */

interface Step {
  id: string;
  phase: string;
  status: string;
  blocked_by: string[];
  captures: string[];
  marks: string[];
  discharges: string[];
}
interface Status {
  id: string;
  phase: string;
  holds: string[];
  facts: Record<string, unknown>;
  steps: Step[];
}

type Answer = string | string[];

function runConsole(db: string, dir: string, answers: Answer[], args: string[] = []) {
  const file = join(dir, `answers-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, answers.map((a) => `- ${JSON.stringify(a)}`).join('\n') + '\n');
  return irr(['run', ...args, '--answers', file], { db });
}

const status = (db: string, id: string) => json<Status>(irr(['status', id, '--json'], { db }));

/**
 * One database per backend: each test opens its own incident and reads only that one (the picker's
 * `new` is a choice whatever else is open); "nothing stored" is that incident's log, before and after.
 */
function consoleFlows(backend: Backend): void {
  const database = sharedDb(backend);
describe(`irr run --answers (${backend.name})`, () => {
  // About 50 s on this 2-core machine (a whole incident through the console, and many launches): its own timeout, not the suite's 60 s.
  it('handles a whole incident from opening to close inside the console, including the notice to the authority', { timeout: 240_000 }, () => {
    const dir = tempDir();
    const db = database();
    const opened = runConsole(db, dir, ['new', 'misdirected-communication', 'Payslips emailed to the wrong team', '2026-03-02 09:00', 'quit']);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toContain('saved: opened INC-');
    const id = /saved: opened (INC-\d{4}-\d{4})/.exec(opened.stdout)![1]!;

    // The facts that make the GDPR notice to the authority required, through the facts menu.
    const facts = runConsole(db, dir, ['facts', 'entity_role', 'controller', 'subjects_by_jurisdiction', 'DE:1200', 'data_categories', ['contact', 'financial'], 'confidentiality', 'known_recipients', 'back', 'quit'], [id]);
    expect(facts.code, facts.stderr).toBe(0);
    expect(status(db, id).facts).toMatchObject({ entity_role: 'controller', subjects_by_jurisdiction: { DE: 1200 }, data_categories: ['contact', 'financial'] });

    // Then step by step, as a responder would: open steps first, advance when nothing holds,
    // send what the law requires when that is what holds the close.
    const transcript: string[] = [];
    type Clock = { id: string; required: boolean | string; status: string };
    const settled = ['met', 'late', 'waived', 'not_applicable', 'not_required'];
    for (let round = 0; round < 80; round++) {
      const s = status(db, id);
      if (s.phase === 'closed') break;
      const pending = s.steps.filter((x) => x.phase === s.phase && x.status === 'pending' && x.blocked_by.length === 0);
      // The board is read only when a step discharges a duty or closing is near (each read is a process).
      const board = pending.some((x) => x.discharges.length > 0) || s.phase === 'post-incident' ? json<{ clocks: Clock[] }>(irr(['clocks', id, '--json'], { db })).clocks : [];
      const known = new Set(Object.keys(s.facts));
      const answers: Answer[] = [];
      for (const step of pending) {
        answers.push(step.id);
        // A step that discharges a required notice is done only once it is sent: go to the notice from the step.
        for (const d of step.discharges.filter((x) => board.some((o) => o.id === x && o.required === true && !settled.includes(o.status)))) {
          // Four eyes: the DPO, another person, approves the draft with their own command first.
          approveNotice(db, id, d);
          answers.push(`notice:${d}`, 'sent', 'now', 'portal', 'BfDI-2026-0042');
        }
        answers.push('done');
        for (const _f of step.captures.filter((c) => !known.has(c))) answers.push('-');
        if (step.marks.includes('awareness')) break; // awareness changes what applies: look again
      }
      if (answers.length === 0) {
        const owed = s.holds.map((h) => /^obligation (\S+) is (?:required and )?(?:overdue, )?not yet sent/.exec(h)?.[1]).filter((x) => x !== undefined);
        const undetermined = board.filter((o) => o.status === 'undetermined');
        if (owed.includes('gdpr-art33')) approveNotice(db, id, 'gdpr-art33');
        if (owed.includes('gdpr-art33')) answers.push('notifications', 'gdpr-art33', 'sent', 'now', 'portal', 'BfDI-2026-0042', 'back');
        else if (owed.length > 0) answers.push('notifications', owed[0]!, 'waived', 'override', 'Recipient is a trusted partner and confirmed deletion in writing', 'back');
        // Closing waits on every open legal question: settle each by a recorded decision.
        else if (s.phase === 'post-incident' && undetermined.length > 0) {
          answers.push('notifications');
          for (const u of undetermined) answers.push(u.id, 'not_applicable', 'Not a sector or country this organisation works in');
          answers.push('back');
        }
        else answers.push(s.phase === 'post-incident' ? 'close' : 'advance');
      }
      const r = runConsole(db, dir, [...answers, 'quit'], [id]);
      expect(r.code, `${r.stderr}\n${answers.join(' | ')}`).toBe(0);
      transcript.push(r.stdout);
    }
    const end = status(db, id);
    expect(end.phase).toBe('closed');
    const all = transcript.join('\n');
    expect(all).toContain('saved: gdpr-art33 sent');
    expect(all).toContain(`saved: closed ${id}`);
    // The legal clock started when the awareness step was done, and the notice is on record as met.
    const clocks = json<{ clocks: { id: string; status: string; sent_at: string | null }[] }>(irr(['clocks', id, '--json'], { db }));
    expect(clocks.clocks.find((c) => c.id === 'gdpr-art33')).toMatchObject({ status: 'met' });
    const log = json<{ type: string; payload: Record<string, unknown> }[]>(irr(['log', id, '--json'], { db }));
    const recorded = log.filter((e) => e.type === 'obligation.recorded').map((e) => e.payload);
    // Both notices drafted and approved by a second person (four eyes), sent from the steps that
    // discharge them, then every open question settled by a decision.
    expect(recorded.slice(0, 6)).toEqual([
      { obligation: 'gdpr-art33', action: 'drafted' },
      { obligation: 'gdpr-art33', action: 'approved' },
      { obligation: 'gdpr-art33', action: 'sent', channel: 'portal', ref: 'BfDI-2026-0042' },
      { obligation: 'gdpr-art34', action: 'drafted' },
      { obligation: 'gdpr-art34', action: 'approved' },
      { obligation: 'gdpr-art34', action: 'sent', channel: 'portal', ref: 'BfDI-2026-0042' },
    ]);
    expect(all).toContain('four eyes: drafted by tester, approved by approver: it may be recorded as sent');
    expect(recorded.length).toBeGreaterThan(6);
    for (const r of recorded.slice(6)) expect(r).toMatchObject({ action: 'not_applicable', reason: 'Not a sector or country this organisation works in' });
    expect(all).toContain('? notify-supervisory-authority: what now? notice:gdpr-art33');
    expect(irr(['verify', id], { db }).code).toBe(0);
  });

  it('writes the notice to a file from the obligation screen, asking first for the facts it misses (back: nothing stored)', () => {
    const dir = tempDir();
    const db = database();
    const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips to the wrong team', '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
    const base = ['aware_at=2026-03-02T11:00:00Z', 'entity_role=controller', 'subjects_by_jurisdiction=DE:40', 'data_categories=financial', 'subjects_total=40', 'records_total=40', 'confidentiality=known_recipients'];
    expect(irr(['fact', id, ...base, '--at', '2026-03-02T11:00:00Z'], { db }).code).toBe(0);
    const file = join(dir, 'notice.html');
    const before = json<unknown[]>(irr(['log', id, '--json'], { db })).length;
    // `back` at the first of the facts the letter asks for: back to the notices, nothing stored.
    const refused = runConsole(db, dir, ['notifications', 'gdpr-art33', 'letter', file, 'back', 'back', 'quit'], [id]);
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stdout).toMatch(/The letter needs \d facts not recorded yet: breach_description, dpo_contact, organisation_name, likely_consequences, measures_taken/);
    expect(refused.stdout).toMatch(/\? breach_description: .*back\)?\n/);
    expect(refused.stdout).toMatch(/not written: the letter still needs breach_description, dpo_contact/);
    expect(existsSync(file)).toBe(false);
    expect(json<unknown[]>(irr(['log', id, '--json'], { db })).length).toBe(before);
    const more = ['dpo_contact=Jane Roe, DPO', 'organisation_name=Example GmbH', 'breach_description=Payslips went to the wrong list.', 'likely_consequences=Colleagues learn salaries.', 'measures_taken=Deletion confirmed.', 'delay_reasons=Late on purpose for this test.'];
    expect(irr(['fact', id, ...more], { db }).code).toBe(0);
    const written = runConsole(db, dir, ['notifications', 'gdpr-art33', 'letter', file, 'back', 'quit'], [id]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toMatch(/saved: letter gdpr-art33-authority written to\s+\S*notice\.html\s+\(DRAFT until\s+approved\)/);
    expect(readFileSync(file, 'utf8')).toContain('<h2>Contact point</h2>');
  });

  it('says why an advance is held, and saves nothing', () => {
    const dir = tempDir();
    const db = database();
    const id = irr(['open', '--playbook', 'lost-stolen-device', '--title', 'Laptop stolen from car'], { db }).stdout.trim();
    const before = json<unknown[]>(irr(['log', id, '--json'], { db })).length;
    const r = runConsole(db, dir, ['advance', 'quit'], [id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Cannot advance yet; held by:\n {2}- record-loss-report: required, not done or skipped\n/);
    expect(json<unknown[]>(irr(['log', id, '--json'], { db })).length).toBe(before);
  });

  it('records a step done with the facts it captures, each stored as it is answered', () => {
    const dir = tempDir();
    const db = database();
    const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Ransomware'], { db }).stdout.trim();
    const r = runConsole(db, dir, ['record-detection', 'done', '2026-03-02T08:15+01:00', 'quit'], [id]);
    expect(r.code, r.stderr).toBe(0);
    const s = status(db, id);
    expect(s.steps.find((x) => x.id === 'record-detection')!.status).toBe('done');
    expect(s.facts.detected_at).toBe('2026-03-02T07:15:00.000Z');
    const log = json<{ type: string; actor: string }[]>(irr(['log', id, '--json'], { db }));
    expect(log.map((e) => e.type)).toEqual(['incident.opened', 'facts.recorded', 'step.completed']);
  });

  it('refuses an answer that does not fit with file, line and choices, keeping what was answered before', () => {
    const dir = tempDir();
    const db = database();
    const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Ransomware'], { db }).stdout.trim();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, '# rehearsal\n- facts\n- subjects_total\n- "1200"\n- not-a-fact\n');
    const r = irr(['run', id, '--answers', file], { db });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^irr: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: answer 4 to "Which fact\\?": "not-a-fact" is not one of the choices \\(back, `));
    expect(status(db, id).facts).toEqual({ subjects_total: 1200 });
  });

  it('stops cleanly when the answers run out, saying how to resume', () => {
    const dir = tempDir();
    const db = database();
    const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Ransomware'], { db }).stdout.trim();
    const r = runConsole(db, dir, ['note', 'Backups confirmed offline'], [id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`everything answered is saved. Resume with: irr run ${id}`);
    expect(json<{ type: string }[]>(irr(['log', id, '--json'], { db })).map((e) => e.type)).toEqual(['incident.opened', 'note.added']);
  });

  it('runs the answers file the README shows, as printed there', () => {
    const dir = tempDir();
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const file = join(dir, 'answers.yaml');
    writeFileSync(file, example);
    const r = irr(['run', '--answers', file], { db: database() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('saved: opened INC-');
    expect(r.stdout).toContain('saved: detected_at = ');
    expect(r.stdout).toContain('saved: misdirected_channel = email');
    expect(r.stdout).toContain('saved: done record-report');
  });
});
}

consoleFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 7)) consoleFlows(pgBackend);

describe('irr run --answers (no store, or the SQLite file)', () => {
  // One pass: refused before any store is opened.
  it('without a terminal and without answers, points at the scriptable commands', () => {
    const dir = tempDir();
    const r = irr(['run'], { db: join(dir, 'irr.db') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('irr: run: the console needs a terminal (stdin and stdout are not both a TTY); use the scriptable commands instead (irr status, irr step, irr fact, irr advance, irr obligation), or give --answers <file>\n');
  });

  // SQLite only: about the file (none left behind); a server's database exists before irr is pointed at it.
  it('quitting the picker on a fresh machine leaves no database behind', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const r = runConsole(db, dir, ['quit']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No open incident.');
    expect(irr(['list'], { db }).code).toBe(2);
  });
});
