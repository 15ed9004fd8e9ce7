import { createActor, transition, type Actor, type SnapshotFrom } from 'xstate';
import type { Runbook } from '../domain/runbook.js';
import { planOf, type IncidentContext, type MachineEvent } from './context.js';
import { lifecycleMachine, phaseOfValue } from './lifecycle.js';
import { MACHINE_VERSION } from './version.js';

export type LifecycleSnapshot = SnapshotFrom<typeof lifecycleMachine>;

/**
 * The derivable state of an incident as cached in the snapshots table. The plan (the runbook's
 * steps) is left out: it is part of the pinned playbook, and storing it on every append would
 * multiply the bytes written per event.
 */
export interface IncidentState {
  readonly machine: number;
  readonly seq: number;
  readonly value: unknown;
  readonly context: Omit<IncidentContext, 'plan'>;
}

/**
 * Folds events through the statechart. Uses one actor rather than xstate's pure `transition()`,
 * which re-creates an actor scope per call and is several times slower on a long replay; the
 * machine has no side effects (assign only, no timers, no invoked actors), so the two agree.
 */
export class Fold {
  private readonly actor: Actor<typeof lifecycleMachine>;

  private constructor(actor: Actor<typeof lifecycleMachine>) {
    this.actor = actor;
    this.actor.start();
  }

  static start(id: string, opened: Extract<MachineEvent, { type: 'incident.opened' }>, runbook: Runbook): Fold {
    return new Fold(createActor(lifecycleMachine, { input: { id, opened, runbook } }));
  }

  static restore(state: IncidentState, runbook: Runbook): Fold {
    const context = { ...state.context, plan: planOf(runbook) } as IncidentContext;
    const snapshot = lifecycleMachine.resolveState({ value: state.value as never, context });
    return new Fold(createActor(lifecycleMachine, { snapshot } as never));
  }

  get snapshot(): LifecycleSnapshot {
    return this.actor.getSnapshot();
  }

  /** Feed one event; false when the machine does not accept it (no transition enabled). */
  apply(event: MachineEvent): boolean {
    const before = this.actor.getSnapshot();
    this.actor.send(event);
    return this.actor.getSnapshot() !== before;
  }

  state(seq: number): IncidentState {
    return toState(this.snapshot, seq);
  }
}

export function toState(snapshot: LifecycleSnapshot, seq: number): IncidentState {
  const { plan: _plan, ...context } = snapshot.context;
  return { machine: MACHINE_VERSION, seq, value: snapshot.value, context };
}

/** Pure helpers for tests and tools that fold a handful of events. */
export function startIncident(id: string, opened: Extract<MachineEvent, { type: 'incident.opened' }>, runbook: Runbook): LifecycleSnapshot {
  return Fold.start(id, opened, runbook).snapshot;
}

/** Feed one event without an actor (xstate's pure transition); undefined when it is not accepted. */
export function step(snapshot: LifecycleSnapshot, event: MachineEvent): LifecycleSnapshot | undefined {
  const [next] = transition(lifecycleMachine, snapshot, event);
  return next === snapshot ? undefined : next;
}

export function restore(state: IncidentState, runbook: Runbook): LifecycleSnapshot {
  return Fold.restore(state, runbook).snapshot;
}

export { phaseOfValue, MACHINE_VERSION };
