import { beforeAll, describe, expect, it } from 'vitest';
import { irr, succeeded } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Reports that speak to people (issue 14, problem 8): the executive page for a board (what
 * happened, impact, decisions in words, deadlines, overdue actions, waiver reasons; no command
 * names, no fact keys), the timeline HTML without CLI hints, and the print style.
 */

const NOW = '2026-03-07T12:00:00Z';

/**
 * On both backends (issue 15): one database per backend holds both incidents (the board's and the
 * US one), each built in its describe's beforeAll and then only read.
 */
function boardPages(backend: Backend): void {
  const database = sharedDb(backend);
describe(`board and report pages (${backend.name})`, () => {
let db = '';
let id = '';

const ok = (args: string[]) => succeeded(args, { db });

const report = (kind: string, format: 'md' | 'html') => ok(['report', id, '--kind', kind, '--format', format, '--now', NOW]);

beforeAll(() => {
  db = database();
  id = ok(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips emailed to the wrong team', '--at', '2026-03-02T09:00:00Z']).trim();
  // DORA left open on purpose: whether the organisation is a financial entity decides a notice.
  ok([
    'fact', id, 'detected_at=2026-03-02T09:00:00Z', 'aware_at=2026-03-02T11:00:00Z', 'entity_role=controller', 'confidentiality=known_recipients',
    'subjects_by_jurisdiction=DE:1180,FR:20', 'subjects_total=1200', 'data_categories=financial,contact',
    'breach_description=Payslips of 1,200 employees were emailed to the wrong internal list.', '--at', '2026-03-02T11:00:00Z',
  ]);
  ok(['obligation', id, 'gdpr-art34', 'waived', '--override', '--reason', 'Every recipient confirmed deletion in writing the same day', '--at', '2026-03-03T09:00:00Z']);
  ok(['action', id, 'Restrict the payroll distribution list', '--owner', 'it_operations', '--due', '2026-03-04']);
  ok(['action', id, 'Train payroll staff on recipient checks', '--owner', 'dpo', '--due', '2026-04-30']);
}, 120_000);

describe('the executive page speaks to a board', () => {
  it('has a "what happened" paragraph, impact in words, decisions in the vocabulary\'s words, deadlines, overdue actions and waiver reasons', () => {
    const md = report('executive', 'md');
    expect(md).toContain('## What happened\n\nPayslips of 1,200 employees were emailed to the wrong internal list. When it began is not established yet, it was detected on 2 March 2026, 09:00 UTC');
    expect(md).toContain('- **People affected:** 1,200 — DE 1,180 · FR 20');
    expect(md).toContain('- **Data concerned:** contact details (such as names, email or postal addresses, telephone numbers) and financial account information');
    expect(md).toContain('## Decisions needed');
    expect(md).toMatch(/whether the organisation is a financial entity under DORA \(decides \d+ notices?\)/);
    expect(md).toContain('reason: Every recipient confirmed deletion in writing the same day');
    expect(md).toContain('- **Overdue:** Restrict the payroll distribution list — IT operations / messaging administrator, due 4 March 2026');
    expect(md).toContain('- Train payroll staff on recipient checks — Data protection officer, due 30 April 2026');
    expect(md).toMatch(/due 5 March 2026, 11:00 UTC/); // full dates
  });

  it('names no command, no fact key and no "set fact" instruction', () => {
    for (const format of ['md', 'html'] as const) {
      const page = report('executive', format);
      expect(page).not.toMatch(/\birr (status|clocks|verify|fact|assess|report)\b/);
      expect(page).not.toMatch(/set fact|fact occurred_at|\(facts? [a-z_]+/);
      for (const key of ['dora_financial_entity', 'occurred_at', 'subjects_by_jurisdiction', 'subjects_total', 'data_categories', 'it_operations']) expect(page, key).not.toContain(key);
    }
  });
});

describe('report pages', () => {
  it('the timeline HTML has no CLI-only hint; the Markdown keeps it', () => {
    const html = report('timeline', 'html');
    expect(html).not.toContain('In the HTML report');
    expect(html).toContain('<figure><svg');
    expect(report('timeline', 'md')).toContain('In the HTML report: phases along a time axis');
  });

  it('the timeline HTML names no command-line flag and no raw ISO instant in its prose', () => {
    const html = report('timeline', 'html');
    expect(html).toContain('entered afterwards, with the time it happened'); // the late-entry legend (entries here were backdated)
    expect(html).not.toContain('--at');
    expect(html).toContain('as read when this report was made (2026-03-07 12:00 UTC)');
    expect(html).not.toMatch(/report time \d{4}-\d\d-\d\dT/);
  });

  it('prints in a sans-serif stack with a larger figure and day-month axis labels', () => {
    const html = report('post-incident', 'html');
    expect(html).toMatch(/html \{ font-family: [^;]*sans-serif;/);
    expect(html).not.toMatch(/font-family: "Liberation Serif"|Times New Roman/);
    expect(html).toMatch(/font-size="15"/); // the SVG's text (was 13)
    expect(html).toMatch(/>\d{1,2} Mar( \d\d:\d\d)?<\/text>/); // "2 Mar", never "03-02"
    expect(html).not.toMatch(/>\d\d-\d\d( \d\d:\d\d)?<\/text>/);
  });
});

describe('the executive page of a US incident whose notices are still undetermined', () => {
  let usDb = '';
  let us = '';
  beforeAll(() => {
    usDb = database();
    us = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'CRM copied', '--at', '2026-03-02T07:40:00Z'], { db: usDb }).stdout.trim();
    // Whether the data was unintelligible (encrypted) is open: it decides every running US notice.
    const r = irr(['fact', us, 'subjects_by_jurisdiction=US-GA:12000,US-NY:40', 'data_categories=government_id', 'information_broker=true', 'aware_at=2026-03-02T15:00:00Z', 'discovered_at=2026-03-02T15:00:00Z', '--at', '2026-03-02T16:00:00Z'], { db: usDb });
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  const page = () => {
    const r = irr(['report', us, '--kind', 'executive', '--now', '2026-03-04T16:00:00Z'], { db: usDb });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it('names the other party (the consumer reporting agencies), never the audience code', () => {
    const md = page();
    expect(md).toContain('| us-ga-cra (The nationwide consumer reporting agencies (Equifax, Experian, TransUnion), US-GA) |');
    expect(md).not.toMatch(/other_party|another party/);
  });

  it('says that no notice is known to be required yet, not "0 required: 0 met, 0 late, 0 open"', () => {
    const md = page();
    expect(md).toContain('No notice is known to be required yet; 4 would be running if required.');
    expect(md).not.toContain('0 required');
  });

  it('asks first for the fact that decides the notices already running, before the leads', () => {
    const establish = page().split('\n').find((l) => l.startsWith('- **To establish:**'))!;
    expect(establish).toMatch(/^- \*\*To establish:\*\* whether the data was unintelligible to the recipient[^;]* \(decides 4 notices\); /);
  });
});
});
}

boardPages(sqliteBackend);
if (pgAvailable(import.meta.filename, 8)) boardPages(pgBackend);
