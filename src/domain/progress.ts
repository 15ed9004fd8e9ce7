import type { RecordStatus } from './obligation.js';

/**
 * What the fold keeps of a step and of a legal duty. In domain/ because an `entry.retracted` event
 * carries the state it restores (computed from the log when the retraction is decided), so the
 * fold applies it without re-reading history.
 */

export type StepProgress =
  | { readonly status: 'done'; readonly at: string; readonly by: string; readonly note?: string }
  | { readonly status: 'skipped'; readonly at: string; readonly by: string; readonly reason: string };

/**
 * Obligations arrive with the regulatory clocks; the notification region already holds their slot
 * so that closing can require every one resolved.
 */
export interface ObligationProgress {
  readonly status: RecordStatus;
  /** True while the facts make it required (set by obligation.triggered, cleared by obligation.cleared). */
  readonly triggered: boolean;
  readonly triggered_at?: string;
  readonly drafted_at?: string;
  /** Who drafted it (four-eyes: the approver must be someone else). */
  readonly drafted_by?: string;
  readonly approved_at?: string;
  /** Who approved the current draft (a new draft clears it). */
  readonly approved_by?: string;
  readonly sent_at?: string;
  readonly sent_by?: string;
  readonly channel?: string;
  readonly ref?: string;
  /** Further information sent after the notice, in phases (GDPR Art 33(4)), oldest first. */
  readonly supplements?: readonly { readonly at: string; readonly by: string; readonly ref?: string; readonly channel?: string; readonly reason?: string }[];
  /** Why it was waived, required by decision, or sent late. */
  readonly reason?: string;
  /** A recorded decision that it is required even though the assessment says not. */
  readonly decided_required?: boolean;
  /** Waived under this exemption of the regime (its id); checked against the facts when recorded and at close. */
  readonly exemption?: string;
  /** Waived as a deliberate decision against the assessment. */
  readonly override?: boolean;
  /** When it was waived or decided not applicable. */
  readonly decided_at?: string;
  readonly decided_by?: string;
}

