import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { irr, ROOT } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * One consumer template for every US state: the "who else we are informing" section names only the
 * authorities the letter's own state requires on this incident (from the assessment), never New
 * York's agencies for a Georgian; and the letter to the consumer reporting agencies lists the
 * residents notified in every US state, territory and DC — not only one state, and no foreign counts —
 * counting as notified only those whose state's notice to individuals is required on the facts.
 */
const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/worked-incident.json'), 'utf8')) as { opened_at: string; now: string; facts: Record<string, unknown> };
const arg = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
// Georgia (whose act reaches information brokers) above its 10,000 CRA threshold, Colorado above its 500 AG threshold, New York below 5,000, Germany too.
const PEOPLE = { 'US-GA': 12_000, 'US-CO': 600, 'US-NY': 40, 'US-PR': 3, DE: 900 };

/**
 * On both backends (issue 15): one database per backend, with the worked incident built in
 * beforeAll and a second incident of the last test's own; the tests only read.
 */
function stateLetters(backend: Backend): void {
describe(`US state letters (${backend.name})`, () => {
let db = '';
let id = '';
beforeAll(() => {
  db = backend.newDb();
  id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Customer database copied', '--at', fixture.opened_at], { db }).stdout.trim();
  const facts = { ...fixture.facts, subjects_by_jurisdiction: PEOPLE, subjects_total: 13_543, nydfs_covered: false, information_broker: true };
  const r = irr(['fact', id, ...Object.entries(facts).map(([k, v]) => `${k}=${arg(v)}`), '--at', fixture.opened_at], { db });
  if (r.code !== 0) throw new Error(r.stderr);
});

const letter = (obligation: string, template: string) => {
  const r = irr(['letter', id, obligation, '--template', template, '--now', fixture.now], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
const section = (md: string, heading: string) => md.slice(md.indexOf(`## ${heading}`), md.indexOf('\n## ', md.indexOf(`## ${heading}`) + 3));

describe('the US consumer notice, state by state', () => {
  it('a Georgia letter names Georgia\'s own recipients (the CRAs above 10,000) and no New York agency anywhere', () => {
    const md = letter('us-ga-individuals', 'us-state-consumer-notice');
    expect(md).not.toMatch(/New York/);
    expect(section(md, 'Who Else We Are Informing')).toContain('- The nationwide consumer reporting agencies (Equifax, Experian, TransUnion)');
  });

  it('a Colorado letter names the Colorado Attorney General, and not the CRAs (fewer than 1,000 Coloradans)', () => {
    const who = section(letter('co-6-1-716', 'us-state-consumer-notice'), 'Who Else We Are Informing');
    expect(who).toMatch(/- Colorado Attorney General/);
    expect(who).not.toMatch(/consumer reporting agencies \(Equifax/);
    expect(who).not.toMatch(/New York/);
  });

  it('a New York letter names the New York agencies (as New York data), and not the CRAs at 40 residents', () => {
    const md = letter('ny-gbl-899aa', 'us-state-consumer-notice');
    expect(section(md, 'Who Else We Are Informing')).toContain('- New York Attorney General, Department of State and Division of State Police');
    expect(section(md, 'Who Else We Are Informing')).not.toMatch(/Equifax/);
    expect(md).toContain('**New York agencies that can help.** New York Attorney General, 1-800-771-7755');
  });
});

describe('the letter to the consumer reporting agencies', () => {
  it('lists the residents notified in every US jurisdiction with people, and no foreign country', () => {
    const md = letter('us-ga-cra', 'us-state-cra-notice');
    const list = md.split('\n').filter((l) => /^- US-|^- [A-Z]{2}:/.test(l));
    expect(list).toEqual(['- US-GA: 12,000', '- US-CO: 600', '- US-NY: 40', '- US-PR: 3']);
  });
});

describe('the residents the letter to the consumer reporting agencies counts as notified', () => {
  it('only those whose state requires the notice on these facts; a state still undetermined is named as such; one that requires nothing is not listed', () => {
    const inc = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Account passwords copied', '--at', fixture.opened_at], { db }).stdout.trim();
    // Credentials only: New York's definition includes them, Hawaii's does not; Georgia's act reaches
    // information brokers and agencies, and whether this business is one is not recorded yet.
    const facts = Object.entries({ ...fixture.facts, data_categories: ['credentials'], subjects_by_jurisdiction: { 'US-NY': 6000, 'US-HI': 2000, 'US-GA': 300, DE: 900 }, subjects_total: 9200, nydfs_covered: false })
      .filter(([k]) => k !== 'information_broker' && k !== 'public_agency');
    const r = irr(['fact', inc, ...facts.map(([k, v]) => `${k}=${arg(v)}`), '--at', fixture.opened_at], { db });
    expect(r.code, r.stderr).toBe(0);
    const out = irr(['letter', inc, 'us-ny-cra', '--template', 'us-state-cra-notice', '--now', fixture.now], { db });
    expect(out.code, out.stderr).toBe(0);
    const md = out.stdout;
    const notified = md.slice(md.indexOf('Residents notified'), md.indexOf('Whether the affected residents'));
    expect(notified.split('\n').filter((l) => l.startsWith('- '))).toEqual(['- US-NY: 6,000']);
    const open = md.slice(md.indexOf('Whether the affected residents'), md.indexOf('## Contact'));
    expect(open.split('\n').filter((l) => l.startsWith('- '))).toEqual(['- US-GA: 300']);
    expect(md).not.toContain('US-HI');
    expect(md).not.toMatch(/^- DE:/m);
  });
});
});
}

stateLetters(sqliteBackend);
if (pgAvailable(import.meta.filename, 5)) stateLetters(pgBackend);
