import { escapeXml } from '../render/escape.js';
import { htmlDocument } from '../render/html-document.js';
import type { ReportData, ReportFormat, ReportKind } from './data.js';
import { executiveMarkdown } from './executive.js';
import { postIncidentMarkdown } from './post-incident.js';
import { timelineSvg } from './svg.js';
import { TIMELINE_FIGURE, timelineMarkdown } from './timeline.js';

const WRITERS: Record<ReportKind, { title: string; markdown: (d: ReportData, format: ReportFormat) => string; figure: boolean }> = {
  timeline: { title: 'Timeline', markdown: timelineMarkdown, figure: true },
  'post-incident': { title: 'Post-incident review', markdown: postIncidentMarkdown, figure: true },
  executive: { title: 'Executive summary', markdown: executiveMarkdown, figure: false },
};

/**
 * Short enough for a browser tab and a printed header (70 characters as written in the HTML, where
 * "<" counts as "&lt;"; html-validate's long-title rule measures it so): the full title is the heading.
 */
export function documentTitle(lead: string, title: string, max = 70): string {
  let full = `${lead} — ${title.replace(/\s+/g, ' ').trim()}`;
  if (escapeXml(full).length <= max) return full;
  while (full.length > lead.length && escapeXml(`${full}…`).length > max) full = full.slice(0, -1);
  return `${full.trimEnd()}…`;
}

/** Markdown first; HTML is the same Markdown as a standalone print page, with the SVG timeline. */
export function renderReport(d: ReportData, kind: ReportKind, format: ReportFormat): string {
  const w = WRITERS[kind];
  const markdown = w.markdown(d, format);
  if (format === 'md') return markdown;
  return htmlDocument(markdown, {
    title: documentTitle(`${w.title}: ${d.incident.id}`, d.incident.title),
    lang: 'en',
    ...(w.figure ? { figures: { [TIMELINE_FIGURE]: timelineSvg(d) } } : { compact: true }),
  });
}
