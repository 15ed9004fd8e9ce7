import { figureMarker } from '../render/html-document.js';
import type { PhaseSpan, ReportData } from './data.js';
import { duration, utc, utcSeconds } from './format.js';
import { auditLine, cell, code, heading, join, lateLegend, measuresTable, meta, noObligations, notCoveredMarkdown, obligationsTable, recommendedLines, table, undeterminedLine } from './markdown.js';

/** The name the SVG timeline takes in the HTML (the Markdown keeps the marker line as a comment). */
export const TIMELINE_FIGURE = 'timeline';

export function phaseHow(s: PhaseSpan): string {
  switch (s.via) {
    case 'open':
      return 'opened';
    case 'advance':
      return 'advanced';
    case 'close':
      return 'closed';
    case 'reopen':
      return `reopened — reason: ${cell(s.reason ?? '')}`;
  }
}

export function phasesTable(d: ReportData): string {
  const rows = d.phases.map((s) => {
    const left = s.until ? utc(s.until) : s.phase === 'closed' ? '—' : 'current';
    const span = s.phase === 'closed' ? '—' : s.until ? duration(Date.parse(s.until) - Date.parse(s.at)) : `${duration(Date.parse(d.now) - Date.parse(s.at))} so far`;
    return [s.phase, utc(s.at), `${phaseHow(s)} by ${cell(s.by)}`, left, span];
  });
  return table(['Phase', 'Entered', 'How', 'Left', 'Duration'], rows);
}

/** "recorded 3 h 10 min after" for a late entry. */
export function lateWords(delayMs: number): string {
  return `late: recorded ${duration(delayMs)} after`;
}

export function eventsTable(d: ReportData): string {
  const rows = d.events.map((e) => [
    String(e.seq),
    utcSeconds(e.at),
    `${utcSeconds(e.recorded_at)}${e.late ? ` — **${lateWords(e.delay_ms)}**` : ''}`,
    cell(e.actor),
    cell(e.what),
  ]);
  return table(['Seq', 'Happened (at)', 'Recorded', 'Actor', 'What'], rows);
}

/** Evidence by id and SHA-256, with who holds it now. */
export function evidenceTable(d: ReportData): string | null {
  if (d.evidence.length === 0) return null;
  const rows = d.evidence.map((e) => [code(e.id), cell(e.name), String(e.size), code(e.sha256), cell(e.description), `${cell(e.added_by)}, ${utcSeconds(e.added_at)}`, cell(e.custodian)]);
  return table(['Evidence', 'File', 'Bytes', 'SHA-256', 'Description', 'Added', 'Held by'], rows);
}

/** Every event with both times, phase durations, key measures and every required notice. */
export function timelineMarkdown(d: ReportData, format: 'md' | 'html' = 'md'): string {
  const late = d.events.filter((e) => e.late).length;
  return join([
    heading('Timeline', d),
    meta(d),
    auditLine(d),
    '## Key durations',
    measuresTable(d),
    '## Phases',
    phasesTable(d),
    '## Notifications',
    notCoveredMarkdown(d),
    d.obligations.length ? obligationsTable(d, { clockStart: true }) : noObligations(d),
    recommendedLines(d),
    undeterminedLine(d),
    '## Figure: phases and notification clocks',
    // The Markdown says where the figure is; the HTML shows it, with a caption rather than a pointer to itself.
    format === 'md' ? 'In the HTML report: phases along a time axis, and each notice from its clock start to its deadline, with when it was sent.' : null,
    figureMarker(TIMELINE_FIGURE),
    format === 'html' ? 'Phases along a time axis, and each notice from its clock start to its deadline, with when it was sent.' : null,
    '## Events',
    `${d.events.length} events in the log, ${late === 0 ? 'none' : late} recorded late.`,
    eventsTable(d),
    lateLegend(d),
    d.evidence.length > 0 && '## Evidence',
    evidenceTable(d),
  ]);
}
