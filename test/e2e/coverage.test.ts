import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { irr, json, MINI, succeeded, tempDir } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * The loud gap: people in a jurisdiction that no regime covers are "not covered", in every view a
 * responder reads (assess, clocks, status, the console header, the executive report) and in --json.
 */

const NOW = '2026-12-01T12:00:00Z';
const GAP = { 'US-GA': 5000, KZ: 300, BO: 50, MN: 40 };
type Gap = { jurisdiction: string; people: number }[];

/** Stateless: `irr assess --facts` reads no store. */
describe('not covered (irr assess --facts)', () => {
  const dir = tempDir();
  it('irr assess --facts names every uncovered jurisdiction with its people, and --json carries them', () => {
    const file = join(dir, 'facts.json');
    writeFileSync(file, JSON.stringify({ data_categories: ['government_id'], subjects_by_jurisdiction: GAP, discovered_at: '2026-12-01T08:00:00Z' }));
    const text = irr(['assess', '--facts', file, '--now', NOW]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('NOT COVERED: irr has no rule for KZ (300 people), BO (50 people), MN (40 people); get local advice');
    const out = json<{ uncovered: Gap }>(irr(['assess', '--facts', file, '--now', NOW, '--json']));
    expect(out.uncovered).toEqual([
      { jurisdiction: 'KZ', people: 300 },
      { jurisdiction: 'BO', people: 50 },
      { jurisdiction: 'MN', people: 40 },
    ]);
  });

  it('an empty array when every jurisdiction is covered (EEA countries by the GDPR regimes; zero people is nobody)', () => {
    const file = join(dir, 'covered.json');
    writeFileSync(file, JSON.stringify({ subjects_by_jurisdiction: { DE: 10, IS: 3, 'US-GA': 4, 'US-CA': 2, GB: 1, KR: 0 } }));
    const out = json<{ uncovered: Gap }>(irr(['assess', '--facts', file, '--now', NOW, '--json']));
    expect(out.uncovered).toEqual([]);
    expect(irr(['assess', '--facts', file, '--now', NOW]).stdout).not.toMatch(/NOT COVERED/);
  });

  it('the 23 other countries and Québec are covered now: Korea and New Zealand are assessed with their law, Hong Kong is a recommendation', () => {
    const file = join(dir, 'countries.json');
    const people = { 'US-GA': 5000, KR: 300, NZ: 50, HK: 20, 'CA-QC': 7, CN: 3, ZA: 2, KE: 2, NG: 2, MX: 2, AR: 2, CL: 2, CO: 2, PE: 2, PH: 2, TH: 2, MY: 2, ID: 2, VN: 2, AE: 2, SA: 2, IL: 2, TR: 2, TW: 2, MN: 40 };
    writeFileSync(file, JSON.stringify({ data_categories: ['government_id'], subjects_by_jurisdiction: people, aware_at: '2026-12-01T08:00:00Z', discovered_at: '2026-12-01T08:00:00Z', entity_role: 'controller', malicious: true, confidentiality: 'unknown_recipients', unintelligible: false }));
    const out = json<{ uncovered: Gap; obligations: { id: string; jurisdiction: string; required: unknown; recommended: boolean; status: string }[] }>(irr(['assess', '--facts', file, '--now', NOW, '--json']));
    expect(out.uncovered).toEqual([{ jurisdiction: 'MN', people: 40 }]);
    const by = (id: string) => out.obligations.find((o) => o.id === id);
    expect(by('kr-pipa-individuals')).toMatchObject({ jurisdiction: 'KR', required: true, recommended: false });
    expect(by('nz-privacy-act-authority')).toMatchObject({ jurisdiction: 'NZ', required: true });
    expect(by('hk-pdpo-voluntary')).toMatchObject({ jurisdiction: 'HK', required: false, recommended: true, status: 'not_required' });
    const text = irr(['assess', '--facts', file, '--now', NOW]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('NOT COVERED: irr has no rule for MN (40 people); get local advice');
    expect(irr(['regime', 'show', 'hk-pdpo-voluntary']).stdout.split('\n')[0]).toMatch(/\(hk-pdpo-voluntary\) {2}VOLUNTARY: no legal duty, recommended only$/);
    expect(text.stdout).toMatch(/Recommended, no legal duty \(voluntary\) \(2\)\n {2}(ar-pdpa-voluntary|hk-pdpo-voluntary) \[recommended \(voluntary\)\] authority/);
  });

  it('a sector law covers nobody by residence: people recorded only as "US" are not covered until split by state', () => {
    const file = join(dir, 'us.json');
    writeFileSync(file, JSON.stringify({ subjects_by_jurisdiction: { US: 700 } }));
    expect(json<{ uncovered: Gap }>(irr(['assess', '--facts', file, '--now', NOW, '--json'])).uncovered).toEqual([{ jurisdiction: 'US', people: 700 }]);
  });

});

/**
 * On an incident, on both backends (issue 15): one database per backend, its incidents opened in
 * beforeAll and by the tests themselves (the tests of this describe build on each other's facts, in order).
 */
function onAnIncident(backend: Backend): void {
describe(`not covered, on an incident (${backend.name})`, () => {
  let dir = '';
  let db = '';
  let id = '';

  const ok = (args: string[]) => succeeded(args, { db });

  beforeAll(() => {
    dir = tempDir();
    db = backend.newDb();
    ok(['init']);
    id = ok(['open', '--playbook', MINI, '--title', 'Customer database copied', '--at', '2026-12-01T09:00:00Z']).trim();
  });

  it('PR, GU and VI are recorded as US-PR, US-GU and US-VI', () => {
    ok(['fact', id, 'subjects_by_jurisdiction=PR:7,GU:2,VI:1,US-GA:5000', '--at', '2026-12-01T10:00:00Z']);
    const st = json<{ facts: Record<string, unknown> }>(irr(['status', id, '--json'], { db }));
    expect(st.facts.subjects_by_jurisdiction).toEqual({ 'US-GA': 5000, 'US-GU': 2, 'US-PR': 7, 'US-VI': 1 });
  });

  it('irr clocks, irr status and the executive report say it on an incident', () => {
    ok(['fact', id, `subjects_by_jurisdiction=US-GA:5000,KZ:300,BO:50,MN:40`, 'data_categories=government_id', '--at', '2026-12-01T10:00:00Z']);
    const line = 'NOT COVERED: irr has no rule for KZ (300 people), BO (50 people), MN (40 people); get local advice';
    expect(ok(['clocks', id, '--now', NOW])).toContain(line);
    expect(json<{ uncovered: Gap }>(irr(['clocks', id, '--now', NOW, '--json'], { db })).uncovered.map((u) => u.jurisdiction)).toEqual(['KZ', 'BO', 'MN']);
    expect(ok(['status', id])).toContain(line);
    expect(json<{ uncovered: Gap }>(irr(['status', id, '--json'], { db })).uncovered).toEqual([
      { jurisdiction: 'KZ', people: 300 },
      { jurisdiction: 'BO', people: 50 },
      { jurisdiction: 'MN', people: 40 },
    ]);
    expect(ok(['report', id, '--kind', 'executive', '--now', NOW])).toContain('**NOT COVERED:** irr has no rule for KZ (300 people), BO (50 people), MN (40 people); get local advice');
  });

  it('irr assess of an incident says it first, and --json carries it', () => {
    const text = ok(['assess', id, '--now', NOW]);
    expect(text.split('\n')[0]).toBe('NOT COVERED: irr has no rule for KZ (300 people), BO (50 people), MN (40 people); get local advice');
    expect(json<{ uncovered: Gap }>(irr(['assess', id, '--now', NOW, '--json'], { db })).uncovered).toEqual([
      { jurisdiction: 'KZ', people: 300 },
      { jurisdiction: 'BO', people: 50 },
      { jurisdiction: 'MN', people: 40 },
    ]);
  });

  it('the timeline and the post-incident review say it where the notifications are', () => {
    for (const kind of ['timeline', 'post-incident']) {
      const md = ok(['report', id, '--kind', kind, '--now', NOW]);
      expect(md, kind).toContain('**NOT COVERED:** irr has no rule for KZ (300 people), BO (50 people), MN (40 people); get local advice');
    }
  });

  it('the console header says it on every screen', () => {
    const answers = join(dir, 'answers.yaml');
    // The start screen, the notifications screen, the start screen again.
    writeFileSync(answers, '- "notifications"\n- "back"\n- "quit"\n');
    const r = irr(['run', id, '--answers', answers], { db });
    expect(r.code, r.stderr).toBe(0);
    const line = 'NOT COVERED: irr has no rule for KZ (300 people), BO (50 people), MN (40 people); get local advice';
    expect(r.stdout.split(line).length - 1).toBeGreaterThanOrEqual(3);
  });

  it('where nothing irr covers is required, "not required" is said only of the laws irr has rules for', () => {
    const only = ok(['open', '--playbook', MINI, '--title', 'Kazakh customers only', '--at', '2026-12-01T09:00:00Z']).trim();
    ok(['fact', only, 'subjects_by_jurisdiction=KZ:30', 'data_categories=contact', 'dora_financial_entity=false', 'nis2_entity=none', 'sec_registrant=false', 'nydfs_covered=false', 'ransom_demanded=false', '--at', '2026-12-01T10:00:00Z']);
    const clocks = ok(['clocks', only, '--now', NOW]);
    expect(clocks).toContain('NOT COVERED: irr has no rule for KZ (30 people); get local advice');
    expect(clocks).toContain('no notification is legally required or undetermined under the laws irr has rules for');
    const exec = ok(['report', only, '--kind', 'executive', '--now', NOW]);
    expect(exec).toContain('No notification is legally required so far under the laws irr has rules for');
    expect(exec).toContain('**NOT COVERED:** irr has no rule for KZ (30 people); get local advice');
    expect(ok(['report', only, '--kind', 'timeline', '--now', NOW])).toContain('No notification is legally required so far under the laws irr has rules for');
    const figure = ok(['report', only, '--kind', 'timeline', '--format', 'html', '--now', NOW]);
    expect(figure).toContain('No notice is known to be required so far.');
    for (const page of [clocks, exec, figure]) expect(page).not.toMatch(/no notification is required|No notification is required|No notice is required/);
  });

  it('status and clocks of an incident with every jurisdiction covered carry an empty array', () => {
    const other = ok(['open', '--playbook', MINI, '--title', 'Covered', '--at', '2026-12-01T09:00:00Z']).trim();
    ok(['fact', other, 'subjects_by_jurisdiction=DE:40,US-AK:3', '--at', '2026-12-01T10:00:00Z']);
    expect(json<{ uncovered: Gap }>(irr(['status', other, '--json'], { db })).uncovered).toEqual([]);
    expect(json<{ uncovered: Gap }>(irr(['clocks', other, '--now', NOW, '--json'], { db })).uncovered).toEqual([]);
    expect(ok(['status', other])).not.toMatch(/NOT COVERED/);
  });
});
}

onAnIncident(sqliteBackend);
if (pgAvailable(import.meta.filename, 7)) onAnIncident(pgBackend);
