import { isSent, isSettled } from '../domain/obligation.js';
import { figureMarker } from '../render/html-document.js';
import type { ReportData } from './data.js';
import { count, utc } from './format.js';
import {
  auditLine,
  byJurisdiction,
  cell,
  factOf,
  factText,
  heading,
  join,
  measuresTable,
  meta,
  noObligations,
  notCoveredMarkdown,
  obligationsTable,
  peopleTotal,
  recommendedLines,
  severityLine,
  table,
  text,
  undeterminedLine,
} from './markdown.js';
import { phasesTable, TIMELINE_FIGURE } from './timeline.js';

const CONDENSED = new Set(['incident.opened', 'phase.advanced', 'phase.reopened', 'incident.closed', 'obligation.triggered', 'obligation.cleared']);

/** A narrative fact as a paragraph, or what to record when it is missing. */
function narrative(d: ReportData, name: string, missing: string): string {
  const v = factText(factOf(d, name));
  return v && v.trim() ? text(v) : `${missing} Record it with \`irr fact ${d.incident.id} ${name}="…"\`.`;
}

/** The timeline condensed: phase changes, notices becoming due and being sent, and key facts' times. */
function condensed(d: ReportData): string {
  const items: [string, string][] = [];
  for (const [name, label] of [['occurred_at', 'breach occurred'], ['detected_at', 'detected'], ['aware_at', 'aware (legal clocks start)'], ['contained_at', 'contained']] as const) {
    const v = factOf(d, name);
    if (typeof v === 'string') items.push([v, `${label} (fact ${name})`]);
  }
  for (const e of d.events) {
    const ev = e.event;
    if (ev.type === 'obligation.triggered') items.push([e.at, `notice ${cell(ev.payload.obligation)} became required`]);
    else if (ev.type === 'obligation.cleared') items.push([e.at, `notice ${cell(ev.payload.obligation)} no longer required`]);
    else if (CONDENSED.has(e.type) || (ev.type === 'obligation.recorded' && ev.payload.action === 'sent')) items.push([e.at, cell(e.what)]);
  }
  items.sort((a, b) => Date.parse(a[0]) - Date.parse(b[0]));
  return items.map(([at, what]) => `- ${utc(at)}: ${what}`).join('\n');
}

function impact(d: ReportData): string {
  const by = byJurisdiction(d);
  const total = peopleTotal(d);
  const records = factOf(d, 'records_total');
  const categories = factText(factOf(d, 'data_categories'));
  const lines = [
    `- People affected: ${total === undefined ? 'not established (fact subjects_total or subjects_by_jurisdiction)' : count(total)}`,
    `- Records affected: ${typeof records === 'number' ? count(records) : 'not established (fact records_total)'}`,
    `- Data categories: ${categories ? cell(categories) : 'not established (fact data_categories)'}`,
    `- Severity: ${severityLine(d)}`,
  ];
  const parts = [lines.join('\n')];
  if (by.length) parts.push(table(['Jurisdiction', 'People affected'], by.map(([j, n]) => [cell(j), count(n)])));
  parts.push(`Why this severity (ENISA 2013, SE = DPC × EI + CB):\n\n${d.severity.explanation.map((e) => `- ${cell(e)}`).join('\n')}`);
  return parts.join('\n\n');
}

function actionItems(d: ReportData): string {
  if (d.actions.length === 0) {
    return `No action items recorded yet. Add each follow-up with an owner and a due date: \`irr action ${d.incident.id} "<what is to be done>" --owner <who> --due YYYY-MM-DD\`.`;
  }
  return table(
    ['Id', 'Action', 'Owner', 'Due', 'Recorded'],
    d.actions.map((a) => [cell(a.id), cell(a.text), cell(a.owner), cell(a.due), `${utc(a.at)} by ${cell(a.by)}`]),
  );
}

/** The blameless post-incident review. */
export function postIncidentMarkdown(d: ReportData): string {
  const sent = d.obligations.filter((o) => isSent(o.status));
  const late = d.obligations.filter((o) => o.status === 'late').length;
  const open = d.obligations.filter((o) => !isSettled(o.status)).length;
  const overrides = d.obligations.filter((o) => o.status === 'waived' && o.waiver?.override).length;
  const na = d.obligations.filter((o) => o.status === 'not_applicable').length;
  const description = factText(factOf(d, 'breach_description'));
  return join([
    heading('Post-incident review', d),
    meta(d),
    'This review is blameless: it describes what happened, and the systems, processes and decisions involved, so that they can be improved. It does not assign fault to people.',
    auditLine(d),
    '## Summary',
    [
      `- What happened: ${description ? cell(description) : 'not recorded (fact breach_description)'}`,
      `- Status: ${d.incident.phase === 'closed' ? `closed ${utc(d.incident.closed_at!)}` : `open, in phase ${d.incident.phase}`}; steps ${d.steps.done} done, ${d.steps.skipped} skipped with a reason, ${d.steps.pending} open`,
      `- Detected: ${utc(d.detection.at)} (${d.detection.source}); awareness ${d.awareness ? `${utc(d.awareness.at)} (${cell(d.awareness.source)})` : 'not established'}`,
      `- ${severityLine(d)}`,
      `- Notifications: ${d.obligations.length} required or sent; ${sent.length} sent (${late} late), ${open} open${d.obligations.some((o) => o.status === 'waived') ? `, ${d.obligations.filter((o) => o.status === 'waived').length} waived${overrides ? ` (${overrides} by override of the assessment)` : ''}` : ''}${na ? `, ${na} not applicable by decision` : ''}${d.recommended.length ? `; ${d.recommended.length} recommended with no legal duty (voluntary)` : ''}`,
    ].join('\n'),
    '## Impact',
    impact(d),
    '## Timeline (condensed)',
    measuresTable(d),
    phasesTable(d),
    condensed(d),
    figureMarker(TIMELINE_FIGURE),
    notCoveredMarkdown(d),
    d.obligations.length ? obligationsTable(d) : noObligations(d),
    recommendedLines(d),
    undeterminedLine(d),
    `The full timeline: \`irr report ${d.incident.id} --kind timeline\`.`,
    '## Root cause',
    narrative(d, 'root_cause', 'Not recorded yet.'),
    '## What went well',
    narrative(d, 'went_well', 'Not recorded yet.'),
    '## What did not go well',
    narrative(d, 'went_badly', 'Not recorded yet.'),
    '## Action items',
    actionItems(d),
  ]);
}
