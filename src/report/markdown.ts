import { escapeMarkdown } from '../render/escape.js';
import { isDecidedNotToSend, voluntaryWords } from '../domain/obligation.js';
import { notCoveredLine } from '../assess/coverage.js';
import { oneLine } from '../domain/text.js';
import type { FactValue } from '../domain/facts.js';
import type { Measure, ReportData, ReportObligation, ReportRecommended } from './data.js';
import { count, duration, utc } from './format.js';

/**
 * Building blocks shared by the report writers. Every value that comes from people (a title, a
 * note, a fact, a name, a reason, a runbook's words) goes through `text()` or `cell()`: escaped so
 * that it can only ever be text, never a heading, a link, an image or markup.
 */

/** A value in running text (line breaks kept as hard breaks, never a new block). */
export const text = (value: string): string => escapeMarkdown(value);

/** A value in a table cell or a one-line list item: line breaks shown as ⏎, never acted on. */
export const cell = (value: string): string => escapeMarkdown(oneLine(value)) || ' ';

/** Things irr itself generates that are known to be plain (ids, hashes): shown as code when safe. */
export function code(value: string): string {
  return /^[A-Za-z0-9._:-]+$/.test(value) ? `\`${value}\`` : cell(value);
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A fact as text: lists joined, maps as "K: v", times in UTC. */
export function factText(v: FactValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object' && v !== null) return Object.entries(v).map(([k, n]) => `${k}: ${typeof n === 'number' ? count(n) : String(n)}`).join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return count(v);
  return v;
}

export const factOf = (d: ReportData, name: string): FactValue | undefined => (Object.hasOwn(d.facts, name) ? d.facts[name] : undefined);

/**
 * The audit line every report carries. Worded for what it is: the head as read when the report
 * was made, an anchor to check the database against later, not a proof by itself.
 */
export function auditLine(d: ReportData): string {
  const verify = `irr verify ${d.incident.id} --expect-head ${d.head.hash}`;
  const command = /^[A-Za-z0-9 -]+$/.test(verify) ? `\`${verify}\`` : cell(verify);
  return `**Audit log head:** sha256 \`${d.head.hash}\` at seq ${d.head.seq}, as read when this report was made (${utc(d.now)}); to check that the log still holds it unchanged, run ${command} on the database.`;
}

export function heading(kind: string, d: ReportData): string {
  return `# ${kind}: ${cell(d.incident.id)} — ${cell(d.incident.title)}${d.incident.mode === 'drill' ? ' (drill)' : ''}`;
}

/** "detection (current)", "closed". */
export function phaseState(d: ReportData): string {
  return d.incident.phase === 'closed' ? `closed ${utc(d.incident.closed_at!)}` : `open, phase ${d.incident.phase}`;
}

export function meta(d: ReportData): string {
  return `Runbook ${cell(d.incident.playbook.title)} (${cell(`${d.incident.playbook.id} ${d.incident.playbook.version}`)}); ${phaseState(d)}; opened ${utc(d.incident.opened_at)} by ${cell(d.incident.opened_by)}. Report as of ${utc(d.now)}; all times UTC.`;
}

export function measureText(m: Measure): string {
  return m.known ? duration(m.ms) : m.why;
}

export function measuresTable(d: ReportData): string {
  const rows = ([
    ['Time to detect', d.measures.detect],
    ['Time to contain', d.measures.contain],
    ['Time to recover', d.measures.recover],
  ] as const).map(([label, m]) => [label, m.known ? `${m.from_label}, ${utc(m.from)}` : '', m.known ? `${m.to_label}, ${utc(m.to)}` : '', `**${measureText(m)}**`]);
  return table(['Measure', 'From', 'To', 'Duration'], rows);
}

const STATUS_WORDS: Record<string, string> = {
  met: 'met',
  late: 'late',
  overdue: 'open, overdue',
  due_soon: 'open, due soon',
  running: 'open',
  not_started: 'open, clock not started',
  waived: 'waived',
  not_applicable: 'not applicable (decision)',
  undetermined: 'undetermined',
  not_required: 'not required',
};

/** "met, 20 h 5 min before the deadline", "late by 3 h 10 min", "open: due in 5 h", "overdue by 2 h". */
export function outcome(o: ReportObligation, now: string): string {
  const dl = o.deadline ? Date.parse(o.deadline) : null;
  const word = o.deadline_kind === 'target' ? 'target' : 'deadline';
  switch (o.status) {
    case 'met': {
      if (dl === null) return 'met (sent; the law sets no count)';
      const margin = dl - Date.parse(o.sent_at!);
      // Past irr's own target is not late in law (the law sets no count), but it is said.
      return margin >= 0 ? `met, ${duration(margin)} before the ${word}` : `met (no legal deadline), sent ${duration(-margin)} after irr's target`;
    }
    case 'late':
      return `late by ${duration(Date.parse(o.sent_at!) - dl!)}`;
    case 'waived':
      return o.waiver?.override ? 'waived by OVERRIDE of the assessment (not sent, a decision against it)' : `waived under exemption ${o.waiver?.exemption ?? '?'} (not sent; its condition holds on the facts)`;
    case 'not_applicable':
      return 'not applicable (a recorded decision)';
    case 'overdue':
      return `open: overdue by ${duration(Date.parse(now) - dl!)}`;
    case 'running':
    case 'due_soon':
      return dl === null ? 'open: no deadline set' : `open: ${o.deadline_kind === 'target' ? 'target' : 'due'} in ${duration(dl - Date.parse(now))}${o.status === 'due_soon' ? ' (due soon)' : ''}`;
    case 'not_started':
      return 'open: clock not started (its start is not known yet)';
    default:
      return STATUS_WORDS[o.status] ?? o.status;
  }
}

export function statusWord(o: ReportObligation): string {
  if (o.status === 'waived' && o.waiver?.override) return 'waived (override)';
  return STATUS_WORDS[o.status] ?? o.status;
}

/** A waiver whose ground does not hold is said, whatever the duty's status now. */
export function waiverNote(o: ReportObligation): string {
  return o.waiver && !o.waiver.valid ? ` — **waiver without a valid ground:** ${cell(o.waiver.why)}` : '';
}

export function deadlineText(o: ReportObligation): string {
  return o.deadline ? `${o.deadline_kind === 'target' ? 'target' : 'due'} ${utc(o.deadline)}` : 'no count set by the law';
}

export function sentText(o: ReportObligation): string {
  if (!o.sent_at) return isDecidedNotToSend(o.status) ? 'not sent' : 'not yet';
  const how = [o.channel && `via ${o.channel}`, o.ref && `ref ${o.ref}`].filter(Boolean).join(', ');
  return `${utc(o.sent_at)}${how ? ` (${cell(how)})` : ''}`;
}

/** The required notices and their outcome, one table. */
export function obligationsTable(d: ReportData, opts: { clockStart?: boolean } = {}): string {
  const rows = d.obligations.map((o) => {
    const reason = (o.reason && (o.status === 'late' || isDecidedNotToSend(o.status)) ? ` — ${o.status === 'late' ? 'delay reason' : 'reason'}: ${cell(o.reason)}` : '') + waiverNote(o);
    return [
      `${cell(o.id)} (${cell(o.regime)})`,
      `${cell(o.audience)}, ${cell(o.jurisdiction)}`,
      ...(opts.clockStart ? [o.clock_start ? `${utc(o.clock_start)}${o.clock_start_source ? ` (${cell(o.clock_start_source)})` : ''}` : 'not started'] : []),
      deadlineText(o),
      sentText(o),
      `**${outcome(o, d.now)}**${reason}`,
    ];
  });
  return table(['Notice', 'To', ...(opts.clockStart ? ['Clock start'] : []), 'Deadline', 'Sent', 'Outcome'], rows);
}

/**
 * "No notification is required so far", but only ever of the laws irr has rules for: with people
 * where irr has none, the sentence says so, and voluntary notices are named as what they are.
 */
export function noRequiredWords(d: ReportData): string {
  const scope = d.uncovered.length ? ' under the laws irr has rules for' : '';
  return `No notification is legally required so far${scope}`;
}

export function noObligations(d: ReportData): string {
  const maybe = d.undetermined.length ? ` ${d.undetermined.length} more may be owed once facts are established (see below).` : '';
  return `${noRequiredWords(d)} (\`irr assess ${d.incident.id}\` explains every regime).${maybe}`;
}

/** "**NOT COVERED:** irr has no rule for MN (40 people); get local advice", or null when every jurisdiction is covered. */
export function notCoveredMarkdown(d: ReportData): string | null {
  const gap = notCoveredLine(d.uncovered);
  if (gap === undefined) return null;
  const colon = gap.indexOf(':');
  return `**${cell(gap.slice(0, colon + 1))}** ${cell(gap.slice(colon + 2))}`;
}

/** Where a voluntary notice stands: not sent, sent (when), or a decision not to send it. */
export function recommendedState(r: ReportRecommended, when: (iso: string) => string = utc): string {
  if (r.sent_at) return `sent ${when(r.sent_at)}`;
  if (isDecidedNotToSend(r.status)) return `decided not to send${r.reason ? `: ${cell(r.reason)}` : ''}`;
  return 'not sent';
}

/** One line per voluntary notice: "hk-pdpo-voluntary (authority, HK): **no legal duty; notification recommended by the PCPD** — not sent". */
export function recommendedLines(d: ReportData, when: (iso: string) => string = utc): string | null {
  if (d.recommended.length === 0) return null;
  const lines = d.recommended.map((r) => `- ${cell(r.id)} (${cell(recipientWords({ audience: r.audience, authority: null }))}, ${cell(r.jurisdiction)}): **${cell(voluntaryWords(r.authority ?? undefined))}** — ${recommendedState(r, when)}.`);
  return [`Voluntary (${d.recommended.length}): the law sets no duty to notify, the authority recommends it.`, '', ...lines].join('\n');
}

const AUDIENCE_WORDS: Record<string, string> = { authority: 'authority', individuals: 'individuals', media: 'media', card_brands: 'card brands', investors: 'investors', internal: 'internal', other_party: 'another party' };

/** To whom, in words: the audience, or for another party the one the regime names ("the consumer reporting agencies"). */
export function recipientWords(o: Pick<ReportObligation, 'audience' | 'authority'>): string {
  return o.audience === 'other_party' && o.authority ? o.authority : (AUDIENCE_WORDS[o.audience] ?? o.audience.replace(/_/g, ' '));
}

export function undeterminedLine(d: ReportData): string | null {
  if (d.undetermined.length === 0) return null;
  const facts = [...new Set(d.undetermined.flatMap((u) => u.unknown_facts))];
  return `Undetermined (${d.undetermined.length}): ${d.undetermined.map((u) => cell(u.id)).join(', ')}; establish ${facts.map((f) => cell(f)).join(', ')}.`;
}

export function severityLine(d: ReportData): string {
  const s = d.severity;
  return `ENISA severity **${s.level.replace('_', ' ').toUpperCase()}** (SE = ${s.score})`;
}

/** One line saying why: the scoring explanation without its arithmetic. */
export function severityWhy(d: ReportData): string {
  const parts = d.severity.explanation
    .filter((e) => !e.startsWith('SE ='))
    .map((e) => e.replace(/^(DPC|EI|CB)\s*[^:]*:\s*/, '').replace(/^[a-z_]+ \u2014 /, ''))
    .map((e) => e.replace(/\s*\(the highest of [^)]*\)$/, ''));
  return parts.join('; ');
}

/** People affected by jurisdiction as "DE 30,000 · FR 10,000", largest first. */
export function byJurisdiction(d: ReportData): [string, number][] {
  const v = factOf(d, 'subjects_by_jurisdiction');
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
  return Object.entries(v as Record<string, number>).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function peopleTotal(d: ReportData): number | undefined {
  const t = factOf(d, 'subjects_total');
  if (typeof t === 'number') return t;
  const by = byJurisdiction(d);
  return by.length ? by.reduce((n, [, c]) => n + c, 0) : undefined;
}

export function lateLegend(d: ReportData): string | null {
  return d.events.some((e) => e.late) ? '"Late" marks an entry recorded more than 15 minutes after it happened (entered afterwards, with the time it happened); both times are kept in the log.' : null;
}

export function join(blocks: readonly (string | null | undefined | false)[]): string {
  return `${blocks.filter((b): b is string => typeof b === 'string' && b !== '').join('\n\n')}\n`;
}
