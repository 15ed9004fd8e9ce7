import type { Condition, PinnedPlaybook, Runbook, StepMarker } from '../domain/runbook.js';
import type { FactRecord } from '../domain/facts.js';
import type { ActionItemPayload, EventBody, IncidentMode } from '../domain/events.js';
import type { ObligationProgress, StepProgress } from '../domain/progress.js';
import { WORK_PHASES, type Phase, type WorkPhase } from '../domain/phases.js';

/** The part of a runbook step the lifecycle rules need (guidance and titles stay in the playbook). */
export interface PlanStep {
  readonly id: string;
  readonly phase: WorkPhase;
  readonly required: boolean;
  readonly depends_on: readonly string[];
  readonly when?: Condition;
  readonly marks: readonly StepMarker[];
}

export type { ObligationProgress, StepProgress } from '../domain/progress.js';

export interface PhaseEntry {
  readonly phase: Phase;
  readonly at: string;
  readonly by: string;
  readonly via: 'open' | 'advance' | 'reopen' | 'close';
  readonly reason?: string;
}

/** A follow-up action recorded for the post-incident review, with who recorded it and when. */
export interface ActionItem extends ActionItemPayload {
  readonly at: string;
  readonly by: string;
}

export interface IncidentContext {
  readonly id: string;
  readonly title: string;
  readonly mode: IncidentMode;
  readonly playbook: PinnedPlaybook;
  readonly openedAt: string;
  readonly openedBy: string;
  readonly plan: readonly PlanStep[];
  readonly progress: Readonly<Record<string, StepProgress>>;
  readonly facts: Readonly<Record<string, FactRecord>>;
  readonly phases: readonly PhaseEntry[];
  readonly awareness?: { readonly at: string; readonly source: string };
  readonly obligations: Readonly<Record<string, ObligationProgress>>;
  readonly notes: number;
  /** Follow-up actions (action.recorded), in the order recorded. */
  readonly actions: readonly ActionItem[];
  /** Named responders and the runbook roles they hold (team.assigned), member → role ids. */
  readonly team: Readonly<Record<string, readonly string[]>>;
  /** The runbook's role ids, and those whose holders may approve a notice (four-eyes). */
  readonly roles: readonly string[];
  readonly approverRoles: readonly string[];
  readonly lastAt: string;
  /** Entries withdrawn by `entry.retracted`, in order: which, by whom, when, why. Absent in older snapshots. */
  readonly withdrawn?: readonly WithdrawnEntry[];
}

export interface WithdrawnEntry {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly by: string;
  readonly reason: string;
}

/** Every machine event is a stored event's body with its time and actor: the machine never reads a clock. */
export type MachineEvent = EventBody & { readonly at: string; readonly actor: string };

export interface MachineInput {
  readonly id: string;
  readonly opened: Extract<MachineEvent, { type: 'incident.opened' }>;
  readonly runbook: Runbook;
}

export function planOf(runbook: Runbook): PlanStep[] {
  return WORK_PHASES.flatMap((phase) =>
    runbook.phases[phase].map((s) => ({
      id: s.id,
      phase,
      required: s.required,
      depends_on: s.depends_on,
      marks: s.marks,
      ...(s.when ? { when: s.when } : {}),
    })),
  );
}

export function initialContext({ id, opened, runbook }: MachineInput): IncidentContext {
  return {
    id,
    title: opened.payload.title,
    mode: opened.payload.mode,
    playbook: opened.payload.playbook,
    openedAt: opened.at,
    openedBy: opened.actor,
    plan: planOf(runbook),
    progress: {},
    facts: {},
    phases: [{ phase: 'detection', at: opened.at, by: opened.actor, via: 'open' }],
    obligations: {},
    notes: 0,
    actions: [],
    team: {},
    roles: runbook.roles.map((r) => r.id),
    approverRoles: runbook.approvers?.roles ?? runbook.roles.map((r) => r.id),
    lastAt: opened.at,
    withdrawn: [],
  };
}
