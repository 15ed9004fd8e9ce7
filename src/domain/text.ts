import { InvalidInput } from './errors.js';

// Control characters other than newline and tab: terminal escapes, carriage returns, NUL.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const NEWLINE_OR_TAB = /[\n\t]/;

/**
 * Text that will be shown in a terminal, a timeline or a letter must not carry control characters
 * (an ESC sequence could recolour or rewrite a responder's screen). Notes may span lines; names,
 * titles and reasons may not.
 */
export function checkText(field: string, text: string, opts: { multiline?: boolean } = {}): void {
  if (CONTROL.test(text) || (!opts.multiline && NEWLINE_OR_TAB.test(text))) {
    throw new InvalidInput(`${field}: contains control characters${opts.multiline ? '' : ' or line breaks'}; write plain text`);
  }
}

/** For one-line displays (tables, the log): line breaks shown, never acted on. */
export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' ');
}
