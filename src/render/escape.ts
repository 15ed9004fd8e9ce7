/**
 * Values that go into a letter or report come from people (a title, a note, a name in a CSV). They
 * are escaped before they meet Markdown, so that no value can add a heading, a list, a link, an
 * image, emphasis or markup: CommonMark lets every ASCII punctuation character be backslash-escaped,
 * and an escaped character is always literal text. Raw HTML is also off in the renderer (belt and
 * braces: `<` is escaped here too).
 */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

export function escapeMarkdown(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .split('\n')
    // Leading spaces would start an indented code block; line breaks inside a value stay line
    // breaks (a backslash at the end of a line is a hard break) but never open a new block.
    .map((line) => line.trim().replace(PUNCTUATION, (c) => `\\${c}`))
    .filter((line) => line !== '')
    .join('\\\n');
}

/** Text for SVG or HTML built by irr itself (not through Markdown). */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
