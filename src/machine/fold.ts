import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { Runbook } from '../domain/runbook.js';
import type { IncidentContext, MachineEvent } from './context.js';
import { lifecycleMachine, MACHINE_VERSION, phaseOfValue } from './lifecycle.js';

export type LifecycleSnapshot = SnapshotFrom<typeof lifecycleMachine>;

/** The derivable state of an incident as cached in the snapshots table. */
export interface IncidentState {
  readonly machine: number;
  readonly seq: number;
  readonly value: unknown;
  readonly context: IncidentContext;
}

export function startIncident(id: string, opened: Extract<MachineEvent, { type: 'incident.opened' }>, runbook: Runbook): LifecycleSnapshot {
  const [snapshot] = initialTransition(lifecycleMachine, { id, opened, runbook });
  return snapshot;
}

/** Feed one event; returns undefined when the machine does not accept it (no transition enabled). */
export function step(snapshot: LifecycleSnapshot, event: MachineEvent): LifecycleSnapshot | undefined {
  const [next] = transition(lifecycleMachine, snapshot, event);
  return next === snapshot ? undefined : next;
}

export function restore(state: IncidentState): LifecycleSnapshot {
  return lifecycleMachine.resolveState({ value: state.value as never, context: state.context });
}

export function toState(snapshot: LifecycleSnapshot, seq: number): IncidentState {
  return { machine: MACHINE_VERSION, seq, value: snapshot.value, context: snapshot.context };
}

export { phaseOfValue, MACHINE_VERSION };
