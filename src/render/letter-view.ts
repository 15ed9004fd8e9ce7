import type { Obligation } from '../assess/obligations.js';
import type { FactCatalogue, FactDefinition, FactValue } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import { escapeMarkdown } from './escape.js';

/**
 * The values a letter template sees. Every string is already escaped for Markdown (a fact can never
 * add structure to a letter). A fact that is not known is a sentinel, not a blank: the renderer
 * finds the sentinels in the output and refuses, naming each fact to set. NUL cannot occur in a
 * stored fact (control characters are refused on input), so no value can forge one.
 */
export const MISSING = '\u0000missing:';
export const missing = (name: string) => `${MISSING}${name}\u0000`;
export const MISSING_RE = /\u0000missing:([a-z0-9_]+)\u0000/g;

const CATEGORY_LABELS: Readonly<Record<string, string>> = {
  contact: 'contact details (such as names, email or postal addresses, telephone numbers)',
  identity: 'identity data (such as names and dates of birth)',
  government_id: 'government identifiers (such as passport, national identity or social security numbers)',
  financial: 'financial account information',
  payment_card: 'payment card data',
  credentials: 'account credentials (user names and passwords or security questions)',
  health: 'health information',
  special_category: 'special categories of personal data (such as racial or ethnic origin, beliefs, sex life)',
  genetic_biometric: 'genetic or biometric data',
  criminal: 'data about criminal convictions or offences',
  location: 'location data',
  behavioural: 'behavioural data (such as browsing or purchase history)',
  children: "children's personal data",
  communications_content: 'the content of communications',
  employment: 'employment records',
};

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/** "2 March 2026, 09:00 UTC": unambiguous in every reader's country. */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  return `${DATE.format(d)}, ${TIME.format(d)} UTC`;
}

export function formatDate(iso: string): string {
  return DATE.format(new Date(iso));
}

/** "a, b and c" */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The authority's published contacts as lines ("Portal: https://…"), empty when the regime names none. */
function authorityLines(r: Regime): string[] {
  const a = r.authority;
  if (!a) return [];
  const parts: [string, string | undefined][] = [['Portal', a.portal], ['Email', a.email], ['Telephone', a.phone], ['Address', a.address], ['Form', a.form]];
  return [a.name, ...parts.filter((p): p is [string, string] => p[1] !== undefined).map(([k, v]) => `${k}: ${v}`)];
}

/** A fact as a reader would want it written (not yet escaped). */
export function formatFact(def: FactDefinition, value: FactValue): string {
  switch (def.kind) {
    case 'instant':
      return formatInstant(value as string);
    case 'boolean':
      return value ? 'yes' : 'no';
    case 'count':
      return count(value as number);
    case 'number':
      return String(value);
    case 'text':
      return value as string;
    case 'enum':
      return String(value).replace(/_/g, ' ');
    case 'enum_list':
      return joinWords((value as string[]).map((v) => CATEGORY_LABELS[v] ?? v.replace(/_/g, ' ')));
    case 'jurisdiction_counts':
      return Object.entries(value as Record<string, number>)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, v]) => `${k}: ${count(v)}`)
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
export const PLACEHOLDER_RECIPIENT: RecipientValues = {
  name: '[name]',
  email: '[email]',
  postal_address: '[postal address]',
  jurisdiction: '[jurisdiction]',
  language: '[language]',
  fields: {},
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

export function recipientView(r: RecipientValues): Record<string, unknown> {
  const fields = r === PLACEHOLDER_RECIPIENT ? placeholderFields : Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, escapeMarkdown(v)]));
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
}

/** The incident's required authority and other-party duties in the jurisdiction of `o` (the letter's own excluded). */
export function alsoInforming(o: Obligation, all: readonly Obligation[]): Obligation[] {
  return all.filter((x) => x.id !== o.id && x.jurisdiction === o.jurisdiction && x.required === true && (x.audience === 'authority' || x.audience === 'other_party'));
}

/** Late: sent after the deadline, or not sent and the deadline has passed. */
export function isLetterLate(o: Obligation, now: string): boolean {
  if (!o.due_at) return false;
  const when = o.sent_at ?? now;
  return Date.parse(when) > Date.parse(o.due_at);
}

/** The view for everything except the recipient (built once per mail merge). */
export function letterView(c: LetterContext): Record<string, unknown> {
  const facts: Record<string, string> = {};
  const flags: Record<string, boolean> = {};
  for (const [name, def] of Object.entries(c.catalogue)) {
    const v = Object.hasOwn(c.facts, name) ? c.facts[name] : undefined;
    facts[name] = v === undefined ? missing(name) : escapeMarkdown(formatFact(def, v));
    flags[name] = v === undefined ? false : def.kind === 'boolean' ? v === true : Array.isArray(v) ? v.length > 0 : true;
  }
  const o = c.obligation;
  const startFact = 'fact' in c.regime.clock.starts ? c.regime.clock.starts.fact : undefined;
  const delay = o.record?.reason ?? (Object.hasOwn(c.facts, 'delay_reasons') ? String(c.facts.delay_reasons) : undefined);
  const due = o.due_at ? formatInstant(o.due_at) : o.target_at ? `without undue delay (our internal target: ${formatInstant(o.target_at)})` : 'no fixed deadline';
  const jurisdictions = Object.entries((c.facts.subjects_by_jurisdiction as Record<string, number> | undefined) ?? {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => ({ code: escapeMarkdown(code), count: escapeMarkdown(count(n)) }));
  return {
    facts,
    flags,
    jurisdictions,
    // US-state letters to the consumer reporting agencies list the US residents by state, every state.
    us_jurisdictions: jurisdictions.filter((j) => /^US-/.test(j.code)),
    informing: [...new Set((c.alsoInforming ?? []).flatMap((x) => (x.authorities.length ? x.authorities.map((a) => a.name) : [x.regime])))].map((name) => ({ name: escapeMarkdown(name) })),
    incident: { id: escapeMarkdown(c.incident.id), title: escapeMarkdown(c.incident.title) },
    regime: {
      name: escapeMarkdown(c.regime.name),
      citation: escapeMarkdown(c.regime.citation),
      jurisdiction: escapeMarkdown(c.regime.jurisdiction),
      source: escapeMarkdown(c.regime.source),
      // The law's own paragraphs (a US state's rights, AG contact): data per law, one template for all.
      paragraphs: c.regime.notice_paragraphs.map((p) => ({ heading: escapeMarkdown(p.heading), text: escapeMarkdown(p.text) })),
      authority: authorityLines(c.regime).map(escapeMarkdown),
      // Illinois and Massachusetts forbid telling residents how many people are affected.
      forbids_count: c.regime.required_contents.some((i) => i.id === 'no-resident-count'),
      // Louisiana (AG) and Indiana (CRAs) ask for the residents' personal information: irr never stores them, the list is attached by hand.
      attach_names: c.regime.required_contents.some((i) => i.id === 'names-of-residents' || i.id === 'fraud-prevention-information'),
    },
    obligation: {
      id: escapeMarkdown(o.id),
      due: escapeMarkdown(due),
      clock_start: o.clock_start ? escapeMarkdown(formatInstant(o.clock_start)) : missing(startFact ?? 'clock_start'),
      late: c.late,
      delay_reasons: delay ? escapeMarkdown(delay) : missing('delay_reasons'),
    },
    // The addressee the assessment found (GDPR Art 33: the lead supervisory authority), else a placeholder.
    authority: o.authorities.length === 1
      ? { name: escapeMarkdown(o.authorities[0]!.name), known: true }
      : { name: escapeMarkdown(o.authorities.length > 1 ? `each supervisory authority concerned (${o.authorities.map((a) => a.name).join('; ')})` : 'the competent supervisory authority'), known: o.authorities.length > 1 },
    today: escapeMarkdown(formatDate(c.now)),
  };
}
