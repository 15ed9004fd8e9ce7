import { InvalidInput } from './errors.js';

// Control characters other than newline and tab: terminal escapes, carriage returns, NUL.
// The one definition: facts, drill files, runbooks, regimes and templates all refuse these.
export const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const CONTROL = CONTROL_CHARS;
const NEWLINE_OR_TAB = /[\n\t]/;
/** With the u flag a paired surrogate is one code point, so only an unpaired one matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Text a terminal would act on rather than show: every C0/C1 control (line breaks included),
 * bidirectional overrides and line separators (which reorder or split what the reader sees). */
 
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * User text made visible and inert for one line of an error or an echo: ESC becomes `\x1b`, a
 * line break `\n`, a bidi override `\u202e`. Used wherever user text enters a message, and by
 * cli/main.ts on every message as the last line of defence.
 */
export function visible(text: string): string {
  return text.replace(UNSHOWABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A short, escaped excerpt of untrusted content for an error message (never the whole content). */
export function snippet(text: string, max = 40): string {
  const flat = visible(text);
  return flat.length <= max ? flat : `${flat.slice(0, max)}…`;
}

/** A UTF-8 byte order mark is not content: editors on Windows add it to YAML and Markdown files. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Text that will be shown in a terminal, a timeline or a letter must not carry control characters
 * (an ESC sequence could recolour or rewrite a responder's screen). Notes may span lines; names,
 * titles and reasons may not.
 */
export function checkText(field: string, text: string, opts: { multiline?: boolean } = {}): void {
  // A lone surrogate cannot be stored as given (SQLite writes U+FFFD), so it would never hash the same again.
  if (LONE_SURROGATE.test(text)) throw new InvalidInput(`${field}: is not well-formed Unicode (a lone surrogate); write plain text`);
  if (CONTROL.test(text) || (!opts.multiline && NEWLINE_OR_TAB.test(text))) {
    throw new InvalidInput(`contains control characters${opts.multiline ? '' : ' or line breaks'}; write plain text`, [], { flag: field });
  }
}

/** For one-line displays (tables, the log): line breaks shown, never acted on. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' ');
}
