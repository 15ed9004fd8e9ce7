import { randomBytes } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import { escapeXml } from './escape.js';

// Raw HTML off and no linkify: only the template's own Markdown becomes structure.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/**
 * Print-first styling: a clean sans-serif stack that every system has, body text 11pt (California requires at least 10-point type for its notice),
 * headings larger, A4/Letter-safe margins, tables that do not split rows across pages.
 */
const PRINT_CSS = `
@page { size: auto; margin: 18mm 16mm; }
html { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 11pt; line-height: 1.35; color: #111; background: #fff; }
body { max-width: 52em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 18pt; margin: 0 0 0.6em; }
h2 { font-size: 14pt; margin: 1.2em 0 0.4em; }
h3 { font-size: 12pt; margin: 1em 0 0.3em; }
p, li, td, th { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
tr { break-inside: avoid; }
code { font-family: "Liberation Mono", monospace; font-size: 10pt; }
.draft { border: 3px solid #b00; color: #b00; font-weight: bold; font-size: 12pt; padding: 0.4em 0.8em; margin: 0 0 1em; }
.meta { font-size: 10pt; color: #333; }
figure { margin: 1.2em 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; min-height: 14em; }
figcaption { font-size: 10pt; color: #333; margin-top: 0.3em; }
@media print { body { margin: 0; max-width: none; } .draft { position: static; } h2 { margin: 0.9em 0 0.3em; } p, ul, table { margin-top: 0.4em; margin-bottom: 0.4em; } }
`;

/** A one-page summary (the executive page): tighter print margins and spacing, still at least 10pt. */
const COMPACT_PRINT_CSS = `
@page { margin: 14mm 14mm; }
@media print { html { line-height: 1.25; } p, li, td, th { font-size: 10.5pt; } h1 { font-size: 16pt; } h2 { font-size: 13pt; margin: 0.7em 0 0.2em; } }
`;

export interface HtmlDocumentOptions {
  readonly title: string;
  readonly lang: string;
  /** A banner at the top, e.g. "DRAFT — not approved for sending". */
  readonly banner?: string;
  /** Markup built by irr itself (escaped at its source), placed where the Markdown has `figureMarker(name)`. */
  readonly figures?: Readonly<Record<string, string>>;
  /** Print on as few pages as possible (a one-page summary). */
  readonly compact?: boolean;
}

// A per-process nonce: no value inserted into the Markdown can forge a figure's place.
const NONCE = randomBytes(8).toString('hex');

/** The line to put in the Markdown where a figure (an SVG) goes in the HTML; in Markdown it reads as a comment. */
export function figureMarker(name: string): string {
  return `<!-- figure:${name}:${NONCE} -->`;
}

/** A Markdown body as HTML only (no document wrapper). */
export function markdownToHtml(body: string): string {
  return md.render(body);
}

/**
 * A complete, standalone, valid HTML5 document: no scripts, no external resources (it opens on an
 * isolated laptop and prints the same anywhere).
 */
export function htmlDocument(markdownBody: string, opts: HtmlDocumentOptions): string {
  let body = md.render(markdownBody);
  for (const [name, markup] of Object.entries(opts.figures ?? {})) {
    // With raw HTML off, an HTML comment in the Markdown comes out as escaped text in its own paragraph.
    body = body.replace(`<p>&lt;!-- figure:${name}:${NONCE} --&gt;</p>`, () => `<figure>${markup}</figure>`);
  }
  const banner = opts.banner ? `<p class="draft" role="note">${escapeXml(opts.banner)}</p>\n` : '';
  return `<!DOCTYPE html>
<html lang="${escapeXml(opts.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(opts.title)}</title>
<style>${PRINT_CSS}${opts.compact ? COMPACT_PRINT_CSS : ''}</style>
</head>
<body>
${banner}${body}</body>
</html>
`;
}
