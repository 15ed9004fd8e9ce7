 
const ANSI = /\u001b\[[0-9;]*m/g;

/** Width on screen, ignoring colour codes. */
export function visibleLength(s: string): string['length'] {
  return s.replace(ANSI, '').length;
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
      if (seen >= width - 1) return `${out}…${s.includes('\u001b[') ? '\u001b[0m' : ''}`;
      out += ch;
      seen++;
    }
  }
  return out;
}
