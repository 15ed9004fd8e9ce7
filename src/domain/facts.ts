/**
 * The facts vocabulary: the one set of names used by runbooks (`when`, `captures`), regimes and
 * `--facts` files. A fact nobody has recorded is *unknown*, never a default value: conclusions that
 * depend on it must say so and name it.
 */

export const DATA_CATEGORIES = [
  'contact',
  'identity',
  'government_id',
  'financial',
  'payment_card',
  'credentials',
  'health',
  'special_category',
  'genetic_biometric',
  'criminal',
  'location',
  'behavioural',
  'children',
  'communications_content',
  'employment',
] as const;

export type FactKind =
  | { readonly kind: 'instant' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'count' }
  | { readonly kind: 'number' }
  | { readonly kind: 'text' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'enum_list'; readonly values: readonly string[] }
  | { readonly kind: 'jurisdiction_counts' };

export type FactDefinition = FactKind & { readonly description: string };

export type FactValue = string | number | boolean | readonly string[] | Readonly<Record<string, number>>;

const instant = (description: string): FactDefinition => ({ kind: 'instant', description });
const bool = (description: string): FactDefinition => ({ kind: 'boolean', description });
const count = (description: string): FactDefinition => ({ kind: 'count', description });
const text = (description: string): FactDefinition => ({ kind: 'text', description });
const oneOf = (values: readonly string[], description: string): FactDefinition => ({ kind: 'enum', values, description });

/** The core vocabulary (docs/facts.md documents each). Runbooks may declare more under `facts:`. */
export const CORE_FACTS: Readonly<Record<string, FactDefinition>> = {
  // times
  detected_at: instant('When the incident was first detected (an alert fired, a report arrived).'),
  aware_at: instant('When the organisation became aware, with a reasonable degree of certainty, that personal data was breached (GDPR Art 33 clock).'),
  discovered_at: instant('When the breach was discovered or would have been with reasonable diligence (HIPAA, US state clocks).'),
  determined_at: instant('When the organisation determined that a breach occurred (Texas, Florida, Colorado, NYDFS, PIPEDA clocks).'),
  materiality_determined_at: instant('When the incident was determined to be material (SEC Form 8-K Item 1.05 clock).'),
  classified_major_at: instant('When the incident was classified as major under DORA.'),
  assessment_completed_at: instant('When the assessment of whether the breach is notifiable was completed (Singapore PDPA clock).'),
  ransom_paid_at: instant('When an extortion payment was made (NYDFS 500.17(c) clock).'),
  contained_at: instant('When the incident was contained: the attacker or the leak can no longer reach more data.'),
  // data
  data_categories: { kind: 'enum_list', values: DATA_CATEGORIES, description: 'Categories of personal data affected.' },
  credentials_access: oneOf(DATA_CATEGORIES, 'For leaked credentials: the category of data those credentials open.'),
  subjects_total: count('Approximate number of people whose data is affected.'),
  records_total: count('Approximate number of records affected.'),
  subjects_by_jurisdiction: { kind: 'jurisdiction_counts', description: 'Affected people per jurisdiction (ISO 3166-1 alpha-2, or ISO 3166-2 for US states such as US-CA), counts only.' },
  vulnerable_subjects: bool('Children or other vulnerable people are among those affected.'),
  // circumstances
  confidentiality: oneOf(['none', 'known_recipients', 'unknown_recipients'], 'Loss of confidentiality and to whom.'),
  recipient_trusted: bool('The recipient is a trusted party (e.g. an employee bound by confidentiality, a known partner).'),
  recipient_confirmed_deletion: bool('The recipient has confirmed in writing that the data was deleted and not used.'),
  integrity: oneOf(['none', 'recoverable', 'unrecoverable'], 'Loss of integrity: data altered, and whether it can be restored.'),
  availability: oneOf(['none', 'temporary', 'permanent'], 'Loss of availability of the data.'),
  availability_hours: { kind: 'number', description: 'How long the data was unavailable, in hours.' },
  backup_restored: bool('The data made unavailable (or altered) was fully restored from a backup or copy the attacker could not reach.'),
  availability_impact: oneOf(['none', 'minor', 'serious'], 'What the loss of availability did to the people: none (nobody was affected), minor (short delays in service), serious (care, payments, benefits or rights delayed or denied).'),
  recipients_total: count('How many parties received or could read the data (e.g. the addressees of a misdirected e-mail).'),
  recipient_used_data: bool('The recipient used, copied or passed on the data before deleting or returning it.'),
  malicious: bool('The breach was caused deliberately (an attacker, an insider acting in bad faith).'),
  exfiltration: oneOf(['confirmed', 'suspected', 'ruled_out', 'unknown'], 'Whether data left the organisation’s control.'),
  unintelligible: bool('The data was unintelligible to the recipient: state-of-the-art encryption or salted hashing, key or secret not compromised.'),
  ease_of_identification: oneOf(['negligible', 'limited', 'significant', 'maximum'], 'How easily the affected people can be identified from the data (ENISA EI).'),
  dpc_adjustment: { kind: 'number', description: 'Adjustment to the ENISA data-processing-context score (e.g. -1 or +1), with dpc_adjustment_reason.' },
  dpc_adjustment_reason: text('Why the ENISA data-processing-context score was adjusted.'),
  // entity
  entity_role: oneOf(['controller', 'processor'], 'The organisation’s role for the affected data.'),
  hipaa_covered: bool('The organisation is a HIPAA covered entity and the data is protected health information.'),
  sec_registrant: bool('The organisation files reports with the US SEC.'),
  nydfs_covered: bool('The organisation is a covered entity under 23 NYCRR Part 500.'),
  dora_financial_entity: bool('The organisation is a financial entity under DORA (Regulation (EU) 2022/2554).'),
  nis2_entity: oneOf(['essential', 'important', 'none'], 'NIS2 classification of the organisation.'),
  nis2_significant: bool('The incident is significant under NIS2 Art 23(3).'),
  dora_major: bool('The incident is a major ICT-related incident under DORA.'),
  sec_material: bool('The incident has been determined to be material for SEC purposes.'),
  dora_entity_kind: oneOf(['credit_institution', 'ccp', 'trading_venue', 'other'], 'Kind of DORA financial entity (credit institutions, CCPs and trading venues keep weekend deadlines for initial and intermediate reports).'),
  hipaa_business_associate: bool('The organisation is a HIPAA business associate of the covered entity whose data is affected.'),
  // HIPAA four-factor risk assessment (45 CFR 164.402(2)): a breach of unsecured PHI is presumed unless documented otherwise
  hipaa_phi_nature_risk: oneOf(['low', 'moderate', 'high'], 'HIPAA factor 1: the risk from the nature and extent of the PHI (kinds of identifiers, likelihood of re-identification, sensitivity).'),
  hipaa_recipient_risk: oneOf(['low', 'moderate', 'high'], 'HIPAA factor 2: the risk from the unauthorised person who used the PHI or to whom it was disclosed (low: e.g. another covered entity bound by HIPAA).'),
  hipaa_phi_acquired_or_viewed: bool('HIPAA factor 3: the PHI was actually acquired or viewed (false only when, e.g., forensics show a recovered device was never accessed).'),
  hipaa_mitigation_risk: oneOf(['low', 'moderate', 'high'], 'HIPAA factor 4: the risk that remains after mitigation (low: e.g. satisfactory written assurance that the PHI was destroyed and not further used).'),
  hipaa_low_probability_documented: bool('The covered entity (or business associate) has a written risk assessment of the four factors concluding a low probability that the PHI was compromised.'),
  information_broker: bool('The organisation is an information broker: for fees or dues, it collects or compiles information about people primarily to furnish it to nonaffiliated third parties (Georgia O.C.G.A. § 10-1-911).'),
  public_agency: bool('The organisation is a state or local government agency (some state laws cover only agencies, or cover them separately).'),
  resident_notice_timing: text('When and how the notices to residents were or will be sent (date, first-class mail or email, in one batch or several), for the notices to regulators and consumer reporting agencies.'),
  // US state risk-of-harm exceptions and the GDPR lead authority
  no_harm_determined: bool('After an appropriate investigation, the organisation has determined in writing that the breach is not reasonably likely to cause harm to the people affected (the risk-of-harm exception of many US state laws); record no_harm_determination_reason with it.'),
  no_harm_determination_reason: text('Why the breach is not reasonably likely to cause harm: what the investigation found (kept with the written determination).'),
  no_harm_ag_notified: bool('The attorney general (or other regulator) has been told in writing of the no-harm determination, where the state makes that a condition of the exception (e.g. Alaska, Florida, Connecticut).'),
  main_establishment: text('Where the controller has its main establishment in the EEA (its central administration, or where decisions on the processing are taken): a country code such as IE, or a German Land such as DE-BY. Decides the GDPR lead supervisory authority.'),
  database_security_level: oneOf(['basic', 'medium', 'high'], 'The security level of the affected database under Israel’s Protection of Privacy (Data Security) Regulations 2017 (basic, medium or high): a severe incident in a medium- or high-level database is reported to the Privacy Protection Authority.'),
  // response
  ransom_demanded: bool('An extortion demand was received.'),
  ransom_paid: bool('An extortion payment was made.'),
  law_enforcement_notified: bool('Law enforcement has been informed.'),
  law_enforcement_delay: bool('Law enforcement has asked in writing that notification be delayed.'),
  root_cause: text('Short statement of the root cause, blameless.'),
  dpo_contact: text('Name and contact details of the data protection officer or other contact point.'),
  // letters: narrative facts written by responders, quoted into notices
  organisation_name: text('The legal name of the organisation giving notice.'),
  breach_description: text('What happened, in plain words: how the breach occurred and what it affected.'),
  likely_consequences: text('The likely consequences of the breach for the people affected.'),
  measures_taken: text('The measures taken or proposed to address the breach and mitigate its effects.'),
  advice_to_individuals: text('What the people affected can do to protect themselves.'),
  delay_reasons: text('Why a notice is sent after its deadline.'),
  occurred_at: instant('When the breach itself happened (or began), as far as known.'),
  cross_border_impact: bool('The incident has or may have an impact in other countries (NIS2 early warning).'),
  material_impact: text('The material impact, or reasonably likely material impact, on the company (SEC Item 1.05).'),
  identity_protection_offer: text('The identity theft prevention or credit monitoring offered, with how to enrol.'),
  contact_details: text('How the people affected can reach the organisation about the breach: a toll-free telephone number with its hours, and an email address, website or postal address.'),
  incident_contact: text('Name, role, telephone and email of the person an authority, CSIRT, card brand or acquirer should contact about the incident reports.'),
  organisation_address: text('The postal address of the organisation giving notice.'),
  business_type: text('The kind of business the organisation runs (e.g. online retailer, hospital, payment institution).'),
  entity_lei: text('The organisation’s Legal Entity Identifier (LEI), for DORA incident reports.'),
  discovery_method: text('How the incident was discovered (e.g. a monitoring alert, a client complaint, a report from a third party).'),
  incident_origin: text('Where the incident originated (e.g. inside the organisation, at a named ICT third-party provider), as far as known.'),
  continuity_plan_activated: bool('A business continuity plan or response plan has been activated for the incident (DORA).'),
  dora_classification_criteria: text('Which DORA classification criteria (Delegated Regulation (EU) 2024/1772) the incident meets, with the values reached.'),
  countries_affected: text('The countries (EU member states and others) where the incident has or may have an impact, and what that impact is.'),
  threat_techniques: text('The type of incident and the threats and techniques used by any threat actor (e.g. phishing, credential stuffing, ransomware), as known.'),
  affected_services: text('The services, business processes and systems (and the infrastructure supporting them) affected by the incident.'),
  client_impact: text('The impact of the incident on clients or on the recipients of the services, including their financial interests.'),
  authorities_informed: text('Which other authorities have been told of the incident (data protection authority, CSIRT, police, financial supervisor) and when.'),
  indicators_of_compromise: text('Indicators of compromise that can be shared (IP addresses, domains, file hashes), or a statement that none are available yet.'),
  impact_assessment: text('Assessment of the incident’s severity and impact: services disrupted and for how long, users or clients affected, financial loss, harm to others.'),
  status_update: text('The current status of the incident and what has changed since the last report to the authority.'),
  recovered_at: instant('When regular activities or services were recovered after the incident.'),
  resolved_at: instant('When the incident was resolved and its root cause addressed.'),
  incident_costs: text('The direct and indirect costs and losses caused by the incident, and any financial recoveries (DORA final report).'),
  resolution_authority_info: text('Information relevant for resolution authorities (DORA final report), or a statement that there is none.'),
  reclassification_reason: text('Why an incident first classified as major under DORA was reclassified as non-major.'),
  authority_reference: text('The reference code an authority or CSIRT has given the incident, if any.'),
  information_pending: text('What is not yet determined or available when a report is made, to be supplied later (e.g. SEC Form 8-K Item 1.05 Instruction 2).'),
  safeguards_in_place: text('The security safeguards that were in place before the breach (e.g. encryption, firewalls, multi-factor authentication, training), for the HHS breach report.'),
  written_security_program: bool('The organisation maintains a written information security program (Massachusetts 201 CMR 17.00).'),
  responsible_party: text('Who caused the breach, as far as known (e.g. an unidentified external attacker, a named vendor), for regulator notices.'),
  cards_total: count('Estimated number of payment cards whose data is at risk (card brands and acquirer).'),
  pfi_status: text('Whether a PCI Forensic Investigator is required or engaged (and which firm), and the findings so far.'),
  tx_residents_notified: count('How many affected Texas residents had been sent a notice by mail or other direct method when the Texas Attorney General is notified.'),
  // reports: the blameless post-incident review
  went_well: text('What went well in the response (blameless), for the post-incident review.'),
  went_badly: text('What did not go well in the response (blameless: systems, processes and decisions, never people), for the post-incident review.'),
};

export type FactCatalogue = Readonly<Record<string, FactDefinition>>;

/** A stored fact: the value, and who established it when. */
export interface FactRecord {
  readonly value: FactValue;
  readonly at: string;
  readonly by: string;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

/** Parse an ISO 8601 instant that carries an explicit offset; returns the canonical UTC form or null. */
export function parseInstant(raw: string): string | null {
  return instantProblem(raw) === null ? new Date(Date.parse(raw)).toISOString() : null;
}

/**
 * Why a text is not an instant irr accepts, or null when it is one. Date.parse rolls impossible
 * values over (2026-02-30 → 2026-03-02, 24:00 → the next day): each field is checked first.
 */
export function instantProblem(raw: string): string | null {
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  if (!ISO_WITH_OFFSET.test(raw)) return `"${shown}" is not an ISO 8601 date-time with offset (e.g. 2026-03-01T09:30:00+01:00)`;
  const [y, m, d] = raw.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (y < 1900) return `"${raw}": year ${y} is not plausible for an incident`;
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
    return `"${raw}": ${raw.slice(0, 10)} is not a date in the calendar`;
  }
  const [hh, mm, ss] = [raw.slice(11, 13), raw.slice(14, 16), raw[16] === ':' ? raw.slice(17, 19) : '00'].map(Number) as [number, number, number];
  if (hh > 23 || mm > 59 || ss > 59) return `"${raw}": ${raw.slice(11, raw[16] === ':' ? 19 : 16)} is not a time of day (00:00:00 to 23:59:59)`;
  const off = /([+-])(\d{2}):(\d{2})$/.exec(raw);
  if (off && (Number(off[2]) > 14 || Number(off[3]) > 59 || (Number(off[2]) === 14 && Number(off[3]) > 0))) {
    return `"${raw}": ${off[0]} is not a UTC offset (at most ±14:00)`;
  }
  if (Number.isNaN(Date.parse(raw))) return `"${raw}" is not a date-time irr can read`;
  return null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A value from a facts file named in an error without walking into it (a list nested 5,000 deep is "a list"). */
function shortValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  const text = String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function fail(error: string): Parsed<never> {
  return { ok: false, error };
}

class NestedList extends Error {}

function splitList(raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error('not a list');
    // A nested list is not a list of values; String() of one 5,000 deep overflows the stack.
    if (parsed.some((x) => typeof x === 'object' && x !== null)) throw new NestedList();
    return parsed.map(String);
  }
  return trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Check a value already in JSON shape (from a facts file, or a typed prompt) against its definition.
 * Returns the canonical value (instants normalised to UTC, lists de-duplicated and sorted).
 */
export function checkFactValue(def: FactDefinition, value: unknown): Parsed<FactValue> {
  switch (def.kind) {
    case 'instant': {
      if (typeof value !== 'string') return fail('expected an ISO 8601 date-time with offset, e.g. 2026-03-01T09:30:00+01:00');
      const problem = instantProblem(value);
      return problem !== null ? fail(problem) : { ok: true, value: new Date(Date.parse(value)).toISOString() };
    }
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail('expected true or false');
    case 'count':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? { ok: true, value }
        : fail('expected a whole number of 0 or more');
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? { ok: true, value } : fail('expected a number');
    case 'text':
      if (typeof value !== 'string' || value.trim() === '') return fail('expected non-empty text');
      if (/\p{Cs}/u.test(value)) return fail('is not well-formed Unicode (a lone surrogate); write plain text');
      return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(value) ? fail('contains control characters; write plain text') : { ok: true, value };
    case 'enum':
      return typeof value === 'string' && def.values.includes(value)
        ? { ok: true, value }
        : fail(`expected one of ${def.values.join(', ')}`);
    case 'enum_list': {
      if (!Array.isArray(value)) return fail(`expected a list of ${def.values.join(', ')}`);
      const bad = value.filter((v) => typeof v !== 'string' || !def.values.includes(v));
      if (bad.length > 0) return fail(`unknown value${bad.length > 1 ? 's' : ''} ${bad.slice(0, 5).map(shortValue).join(', ')}${bad.length > 5 ? ', …' : ''}; expected any of ${def.values.join(', ')}`);
      return { ok: true, value: [...new Set(value as string[])].sort() };
    }
    case 'jurisdiction_counts': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('expected a map of jurisdiction codes to counts, e.g. {"US-CA":1200,"DE":40}');
      const out: Record<string, number> = {};
      for (const [code, n] of Object.entries(value as Record<string, unknown>)) {
        if (!JURISDICTION.test(code)) return fail(`"${shortValue(code)}" is not an ISO 3166 code (e.g. DE, US-CA)`);
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail(`count for ${code} must be a whole number of 0 or more, not ${shortValue(n)}`);
        // Puerto Rico, Guam and the US Virgin Islands have ISO 3166-1 codes too; irr's US regimes use the
        // ISO 3166-2 form, so the alias is stored as US-PR (summed if both forms are given).
        const key = Object.hasOwn(JURISDICTION_ALIASES, code) ? JURISDICTION_ALIASES[code]! : code;
        out[key] = (out[key] ?? 0) + n;
      }
      return { ok: true, value: Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b))) };
    }
  }
}

/** ISO 3166-1 codes of US territories accepted for their ISO 3166-2 form (US-PR …). */
export const JURISDICTION_ALIASES: Readonly<Record<string, string>> = { PR: 'US-PR', GU: 'US-GU', VI: 'US-VI', AS: 'US-AS', MP: 'US-MP' };

/** Parse the text form used on the command line (`key=value`) into a checked value. */
export function parseFactText(def: FactDefinition, raw: string): Parsed<FactValue> {
  try {
    switch (def.kind) {
      case 'boolean': {
        const v = raw.trim().toLowerCase();
        if (['true', 'yes', 'y'].includes(v)) return { ok: true, value: true };
        if (['false', 'no', 'n'].includes(v)) return { ok: true, value: false };
        return fail('expected true or false (or yes/no)');
      }
      case 'count':
      case 'number': {
        // Plain decimal only: 0x10, 1e3 or 0b11 are typos here, not numbers.
        const v = raw.trim().replace(/_/g, '');
        const pattern = def.kind === 'count' ? /^\d+$/ : /^-?\d+(\.\d+)?$/;
        if (!pattern.test(v)) return fail(def.kind === 'count' ? 'expected a whole number of 0 or more' : 'expected a number');
        return checkFactValue(def, Number(v));
      }
      case 'enum_list':
        if (raw.trim() === '') return fail('empty value: write [] to record that there are none');
        return checkFactValue(def, splitList(raw));
      case 'jurisdiction_counts': {
        const t = raw.trim();
        if (t === '') return fail('empty value: write {} to record that nobody is affected anywhere');
        if (t.startsWith('{')) return checkFactValue(def, JSON.parse(t));
        const map: Record<string, number> = {};
        for (const pair of splitList(t)) {
          const m = /^([^:=]+)[:=](.+)$/.exec(pair);
          if (!m) return fail(`"${pair}" is not CODE:COUNT (e.g. US-CA:1200)`);
          const digits = m[2]!.trim().replace(/_/g, '');
          const code = m[1]!.trim().toUpperCase();
          if (!/^\d+$/.test(digits) || !Number.isSafeInteger(Number(digits))) return fail(`count for ${code} must be a whole number of 0 or more`);
          if (Object.hasOwn(map, code)) return fail(`${code} is given twice`);
          map[code] = Number(digits);
        }
        return checkFactValue(def, map);
      }
      default:
        return checkFactValue(def, raw);
    }
  } catch (err) {
    return fail(err instanceof NestedList ? 'expected a flat list of values, not a list of lists' : 'is not valid JSON');
  }
}

export function describeKind(def: FactKind): string {
  switch (def.kind) {
    case 'instant':
      return 'ISO 8601 date-time with offset';
    case 'boolean':
      return 'true | false';
    case 'count':
      return 'whole number ≥ 0';
    case 'number':
      return 'number';
    case 'text':
      return 'text';
    case 'enum':
      return def.values.join(' | ');
    case 'enum_list':
      return `list of ${def.values.join(', ')}`;
    case 'jurisdiction_counts':
      return 'map of ISO 3166 code → count';
  }
}
