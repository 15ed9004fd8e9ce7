import type { Audience } from './regime.js';
import type { Condition } from './runbook.js';

/** Where a letter covers one required-content item of its regime, and what it needs to write it. */
export interface Coverage {
  /** A heading of the body under which the item is written. */
  readonly section: string;
  /** Facts without which the item cannot be written (with the regime's own item facts). */
  readonly facts: readonly string[];
  /** Required only when the letter goes out after the deadline (reasons for the delay). */
  readonly only_if_late: boolean;
  /** Required only when this holds (e.g. a law-enforcement delay). */
  readonly when?: Condition;
}

export interface LetterTemplate {
  readonly id: string;
  readonly kind: 'letter';
  readonly obligations: readonly string[];
  readonly audience: Audience;
  readonly locale: string;
  readonly title: string;
  readonly covers: Readonly<Record<string, Coverage>>;
  /** Handlebars source of the Markdown body. */
  readonly body: string;
  readonly file: string;
  /** Line of the file where the body starts (for error positions). */
  readonly bodyLine: number;
}
