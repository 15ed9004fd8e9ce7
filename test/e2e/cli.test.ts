import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, MINI, tempDir } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

interface Status {
  id: string;
  title: string;
  phase: string;
  playbook: { id: string; version: string; hash: string };
  steps: { id: string; phase: string; title: string; owner: string; required: boolean; status: string; at: string | null; by: string | null; reason?: string; blocked_by: string[] }[];
  facts: Record<string, unknown>;
  holds: string[];
  awareness: { at: string; source: string } | null;
  seq: number;
}

/**
 * The core flows, the same on both backends (issue 15): a SQLite file, and a database on the
 * throwaway PostgreSQL server where each actor connects as their own role.
 */
function coreFlows(backend: Backend): void {
  const newDb = () => backend.newDb();
  const eventCount = (db: string) => backend.eventCount(db);

/** Every refused or invalid command must leave the database exactly as it was. */
function expectUnchanged(db: string, r: { code: number; stderr: string }, code: number, before: number) {
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(eventCount(db)).toBe(before);
}

  it('walks an incident from open to close', () => {
    const db = newDb();
    expect(irr(['init'], { db }).code).toBe(0);
    const opened = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Lost laptop', '--json', '--at', '2026-03-01T08:00:00+01:00'], { db }));
    expect(opened.id).toMatch(/^INC-\d{4}-0001$/);
    const id = opened.id;

    let s = json<Status>(irr(['status', id, '--json'], { db }));
    expect(s).toMatchObject({ id, title: 'Lost laptop', phase: 'detection', playbook: { id: 'mini', version: '1.0.0' } });
    expect(s.playbook.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.steps[0]).toMatchObject({ id: 'triage', phase: 'detection', title: 'Triage the alert', owner: 'lead', required: true, status: 'pending', at: null, by: null });

    expect(irr(['step', id, 'triage', 'done', '--note', 'EDR alert', '--as', 'alice', '--at', '2026-03-01T08:10:00+01:00'], { db }).code).toBe(0);
    expect(irr(['advance', id], { db }).stdout).toContain('detection → analysis');

    // Refused: the guard names every required step that holds the phase.
    const before = eventCount(db);
    const refused = irr(['advance', id], { db });
    expectUnchanged(db, refused, 3, before);
    expect(refused.stderr).toContain('confirm-breach: required, not done or skipped');
    expect(refused.stderr).toContain('card-scope: required while data_categories is unknown');

    expect(irr(['step', id, 'confirm-breach', 'done', '--as', 'dora'], { db }).code).toBe(0);
    expect(irr(['fact', id, 'data_categories=contact,payment_card', 'subjects_by_jurisdiction=US-CA:1200,DE:40', 'subjects_total=1240', 'aware_at=2026-03-01T09:00:00+01:00'], { db }).code).toBe(0);
    s = json<Status>(irr(['status', id, '--json'], { db }));
    expect(s.facts).toEqual({ data_categories: ['contact', 'payment_card'], subjects_by_jurisdiction: { DE: 40, 'US-CA': 1200 }, subjects_total: 1240, aware_at: '2026-03-01T08:00:00.000Z' });
    expect(s.awareness).toEqual({ at: '2026-03-01T08:00:00.000Z', source: 'fact aware_at' });
    expect(s.steps.find((x) => x.id === 'confirm-breach')).toMatchObject({ status: 'done', by: 'dora' });

    expect(irr(['step', id, 'card-scope', 'skip'], { db }).code).toBe(2); // a skip needs a reason
    expect(irr(['step', id, 'card-scope', 'skip', '--reason', 'PFI engaged separately'], { db }).code).toBe(0);
    expect(irr(['advance', id], { db }).code).toBe(0);
    for (const [st] of [['contain'], ['eradicate'], ['recover']]) {
      expect(irr(['step', id, st!, 'done'], { db }).code).toBe(0);
      expect(irr(['advance', id], { db }).code).toBe(0);
    }
    // Reinfection: back to containment with a reason, then forward again.
    expect(irr(['reopen', id, 'containment'], { db }).code).toBe(2);
    expect(irr(['reopen', id, 'containment', '--reason', 'reinfection on host 7'], { db }).stdout).toContain('back from post-incident to containment');
    for (let i = 0; i < 3; i++) expect(irr(['advance', id], { db }).code).toBe(0);
    expect(json<Status>(irr(['status', id, '--json'], { db })).phase).toBe('post-incident');

    const n = eventCount(db);
    const early = irr(['close', id], { db });
    expectUnchanged(db, early, 3, n);
    expect(early.stderr).toContain('review: the post-incident review must be done (not skipped)');
    // Card data was involved, so the card-brand notice became an obligation that holds closing.
    expect(early.stderr).toContain('obligation pci-card-brands is required and not yet sent');
    expect(irr(['note', id, 'Review', 'booked', 'for', 'Friday'], { db }).code).toBe(0);
    expect(irr(['step', id, 'review', 'done'], { db }).code).toBe(0);
    expect(irr(['close', id], { db }).code).toBe(3);
    expect(irr(['obligation', id, 'pci-card-brands', 'sent', '--channel', 'acquirer portal', '--ref', 'ACQ-5521'], { db }).code).toBe(0);
    // Still an open legal question: nobody said whether the organisation is the controller.
    const undetermined = irr(['close', id], { db });
    expectUnchanged(db, undetermined, 3, eventCount(db));
    expect(undetermined.stderr).toContain(`obligation gdpr-art33 is undetermined: establish entity_role, or record irr obligation ${id} gdpr-art33 not-applicable --reason <text>`);
    // Each undetermined duty settled by a recorded decision (the reports show them).
    const open = json<{ clocks: { id: string; required: boolean | string; status: string }[] }>(irr(['clocks', id, '--json'], { db })).clocks.filter((o) => o.status === 'undetermined');
    expect(open.length).toBeGreaterThan(5);
    for (const o of open) expect(irr(['obligation', id, o.id, 'not-applicable', '--reason', 'Outside the scope of this test organisation'], { db }).code).toBe(0);
    expect(irr(['close', id, '--json'], { db }).stdout).toContain('"phase": "closed"');
    expect(json<Status>(irr(['status', id, '--json'], { db })).phase).toBe('closed');
    expectUnchanged(db, irr(['step', id, 'optional-extra', 'done'], { db }), 3, eventCount(db));

    const log = json<{ seq: number; type: string; at: string; recorded_at: string; actor: string; late: boolean; what: string }[]>(irr(['log', id, '--json'], { db }));
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log[0]).toMatchObject({ type: 'incident.opened', at: '2026-03-01T07:00:00.000Z', late: true });
    expect(log[1]).toMatchObject({ type: 'step.completed', actor: 'alice', what: 'done triage (Triage the alert) — EDR alert' });
    expect(log.find((e) => e.type === 'phase.reopened')!.what).toContain('reinfection on host 7');
    const text = irr(['log', id], { db }).stdout;
    expect(text).toMatch(/^SEQ\s+AT\s+RECORDED\s+ACTOR\s+WHAT/);
    expect(text).toContain('LATE');

    const verify = irr(['verify', '--json'], { db });
    expect(json<{ incident: string; ok: boolean; events: number }[]>(verify)).toEqual([expect.objectContaining({ incident: id, ok: true, events: log.length })]);
  });

  it('lists incidents, as text and JSON', () => {
    const db = newDb();
    const a = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'First', '--json'], { db })).id;
    const b = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Second'], { db }).stdout.trim();
    expect(b).toMatch(/^INC-\d{4}-0002$/);
    const list = json<{ id: string; phase: string; playbook: string }[]>(irr(['list', '--json'], { db }));
    expect(list.map((x) => [x.id, x.phase, x.playbook])).toEqual([
      [a, 'detection', 'mini'],
      [b, 'detection', 'ransomware-exfiltration'],
    ]);
    expect(irr(['list'], { db }).stdout).toMatch(/ID\s+PHASE\s+SEVERITY\s+NEXT DEADLINE\s+OPENED\s+TITLE/);
  });

  it('rejects bad input with one line, exit 2, and no change', () => {
    const db = newDb();
    const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Bad input', '--json'], { db })).id;
    const n = eventCount(db);
    const cases: [string[], RegExp][] = [
      [['status', 'INC-1999-0042'], /<incident>: no incident "INC-1999-0042"/],
      [['step', id, 'nope', 'done'], /no step "nope" in runbook mini/],
      [['step', id, 'triage', 'finish'], /action must be done or skip/],
      [['fact', id, 'subjects_total=many'], /subjects_total: expected a whole number/],
      [['fact', id, 'favourite=blue'], /unknown fact "favourite"/],
      [['fact', id, 'aware_at=2026-03-01 09:00'], /aware_at: "2026-03-01 09:00" is not an ISO 8601 date-time with offset/],
      [['fact', id, 'subjects_by_jurisdiction=California:3'], /"CALIFORNIA" is not an ISO 3166 code/],
      [['fact', id, 'data_categories=contact,gossip'], /unknown value gossip/],
      [['step', id, 'triage', 'done', '--at', 'yesterday'], /--at: "yesterday" is not a time: write "now", 2026-03-01T09:30\+01:00, or 2026-03-01 09:30/],
      [['step', id, 'triage', 'done', '--at', '2999-01-01T00:00:00Z'], /--at: .* is in the future/],
      [['note', id, ' '], /the note is empty/],
      [['reopen', id, 'sideways', '--reason', 'x'], /"sideways" is not a phase/],
      [['open', '--playbook', 'no-such-runbook', '--title', 'x'], /--playbook: no shipped runbook "no-such-runbook"/],
      [['open', '--playbook', MINI], /--title <text> is required/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['status'], /missing required argument 'incident'/],
    ];
    for (const [args, message] of cases) {
      const r = irr(args, { db });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expectUnchanged(db, r, 2, n);
    }
    expect(irr(['status', id], { db: join(tempDir(), 'missing.db') }).stderr).toMatch(/--db: no irr database at .*missing\.db \(run "irr init"/);
  });

  it('refuses by the lifecycle rules with exit 3', () => {
    const db = newDb();
    const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Rules', '--json'], { db })).id;
    // Dependencies advise, phases decide: a step done before what it depends on is recorded with a warning.
    const early = irr(['step', id, 'confirm-breach', 'done'], { db });
    expect(early.code, early.stderr).toBe(0);
    expect(early.stdout).toContain('warning: confirm-breach done before triage');
    const n = eventCount(db);
    const r = irr(['step', id, 'confirm-breach', 'done'], { db });
    expectUnchanged(db, r, 3, n);
    expect(r.stderr.trim()).toMatch(/^irr: step confirm-breach refused: step confirm-breach is already done \(by tester at /);
    // …and leaving the phase still needs the required step.
    const held = irr(['advance', id], { db });
    expectUnchanged(db, held, 3, n);
    expect(held.stderr).toContain('triage: required, not done or skipped');
    expectUnchanged(db, irr(['close', id], { db }), 3, n);
    expectUnchanged(db, irr(['reopen', id, 'analysis', '--reason', 'x'], { db }), 3, n);
  });

  it('records an unchanged fact only once', () => {
    const db = newDb();
    const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Facts', '--json'], { db })).id;
    expect(irr(['fact', id, 'subjects_total=10'], { db }).code).toBe(0);
    const n = eventCount(db);
    const again = irr(['fact', id, 'subjects_total=10'], { db });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged');
    expect(eventCount(db)).toBe(n);
    expect(irr(['fact', id, 'subjects_by_jurisdiction={"US-CA":3}', 'data_categories=["health"]', 'malicious=yes'], { db }).code).toBe(0);
    expect(json<Status>(irr(['status', id, '--json'], { db })).facts).toMatchObject({ subjects_by_jurisdiction: { 'US-CA': 3 }, data_categories: ['health'], malicious: true });
  });
}

describe('irr CLI end to end (real binary, real SQLite file)', () => coreFlows(sqliteBackend));

if (pgAvailable(import.meta.filename, 5)) {
  describe('irr CLI end to end (real binary, PostgreSQL team server, each actor its own role)', () => coreFlows(pgBackend));
}

describe('irr CLI (no database needed)', () => {

  it('prints a stack trace only with IRR_DEBUG=1', () => {
    const quiet = irr(['status', 'INC-0'], { db: join(tempDir(), 'x.db') });
    expect(quiet.stderr).not.toContain('    at ');
    const loud = irr(['status', 'INC-0'], { db: join(tempDir(), 'x.db'), env: { IRR_DEBUG: '1' } });
    expect(loud.stderr).toContain('    at ');
  });

  it('shows help and the playbook catalogue', () => {
    const help = irr(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['init', 'playbook', 'open', 'list', 'status', 'step', 'fact', 'note', 'advance', 'reopen', 'close', 'log', 'verify']) expect(help.stdout).toContain(cmd);
    const list = json<{ id: string; steps: number }[]>(irr(['playbook', 'list', '--json']));
    expect(list.map((p) => p.id)).toEqual(
      expect.arrayContaining(['ransomware-exfiltration', 'lost-stolen-device', 'misdirected-communication', 'credential-compromise', 'insider-exfiltration', 'exposed-cloud-storage', 'payment-card-skimming']),
    );
    expect(Math.min(...list.map((p) => p.steps))).toBeGreaterThanOrEqual(30);
    const schema = json<{ properties: Record<string, unknown> }>(irr(['playbook', 'schema']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'roles', 'phases']));
    expect(irr(['playbook', 'show', 'payment-card-skimming']).stdout).toContain('== containment ==');
  });
});
