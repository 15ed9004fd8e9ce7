import { isDecidedNotToSend, isSettled, voluntaryWords } from '../domain/obligation.js';
import type { ReportData, ReportObligation } from './data.js';
import { letterLocale } from '../render/letter-locale.js';
import { count, dayDate, duration, fullDate } from './format.js';
import { waiverNote, byJurisdiction, cell, factOf, factText, heading, join, noRequiredWords, notCoveredMarkdown, outcome, peopleTotal, recipientWords, recommendedLines, severityLine, severityWhy, statusWord, table, text } from './markdown.js';

const ENGLISH = letterLocale('en');

/** At most this many notices in the table, so the page stays one page; the rest are counted. */
const MAX_NOTICES = 8;
const MAX_JURISDICTIONS = 8;

const isOpen = (o: ReportObligation) => !isSettled(o.status);

function people(d: ReportData): string {
  const total = peopleTotal(d);
  if (total === undefined) return 'not established yet';
  const by = byJurisdiction(d);
  const shown = by.slice(0, MAX_JURISDICTIONS).map(([j, n]) => `${cell(j)} ${count(n)}`);
  if (by.length > MAX_JURISDICTIONS) shown.push(`${by.length - MAX_JURISDICTIONS} more jurisdictions ${count(by.slice(MAX_JURISDICTIONS).reduce((s, [, n]) => s + n, 0))}`);
  return `${count(total)}${shown.length ? ` — ${shown.join(' · ')}` : ''}`;
}

/** A fact in the vocabulary's words ("whether the organisation is a financial entity under DORA"), never its key. */
const words = (d: ReportData, fact: string) => cell(d.fact_words[fact] ?? fact.replace(/_/g, ' '));

/** What is known about the incident, as a paragraph a board member reads first. */
function whatHappened(d: ReportData): string {
  const description = factText(factOf(d, 'breach_description'));
  const occurred = factOf(d, 'occurred_at');
  const times = [
    typeof occurred === 'string' ? `It began on ${fullDate(occurred)}` : 'When it began is not established yet',
    `it was detected on ${fullDate(d.detection.at)}`,
    d.awareness ? `and we became aware that personal data was affected on ${fullDate(d.awareness.at)}, when the legal notification clocks started` : 'and whether personal data was affected is not yet established',
  ];
  return `${description && description.trim() ? `${text(description)} ` : 'No description of the breach has been recorded yet. '}${times.join(', ')}.`;
}

/** The scoring's own words name facts by key ("ease_of_identification unknown"): said in words here. */
function withoutKeys(d: ReportData, s: string): string {
  return s.replace(/\b[a-z]+(?:_[a-z0-9]+)+\b/g, (k) => (Object.hasOwn(d.fact_words, k) ? k.replace(/_/g, ' ') : k));
}

function categories(d: ReportData): string {
  const v = factOf(d, 'data_categories');
  return Array.isArray(v) && v.length > 0 ? cell(ENGLISH.list(v.map((c) => ENGLISH.words.categories[String(c)] ?? String(c).replace(/_/g, ' ')))) : 'not established yet';
}

function impact(d: ReportData): string {
  const records = factOf(d, 'records_total');
  const spans = [d.measures.detect, d.measures.contain, d.measures.recover].map((m) => (m.known ? duration(m.ms) : 'not yet known'));
  return [
    `- **People affected:** ${people(d)}${typeof records === 'number' ? `; records affected: ${count(records)}` : ''}`,
    `- **Data concerned:** ${categories(d)}`,
    `- **Severity:** ${severityLine(d)} — ${cell(withoutKeys(d, severityWhy(d)))}.`,
    `- **Time to detect / contain / recover:** ${spans.join(' / ')}`,
  ].join('\n');
}

const due = (o: ReportObligation) => (o.deadline ? `${o.deadline_kind === 'target' ? 'target' : 'due'} ${fullDate(o.deadline)}` : 'no deadline set by the law');

/** A settled notice's outcome with the reason given: the reason for a waiver or a decision, or for a delay. */
function settledOutcome(o: ReportObligation, now: string): string {
  const why = o.reason && (isDecidedNotToSend(o.status) || o.waiver || o.status === 'late') ? ` — ${o.status === 'late' ? 'reason for the delay' : 'reason'}: ${cell(o.reason)}` : '';
  // A waiver says what it is in two words ("waived (override)"); its reason follows.
  return `**${o.status === 'waived' ? statusWord(o) : outcome(o, now)}**${why}${waiverNote(o)}`;
}

/** "gdpr-art33 (authority, EU)", "us-ga-cra (The nationwide consumer reporting agencies (…), US-GA)": audience in words, never a code. */
const notice = (o: ReportObligation) => `${cell(o.id)} (${cell(recipientWords(o))}, ${cell(o.jurisdiction)})`;

function notices(d: ReportData): string {
  // Undetermined duties that would already be running if required (not mere leads) are shown among the open ones.
  const possible = d.undetermined.filter((u) => u.due && !u.speculative);
  const voluntary = recommendedLines(d, fullDate);
  if (d.obligations.length === 0 && possible.length === 0) {
    return [`${noRequiredWords(d)}${d.undetermined.length ? `; ${d.undetermined.length} may be, once facts are established` : ''}.`, voluntary].filter(Boolean).join('\n\n');
  }
  const now = Date.parse(d.now);
  // Open ones first, soonest due first (overdue first of all), then what was settled.
  const open = d.obligations.filter(isOpen);
  const done = d.obligations.filter((o) => !isOpen(o));
  const openRows = [
    ...open.map((o) => ({ due: o.deadline, row: [notice(o), due(o), `**${outcome(o, d.now)}**${o.reason && o.waiver ? ` — reason: ${cell(o.reason)}` : ''}${waiverNote(o)}`] })),
    ...possible.map((u) => {
      const left = Date.parse(u.due!) - now;
      const when = left < 0 ? `overdue by ${duration(-left)}` : `${u.deadline_kind === 'target' ? 'target' : 'due'} in ${duration(left)}`;
      return { due: u.due, row: [`${cell(u.id)} (${cell(recipientWords(u))}, ${cell(u.jurisdiction)})`, `${u.deadline_kind === 'target' ? 'target' : 'due'} ${fullDate(u.due!)}`, `**undetermined** — if required: ${when}; depends on ${u.unknown_facts.map((f) => words(d, f)).join('; ')}`] };
    }),
  ].sort((a, b) => (a.due ? Date.parse(a.due) : Infinity) - (b.due ? Date.parse(b.due) : Infinity));
  const doneRows = done.map((o) => [notice(o), due(o), settledOutcome(o, d.now)]);
  const all = [...openRows.map((r) => r.row), ...doneRows];
  const rows = all.slice(0, MAX_NOTICES);
  const more = all.length - rows.length;
  const met = d.obligations.filter((o) => o.status === 'met').length;
  const late = d.obligations.filter((o) => o.status === 'late').length;
  const waived = d.obligations.filter((o) => o.status === 'waived');
  const overrides = waived.filter((o) => o.waiver?.override).length;
  const na = d.obligations.filter((o) => o.status === 'not_applicable').length;
  const counted = d.obligations.length === 0
    ? 'No notice is known to be required yet'
    : `${d.obligations.length} required: ${met} met, ${late} late, ${open.length} open`;
  const summary = `${counted}${waived.length ? `, ${waived.length} waived${overrides ? ` (${overrides} by override of the assessment)` : ''}` : ''}${na ? `, ${na} not applicable by decision` : ''}${possible.length ? `; ${possible.length} ${d.obligations.length ? 'more ' : ''}would be running if required` : ''}.`;
  return [summary, table(['Notice', 'Deadline', 'Status and outcome'], rows), more > 0 ? `…and ${more} more, in the timeline report.` : '', voluntary].filter(Boolean).join('\n\n');
}

/**
 * The facts to establish first, for a board: those that decide notices whose clocks would already be
 * running if required come before those that decide mere leads (a DORA question on a retailer), then
 * by how many notices each decides. At most three.
 */
function toEstablish(d: ReportData): { fact: string; decides: number }[] {
  const decides = (fact: string) => d.undetermined.filter((u) => u.unknown_facts.includes(fact)).length;
  const pressing = [...new Set(d.undetermined.filter((u) => u.due && !u.speculative).flatMap((u) => u.unknown_facts))];
  const facts = [...new Set([...pressing.sort((a, b) => decides(b) - decides(a) || a.localeCompare(b)), ...d.establish_first.map((f) => f.fact)])];
  return facts.slice(0, 3).map((fact) => ({ fact, decides: decides(fact) }));
}

/** What the board must decide or know next, most pressing first, in words (no fact keys, no commands). */
export function boardItems(d: ReportData): string[] {
  const out: string[] = [];
  const now = Date.parse(d.now);
  const gap = notCoveredMarkdown(d);
  if (gap) out.push(gap);
  for (const o of d.obligations.filter((x) => x.status === 'overdue')) {
    out.push(`**Overdue:** ${cell(o.id)} to the ${cell(recipientWords(o))} (${cell(o.jurisdiction)}) was due ${fullDate(o.deadline!)}, ${duration(now - Date.parse(o.deadline!))} ago. Send it now, with the reasons for the delay.`);
  }
  const next = d.obligations.filter((o) => (o.status === 'running' || o.status === 'due_soon') && o.deadline).sort((a, b) => Date.parse(a.deadline!) - Date.parse(b.deadline!))[0];
  if (next) out.push(`**Next deadline:** ${cell(next.id)} to the ${cell(recipientWords(next))} (${cell(next.jurisdiction)}), ${due(next)}: ${duration(Date.parse(next.deadline!) - now)} left. Approve its content in time.`);
  const notStarted = d.obligations.filter((o) => o.status === 'not_started');
  if (notStarted.length) out.push(`**Clocks not started:** ${notStarted.map((o) => cell(o.id)).join(', ')}: the moment that starts each is not established yet.`);
  if (d.undetermined.length) {
    const first = toEstablish(d).map((f) => `${words(d, f.fact)} (decides ${f.decides} notice${f.decides === 1 ? '' : 's'})`);
    out.push(`**To establish:** ${first.join('; ')}. Until then ${d.undetermined.length} notice${d.undetermined.length === 1 ? ' is' : 's are'} undetermined.`);
  }
  // A voluntary notice is a choice for the organisation: the board decides it, irr never calls it "not required".
  for (const r of d.recommended.filter((x) => !x.sent_at && !isDecidedNotToSend(x.status))) {
    out.push(`**Decide:** whether to notify voluntarily in ${cell(r.jurisdiction)}: ${cell(voluntaryWords(r.authority ?? undefined))}.`);
  }
  if (factOf(d, 'ransom_demanded') === true && factOf(d, 'ransom_paid') === undefined) out.push('**Decide:** the response to the extortion demand (no decision recorded); take legal and sanctions advice first.');
  if (factOf(d, 'sec_registrant') === true && factOf(d, 'sec_material') === undefined) out.push('**Decide:** whether the incident is material for SEC purposes (Form 8-K Item 1.05 is due four business days after that determination).');
  const late = d.obligations.filter((o) => o.status === 'late');
  if (late.length) out.push(`**Know:** ${late.length} notice${late.length === 1 ? ' was' : 's were'} sent late (${late.map((o) => cell(o.id)).join(', ')}); the recipients may ask about the delay.`);
  const waivers = d.obligations.filter((o) => o.waiver);
  for (const o of waivers) out.push(`**Know:** ${cell(o.id)} is not being sent: ${o.waiver!.override ? 'a decision against the assessment' : 'an exemption of the law'}${o.reason ? `, because ${cell(o.reason)}` : ''}${o.waiver!.valid ? '' : ` — the ground does not hold: ${cell(o.waiver!.why)}`}.`);
  if (d.incident.phase !== 'closed' && d.holds.length) {
    out.push(`**Progress:** ${d.incident.phase === 'post-incident' ? 'closing the incident' : `leaving the ${d.incident.phase} phase`} waits on ${d.holds.length} item${d.holds.length === 1 ? '' : 's'}.`);
  }
  if (out.length === 0) out.push('Nothing awaits a decision: every required notice is sent or waived, and no fact that could add one is open.');
  return out;
}

/** Follow-up actions with their owner's role title; an action past its due date is flagged. */
function followUp(d: ReportData): string | null {
  if (d.actions.length === 0) return null;
  const today = d.now.slice(0, 10);
  return [...d.actions]
    .sort((a, b) => a.due.localeCompare(b.due))
    .map((a) => `- ${a.due < today ? '**Overdue:** ' : ''}${cell(a.text)} — ${cell(d.roles[a.owner] ?? a.owner)}, due ${dayDate(a.due)}`)
    .join('\n');
}

/** The audit anchor, for the board: what it is, without the command that checks it. */
function auditAnchor(d: ReportData): string {
  return `**Audit log head:** sha256 \`${d.head.hash}\` at seq ${d.head.seq}, as read when this report was made (${fullDate(d.now)}): an anchor the record can be checked against later.`;
}

/** The executive one-pager: fits one printed page for a typical incident. */
export function executiveMarkdown(d: ReportData): string {
  const actions = followUp(d);
  return join([
    heading('Executive summary', d),
    `**Status:** ${d.incident.phase === 'closed' ? `closed ${fullDate(d.incident.closed_at!)}` : `open, phase ${d.incident.phase}`} · as of ${fullDate(d.now)} · runbook ${cell(d.incident.playbook.title)}`,
    '## What happened',
    whatHappened(d),
    '## Impact',
    impact(d),
    '## Notifications and deadlines',
    notices(d),
    '## Decisions needed',
    boardItems(d).map((i) => `- ${i}`).join('\n'),
    ...(actions ? ['## Follow-up actions', actions] : []),
    auditAnchor(d),
  ]);
}
