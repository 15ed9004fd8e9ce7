/**
 * Bump when the statechart or the context shape changes: cached snapshots of older versions are
 * rebuilt from the events. Kept apart from the statechart so that reading a snapshot never loads xstate.
 */
// 4: obligation records carry exemption, override, decided_at/by and the not_applicable status.
// 5: team (team.assigned), roles, approverRoles; obligation records carry drafted_by/approved_by.
// 6: entry.retracted (withdrawn entries, restored facts/steps/duties); facts.recorded may clear facts.
export const MACHINE_VERSION = 6;
