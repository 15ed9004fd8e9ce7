import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assess } from '../../src/assess/obligations.js';
import { checkExemption } from '../../src/assess/exemptions.js';
import type { FactValue } from '../../src/domain/facts.js';
import type { Regime } from '../../src/domain/regime.js';
import { calendarChecker, checkRegimeFiles, mergeOver } from '../../src/playbook/regime.js';
import { shippedRegimeFiles } from '../../src/playbook/regime-catalogue.js';
import { tempDir } from '../helpers.js';

/** The family base a law's file extends, and what the format compiles (definition, risk-of-harm exception, covers). */

const BASE = `audience: individuals
in_force: true
clock:
  starts: {fact: discovered_at}
  deadline: {asap: {target_hours: 720}}
required_contents:
  - {id: what-happened, ref: base, text: What happened., facts: [breach_description]}
notes: base notes
`;
const LAW = `extends: fam
id: us-zz-individuals
name: Test state
jurisdiction: US-ZZ
citation: Test Code § 1
source: https://example.org/law
applies_when: {fact: subjects_by_jurisdiction, key: US-ZZ, gt: 0}
personal_information:
  categories: [government_id, health]
  encryption_safe_harbour: true
  paper_records: false
  detail: SSN, medical information.
clock:
  deadline: {calendar_days: 30, zone: America/Chicago}
risk_of_harm_exception: {ref: "§ 1(c)", text: No notice if no reasonable likelihood of harm., ag_notice_required: true}
`;

function files(base: string, law: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'bases'));
  writeFileSync(join(dir, 'bases', 'fam.yaml'), base);
  writeFileSync(join(dir, 'us-zz-individuals.yaml'), law);
  return join(dir, 'us-zz-individuals.yaml');
}
const check = (base: string, law: string) => checkRegimeFiles([files(base, law)], () => true);
const lookup = (f: Record<string, FactValue>) => (n: string) => (Object.hasOwn(f, n) ? f[n] : undefined);

describe('extends: a family base', () => {
  it('merges objects key by key, replaces lists and scalars, and replaces a deadline or a condition whole', () => {
    expect(mergeOver({ a: { x: 1, y: 2 }, l: [1, 2], s: 'base' }, { a: { y: 3 }, l: [9], s: 'own' })).toEqual({ a: { x: 1, y: 3 }, l: [9], s: 'own' });
    expect(mergeOver({ clock: { starts: { fact: 'discovered_at' }, deadline: { asap: { target_hours: 720 } } } }, { clock: { deadline: { calendar_days: 30, zone: 'UTC' } } })).toEqual({
      clock: { starts: { fact: 'discovered_at' }, deadline: { calendar_days: 30, zone: 'UTC' } },
    });
  });

  it('compiles a law from its base: inherited audience and contents, own deadline, definition folded into applies_when', () => {
    const { regimes, problems } = check(BASE, LAW);
    expect(problems).toEqual([]);
    const r = regimes[0]!;
    expect(r.audience).toBe('individuals');
    expect(r.required_contents.map((c) => c.id)).toEqual(['what-happened']);
    expect(r.clock).toEqual({ starts: { fact: 'discovered_at' }, deadline: { calendar_days: 30, zone: 'America/Chicago' } });
    expect(r.covers).toEqual(['US-ZZ']);
    const a = (f: Record<string, FactValue>) => assess({ regimes: [r], fact: lookup(f), now: '2026-12-01T00:00:00Z' }).obligations[0]!;
    expect(a({ subjects_by_jurisdiction: { 'US-ZZ': 1 }, data_categories: ['health'], unintelligible: false }).applies).toBe(true);
    expect(a({ subjects_by_jurisdiction: { 'US-ZZ': 1 }, data_categories: ['contact'], unintelligible: false }).applies).toBe(false);
    expect(a({ subjects_by_jurisdiction: { 'US-ZZ': 1 }, data_categories: ['health'], unintelligible: true }).applies).toBe(false);
  });

  it('reports a problem in the file that wrote it, with its line', () => {
    const { problems } = check(`${BASE}colour: red\n`, LAW.replace('gt: 0', 'gtt: 0'));
    const where = problems.map((p) => `${p.file.replace(/^.*?((bases[\\/])?[^\\/]*)$/, '$1')}:${p.line}: ${p.message}`);
    expect(where, where.join('\n')).toContain('bases/fam.yaml:9: colour: unknown key "colour"');
    expect(where.some((w) => /^us-zz-individuals\.yaml:7: applies_when\.gtt: unknown key "gtt"/.test(w))).toBe(true);
  });

  it('refuses a missing base, a base with an id and a base that extends another', () => {
    expect(check(BASE, LAW.replace('extends: fam', 'extends: nope')).problems[0]!.message).toMatch(/^extends: no base "nope"/);
    expect(check(`id: x\n${BASE}`, LAW).problems[0]!.message).toMatch(/a base has no id/);
    expect(check(`extends: other\n${BASE}`, LAW).problems[0]!.message).toMatch(/cannot extend another base/);
  });
});

describe('the risk-of-harm exception', () => {
  const r = (): Regime => check(BASE, LAW).regimes[0]!;
  const facts = { subjects_by_jurisdiction: { 'US-ZZ': 10 }, data_categories: ['government_id'], unintelligible: false, discovered_at: '2026-12-01T00:00:00Z' };
  const ob = (f: Record<string, FactValue>) => assess({ regimes: [r()], fact: lookup(f), now: '2026-12-02T00:00:00Z' }).obligations[0]!;

  it('until a documented determination is recorded, notice is required', () => {
    expect(ob(facts).required).toBe(true);
    expect(ob({ ...facts, no_harm_determined: true }).required).toBe(true);
    expect(ob({ ...facts, no_harm_determined: true, no_harm_determination_reason: 'the laptop was recovered unopened' }).required).toBe(true);
  });

  it('holds with the determination, its reason and (where the state requires it) the AG told', () => {
    const full = { ...facts, no_harm_determined: true, no_harm_determination_reason: 'the laptop was recovered unopened', no_harm_ag_notified: true };
    expect(ob(full).required).toBe(false);
    expect(ob(full).reason).toMatch(/exempt under § 1\(c\) \(no-harm-determination\)/);
    expect(checkExemption(r(), 'no-harm-determination', lookup(full))).toEqual({ holds: true });
    expect(checkExemption(r(), 'no-harm-determination', lookup({ ...full, no_harm_ag_notified: false }))).toEqual({ holds: false, contradicted: ['no_harm_ag_notified=false'] });
  });

  it('without an AG step in the law, the determination and its reason suffice', () => {
    const noAg = check(BASE, LAW.replace('ag_notice_required: true', 'ag_notice_required: false')).regimes[0]!;
    const f = { ...facts, no_harm_determined: true, no_harm_determination_reason: 'encrypted backup, key never stored with it' };
    expect(assess({ regimes: [noAg], fact: lookup(f), now: '2026-12-02T00:00:00Z' }).obligations[0]!.required).toBe(false);
  });
});

describe('the countries/ subfolder and voluntary regimes', () => {
  it('the shipped catalogue reads playbooks/regimes/countries/: every file validates and is named after its id', async () => {
    const files = shippedRegimeFiles().filter((f) => basename(dirname(f)) === 'countries');
    expect(files.length).toBeGreaterThanOrEqual(40);
    const { regimes, problems } = checkRegimeFiles(files, await calendarChecker());
    expect(problems).toEqual([]);
    expect(regimes.map((r) => `${r.id}.yaml`).sort()).toEqual(files.map((f) => basename(f)).sort());
  });

  it('voluntary: true is a recommendation: it applies, is never required, and says why', () => {
    const law = `id: zz-voluntary\nname: Test voluntary\njurisdiction: ZZ\ncitation: Guidance\nsource: https://example.org/g\naudience: authority\nvoluntary: true\napplies_when: {fact: subjects_by_jurisdiction, key: ZZ, gt: 0}\nclock: {starts: {fact: aware_at}, deadline: {none: true}}\n`;
    const dir = tempDir();
    writeFileSync(join(dir, 'zz-voluntary.yaml'), law);
    const { regimes, problems } = checkRegimeFiles([join(dir, 'zz-voluntary.yaml')], () => true);
    expect(problems).toEqual([]);
    const o = assess({ regimes, fact: lookup({ subjects_by_jurisdiction: { ZZ: 3 } }), now: '2026-12-02T00:00:00Z' }).obligations[0]!;
    expect(o).toMatchObject({ applies: true, required: false, recommended: true, status: 'not_required' });
    const off = checkRegimeFiles([files(BASE, LAW)], () => true).regimes;
    expect(assess({ regimes: off, fact: lookup({ subjects_by_jurisdiction: { 'US-ZZ': 3 } }), now: '2026-12-02T00:00:00Z' }).obligations[0]!.recommended).toBe(false);
  });

  it('voluntary must be a boolean, reported with its line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'zz-bad.yaml'), `id: zz-bad\nname: Bad\njurisdiction: ZZ\ncitation: G\nsource: https://example.org/g\naudience: authority\nvoluntary: maybe\napplies_when: {fact: subjects_by_jurisdiction, key: ZZ, gt: 0}\nclock: {starts: {fact: aware_at}, deadline: {none: true}}\n`);
    const { problems } = checkRegimeFiles([join(dir, 'zz-bad.yaml')], () => true);
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([[7, 'voluntary']]);
  });
});
