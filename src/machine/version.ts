/**
 * Bump when the statechart or the context shape changes: cached snapshots of older versions are
 * rebuilt from the events. Kept apart from the statechart so that reading a snapshot never loads xstate.
 */
export const MACHINE_VERSION = 3;
