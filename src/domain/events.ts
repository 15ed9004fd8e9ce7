import type { FactValue } from './facts.js';
import type { Phase, WorkPhase } from './phases.js';
import type { PinnedPlaybook } from './runbook.js';
import type { DrillPin } from './drill.js';
import type { ObligationRecordedPayload } from './obligation-record.js';
import type { FactRecord } from './facts.js';
import type { ObligationProgress, StepProgress } from './progress.js';

export type IncidentMode = 'real' | 'drill';

/**
 * Everything that can happen to an incident. The payloads are what is stored (JSON) and hashed; the
 * event log is the single source of truth and every other table is derived from it.
 */
export type EventBody =
  | { readonly type: 'incident.opened'; readonly payload: { readonly title: string; readonly mode: IncidentMode; readonly playbook: PinnedPlaybook; readonly drill?: DrillPin } }
  | { readonly type: 'step.completed'; readonly payload: { readonly step: string; readonly note?: string } }
  | { readonly type: 'step.skipped'; readonly payload: { readonly step: string; readonly reason: string } }
  /** `cleared`: facts withdrawn to unknown (`irr fact <incident> key=-`); absent in older logs. */
  | { readonly type: 'facts.recorded'; readonly payload: { readonly facts: Readonly<Record<string, FactValue>>; readonly step?: string; readonly cleared?: readonly string[] } }
  | { readonly type: 'note.added'; readonly payload: { readonly text: string; readonly step?: string } }
  | { readonly type: 'phase.advanced'; readonly payload: { readonly from: WorkPhase; readonly to: Phase } }
  | { readonly type: 'phase.reopened'; readonly payload: { readonly from: Phase; readonly to: WorkPhase; readonly reason: string } }
  | { readonly type: 'incident.closed'; readonly payload: Record<string, never> }
  /** The facts made a notification required: the moment it first became known, with why. */
  | { readonly type: 'obligation.triggered'; readonly payload: { readonly obligation: string; readonly reason: string } }
  /** The facts changed and a triggered notification is no longer required. */
  | { readonly type: 'obligation.cleared'; readonly payload: { readonly obligation: string; readonly reason: string } }
  /**
   * A letter, a mail merge or a report was produced: which template, from which obligation, and the
   * SHA-256 of exactly what was written. A mail merge keeps counts per jurisdiction only: the
   * recipients' names and addresses never enter the database.
   */
  | { readonly type: 'document.rendered'; readonly payload: DocumentRendered }
  /** A follow-up action from the post-incident review: what, who owns it, by when (a calendar date). */
  | { readonly type: 'action.recorded'; readonly payload: ActionItemPayload }
  /**
   * A named responder holds one of the runbook's roles on this incident (the event's actor is who
   * said so). Four-eyes approval reads it: approving a notice takes a member holding an approver role.
   */
  | { readonly type: 'team.assigned'; readonly payload: { readonly member: string; readonly role: string } }
  /**
   * A responder's signing key (Ed25519, SPKI PEM, and the SHA-256 of its DER encoding): from this
   * event on, every event that responder appends to the incident carries their signature (this one
   * included, as proof they hold the key). The signatures sit beside the log, not in it.
   */
  | { readonly type: 'key.registered'; readonly payload: KeyRegisteredPayload }
  /** An evidence file: its SHA-256, size, name and where it is kept; the file itself is not in the database. */
  | { readonly type: 'evidence.added'; readonly payload: EvidenceAddedPayload }
  /** Chain of custody: the evidence passed from one custodian to another, and why. */
  | { readonly type: 'evidence.transferred'; readonly payload: EvidenceTransferredPayload }
  /** Drill time moved on (a drill's clock lives in its events: `at` is the new drill time). */
  | { readonly type: 'drill.advanced'; readonly payload: { readonly from: string; readonly to: string } }
  /** An inject reached its time: told to the room (fired), or held back because its condition did not hold. */
  | { readonly type: 'drill.inject'; readonly payload: { readonly inject: string; readonly fired: boolean; readonly message: string; readonly facts: readonly string[]; readonly reason?: string } }
  /** The drill is over: scoring reads the log up to here. */
  | { readonly type: 'drill.ended'; readonly payload: { readonly reason: string } }
  /**
   * A responder's record: drafted, approved, sent (channel, reference), waived (under an exemption,
   * or as an override), required by decision, or not applicable by decision, with a reason.
   */
  | { readonly type: 'obligation.recorded'; readonly payload: Readonly<ObligationRecordedPayload> }
  /**
   * A correction, append-only: the entry at `seq` (a fact, note, step completion or skip, or
   * obligation record) is withdrawn, with why. It carries what the withdrawal restores, computed
   * from the log without the withdrawn entries, so the fold applies it without re-reading history.
   */
  | { readonly type: 'entry.retracted'; readonly payload: RetractionPayload };

export const RETRACTABLE_TYPES = ['facts.recorded', 'note.added', 'step.completed', 'step.skipped', 'obligation.recorded'] as const;
export type RetractableType = (typeof RETRACTABLE_TYPES)[number];

export interface RetractionPayload {
  readonly seq: number;
  /** The type of the withdrawn entry. */
  readonly of: RetractableType;
  readonly reason: string;
  /** Facts: each key of the withdrawn entry with the value it returns to (null: unknown again). */
  readonly facts?: Readonly<Record<string, FactRecord | null>>;
  /** A step completion or skip: the step and what it returns to (null: to do again). */
  readonly step?: { readonly id: string; readonly progress: StepProgress | null };
  /** An obligation record: the duty and the progress it returns to. */
  readonly obligation?: { readonly id: string; readonly progress: ObligationProgress };
}

export const DOCUMENT_KINDS = ['letter', 'mail_merge', 'report'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface DocumentRendered {
  readonly kind: DocumentKind;
  /** Template id (letters) or report kind (timeline, post-incident, executive). */
  readonly template: string;
  readonly obligation?: string;
  readonly format: string;
  readonly sha256: string;
  /** Marked DRAFT because the obligation was not approved when it was rendered. */
  readonly draft: boolean;
  readonly letters?: number;
  readonly rejected?: number;
  readonly by_jurisdiction?: Readonly<Record<string, number>>;
  /** Mail merge: letters written per language (the template's locale). */
  readonly by_language?: Readonly<Record<string, number>>;
  /** Mail merge: recipients whose language had no template (per language asked for), written in the fallback. */
  readonly language_fallbacks?: Readonly<Record<string, number>>;
  /** A letter in phases (GDPR Art 33(4)): the initial notice with items still to follow, or a supplement. */
  readonly phase?: 'initial' | 'supplement';
  /** The initial notice: required items still to follow (item ids of the regime). */
  readonly to_follow?: readonly string[];
  /** Mail merge: every template used (one per language). */
  readonly templates?: readonly string[];
}

export interface ActionItemPayload {
  /** A1, A2, … in the order recorded. */
  readonly id: string;
  readonly text: string;
  readonly owner: string;
  /** YYYY-MM-DD. */
  readonly due: string;
}

export interface KeyRegisteredPayload {
  readonly algorithm: 'ed25519';
  readonly public_key: string;
  readonly fingerprint: string;
  readonly name?: string;
}

export interface EvidenceAddedPayload {
  /** EV-<seq>: the seq of this event, unique in the incident whoever adds evidence at the same time. */
  readonly id: string;
  /** The file's name (no folder). */
  readonly name: string;
  /** Where the file is kept (absolute path): the original, or the copy made with --copy. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly description: string;
  /** Where it was copied from, with --copy. */
  readonly copied_from?: string;
}

export interface EvidenceTransferredPayload {
  readonly evidence: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export { OBLIGATION_ACTIONS, type ObligationAction } from './obligation.js';

export type EventType = EventBody['type'];
export const EVENT_TYPES: readonly EventType[] = [
  'incident.opened',
  'step.completed',
  'step.skipped',
  'facts.recorded',
  'note.added',
  'phase.advanced',
  'phase.reopened',
  'incident.closed',
  'obligation.triggered',
  'obligation.cleared',
  'obligation.recorded',
  'document.rendered',
  'action.recorded',
  'team.assigned',
  'key.registered',
  'evidence.added',
  'evidence.transferred',
  'drill.advanced',
  'drill.inject',
  'drill.ended',
  'entry.retracted',
];

/** An event about to be appended: who did it and when it happened (responders may backdate). */
export type NewEvent = EventBody & { readonly at: string; readonly actor: string };

/** An event as stored: position in the incident's chain, when it was written, and its hashes. */
export type StoredEvent = NewEvent & {
  readonly incident: string;
  readonly seq: number;
  readonly recorded_at: string;
  readonly prev_hash: string;
  readonly hash: string;
};

export type PayloadOf<T extends EventType> = Extract<EventBody, { type: T }>['payload'];
