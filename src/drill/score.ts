import type { Obligation } from '../assess/obligations.js';
import { isSent } from '../domain/obligation.js';
import { describeTarget, spanLabel, type DrillFrom, type DrillPin, type DrillTarget } from '../domain/drill.js';
import type { StoredEvent } from '../domain/events.js';
import type { FactCatalogue } from '../domain/facts.js';
import type { StepView } from '../engine/views.js';

/**
 * Scoring reads the event log only: each objective's start and finish are moments found in the
 * log (with the event that proves them), measured on the drill clock. Pure: the same log always
 * gives the same score.
 */

export interface Moment {
  readonly at: string;
  /** The event that shows it happened (null for the drill's start, which the opening event pins). */
  readonly seq: number;
}

/** When a target first happened in the log, up to `until`; undefined when it never did. */
export function momentOf(target: DrillFrom, events: readonly StoredEvent[], pin: DrillPin, catalogue: FactCatalogue, until?: string): Moment | undefined {
  if (target === 'start') return { at: pin.start, seq: 1 };
  const hit = firstMatch(target, events, catalogue);
  if (!hit) return undefined;
  return until !== undefined && hit.at > until ? undefined : hit;
}

function firstMatch(t: DrillTarget, events: readonly StoredEvent[], catalogue: FactCatalogue): Moment | undefined {
  for (const e of events) {
    if ('step' in t && e.type === 'step.completed' && e.payload.step === t.step) return { at: e.at, seq: e.seq };
    if ('phase' in t) {
      if (e.type === 'phase.advanced' && e.payload.to === t.phase) return { at: e.at, seq: e.seq };
      if (t.phase === 'closed' && e.type === 'incident.closed') return { at: e.at, seq: e.seq };
    }
    if ('fact' in t && e.type === 'facts.recorded' && Object.hasOwn(e.payload.facts, t.fact)) {
      const v = e.payload.facts[t.fact];
      // An instant fact counts at its value (contained_at says when containment happened), never
      // later than it was recorded.
      if (catalogue[t.fact]?.kind === 'instant' && typeof v === 'string' && v < e.at) return { at: v, seq: e.seq };
      return { at: e.at, seq: e.seq };
    }
    if ('obligation' in t && e.type === 'obligation.recorded' && e.payload.obligation === t.obligation) {
      if (t.action === 'decided' || e.payload.action === t.action) return { at: e.at, seq: e.seq };
    }
    if ('inject' in t && e.type === 'drill.inject' && e.payload.inject === t.inject && e.payload.fired) return { at: e.at, seq: e.seq };
  }
  return undefined;
}

export type ObjectiveStatus = 'met' | 'late' | 'missed';

export interface ObjectiveScore {
  readonly id: string;
  readonly title: string;
  readonly capability: string;
  readonly status: ObjectiveStatus;
  /** from + within; null when the objective's own clock never started. */
  readonly due_at: string | null;
  readonly done_at: string | null;
  readonly started_at: string | null;
  /** done − due, for a late objective. */
  readonly late_by_ms: number | null;
  /** One line: why met, late or missed. */
  readonly why: string;
  /** Events that prove it (seq). */
  readonly evidence: readonly number[];
  readonly owner?: string;
  readonly corrective_action?: string;
}

export type DeadlineStatus = 'met' | 'late' | 'missed' | 'open' | 'waived';

export interface DeadlineScore {
  readonly id: string;
  readonly jurisdiction: string;
  readonly audience: string;
  readonly status: DeadlineStatus;
  /** The legal deadline, or irr's internal target where the law sets none (kind says which). */
  readonly due_at: string | null;
  readonly kind: 'due' | 'target' | null;
  readonly done_at: string | null;
  readonly late_by_ms: number | null;
  readonly citation: string;
}

export interface DrillScore {
  readonly ended_at: string;
  readonly objectives: readonly ObjectiveScore[];
  readonly deadlines: readonly DeadlineScore[];
  readonly times: { readonly contain: Span; readonly decide: Span; readonly notify: Span };
  readonly skipped: readonly { readonly step: string; readonly title: string; readonly reason: string; readonly at: string | null }[];
  readonly injects: readonly { readonly id: string; readonly at: string; readonly fired: boolean; readonly reason?: string; readonly seq: number }[];
}

export type Span = { readonly known: true; readonly from: string; readonly to: string; readonly ms: number; readonly label: string } | { readonly known: false; readonly why: string };

export function scoreObjectives(pin: DrillPin, events: readonly StoredEvent[], catalogue: FactCatalogue, end: string): ObjectiveScore[] {
  return pin.objectives.map((o) => {
    const extra = { ...(o.owner ? { owner: o.owner } : {}), ...(o.corrective_action ? { corrective_action: o.corrective_action } : {}) };
    const base = { id: o.id, title: o.title, capability: o.capability, ...extra };
    const from = momentOf(o.from, events, pin, catalogue, end);
    if (!from) {
      return { ...base, status: 'missed' as const, due_at: null, done_at: null, started_at: null, late_by_ms: null, why: `its clock never started: ${describeTarget(o.from)} did not happen during the drill`, evidence: [] };
    }
    const due = new Date(Date.parse(from.at) + o.within_ms).toISOString();
    const done = momentOf(o.to, events, pin, catalogue, end);
    if (!done) {
      return { ...base, status: 'missed' as const, due_at: due, done_at: null, started_at: from.at, late_by_ms: null, why: `${describeTarget(o.to)}: not by the end of the drill`, evidence: [from.seq] };
    }
    const late = Date.parse(done.at) - Date.parse(due);
    return {
      ...base,
      status: late > 0 ? ('late' as const) : ('met' as const),
      due_at: due,
      done_at: done.at,
      started_at: from.at,
      late_by_ms: late > 0 ? late : null,
      why: `${describeTarget(o.to)} ${spanLabel(Math.max(0, Date.parse(done.at) - Date.parse(from.at)))} after ${describeTarget(o.from)}; ${late > 0 ? 'over' : 'within'} the ${o.within} allowed`,
      evidence: [from.seq, done.seq],
    };
  });
}

const DEADLINE_STATUS: Record<string, DeadlineStatus | undefined> = { met: 'met', late: 'late', overdue: 'missed', running: 'open', due_soon: 'open', not_started: 'open', waived: 'waived' };

/** The legal notices the drill made owed, as they stood when it ended. */
export function scoreDeadlines(obligations: readonly Obligation[]): DeadlineScore[] {
  return obligations
    .filter((o) => o.required === true || isSent(o.status) || o.status === 'waived')
    .map((o) => {
      const due = o.due;
      const status = DEADLINE_STATUS[o.status] ?? 'open';
      return {
        id: o.id,
        jurisdiction: o.jurisdiction,
        audience: o.audience,
        status,
        due_at: due,
        kind: o.due_at ? ('due' as const) : o.target_at ? ('target' as const) : null,
        done_at: o.sent_at,
        late_by_ms: status === 'late' && due && o.sent_at ? Date.parse(o.sent_at) - Date.parse(due) : null,
        citation: o.citation,
      };
    })
    .sort((a, b) => (a.due_at ?? '9999').localeCompare(b.due_at ?? '9999') || a.id.localeCompare(b.id));
}

function span(from: Moment | undefined, fromLabel: string, to: Moment | undefined, toLabel: string): Span {
  if (!from) return { known: false, why: `${fromLabel} never happened` };
  if (!to) return { known: false, why: `${toLabel} never happened` };
  return { known: true, from: from.at, to: to.at, ms: Date.parse(to.at) - Date.parse(from.at), label: `${fromLabel} → ${toLabel}` };
}

/** Time to contain (detection → containment confirmed or left), to decide and to notify (awareness →). */
export function keyTimes(pin: DrillPin, events: readonly StoredEvent[], catalogue: FactCatalogue, steps: readonly StepView[]): DrillScore['times'] {
  const detected = momentOf({ fact: 'detected_at' }, events, pin, catalogue) ?? { at: pin.start, seq: 1 };
  const aware = momentOf({ fact: 'aware_at' }, events, pin, catalogue);
  const containedStep = steps.find((s) => s.marks.includes('contained'));
  const contained = (containedStep && momentOf({ step: containedStep.id }, events, pin, catalogue)) ?? momentOf({ phase: 'eradication' }, events, pin, catalogue);
  const decisionStep = steps.find((s) => s.marks.includes('notification_decision'));
  const decided = decisionStep ? momentOf({ step: decisionStep.id }, events, pin, catalogue) : undefined;
  const sent = events.find((e) => e.type === 'obligation.recorded' && e.payload.action === 'sent');
  return {
    contain: span(detected, 'detection', contained, 'containment'),
    decide: span(aware, 'awareness', decided, 'notification decision'),
    notify: span(aware, 'awareness', sent ? { at: sent.at, seq: sent.seq } : undefined, 'first notice sent'),
  };
}

export function scoreDrill(args: {
  readonly pin: DrillPin;
  readonly events: readonly StoredEvent[];
  readonly catalogue: FactCatalogue;
  readonly obligations: readonly Obligation[];
  readonly steps: readonly StepView[];
  readonly end: string;
}): DrillScore {
  const { pin, events, catalogue, steps, end } = args;
  return {
    ended_at: end,
    objectives: scoreObjectives(pin, events, catalogue, end),
    deadlines: scoreDeadlines(args.obligations),
    times: keyTimes(pin, events, catalogue, steps),
    skipped: steps.filter((s) => s.status === 'skipped').map((s) => ({ step: s.id, title: s.title, reason: s.reason ?? '', at: s.at })),
    injects: events.flatMap((e) => (e.type === 'drill.inject' ? [{ id: e.payload.inject, at: e.at, fired: e.payload.fired, ...(e.payload.reason ? { reason: e.payload.reason } : {}), seq: e.seq }] : [])),
  };
}
