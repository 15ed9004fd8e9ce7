/**
 * The one status vocabulary of a legal duty (assessment and clocks alike) and the one test of
 * whether anything is still to be done about it. No imports: the status read path loads this.
 */

export const OBLIGATION_STATUSES = [
  'undetermined', // whether it is required depends on facts not yet established
  'not_required',
  'not_applicable', // a recorded decision that the law does not reach this incident, with a reason
  'waived',
  'not_started', // required, but the fact that starts its clock is unknown
  'running',
  'due_soon',
  'overdue',
  'met',
  'late',
] as const;
export type ObligationStatus = (typeof OBLIGATION_STATUSES)[number];

const SETTLED: ReadonlySet<ObligationStatus> = new Set(['met', 'late', 'waived', 'not_applicable', 'not_required']);

/** Nothing more is owed: sent (on time or late), validly waived, decided not applicable, or not required. */
export function isSettled(status: ObligationStatus): boolean {
  return SETTLED.has(status);
}

/** Not sent, by a recorded decision: waived (with a ground that holds) or not applicable. */
export const isDecidedNotToSend = (status: ObligationStatus): boolean => status === 'waived' || status === 'not_applicable';

/** Sent, on time or late. */
export const isSent = (status: ObligationStatus): boolean => status === 'met' || status === 'late';

/** What a responder records about a notification (`irr obligation <incident> <duty> <action>`). */
export const OBLIGATION_ACTIONS = ['drafted', 'approved', 'sent', 'waived', 'required', 'not_applicable', 'supplemented'] as const;
export type ObligationAction = (typeof OBLIGATION_ACTIONS)[number];

/** The progress a record reaches (the folded `obligation.recorded` and trigger events). */
export const RECORD_STATUSES = ['pending', 'drafted', 'approved', 'sent', 'waived', 'not_required', 'not_applicable'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/**
 * What a voluntary regime's duty is (Hong Kong PCPD, Argentina AAIP), in the words every view uses:
 * no legal duty, and the authority recommends notifying. Never "not required": that reads as "nothing to do".
 */
export function voluntaryWords(authority: string | undefined): string {
  return `no legal duty; notification recommended by ${authority ?? 'the authority'}`;
}
