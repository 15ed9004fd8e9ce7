import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, ROOT, tempDir } from '../helpers.js';

/**
 * Issue 14, local time everywhere a person reads (problem 3): the instants that were still printed
 * in UTC while the rest of the screen was local — the console header's clock and deadlines, a
 * withdrawn entry's time and time facts in `irr log` and `irr status`, a drill's score and practice
 * tables — are in the responder's zone (IRR_TZ), named; `--json` keeps ISO UTC. IRR_NOW stops
 * the clock, so every line is exact.
 */

const PARIS = { IRR_TZ: 'Europe/Paris', IRR_NOW: '2026-03-02T12:00:00+01:00' };

function incident(db: string): string {
  const run = (args: string[]) => {
    const r = irr(args, { db, env: PARIS });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const id = run(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips', '--at', '2026-03-02 09:00']).trim();
  run(['fact', id, 'subjects_total=3']);
  run(['retract', id, '2', '--reason', 'wrong incident']);
  run(['fact', id, 'detected_at=2026-03-02T07:30:00+01:00', 'aware_at=2026-03-02T08:00:00+01:00', 'entity_role=controller', 'subjects_by_jurisdiction=FR:3']);
  return id;
}

describe('local time, zone named, where a person reads', () => {
  it('irr log: a withdrawn entry\'s time and time facts are local; --json keeps ISO UTC', () => {
    const db = join(tempDir(), 'irr.db');
    const id = incident(db);
    const text = irr(['log', id], { db, env: PARIS }).stdout;
    expect(text).toContain('[WITHDRAWN by tester at Mon 2 Mar 12:00 CET (#3): wrong incident]');
    expect(text).toContain('facts detected_at=Mon 2 Mar 07:30 CET, aware_at=Mon 2 Mar 08:00 CET, entity_role=controller');
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    const log = json<{ what: string; payload: { facts?: Record<string, unknown> } }[]>(irr(['log', id, '--json'], { db, env: PARIS }));
    expect(log[1]!.what).toContain('at 2026-03-02T11:00:00.000Z (#3)');
    expect(log[3]!.payload.facts).toMatchObject({ detected_at: '2026-03-02T06:30:00.000Z' });
  });

  it('irr status: time facts are local', () => {
    const db = join(tempDir(), 'irr.db');
    const id = incident(db);
    const text = irr(['status', id], { db, env: PARIS }).stdout;
    expect(text).toContain('  detected_at = Mon 2 Mar 07:30 CET   (tester, Mon 2 Mar 12:00 CET)');
    expect(text).toContain('  #2 facts.recorded, by tester Mon 2 Mar 12:00 CET: wrong incident');
    expect(json<{ facts: Record<string, unknown> }>(irr(['status', id, '--json'], { db, env: PARIS })).facts.aware_at).toBe('2026-03-02T07:00:00.000Z');
  });

  it('the console header: now and every deadline in the responder\'s zone, with UTC beside a deadline', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const id = incident(db);
    const answers = join(dir, 'quit.yaml');
    writeFileSync(answers, '- quit\n');
    const r = irr(['run', id, '--answers', answers], { db, env: PARIS });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('phase: detection (0/6 steps resolved) · acting as tester · Mon 2 Mar 12:00 CET');
    expect(lines).toContain('clock gdpr-art33: 2 d 20 h left (due Thu 5 Mar 08:00 CET (07:00 UTC))');
    expect(r.stdout).not.toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  });

  it('a drill\'s start and score in the drill\'s zone, as its clock lines already were; practice in the responder\'s', () => {
    const db = join(tempDir(), 'irr.db');
    const env = { IRR_TZ: 'America/New_York' };
    const script = join(ROOT, 'playbooks/drills/scripts/ransomware-eu-us.misses.yaml');
    const run = irr(['drill', 'run', 'ransomware-eu-us', '--script', script], { db, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/drill time starts Mon 2 Mar( 2026)? 08:00 CET \(Europe\/Berlin\)/);
    expect(run.stdout).toMatch(/^OBJECTIVE +RESULT +DUE +DONE$/m);
    expect(run.stdout).toMatch(/^contain-4h +LATE by 5 h +Mon 2 Mar( 2026)? 12:00 CET +Mon 2 Mar( 2026)? 17:00 CET$/m);
    expect(run.stdout).toMatch(/^gdpr-art33 +LATE by 16 h +Thu 5 Mar( 2026)? 18:00 CET +Fri 6 Mar( 2026)? 10:00 CET$/m);
    const due = irr(['drill', 'due'], { db, env });
    expect(due.code, due.stderr).toBe(0);
    expect(due.stdout).toMatch(/^ransomware-eu-us +ok +\w{3} \d{1,2} \w{3}( \d{4})? \d{2}:\d{2} (EST|EDT) +1 +shipped$/m);
  });

  it('a refused --at says both times in the responder\'s zone, as typed, with UTC beside them', () => {
    const db = join(tempDir(), 'irr.db');
    const id = incident(db);
    const r = irr(['note', id, 'ahead', '--at', '2026-03-02 12:10'], { db, env: PARIS });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('irr: --at: Mon 2 Mar 12:10 CET (11:10 UTC) is in the future (now is Mon 2 Mar 12:00 CET (11:00 UTC)); a time can be backdated, never postdated');
  });

  it('the timeline report writes the times inside its entries as it writes every time (UTC, named), not as stored ISO', () => {
    const db = join(tempDir(), 'irr.db');
    const id = incident(db);
    const r = irr(['report', id, '--kind', 'timeline'], { db, env: PARIS });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('WITHDRAWN by tester at 2026-03-02 11:00 UTC (#3)');
    expect(r.stdout).toContain('detected\\_at=2026-03-02 06:30 UTC');
    const rows = r.stdout.split('\n').filter((l) => /^\| \d+ \| /.test(l));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row).not.toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}Z/);
  });
});
