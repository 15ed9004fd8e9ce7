import { InvalidInput } from './errors.js';

// Control characters other than newline and tab: terminal escapes, carriage returns, NUL.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const NEWLINE_OR_TAB = /[\n\t]/;
/** With the u flag a paired surrogate is one code point, so only an unpaired one matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text that will be shown in a terminal, a timeline or a letter must not carry control characters
 * (an ESC sequence could recolour or rewrite a responder's screen). Notes may span lines; names,
 * titles and reasons may not.
 */
export function checkText(field: string, text: string, opts: { multiline?: boolean } = {}): void {
  // A lone surrogate cannot be stored as given (SQLite writes U+FFFD), so it would never hash the same again.
  if (LONE_SURROGATE.test(text)) throw new InvalidInput(`${field}: is not well-formed Unicode (a lone surrogate); write plain text`);
  if (CONTROL.test(text) || (!opts.multiline && NEWLINE_OR_TAB.test(text))) {
    throw new InvalidInput(`${field}: contains control characters${opts.multiline ? '' : ' or line breaks'}; write plain text`);
  }
}

/** For one-line displays (tables, the log): line breaks shown, never acted on. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' ');
}
