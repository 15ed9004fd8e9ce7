import stringWidth from 'string-width';

/** Columns on screen, ignoring colour codes: wide (CJK) characters take two, combining marks none. */
export function visibleLength(s: string): number {
  return stringWidth(s);
}

/**
 * Wrap words to `width` columns; `indent` starts the first line, `hanging` the following ones, so a
 * list item's continuation lines sit under its text, not under its bullet.
 */
export function wrap(text: string, width: number, indent = '', hanging = indent): string[] {
  const out: string[] = [];
  let line = indent;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && visibleLength(line) + 1 + visibleLength(word) > width) {
      out.push(line);
      line = hanging + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  if (!empty) out.push(line);
  return out;
}

/** Cut a line to `width` columns (colour codes kept), marking the cut. */
export function truncate(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = '';
  let seen = 0;
  for (const part of s.split(/(\u001b\[[0-9;]*m)/)) {
    if (part.startsWith('\u001b[')) {
      out += part;
      continue;
    }
    for (const ch of part) {
      const w = stringWidth(ch);
      if (seen + w > width - 1) return `${out}…${s.includes('\u001b[') ? '\u001b[0m' : ''}`;
      out += ch;
      seen += w;
    }
  }
  return out;
}

/**
 * Prose written in a file with its own line breaks (a drill narrative), as paragraphs: the
 * author's breaks within a paragraph go, blank lines stay. With `width`, each paragraph is wrapped
 * at words to it (a terminal); without, a paragraph is one line, for the reader's own wrapping.
 */
export function reflow(text: string, width?: number): string[] {
  const paragraphs = text.trim().split(/\n\s*\n/).map((p) => p.split(/\s+/).filter(Boolean).join(' '));
  return paragraphs.flatMap((p, i) => [...(i > 0 ? [''] : []), ...(width === undefined || visibleLength(p) <= width ? [p] : wrap(p, width))]);
}
