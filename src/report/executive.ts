import { notCoveredLine } from '../assess/coverage.js';
import { isDecidedNotToSend, isSettled } from '../domain/obligation.js';
import type { ReportData, ReportObligation } from './data.js';
import { count, duration, utc } from './format.js';
import { waiverNote, auditLine, byJurisdiction, cell, deadlineText, factOf, heading, join, measureText, outcome, peopleTotal, severityLine, severityWhy, statusWord, table } from './markdown.js';

/** At most this many notices in the table, so the page stays one page; the rest are counted. */
const MAX_NOTICES = 8;
const MAX_JURISDICTIONS = 8;

const isOpen = (o: ReportObligation) => !isSettled(o.status);

function people(d: ReportData): string {
  const total = peopleTotal(d);
  if (total === undefined) return 'not established yet (facts subjects_total, subjects_by_jurisdiction)';
  const by = byJurisdiction(d);
  const shown = by.slice(0, MAX_JURISDICTIONS).map(([j, n]) => `${cell(j)} ${count(n)}`);
  if (by.length > MAX_JURISDICTIONS) shown.push(`${by.length - MAX_JURISDICTIONS} more jurisdictions ${count(by.slice(MAX_JURISDICTIONS).reduce((s, [, n]) => s + n, 0))}`);
  return `${count(total)}${shown.length ? ` — ${shown.join(' · ')}` : ''}`;
}

function notices(d: ReportData): string {
  // Undetermined duties that would already be running if required (not mere leads) are shown among the open ones.
  const possible = d.undetermined.filter((u) => u.due && !u.speculative);
  if (d.obligations.length === 0 && possible.length === 0) return `No notification is required so far${d.undetermined.length ? `; ${d.undetermined.length} may be, once facts are established` : ''}.`;
  const now = Date.parse(d.now);
  // Open ones first, soonest due first (overdue first of all), then what was settled.
  const open = d.obligations.filter(isOpen);
  const done = d.obligations.filter((o) => !isOpen(o));
  const openRows = [
    ...open.map((o) => ({ due: o.deadline, row: [`${cell(o.id)} (${cell(o.audience)}, ${cell(o.jurisdiction)})`, `**${statusWord(o)}**`, deadlineText(o), outcome(o, d.now)] })),
    ...possible.map((u) => {
      const left = Date.parse(u.due!) - now;
      const when = left < 0 ? `overdue by ${duration(-left)}` : `${u.deadline_kind === 'target' ? 'target' : 'due'} in ${duration(left)}`;
      return { due: u.due, row: [`${cell(u.id)} (${cell(u.audience)}, ${cell(u.jurisdiction)})`, '**undetermined**', `${u.deadline_kind === 'target' ? 'target' : 'due'} ${utc(u.due!)}`, `if required: ${when}; establish ${u.unknown_facts.map(cell).join(', ')}`] };
    }),
  ].sort((a, b) => (a.due ? Date.parse(a.due) : Infinity) - (b.due ? Date.parse(b.due) : Infinity));
  const doneRows = done.map((o) => [`${cell(o.id)} (${cell(o.audience)}, ${cell(o.jurisdiction)})`, `**${statusWord(o)}**`, deadlineText(o), `${outcome(o, d.now)}${o.reason && isDecidedNotToSend(o.status) ? ` — reason: ${cell(o.reason)}` : ''}${waiverNote(o)}`]);
  const all = [...openRows.map((r) => r.row), ...doneRows];
  const rows = all.slice(0, MAX_NOTICES);
  const more = all.length - rows.length;
  const met = d.obligations.filter((o) => o.status === 'met').length;
  const late = d.obligations.filter((o) => o.status === 'late').length;
  const waived = d.obligations.filter((o) => o.status === 'waived');
  const overrides = waived.filter((o) => o.waiver?.override).length;
  const na = d.obligations.filter((o) => o.status === 'not_applicable').length;
  const summary = `${d.obligations.length} required: ${met} met, ${late} late, ${open.length} open${waived.length ? `, ${waived.length} waived${overrides ? ` (${overrides} by override of the assessment)` : ''}` : ''}${na ? `, ${na} not applicable by decision` : ''}${possible.length ? `; ${possible.length} more would be running if required` : ''}.`;
  return [summary, table(['Notice', 'Status', 'Deadline', 'Outcome'], rows), more > 0 ? `…and ${more} more (\`irr clocks ${d.incident.id}\`).` : ''].filter(Boolean).join('\n\n');
}

/** Key times on two lines (not a table): the page must stay one page. */
function keyTimes(d: ReportData): string {
  const occurred = factOf(d, 'occurred_at');
  const times = [
    `occurred ${typeof occurred === 'string' ? utc(occurred) : 'unknown (fact occurred_at)'}`,
    `detected ${utc(d.detection.at)}${d.detection.source === 'fact detected_at' ? '' : ' (incident opened)'}`,
    `aware (legal clocks start) ${d.awareness ? utc(d.awareness.at) : 'not established'}`,
    ...(d.incident.closed_at ? [`closed ${utc(d.incident.closed_at)}`] : []),
  ];
  const spans = [d.measures.detect, d.measures.contain, d.measures.recover].map(measureText).join(' / ');
  return `**Key times:** ${times.join(' · ')}\\\n**Time to detect / contain / recover:** ${spans}`;
}

/** What the board must decide or know next, most pressing first. */
export function boardItems(d: ReportData): string[] {
  const out: string[] = [];
  const now = Date.parse(d.now);
  const gap = notCoveredLine(d.uncovered);
  if (gap) out.push(`**${cell(gap.slice(0, gap.indexOf(':') + 1))}** ${cell(gap.slice(gap.indexOf(':') + 2))}`);
  for (const o of d.obligations.filter((x) => x.status === 'overdue')) {
    out.push(`**Overdue:** ${cell(o.id)} to the ${cell(o.audience)} (${cell(o.jurisdiction)}) was due ${utc(o.deadline!)}, ${duration(now - Date.parse(o.deadline!))} ago. Send it now, with the reasons for the delay.`);
  }
  const next = d.obligations.filter((o) => (o.status === 'running' || o.status === 'due_soon') && o.deadline).sort((a, b) => Date.parse(a.deadline!) - Date.parse(b.deadline!))[0];
  if (next) out.push(`**Next deadline:** ${cell(next.id)} to the ${cell(next.audience)} (${cell(next.jurisdiction)}), ${deadlineText(next)}: ${duration(Date.parse(next.deadline!) - now)} left. Approve its content in time.`);
  const notStarted = d.obligations.filter((o) => o.status === 'not_started');
  if (notStarted.length) out.push(`**Clocks not started:** ${notStarted.map((o) => cell(o.id)).join(', ')}: the moment that starts each is not recorded yet.`);
  if (d.undetermined.length) {
    const first = d.establish_first.map((f, i) => `${cell(f.fact)} (${i === 0 ? `decides ${f.decides} notice${f.decides === 1 ? '' : 's'}` : f.decides})`);
    out.push(`**To establish first:** ${first.join(', ')}: ${d.undetermined.length} more notice${d.undetermined.length === 1 ? ' is' : 's are'} undetermined until the facts are known.`);
  }
  if (factOf(d, 'ransom_demanded') === true && factOf(d, 'ransom_paid') === undefined) out.push('**Decide:** the response to the extortion demand (no decision recorded); take legal and sanctions advice first.');
  if (factOf(d, 'sec_registrant') === true && factOf(d, 'sec_material') === undefined) out.push('**Decide:** whether the incident is material for SEC purposes (Form 8-K Item 1.05 is due four business days after that determination).');
  const late = d.obligations.filter((o) => o.status === 'late');
  if (late.length) out.push(`**Know:** ${late.length} notice${late.length === 1 ? ' was' : 's were'} sent late (${late.map((o) => cell(o.id)).join(', ')}); the recipients may ask about the delay.`);
  if (d.incident.phase !== 'closed' && d.holds.length) {
    out.push(`**Progress:** ${d.incident.phase === 'post-incident' ? 'closing' : `leaving ${d.incident.phase}`} waits on ${d.holds.length} item${d.holds.length === 1 ? '' : 's'} (\`irr status ${d.incident.id}\`).`);
  }
  if (d.actions.length) {
    const first = [...d.actions].sort((a, b) => a.due.localeCompare(b.due))[0]!;
    out.push(`**Follow-up:** ${d.actions.length} action item${d.actions.length === 1 ? '' : 's'} recorded; the first due ${cell(first.due)} (${cell(first.id)}, ${cell(first.owner)}).`);
  }
  if (out.length === 0) out.push('Nothing awaits a decision: every required notice is sent or waived, and no fact that could add one is open.');
  return out;
}

/** The executive one-pager: fits one printed page for a typical incident. */
export function executiveMarkdown(d: ReportData): string {
  return join([
    heading('Executive summary', d),
    `**Status:** ${d.incident.phase === 'closed' ? `closed ${utc(d.incident.closed_at!)}` : `open, phase ${d.incident.phase}`} · as of ${utc(d.now)} · runbook ${cell(d.incident.playbook.title)}`,
    `**Severity:** ${severityLine(d)} — ${cell(severityWhy(d))}.`,
    `**People affected:** ${people(d)}`,
    keyTimes(d),
    '## Notifications',
    notices(d),
    '## For the board: decide or know next',
    boardItems(d).map((i) => `- ${i}`).join('\n'),
    auditLine(d),
  ]);
}
