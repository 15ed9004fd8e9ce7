import type { FactDefinition } from './facts.js';
import type { WorkPhase } from './phases.js';

/**
 * A declarative condition on facts. Never code: each node is one comparison or a combination.
 * Evaluated three-valued (true / false / unknown) so that a missing fact is visible, not assumed.
 */
/** `key` reads one entry of a map fact; `keys` reads the total of several (e.g. every EEA country). */
export type Condition =
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly includes: string }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly equals: string | number | boolean }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly in: readonly (string | number)[] }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly gt: number }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly gte: number }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly lt: number }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly lte: number }
  | { readonly fact: string; readonly key?: string; readonly keys?: readonly string[]; readonly known: boolean }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

/** Markers give a step a meaning the engine acts on. */
export const STEP_MARKERS = ['awareness', 'contained', 'recovered', 'review', 'notification_decision'] as const;
export type StepMarker = (typeof STEP_MARKERS)[number];

export interface Step {
  readonly id: string;
  readonly title: string;
  readonly owner: string;
  readonly guidance: string;
  readonly required: boolean;
  readonly depends_on: readonly string[];
  readonly when?: Condition;
  readonly captures: readonly string[];
  readonly marks: readonly StepMarker[];
  /** The legal duties (regime ids) this step discharges: it is done only when each that is required is sent or validly waived.
   * Optional (not defaulted) so that runbooks without it keep the hash their incidents pinned. */
  readonly discharges?: readonly string[];
}

export interface Role {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
}

export interface Reference {
  readonly title: string;
  readonly url?: string;
}

export interface Runbook {
  readonly id: string;
  readonly title: string;
  readonly version: string;
  readonly description: string;
  readonly references: readonly Reference[];
  readonly roles: readonly Role[];
  readonly facts: Readonly<Record<string, FactDefinition>>;
  readonly phases: Readonly<Record<WorkPhase, readonly Step[]>>;
}

/** The playbook an incident is pinned to: the normalised content and its SHA-256. */
export interface PinnedPlaybook {
  readonly id: string;
  readonly version: string;
  readonly hash: string;
  /** SHA-256 of the YAML text pinned beside it (incidents opened since the store binds the source). */
  readonly source_sha256?: string;
}
