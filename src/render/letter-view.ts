import type { Obligation } from '../assess/obligations.js';
import type { FactCatalogue, FactDefinition, FactValue } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import { isDecidedNotToSend, isSent, isSettled } from '../domain/obligation.js';
import { escapeMarkdown } from './escape.js';
import { letterLocale, type LetterLocale } from './letter-locale.js';

/**
 * The values a letter template sees. Every string is already escaped for Markdown (a fact can never
 * add structure to a letter). A fact that is not known is a sentinel, not a blank: the renderer
 * finds the sentinels in the output and refuses, naming each fact to set. NUL cannot occur in a
 * stored fact (control characters are refused on input), so no value can forge one.
 */
export const MISSING = '\u0000missing:';
export const missing = (name: string) => `${MISSING}${name}\u0000`;
export const MISSING_RE = /\u0000missing:([a-z0-9_]+)\u0000/g;

const EN = letterLocale('en');

/** "2 March 2026, 09:00 UTC": unambiguous in every reader's country. */
export function formatInstant(iso: string, l: LetterLocale = EN): string {
  return l.instant(iso);
}

export function formatDate(iso: string, l: LetterLocale = EN): string {
  return l.date(iso);
}

/** "a, b and c" (in the letter's language) */
export function joinWords(words: readonly string[], l: LetterLocale = EN): string {
  return l.list(words);
}

/** The authority's published contacts as lines ("Portal: https://…"), empty when the regime names none. */
function authorityLines(r: Regime, l: LetterLocale): string[] {
  const a = r.authority;
  if (!a) return [];
  const [portal, email, phone, address, form] = l.words.authorityLabels;
  const parts: [string, string | undefined][] = [[portal, a.portal], [email, a.email], [phone, a.phone], [address, a.address], [form, a.form]];
  return [a.name, ...parts.filter((p): p is [string, string] => p[1] !== undefined).map(([k, v]) => `${k}: ${v}`)];
}

/** A fact as a reader would want it written (not yet escaped). */
export function formatFact(def: FactDefinition, value: FactValue, l: LetterLocale = EN): string {
  switch (def.kind) {
    case 'instant':
      return l.instant(value as string);
    case 'boolean':
      return value ? l.words.yes : l.words.no;
    case 'count':
      return l.count(value as number);
    case 'number':
      return String(value);
    case 'text':
      return value as string;
    case 'enum':
      return String(value).replace(/_/g, ' ');
    case 'enum_list':
      return l.list((value as string[]).map((v) => l.words.categories[v] ?? v.replace(/_/g, ' ')));
    case 'jurisdiction_counts':
      return Object.entries(value as Record<string, number>)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, v]) => `${k}: ${l.count(v)}`)
        .join('; ');
  }
}

export interface RecipientValues {
  readonly name: string;
  readonly email: string;
  readonly postal_address: string;
  readonly jurisdiction: string;
  readonly language: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** In a single letter (not a mail merge) the addressee block shows what the writer fills in. */
const PLACEHOLDER_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

export const PLACEHOLDER_RECIPIENT: RecipientValues = {
  name: '[name]',
  email: '[email]',
  postal_address: '[postal address]',
  jurisdiction: '[jurisdiction]',
  language: '[language]',
  fields: PLACEHOLDER_FIELDS,
};

/** Any column a template names prints as "[column]" in a single letter. */
const placeholderFields = new Proxy(
  {},
  {
    get: (_t, p) => (typeof p === 'string' ? escapeMarkdown(`[${p}]`) : undefined),
    has: () => true,
    getOwnPropertyDescriptor: (_t, p) => ({ value: escapeMarkdown(`[${String(p)}]`), enumerable: true, configurable: true }),
  },
);

/** The placeholder addressee in the letter's language ("[nom]", "[Anschrift]"…). */
export function placeholderRecipient(locale: string): RecipientValues {
  const p = letterLocale(locale).words.placeholders;
  return { ...p, fields: PLACEHOLDER_FIELDS };
}

export function recipientView(r: RecipientValues): Record<string, unknown> {
  const fields = r.fields === PLACEHOLDER_FIELDS ? placeholderFields : Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, escapeMarkdown(v)]));
  return {
    name: escapeMarkdown(r.name),
    email: escapeMarkdown(r.email),
    postal_address: escapeMarkdown(r.postal_address),
    jurisdiction: escapeMarkdown(r.jurisdiction),
    language: escapeMarkdown(r.language),
    fields,
  };
}

export interface LetterContext {
  readonly incident: { readonly id: string; readonly title: string };
  readonly facts: Readonly<Record<string, FactValue>>;
  readonly catalogue: FactCatalogue;
  readonly regime: Regime;
  readonly obligation: Obligation;
  readonly now: string;
  readonly late: boolean;
  /**
   * The incident's other duties in the same jurisdiction that notify an authority or another party
   * (a US state's attorney general, its consumer reporting agencies) and are required: the letter's
   * "who else we are informing", from the assessment, never one state's text for every state.
   */
  readonly alsoInforming?: readonly Obligation[];
  /**
   * The whole assessment: which residents are being told (the letter to the consumer reporting
   * agencies lists only those). Without it every US resident counts as notified.
   */
  readonly obligations?: readonly Obligation[];
  /** The letter's language (BCP 47): dates, numbers, lists and irr's own words in it; default en. */
  readonly locale?: string;
  /** Phased notification (GDPR Art 33(4)): what is still to follow, and the notice a supplement adds to. */
  readonly phase?: LetterPhase;
}

/** The incident's required authority and other-party duties in the jurisdiction of `o` (the letter's own excluded). */
export function alsoInforming(o: Obligation, all: readonly Obligation[]): Obligation[] {
  return all.filter((x) => x.id !== o.id && x.jurisdiction === o.jurisdiction && x.required === true && (x.audience === 'authority' || x.audience === 'other_party'));
}

const isUs = (code: string) => /^US-/.test(code);
const tells = (o: Obligation) => !isDecidedNotToSend(o.status) && (o.required === true || isSent(o.status));

/**
 * Where residents are being told (a US jurisdiction whose notice to individuals is required on these
 * facts, or was sent; a nationwide one such as HIPAA's tells every state), and where that is still
 * undetermined. A state whose law does not reach these facts (its definition of personal information,
 * the encryption safe harbour, a recorded no-harm determination) tells nobody: its residents are
 * affected, but not notified, and a letter must not count them as notified.
 */
export function residentNotices(all: readonly Obligation[]): { readonly notified: (code: string) => boolean; readonly undetermined: (code: string) => boolean } {
  const toPeople = all.filter((o) => o.audience === 'individuals' && (o.jurisdiction === 'US' || isUs(o.jurisdiction)));
  const nationwide = toPeople.some((o) => o.jurisdiction === 'US' && tells(o));
  const notified = new Set(toPeople.filter(tells).map((o) => o.jurisdiction));
  const open = new Set(toPeople.filter((o) => o.required === 'unknown' && !isSettled(o.status)).map((o) => o.jurisdiction));
  const isNotified = (code: string) => nationwide || notified.has(code);
  return { notified: isNotified, undetermined: (code) => !isNotified(code) && (open.has(code) || open.has('US')) };
}

export interface LetterPhase {
  /** The headings (in the letter's language) of the items still to follow; empty: complete. */
  readonly toFollow: readonly string[];
  /** Set for a supplement: the initial notice's sending time and reference. */
  readonly supplementTo: { readonly sentAt: string; readonly ref: string } | null;
}

/**
 * The reasons for a late notice (GDPR Art 33(1)): those given when the late `sent` was recorded
 * (irr refuses a late `sent` without them), else the fact delay_reasons. A reason recorded with
 * another action (a decision that the notice is required, a draft) is not a delay reason.
 */
export function delayReasons(o: Obligation, facts: Readonly<Record<string, FactValue>>): string | undefined {
  if (o.record?.status === 'sent' && o.record.reason) return o.record.reason;
  return Object.hasOwn(facts, 'delay_reasons') ? String(facts.delay_reasons) : undefined;
}

/** The facts a letter is written from: the incident's, with the recorded delay reasons as delay_reasons. */
export function letterFacts(o: Obligation, facts: Readonly<Record<string, FactValue>>): Record<string, FactValue> {
  const delay = delayReasons(o, facts);
  return delay === undefined ? { ...facts } : { ...facts, delay_reasons: delay };
}

/** Late: sent after the deadline, or not sent and the deadline has passed. */
export function isLetterLate(o: Obligation, now: string): boolean {
  if (!o.due_at) return false;
  const when = o.sent_at ?? now;
  return Date.parse(when) > Date.parse(o.due_at);
}

/** A start fact's value as an ISO instant (null when it is not a valid one). */
function startInstant(v: FactValue | undefined): string | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The view for everything except the recipient (built once per mail merge). */
export function letterView(c: LetterContext): Record<string, unknown> {
  const l = letterLocale(c.locale ?? 'en');
  const facts: Record<string, string> = {};
  const flags: Record<string, boolean> = {};
  for (const [name, def] of Object.entries(c.catalogue)) {
    const v = Object.hasOwn(c.facts, name) ? c.facts[name] : undefined;
    facts[name] = v === undefined ? missing(name) : escapeMarkdown(formatFact(def, v, l));
    flags[name] = v === undefined ? false : def.kind === 'boolean' ? v === true : Array.isArray(v) ? v.length > 0 : true;
  }
  const o = c.obligation;
  const startFact = 'fact' in c.regime.clock.starts ? c.regime.clock.starts.fact : undefined;
  // A law that does not apply has no clock (assess/obligations.ts); a letter drafted for it anyway
  // says when its clock would have started: the value of its start fact.
  const clockStart = o.clock_start ?? startInstant(startFact === undefined ? undefined : c.facts[startFact]);
  const delay = delayReasons(o, c.facts);
  const due = o.due_at ? l.instant(o.due_at) : o.target_at ? l.words.target(l.instant(o.target_at)) : l.words.noDeadline;
  const told = c.obligations ? residentNotices(c.obligations) : null;
  const counts = Object.entries((c.facts.subjects_by_jurisdiction as Record<string, number> | undefined) ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  // Filtered on the codes as recorded, then escaped for the letter.
  const shown = (keep: (code: string) => boolean) => counts.filter(([code]) => keep(code)).map(([code, n]) => ({ code: escapeMarkdown(code), count: escapeMarkdown(l.count(n)) }));
  const jurisdictions = shown(() => true);
  return {
    facts,
    flags,
    jurisdictions,
    // Every US jurisdiction with people (kept for templates that use it).
    us_jurisdictions: shown(isUs),
    // The letter to the consumer reporting agencies: the residents being notified, by state, and those not yet determined.
    us_residents_notified: shown((code) => isUs(code) && (told === null || told.notified(code))),
    us_residents_undetermined: told === null ? [] : shown((code) => isUs(code) && told.undetermined(code)),
    informing: [...new Set((c.alsoInforming ?? []).flatMap((x) => (x.authorities.length ? x.authorities.map((a) => a.name) : [x.regime])))].map((name) => ({ name: escapeMarkdown(name) })),
    incident: { id: escapeMarkdown(c.incident.id), title: escapeMarkdown(c.incident.title) },
    regime: {
      name: escapeMarkdown(c.regime.name),
      citation: escapeMarkdown(c.regime.citation),
      jurisdiction: escapeMarkdown(c.regime.jurisdiction),
      source: escapeMarkdown(c.regime.source),
      // The law's own paragraphs (a US state's rights, AG contact): data per law, one template for all.
      paragraphs: c.regime.notice_paragraphs.map((p) => ({ heading: escapeMarkdown(p.heading), text: escapeMarkdown(p.text) })),
      authority: authorityLines(c.regime, l).map(escapeMarkdown),
      // Illinois and Massachusetts forbid telling residents how many people are affected.
      forbids_count: c.regime.required_contents.some((i) => i.id === 'no-resident-count'),
      // Louisiana (AG) and Indiana (CRAs) ask for the residents' personal information: irr never stores them, the list is attached by hand.
      attach_names: c.regime.required_contents.some((i) => i.id === 'names-of-residents' || i.id === 'fraud-prevention-information'),
    },
    obligation: {
      id: escapeMarkdown(o.id),
      due: escapeMarkdown(due),
      clock_start: clockStart ? escapeMarkdown(l.instant(clockStart)) : missing(startFact ?? 'clock_start'),
      late: c.late,
      delay_reasons: delay ? escapeMarkdown(delay) : missing('delay_reasons'),
      phased: (c.phase?.toFollow.length ?? 0) > 0,
      to_follow: (c.phase?.toFollow ?? []).map(escapeMarkdown),
      supplement: Boolean(c.phase?.supplementTo),
      initial_sent: c.phase?.supplementTo ? escapeMarkdown(l.instant(c.phase.supplementTo.sentAt)) : missing('sent_at'),
      initial_ref: c.phase?.supplementTo ? escapeMarkdown(c.phase.supplementTo.ref) : missing('ref'),
    },
    // The addressee the assessment found (GDPR Art 33: the lead supervisory authority), else a placeholder.
    authority: o.authorities.length === 1
      ? { name: escapeMarkdown(o.authorities[0]!.name), known: true }
      : { name: escapeMarkdown(o.authorities.length > 1 ? l.words.eachAuthority(o.authorities.map((a) => a.name).join('; ')) : l.words.competentAuthority), known: o.authorities.length > 1 },
    today: escapeMarkdown(l.date(c.now)),
  };
}
