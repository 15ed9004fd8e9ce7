import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assess, type Obligation } from '../../src/assess/obligations.js';
import { enisaSeverity } from '../../src/assess/enisa.js';
import { ART33_MITIGATIONS, assessRisk, LARGE_SCALE } from '../../src/assess/risk.js';
import type { FactValue } from '../../src/domain/facts.js';
import type { Regime } from '../../src/domain/regime.js';
import { formatProblem } from '../../src/playbook/problems.js';
import { checkRegime } from '../../src/playbook/regime.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { YamlSource } from '../../src/playbook/yaml-source.js';
import { ROOT } from '../helpers.js';

let regimes: readonly Regime[];
beforeAll(async () => {
  regimes = (await loadShippedRegimes()).regimes;
});
const run = (facts: Record<string, FactValue>) => {
  const a = assess({ regimes, fact: (n) => (Object.hasOwn(facts, n) ? facts[n] : undefined), now: '2026-11-22T12:00:00Z' });
  return { a, by: (id: string) => a.obligations.find((o) => o.id === id) as Obligation };
};
const regime = (id: string) => regimes.find((r) => r.id === id)!;

/** A breach with every circumstance established, in the EEA, the UK and six risk-based jurisdictions. */
const base: Record<string, FactValue> = {
  entity_role: 'controller', aware_at: '2026-11-21T09:00:00.000Z', determined_at: '2026-11-21T09:00:00.000Z', assessment_completed_at: '2026-11-21T09:00:00.000Z',
  subjects_by_jurisdiction: { DE: 10, GB: 10, CH: 10, CA: 10, AU: 10, SG: 10, BR: 10 }, subjects_total: 70,
  data_categories: ['contact'], ease_of_identification: 'maximum', vulnerable_subjects: false, unintelligible: false,
  confidentiality: 'none', integrity: 'none', availability: 'none', malicious: false,
};

describe('the Art 33 exemptions in the regime files are the model’s mitigations', () => {
  it('gdpr-art33 and uk-gdpr-art33 list exactly the four mitigations, with the same conditions', () => {
    for (const id of ['gdpr-art33', 'uk-gdpr-art33']) {
      const t = regime(id).threshold!;
      expect(t).toMatchObject({ model: 'gdpr', at_least: 'risk' });
      expect(t.exemptions.map((e) => [e.id, e.when])).toEqual(ART33_MITIGATIONS.map((m) => [m.exemption, m.when]));
    }
    expect(regime('br-lgpd').threshold!.exemptions.map((e) => e.when)).toEqual(ART33_MITIGATIONS.filter((m) => m.id !== 'trivial-disclosure').map((m) => m.when));
  });
});

describe('Art 33: notify unless a mitigation is established', () => {
  it('availability lost briefly and restored from backup, nobody affected: exempt; for five days without backup: notify', () => {
    const brief = { ...base, availability: 'temporary', availability_hours: 3, backup_restored: true, availability_impact: 'none', malicious: true };
    expect(run(brief).by('gdpr-art33')).toMatchObject({ required: false });
    expect(run(brief).a.risk.art33).toMatchObject({ conclusion: 'not_required', exemption: 'art33-availability-restored' });
    const long = { ...brief, availability_hours: 120, backup_restored: false, availability_impact: 'minor' };
    expect(run(long).by('gdpr-art33')).toMatchObject({ required: true });
    expect(run(long).by('gdpr-art34')).toMatchObject({ required: false });
  });

  it('a trusted recipient who confirmed deletion before any use: exempt; one who used the data: notify', () => {
    const trusted = { ...base, confidentiality: 'known_recipients', recipients_total: 1, recipient_trusted: true, recipient_confirmed_deletion: true, recipient_used_data: false, data_categories: ['contact', 'health'] };
    expect(run(trusted).by('gdpr-art33').required).toBe(false);
    expect(run({ ...trusted, recipient_used_data: true }).by('gdpr-art33').required).toBe(true);
  });

  it('a deletion promise from someone acting in bad faith is no mitigation', () => {
    const insider = { ...base, confidentiality: 'known_recipients', recipient_trusted: true, recipient_confirmed_deletion: true, recipient_used_data: false, malicious: true };
    expect(run(insider).by('gdpr-art33').required).toBe(true);
  });

  it('an unknown fact never establishes an exemption, and is named as what could change the answer', () => {
    const { a, by } = run({ ...base, confidentiality: 'none', availability: 'temporary', backup_restored: true, availability_impact: 'none' });
    expect(by('gdpr-art33').required).toBe(true);
    expect(a.risk.art33.could_change).toContain('availability_hours');
    expect(by('gdpr-art33').unknown_facts).toContain('availability_hours');
  });
});

describe('Art 34: high risk on named factors', () => {
  it('volume counts: a large theft of simple identity data is high risk (the defect: ENISA medium, Art 34 not required)', () => {
    const big = { ...base, data_categories: ['identity', 'contact'], confidentiality: 'unknown_recipients', subjects_total: LARGE_SCALE, subjects_by_jurisdiction: { DE: LARGE_SCALE } };
    const { a, by } = run(big);
    expect(a.severity.level).toBe('low');
    expect(by('gdpr-art34')).toMatchObject({ required: true });
    expect(by('gdpr-art34').factors.map((f) => f.id)).toEqual(['large-scale']);
    expect(run({ ...big, subjects_total: LARGE_SCALE - 1 }).by('gdpr-art34').required).toBe(false);
  });

  it('trusted recipients bound by confidentiality lower the risk itself: health data misdirected to a clinician is not high risk, but still notified to the authority until deletion is confirmed', () => {
    const misdirected = { ...base, data_categories: ['contact', 'health'], confidentiality: 'known_recipients', recipients_total: 1, recipient_trusted: true };
    const { a, by } = run(misdirected);
    expect(a.severity.level).toBe('very_high');
    expect(by('gdpr-art34').required).toBe(false);
    expect(by('gdpr-art33').required).toBe(true);
    expect(run({ ...misdirected, recipient_trusted: false }).by('gdpr-art34').factors.map((f) => f.id)).toEqual(['sensitive-data']);
  });

  it('each factor is named and explained, and an unknown one keeps the answer cautious', () => {
    const { a, by } = run({ ...base, data_categories: ['financial'], confidentiality: 'unknown_recipients', malicious: true });
    expect(by('gdpr-art34').factors.map((f) => f.id)).toEqual(['financial-data', 'malicious-unknown-recipients']);
    expect(by('gdpr-art34').reason).toContain('high risk: financial or payment card data');
    const { subjects_total: _t, ...noCount } = { ...base, confidentiality: 'unknown_recipients' };
    const cautious = run(noCount);
    expect(cautious.by('gdpr-art34').required).toBe(true);
    expect(cautious.a.risk.high_risk).toBe('unknown');
    expect(cautious.a.risk.art34.could_change).toEqual(['subjects_total']);
    void a;
  });

  it('unintelligible data with the key safe removes the confidentiality factors', () => {
    const { by } = run({ ...base, data_categories: ['health'], confidentiality: 'unknown_recipients', malicious: true, unintelligible: true });
    expect(by('gdpr-art33').required).toBe(false);
    expect(by('gdpr-art34').required).toBe(false);
  });
});

describe('the other risk-based laws use the same model with their own thresholds', () => {
  const stolen = { ...base, data_categories: ['contact', 'financial'], confidentiality: 'unknown_recipients', malicious: true };
  const copied = { ...base, confidentiality: 'known_recipients', recipient_trusted: false, recipients_total: 1, malicious: true };
  it('high-risk laws (UK Art 34, Switzerland, PIPEDA, Australia, Singapore): required on high-risk factors, not on a risk alone', () => {
    for (const id of ['uk-gdpr-art34', 'ch-nfadp', 'ca-pipeda', 'au-ndb', 'sg-pdpa']) {
      expect(regime(id).threshold).toMatchObject({ model: 'gdpr', at_least: 'high_risk' });
      expect([id, run(stolen).by(id).required]).toEqual([id, true]);
      expect([id, run(copied).by(id).required]).toEqual([id, false]);
    }
  });
  it('risk laws (UK Art 33, Brazil with its kinds of data): required on a risk alone', () => {
    expect(run(copied).by('uk-gdpr-art33').required).toBe(true);
    expect(run({ ...copied, data_categories: ['financial'] }).by('br-lgpd').required).toBe(true);
    expect(run({ ...base, data_categories: ['financial'], confidentiality: 'unknown_recipients', unintelligible: true }).by('br-lgpd')).toMatchObject({ required: false, reason: expect.stringContaining('lgpd-unintelligible') });
  });
  it('Australia s 26WF: remedial action (deletion before use) means no eligible breach', () => {
    const deleted = { ...base, data_categories: ['health'], confidentiality: 'known_recipients', recipient_trusted: false, recipients_total: 1, recipient_confirmed_deletion: true, recipient_used_data: false };
    expect(run({ ...deleted, recipient_confirmed_deletion: false }).by('au-ndb').required).toBe(true);
    expect(run(deleted).by('au-ndb')).toMatchObject({ required: false, reason: expect.stringContaining('au-26wf-remedial-action') });
  });
});

describe('HIPAA: a breach of unsecured PHI is presumed unless a documented four-factor assessment shows a low probability of compromise', () => {
  const phi = { ...base, hipaa_covered: true, data_categories: ['health'], subjects_total: 600, subjects_by_jurisdiction: { 'US-NY': 600 }, discovered_at: '2026-11-21T09:00:00.000Z' };
  const HIPAA = ['hipaa-individuals', 'hipaa-hhs', 'hipaa-media'];
  it('presumed: required, with the four factors named as what to establish', () => {
    const { by } = run(phi);
    for (const id of HIPAA) expect([id, by(id).required]).toEqual([id, true]);
    expect(by('hipaa-individuals').unknown_facts).toEqual(expect.arrayContaining(['hipaa_phi_nature_risk', 'hipaa_recipient_risk', 'hipaa_phi_acquired_or_viewed', 'hipaa_mitigation_risk', 'hipaa_low_probability_documented']));
    expect(by('hipaa-individuals').reason).toContain('presumed unless a documented assessment of the four factors');
  });
  it('a documented low probability (misdirected to a covered entity, destruction assured) removes every HIPAA notice', () => {
    const low = { ...phi, hipaa_phi_nature_risk: 'moderate', hipaa_recipient_risk: 'low', hipaa_phi_acquired_or_viewed: true, hipaa_mitigation_risk: 'low', hipaa_low_probability_documented: true };
    const { by } = run(low);
    for (const id of HIPAA) expect([id, by(id).required, by(id).reason.includes('hipaa-low-probability')]).toEqual([id, false, true]);
    // The conclusion must follow from the factors: viewed by a high-risk recipient is not low probability.
    expect(run({ ...low, hipaa_recipient_risk: 'high' }).by('hipaa-individuals').required).toBe(true);
    expect(run({ ...low, hipaa_low_probability_documented: false }).by('hipaa-individuals').required).toBe(true);
  });
  it('a recovered laptop that forensics show was never accessed: low probability', () => {
    const { by } = run({ ...phi, hipaa_phi_nature_risk: 'high', hipaa_recipient_risk: 'high', hipaa_phi_acquired_or_viewed: false, hipaa_mitigation_risk: 'moderate', hipaa_low_probability_documented: true });
    expect(by('hipaa-individuals').required).toBe(false);
  });
  it('the business associate notice and the annual log follow the same assessment', () => {
    expect(regime('hipaa-ba').threshold).toMatchObject({ model: 'hipaa' });
    expect(regime('hipaa-hhs-annual').threshold).toMatchObject({ model: 'hipaa' });
  });
});

describe('the threshold format', () => {
  const doc = (threshold: string) => `id: x\nname: X\njurisdiction: EU\ncitation: c\nsource: https://example.org/\naudience: authority\napplies_when: {fact: entity_role, equals: controller}\n${threshold}\nclock:\n  starts: {fact: aware_at}\n  deadline: {hours: 72}\n`;
  const check = (t: string) => checkRegime(YamlSource.fromText('x.yaml', doc(t)), () => true);
  it('accepts {model, at_least} and the older enisa_at_least', () => {
    expect(check('threshold: {model: gdpr, at_least: high_risk}').problems).toEqual([]);
    expect(check('threshold: {enisa_at_least: medium}').problems).toEqual([]);
  });
  it('refuses both forms at once, or a model without its level, naming the field', () => {
    expect(check('threshold: {model: gdpr, at_least: risk, enisa_at_least: low}').problems.map(formatProblem).join('\n')).toMatch(/x\.yaml:8.*threshold.*give either model and at_least/);
    expect(check('threshold: {model: gdpr}').problems.length).toBeGreaterThan(0);
    expect(check('threshold: {model: nis2, at_least: risk}').problems.length).toBeGreaterThan(0);
  });
  it('the older form still decides on the ENISA level', () => {
    const r = check('threshold: {enisa_at_least: high}').regime!;
    const a = assess({ regimes: [r], fact: (n) => ({ entity_role: 'controller', data_categories: ['contact'], ease_of_identification: 'limited', confidentiality: 'none', integrity: 'none', availability: 'none', malicious: false } as Record<string, FactValue>)[n], now: '2026-11-22T12:00:00Z' });
    expect(a.obligations[0]).toMatchObject({ required: false, reason: expect.stringContaining('ENISA severity low') });
  });
  it('the published JSON Schema describes the new fields', () => {
    const schema = readFileSync(join(ROOT, 'playbooks/schema/regime.schema.json'), 'utf8');
    expect(schema).toContain('"high_risk"');
    expect(schema).toContain('"hipaa"');
  });
});


describe('unknown facts keep the answer cautious (property)', () => {
  const facts = fc.record({
    data_categories: fc.subarray(['contact', 'identity', 'government_id', 'financial', 'payment_card', 'credentials', 'health', 'children', 'employment'], { minLength: 1 }),
    credentials_access: fc.constantFrom('contact', 'financial', 'health'),
    subjects_total: fc.constantFrom(1, 15, 300, 10_000, 100_000),
    recipients_total: fc.constantFrom(1, 15, 60_000),
    vulnerable_subjects: fc.boolean(),
    confidentiality: fc.constantFrom('none', 'known_recipients', 'unknown_recipients'),
    recipient_trusted: fc.boolean(),
    recipient_confirmed_deletion: fc.boolean(),
    recipient_used_data: fc.boolean(),
    integrity: fc.constantFrom('none', 'recoverable', 'unrecoverable'),
    availability: fc.constantFrom('none', 'temporary', 'permanent'),
    availability_hours: fc.constantFrom(2, 48),
    backup_restored: fc.boolean(),
    availability_impact: fc.constantFrom('none', 'minor', 'serious'),
    malicious: fc.boolean(),
    unintelligible: fc.boolean(),
    ease_of_identification: fc.constantFrom('negligible', 'limited', 'maximum'),
  });
  const decide = (f: Record<string, FactValue>) => {
    const look = (n: string) => (Object.hasOwn(f, n) ? f[n] : undefined);
    const r = assessRisk(look, enisaSeverity(look));
    return { art33: r.art33.conclusion, art34: r.art34.conclusion };
  };
  it('forgetting any one fact never turns "notify" into "not required"', () => {
    fc.assert(
      fc.property(facts, fc.nat(16), (f, i) => {
        const full = decide(f as Record<string, FactValue>);
        const name = Object.keys(f)[i]!;
        const { [name]: _gone, ...partial } = f as Record<string, FactValue>;
        const less = decide(partial);
        if (full.art33 === 'notify') expect(less.art33).toBe('notify');
        if (full.art34 === 'notify') expect(less.art34).toBe('notify');
      }),
      { numRuns: 2000 },
    );
  });
});
