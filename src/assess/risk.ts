import { evaluate, type Truth } from '../domain/condition.js';
import { DATA_CATEGORIES, type FactValue } from '../domain/facts.js';
import type { Condition } from '../domain/runbook.js';
import type { Severity } from './enisa.js';
import { groupDigits } from '../domain/order.js';

/**
 * The notification decision, following the regulators' own method (docs/risk.md):
 * EDPB Guidelines 9/2022 on personal data breach notification, section IV (the WP29/WP250 factors:
 * type of breach, nature, sensitivity and volume of the data, ease of identification, severity and
 * permanence of the consequences, special characteristics of the people and of the controller, number
 * of people affected), checked against the 18 worked cases of EDPB Guidelines 01/2021.
 *
 * Two questions, kept apart as the law keeps them:
 * - Art 33 (authority): notify UNLESS the breach is unlikely to result in a risk. That holds only where
 *   a named mitigation is established on the facts (the four below); everything else is "notify".
 * - Art 34 (individuals): notify when the risk is HIGH: when one of the named high-risk factors holds.
 *
 * Unknown facts are never read as reassuring: an exemption that rests on an unknown fact does not
 * hold, and a high-risk factor that rests on one counts as present until the fact is established.
 * ENISA 2013 is one explained input (its data-processing-context score measures sensitivity).
 */

type Lookup = (name: string) => FactValue | undefined;
export type Tri = true | false | 'unknown';

export interface RiskFactor {
  readonly id: string;
  /** `high_risk` factors decide Art 34; `risk` factors explain why Art 33 is owed. */
  readonly effect: 'high_risk' | 'risk';
  readonly present: Tri;
  readonly text: string;
  /** Facts still unknown that this factor rests on. */
  readonly missing: readonly string[];
}

export interface Mitigation {
  readonly id: string;
  /** The exemption id regime files use for it (GDPR Art 33 family). */
  readonly exemption: string;
  readonly established: Tri;
  readonly text: string;
  readonly missing: readonly string[];
}

export interface Precedent {
  readonly id: string;
  readonly title: string;
  readonly art33: 'notify' | 'not_required';
  readonly art34: 'notify' | 'not_required';
  readonly source: string;
}

export interface Conclusion {
  readonly conclusion: 'notify' | 'not_required';
  /** Why, in factors and mitigations, one sentence each. */
  readonly reasons: readonly string[];
  /** Facts that, once established, could change this conclusion. */
  readonly could_change: readonly string[];
}

export interface RiskAssessment {
  readonly method: 'EDPB 9/2022 section IV; EDPB 01/2021';
  readonly art33: Conclusion & { readonly exemption: string | null };
  readonly art34: Conclusion;
  /** Art 34 risk level: true = high risk, 'unknown' = high risk until the missing facts are established. */
  readonly high_risk: Tri;
  readonly factors: readonly RiskFactor[];
  readonly mitigations: readonly Mitigation[];
  readonly precedents: readonly Precedent[];
  readonly enisa: { readonly level: Severity['level']; readonly score: number; readonly dpc: number };
}

/** How many people make a breach "large scale" for the volume factor (irr's figure; docs/risk.md). */
export const LARGE_SCALE = 10_000;
/** The most people, and recipients, a disclosure may reach and still be trivial (irr's figure, bracketed by precedents). */
export const TRIVIAL_LIMIT = 20;
const LARGE_SCALE_TEXT = groupDigits(LARGE_SCALE);

const SENSITIVE = ['health', 'special_category', 'genetic_biometric', 'criminal'];
const OPENS_IDENTITY_THEFT = ['financial', 'payment_card', 'government_id'];

const eq = (fact: string, equals: string | boolean): Condition => ({ fact, equals });
/** "Only contact data": every other category is absent. */
const onlyContact: Condition = { all: [{ fact: 'data_categories', includes: 'contact' }, ...DATA_CATEGORIES.filter((c) => c !== 'contact').map((c) => ({ not: { fact: 'data_categories', includes: c } }))] };

/**
 * The mitigations that establish "unlikely to result in a risk" (GDPR Art 33(1)). The regime files
 * repeat these conditions as their Art 33 exemptions (test/unit/risk.test.ts keeps them identical),
 * because waivers are checked against the regime file.
 */
export const ART33_MITIGATIONS: readonly { readonly id: string; readonly exemption: string; readonly when: Condition; readonly text: string }[] = [
  {
    id: 'unintelligible',
    exemption: 'art33-unintelligible',
    when: { all: [eq('unintelligible', true), { any: [eq('availability', 'none'), { all: [eq('availability', 'temporary'), eq('backup_restored', true)] }] }] },
    text: 'the data is unintelligible to whoever got it (state-of-the-art encryption or salted hashing, key or secret safe) and remains available (EDPB 01/2021 cases 1, 6, 10)',
  },
  {
    id: 'availability-restored',
    exemption: 'art33-availability-restored',
    when: { all: [eq('confidentiality', 'none'), eq('integrity', 'none'), eq('availability', 'temporary'), eq('backup_restored', true), { fact: 'availability_hours', lte: 24 }, eq('availability_impact', 'none')] },
    text: 'availability only was lost, briefly (24 h at most), restored from backup with no effect on the people, and no confidentiality or integrity loss (EDPB 01/2021 case 1)',
  },
  {
    id: 'trusted-recipient-deleted',
    exemption: 'art33-trusted-recipient-deleted',
    when: { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), eq('recipient_trusted', true), eq('recipient_confirmed_deletion', true), eq('recipient_used_data', false)] },
    text: 'the data reached only a trusted recipient bound by confidentiality, who confirmed deletion before any use (EDPB 01/2021 case 9)',
  },
  {
    id: 'trivial-disclosure',
    exemption: 'art33-trivial-disclosure',
    when: { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), eq('integrity', 'none'), eq('availability', 'none'), onlyContact, { fact: 'subjects_total', lte: TRIVIAL_LIMIT }, { fact: 'recipients_total', lte: TRIVIAL_LIMIT }] },
    text: `a disclosure so limited that no consequence is plausible: contact data only, at most ${TRIVIAL_LIMIT} people, to at most ${TRIVIAL_LIMIT} known recipients, by mistake (EDPB 01/2021 case 13; Belgian APD/GBA 62/2022)`,
  },
];

/** Published decisions the facts may resemble; cited, never used to decide. */
const PRECEDENTS: readonly (Precedent & { readonly when: Condition })[] = [
  ...(
    [
      [1, 'ransomware, proper backup, no exfiltration', 'not_required', 'not_required', { all: [eq('confidentiality', 'none'), eq('availability', 'temporary'), eq('backup_restored', true), eq('availability_impact', 'none')] }],
      [2, 'ransomware without proper backup', 'notify', 'not_required', { all: [eq('confidentiality', 'none'), { fact: 'availability', in: ['temporary', 'permanent'] }, eq('backup_restored', false), { not: eq('availability_impact', 'serious') }] }],
      [3, 'ransomware in a hospital, backup, restoration took days', 'notify', 'notify', { all: [eq('confidentiality', 'none'), { fact: 'availability', in: ['temporary', 'permanent'] }, eq('availability_impact', 'serious')] }],
      [4, 'ransomware without backup, with exfiltration', 'notify', 'notify', { all: [eq('malicious', true), eq('confidentiality', 'unknown_recipients'), eq('exfiltration', 'confirmed'), { fact: 'availability', in: ['temporary', 'permanent'] }] }],
      [5, 'exfiltration of job application data from a website', 'notify', 'notify', { all: [eq('malicious', true), eq('confidentiality', 'unknown_recipients'), eq('exfiltration', 'confirmed'), { fact: 'data_categories', includes: 'employment' }, eq('availability', 'none')] }],
      [6, 'exfiltration of salted password hashes from a website', 'not_required', 'not_required', { all: [{ fact: 'data_categories', includes: 'credentials' }, eq('unintelligible', true), { fact: 'confidentiality', in: ['known_recipients', 'unknown_recipients'] }] }],
      [7, 'credential stuffing on a banking website', 'notify', 'notify', { all: [eq('malicious', true), eq('confidentiality', 'unknown_recipients'), { fact: 'data_categories', includes: 'financial' }, eq('unintelligible', false)] }],
      [8, 'business data copied by a departing employee', 'notify', 'not_required', { all: [eq('malicious', true), eq('confidentiality', 'known_recipients'), eq('recipient_trusted', false)] }],
      [9, 'accidental transmission to a trusted third party', 'not_required', 'not_required', { all: [eq('confidentiality', 'known_recipients'), eq('recipient_trusted', true), eq('recipient_confirmed_deletion', true)] }],
      [10, 'stolen devices storing encrypted data', 'not_required', 'not_required', { all: [eq('unintelligible', true), eq('confidentiality', 'unknown_recipients'), eq('availability', 'none')] }],
      [11, 'stolen device storing unencrypted data', 'notify', 'notify', { all: [eq('unintelligible', false), eq('confidentiality', 'unknown_recipients'), eq('malicious', true), { fact: 'subjects_total', gte: LARGE_SCALE }] }],
      [12, 'stolen paper files with sensitive data', 'notify', 'notify', { all: [eq('confidentiality', 'unknown_recipients'), eq('malicious', true), { fact: 'data_categories', includes: 'health' }, eq('availability', 'permanent')] }],
      [13, 'postal mail mistake: two orders swapped', 'not_required', 'not_required', { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), onlyContact, { fact: 'subjects_total', lte: TRIVIAL_LIMIT }] }],
      [14, 'highly confidential personal data e-mailed to many by mistake', 'notify', 'notify', { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), { fact: 'recipients_total', gte: 1000 }] }],
      [15, 'participant list with food preferences sent by mistake', 'notify', 'not_required', { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), { fact: 'data_categories', includes: 'health' }, { fact: 'dpc_adjustment', lt: 0 }] }],
      [16, 'insurance letter in the wrong envelope', 'notify', 'not_required', { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), { fact: 'recipients_total', equals: 1 }, { fact: 'data_categories', includes: 'identity' }] }],
      [17, 'identity theft through a call centre', 'notify', 'notify', { all: [eq('malicious', true), eq('integrity', 'recoverable'), { fact: 'subjects_total', lte: TRIVIAL_LIMIT }] }],
      [18, 'e-mail exfiltration by forwarding rules', 'notify', 'notify', { all: [eq('malicious', true), eq('confidentiality', 'unknown_recipients'), { fact: 'data_categories', includes: 'employment' }, { fact: 'data_categories', includes: 'financial' }] }],
    ] as const
  ).map(([n, title, art33, art34, when]) => ({
    id: `edpb-01-2021-case-${String(n).padStart(2, '0')}`,
    title: `EDPB 01/2021 case ${n}: ${title}`,
    art33,
    art34,
    source: 'https://www.edpb.europa.eu/our-work-tools/our-documents/guidelines/guidelines-012021-examples-regarding-personal-data-breach_en',
    when: when as Condition,
  })),
  {
    id: 'uodo-dkn-5131-7-2020',
    title: 'Polish UODO DKN.5131.7.2020 (fine EUR 30,000): an attachment with several hundred customers’ contact data e-mailed to one wrong recipient, who said it was deleted; not notifying was a breach of Art 33',
    art33: 'notify',
    art34: 'not_required',
    source: 'https://gdprhub.eu/index.php?title=UODO_(Poland)_-_DKN.5131.7.2020',
    when: { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), eq('recipient_confirmed_deletion', true), eq('recipient_trusted', false)] },
  },
  {
    id: 'apd-gba-62-2022',
    title: 'Belgian APD/GBA 62/2022: e-mail addresses of 16 recipients visible in CC; no duty to notify',
    art33: 'not_required',
    art34: 'not_required',
    source: 'https://gdprhub.eu/index.php?title=APD/GBA_(Belgium)_-_62/2022',
    when: { all: [eq('confidentiality', 'known_recipients'), eq('malicious', false), onlyContact, { fact: 'recipients_total', lte: TRIVIAL_LIMIT }] },
  },
];

/** Three-valued and: false wins, then unknown. */
function and(...xs: Tri[]): Tri {
  return xs.includes(false) ? false : xs.includes('unknown') ? 'unknown' : true;
}
function or(...xs: Tri[]): Tri {
  return xs.includes(true) ? true : xs.includes('unknown') ? 'unknown' : false;
}
const tri = (t: Truth): Tri => t.value;

/**
 * Whether the people's data is in the hands of someone who may misuse it: confidentiality was lost,
 * the data is readable, the people can be identified, and the recipient is not a trusted party bound
 * by confidentiality (EDPB 9/2022: a trusted recipient lowers the risk itself, not only Art 34(3)(b)).
 */
function exposure(fact: Lookup, missing: Set<string>): { value: Tri; why: string } {
  const need = (name: string) => {
    const v = fact(name);
    if (v === undefined) missing.add(name);
    return v;
  };
  const conf = need('confidentiality');
  if (conf === 'none') return { value: false, why: 'no loss of confidentiality' };
  const unintelligible = need('unintelligible');
  if (unintelligible === true) return { value: false, why: 'the data is unintelligible to whoever got it' };
  const eoi = need('ease_of_identification');
  if (eoi === 'negligible') return { value: false, why: 'the people can hardly be identified from the data' };
  let trusted: Tri = false;
  if (conf === 'known_recipients') {
    const t = need('recipient_trusted');
    trusted = t === undefined ? 'unknown' : t === true;
    if (trusted === true) return { value: false, why: 'the only recipients are trusted and bound by confidentiality' };
  }
  // Nothing reassuring is established: exposed, or exposed until the missing facts say otherwise.
  const value: Tri = conf === undefined || unintelligible === undefined || eoi === undefined || trusted === 'unknown' ? 'unknown' : true;
  const who = conf === 'unknown_recipients' ? 'unknown recipients' : conf === 'known_recipients' ? 'recipients not bound by confidentiality' : 'possibly unknown recipients';
  return { value, why: `readable, identifying data reached ${who}` };
}

export function assessRisk(fact: Lookup, enisa: Severity): RiskAssessment {
  const cats = fact('data_categories') as readonly string[] | undefined;
  const has = (c: string): Tri => (cats === undefined ? 'unknown' : cats.includes(c));
  const factors: RiskFactor[] = [];
  const add = (id: string, effect: RiskFactor['effect'], present: Tri, text: string, missing: Iterable<string>) => {
    factors.push({ id, effect, present, text, missing: present === false ? [] : [...new Set(missing)] });
  };

  const exposedMissing = new Set<string>();
  const ex = exposure(fact, exposedMissing);
  const exposed = ex.value;
  const catMissing = cats === undefined ? ['data_categories'] : [];

  // Type of breach (confidentiality, integrity, availability) and intent: why there is a risk at all.
  const conf = fact('confidentiality');
  const integrity = fact('integrity');
  const availability = fact('availability');
  const malicious = fact('malicious');
  add('confidentiality-lost', 'risk', conf === undefined ? 'unknown' : conf !== 'none', conf === 'unknown_recipients' ? 'confidentiality lost to unknown recipients' : conf === 'known_recipients' ? 'confidentiality lost to known recipients' : 'confidentiality: not established', ['confidentiality']);
  add('integrity-lost', 'risk', integrity === undefined ? 'unknown' : integrity !== 'none', `integrity lost (${String(integrity ?? 'not established')})`, ['integrity']);
  add('availability-lost', 'risk', availability === undefined ? 'unknown' : availability !== 'none', `availability lost (${String(availability ?? 'not established')})`, ['availability']);
  add('malicious', 'risk', malicious === undefined ? 'unknown' : malicious === true, 'caused deliberately (an attacker or an insider in bad faith)', ['malicious']);

  // High-risk factors (Art 34). Each needs the data to be exposed, except the loss of availability.
  // ENISA scores unknown categories (or credentials of unknown reach) at 4: sensitive until established.
  const provisional = cats === undefined || (cats.includes('credentials') && fact('credentials_access') === undefined && !cats.some((c) => SENSITIVE.includes(c)));
  const sensitive: Tri = enisa.dpc >= 4 ? (provisional ? 'unknown' : true) : false;
  add('sensitive-data', 'high_risk', and(sensitive, exposed), `sensitive data (ENISA context ${enisa.dpc}: ${enisa.explanation[0] ?? ''}) and ${ex.why}`, [...catMissing, ...exposedMissing, ...(enisa.unknown.includes('credentials_access') ? ['credentials_access'] : [])]);

  const opens = fact('credentials_access');
  const credTheft: Tri = and(has('credentials'), opens === undefined ? 'unknown' : OPENS_IDENTITY_THEFT.includes(String(opens)));
  add('identity-theft-data', 'high_risk', and(or(has('government_id'), credTheft), exposed), `identity documents or numbers, or credentials to financial or identity accounts (identity theft and fraud), and ${ex.why}`, [...catMissing, ...(opens === undefined && has('credentials') !== false ? ['credentials_access'] : []), ...exposedMissing]);

  add('financial-data', 'high_risk', and(or(has('financial'), has('payment_card')), exposed), `financial or payment card data (fraud, financial loss), and ${ex.why}`, [...catMissing, ...exposedMissing]);

  const vuln = fact('vulnerable_subjects');
  add('vulnerable-people', 'high_risk', and(or(vuln === undefined ? 'unknown' : vuln === true, has('children')), exposed), `children or other vulnerable people are affected, and ${ex.why}`, [...(vuln === undefined ? ['vulnerable_subjects'] : []), ...exposedMissing]);

  add('malicious-unknown-recipients', 'high_risk', and(malicious === undefined ? 'unknown' : malicious === true, conf === undefined ? 'unknown' : conf === 'unknown_recipients', exposed), `an attacker or thief holds readable data and its further recipients are unknown (misuse is the purpose), and ${ex.why}`, [...(malicious === undefined ? ['malicious'] : []), ...exposedMissing]);

  const total = fact('subjects_total');
  add('large-scale', 'high_risk', and(total === undefined ? 'unknown' : (total as number) >= LARGE_SCALE, exposed), `${total === undefined ? 'the number of people is not established' : `${String(total)} people`} (large scale from ${LARGE_SCALE_TEXT}), and ${ex.why}`, [...(total === undefined ? ['subjects_total'] : []), ...exposedMissing]);

  const impact = fact('availability_impact');
  const lost: Tri = availability === undefined ? 'unknown' : availability !== 'none';
  add('serious-unavailability', 'high_risk', and(lost, impact === undefined ? 'unknown' : impact === 'serious'), `the loss of availability has serious consequences for the people (care, payments or rights delayed or denied)${impact === undefined ? '; availability_impact not established' : ''}`, [...(availability === undefined ? ['availability'] : []), ...(impact === undefined ? ['availability_impact'] : [])]);

  // Mitigations that make the breach unlikely to result in a risk (Art 33 exemptions).
  const mitigations: Mitigation[] = ART33_MITIGATIONS.map((m) => {
    const t = evaluate(m.when, fact);
    return { id: m.id, exemption: m.exemption, established: tri(t), text: m.text, missing: t.value === 'unknown' ? t.missing : [] };
  });
  const holds = mitigations.find((m) => m.established === true);

  const high = holds ? false : or(...factors.filter((f) => f.effect === 'high_risk').map((f) => f.present));
  const art33Reasons: string[] = [];
  const art33Change = new Set<string>();
  if (holds) art33Reasons.push(`unlikely to result in a risk: ${holds.text}; document it (Art 33(5))`);
  else {
    const present = factors.filter((f) => f.effect === 'risk' && f.present !== false);
    art33Reasons.push(`no mitigation establishes that the breach is unlikely to result in a risk${present.length ? ` (${present.map((f) => f.text).join('; ')})` : ''}`);
    for (const m of mitigations) if (m.established === 'unknown') m.missing.forEach((f) => art33Change.add(f));
  }
  const art34Reasons: string[] = [];
  const art34Change = new Set<string>();
  const drivers = factors.filter((f) => f.effect === 'high_risk' && f.present !== false);
  if (high === false) art34Reasons.push(holds ? 'no risk, so no high risk' : 'no high-risk factor holds: not sensitive, identity-theft or financial data exposed, no vulnerable people, no attacker with unknown recipients, not large scale, no serious unavailability');
  else
    for (const f of drivers) {
      art34Reasons.push(`${f.present === true ? 'high risk' : 'high risk until established'}: ${f.text}${f.missing.length ? ` (establish ${f.missing.join(', ')})` : ''}`);
      f.missing.forEach((m) => art34Change.add(m));
    }
  if (high !== false) for (const m of mitigations) if (m.established === 'unknown') m.missing.forEach((f) => art34Change.add(f));

  const precedents = PRECEDENTS.filter((p) => evaluate(p.when, fact).value === true).map(({ when: _w, ...p }) => p);
  return {
    method: 'EDPB 9/2022 section IV; EDPB 01/2021',
    art33: { conclusion: holds ? 'not_required' : 'notify', exemption: holds?.exemption ?? null, reasons: art33Reasons, could_change: [...art33Change] },
    art34: { conclusion: high === false ? 'not_required' : 'notify', reasons: art34Reasons, could_change: [...art34Change] },
    high_risk: high,
    factors,
    mitigations,
    precedents,
    enisa: { level: enisa.level, score: enisa.score, dpc: enisa.dpc },
  };
}

/** HIPAA (45 CFR 164.402(2)): the four factors of a documented risk assessment, explained. */
export function hipaaFactors(fact: Lookup): RiskFactor[] {
  const level = (name: string, label: string): RiskFactor => {
    const v = fact(name);
    return { id: name, effect: 'risk', present: v === undefined ? 'unknown' : v !== 'low', text: `${label}: ${v === undefined ? 'not assessed' : `${String(v)} risk`}`, missing: v === undefined ? [name] : [] };
  };
  const viewed = fact('hipaa_phi_acquired_or_viewed');
  const documented = fact('hipaa_low_probability_documented');
  return [
    level('hipaa_phi_nature_risk', 'factor 1, nature and extent of the PHI'),
    level('hipaa_recipient_risk', 'factor 2, the unauthorised person who used or received it'),
    { id: 'hipaa_phi_acquired_or_viewed', effect: 'risk', present: viewed === undefined ? 'unknown' : viewed === true, text: `factor 3, actually acquired or viewed: ${viewed === undefined ? 'not established' : viewed ? 'yes' : 'no'}`, missing: viewed === undefined ? ['hipaa_phi_acquired_or_viewed'] : [] },
    level('hipaa_mitigation_risk', 'factor 4, extent of mitigation'),
    { id: 'hipaa_low_probability_documented', effect: 'risk', present: documented === undefined ? 'unknown' : documented !== true, text: documented === true ? 'a written assessment concludes a low probability of compromise' : 'no written assessment concluding a low probability of compromise: the breach is presumed', missing: documented === undefined ? ['hipaa_low_probability_documented'] : [] },
  ];
}
