/**
 * Values that go into a letter or report come from people (a title, a note, a name in a CSV). They
 * are escaped before they meet Markdown, so that no value can add a heading, a list, a link, an
 * image, emphasis, a table cell or markup. CommonMark makes a backslash-escaped punctuation
 * character literal text; only the characters that can start structure are escaped, so the
 * Markdown source of a letter stays readable ("dpo@example.com, +49 30 123" is left alone).
 * Raw HTML is also off in the renderer (belt and braces: `<` is escaped here too).
 */
// Anywhere in a line: escapes, code spans, emphasis, links and images ("!" is harmless without "["),
// autolinks and HTML, table cells, strikethrough, and entities ("&amp;" must show as typed).
const INLINE = /[\\`*_[\]<>|~&]/g;
// At the start of a line: headings, block quotes, list bullets, setext underlines, thematic breaks,
// and a table's delimiter row (":-" under a line with a pipe made a table, escaped pipe or not).
const LINE_START = /^([#>+=:-])/;
// "1." or "1)" at the start of a line would begin an ordered list.
const ORDERED = /^(\d+)([.)])/;

export function escapeMarkdown(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    // Leading spaces would start an indented code block; line breaks inside a value stay line
    // breaks (a backslash at the end of a line is a hard break) but never open a new block.
    .map((line) =>
      line
        .trim()
        .replace(INLINE, (c) => `\\${c}`)
        .replace(LINE_START, '\\$1')
        .replace(ORDERED, '$1\\$2'),
    )
    .filter((line) => line !== '')
    .join('\\\n');
}

/** Text for SVG or HTML built by irr itself (not through Markdown). */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
