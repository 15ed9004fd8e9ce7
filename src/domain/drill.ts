import type { Condition } from './runbook.js';
import { dayHourMinute, duration } from './duration.js';
import type { Phase } from './phases.js';

/**
 * Tabletop drills as data. A scenario names the runbook to rehearse, when the drill clock starts,
 * what the team is measured against (objectives) and what the facilitator tells the room (injects).
 * A script is the responders' side, for unattended runs. Every time is an offset from the drill's
 * start ("T+4h30m"), so one scenario can be replayed any number of times with the same result.
 */

/** A moment in the drill that can be looked for in the event log. */
export type DrillTarget =
  | { readonly step: string }
  | { readonly phase: Phase }
  | { readonly fact: string }
  | { readonly obligation: string; readonly action: ObligationMilestone }
  | { readonly inject: string };

/** "decided": the first record of any kind (required, waived, drafted, approved, sent). */
export const OBLIGATION_MILESTONES = ['decided', 'drafted', 'approved', 'sent'] as const;
export type ObligationMilestone = (typeof OBLIGATION_MILESTONES)[number];

/** Where an objective's own clock starts: the drill's start, or a moment in the log. */
export type DrillFrom = 'start' | DrillTarget;

/** An HSEEP-style objective: reach `to` within `within` of `from`, measured on the drill clock. */
export interface Objective {
  readonly id: string;
  readonly title: string;
  /** The capability exercised (HSEEP core capability or the team's own name for it). */
  readonly capability: string;
  readonly from: DrillFrom;
  readonly to: DrillTarget;
  /** As written ("72h"), and in milliseconds. */
  readonly within: string;
  readonly within_ms: number;
  /** Runbook role that owns the improvement when the objective is not met. */
  readonly owner?: string;
  /** What the improvement plan proposes when the objective is late or missed. */
  readonly corrective_action?: string;
}

/** An inject fires only when its condition holds at its time (else it is logged as not fired). */
export type InjectWhen = { readonly done: DrillTarget } | { readonly not_done: DrillTarget } | { readonly facts: Condition };

export interface Inject {
  readonly id: string;
  /** "T+6h", and the offset in milliseconds. */
  readonly at: string;
  readonly offset_ms: number;
  readonly message: string;
  /** Facts the inject reveals; instants may be written "T+5h" (drill time). */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly when?: InjectWhen;
}

export interface Participant {
  readonly role: string;
  readonly name?: string;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly narrative: string;
  readonly runbook: string;
  /** Drill time at T+0 (UTC ISO) and the zone the room lives in. */
  readonly start: string;
  readonly zone: string;
  /** When the drill ends (offset), and in milliseconds. */
  readonly duration: string;
  readonly duration_ms: number;
  readonly participants: readonly Participant[];
  readonly objectives: readonly Objective[];
  readonly injects: readonly Inject[];
}

/** One thing the responders do at a drill time. Exactly one kind per action. */
export type ScriptDo =
  | { readonly kind: 'complete'; readonly steps: readonly string[]; readonly note?: string }
  | { readonly kind: 'skip'; readonly step: string; readonly reason: string }
  | { readonly kind: 'facts'; readonly facts: Readonly<Record<string, unknown>> }
  | { readonly kind: 'advance' }
  | { readonly kind: 'finish_phase' }
  | { readonly kind: 'obligation'; readonly obligation: string; readonly action: string; readonly reason?: string; readonly channel?: string; readonly ref?: string; readonly exemption?: string; readonly override?: boolean }
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'action_item'; readonly text: string; readonly owner: string; readonly due: string }
  | { readonly kind: 'close' };

export interface ScriptAction {
  readonly at: string;
  readonly offset_ms: number;
  /** Who acts (a runbook role or a name); default "drill-script". */
  readonly as?: string;
  readonly do: ScriptDo;
}

export interface DrillScript {
  readonly scenario: string;
  readonly title: string;
  readonly description: string;
  readonly actions: readonly ScriptAction[];
}

/** What an incident in drill mode pins at its opening: enough to score it without the files. */
export interface DrillPin {
  readonly scenario: { readonly id: string; readonly title: string; readonly hash: string };
  readonly script: { readonly id: string; readonly title: string; readonly hash: string } | null;
  readonly start: string;
  readonly end: string;
  readonly zone: string;
  readonly narrative: string;
  readonly participants: readonly Participant[];
  readonly objectives: readonly Objective[];
  readonly injects: readonly Inject[];
  /** Wall-clock time the run began (history compares runs by it); everything else is drill time. */
  readonly run_at: string;
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/**
 * A drill lasts a year at most: every drill time and duration is bounded, so that no offset can
 * take a date out of range halfway through a run (T+99999999d used to validate, then crash).
 */
export const DRILL_MAX_MS = 365 * UNIT_MS.d!;
export const DRILL_MAX_LABEL = '365d (one year)';

/** "72h", "4h30m", "2d", "45m" → milliseconds; null when it is not such a duration or exceeds DRILL_MAX_MS. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (!/^(\d+d)?(\d+h)?(\d+m)?$/.test(s) || s === '') return null;
  let ms = 0;
  for (const m of s.matchAll(/(\d+)([dhm])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms <= DRILL_MAX_MS ? ms : null;
}

/** "T+4h30m", "T+0", "T-3d" → milliseconds from the drill's start; null when malformed. */
export function parseOffset(text: string): number | null {
  const m = /^T([+-])(.+)$/.exec(text.trim());
  if (!m) return text.trim() === 'T' ? 0 : null;
  const ms = m[2] === '0' ? 0 : parseDuration(m[2]!);
  if (ms === null) return null;
  return m[1] === '-' ? -ms : ms;
}

/** Milliseconds → "T+2d 4h30m" style label for the room (minutes precision). */
export function offsetLabel(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const { d, h, m } = dayHourMinute(ms, Math.round);
  const hm = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  return `T${sign}${d ? `${d}d ` : ''}${hm}`;
}

/** A duration for people: "3 h 20 min", "2 d 1 h" (the reports' format). */
export const spanLabel = (ms: number): string => duration(Math.abs(ms));

export function describeTarget(t: DrillFrom): string {
  if (t === 'start') return 'the start of the drill';
  if ('step' in t) return `step ${t.step} done`;
  if ('phase' in t) return `phase ${t.phase} reached`;
  if ('fact' in t) return `fact ${t.fact}`;
  if ('obligation' in t) return `${t.obligation} ${t.action}`;
  return `inject ${t.inject}`;
}
