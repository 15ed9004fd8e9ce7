import { describeCondition, falseParts } from '../domain/condition.js';
import { own } from '../domain/own.js';
import type { StoredEvent } from '../domain/events.js';
import type { FactValue } from '../domain/facts.js';
import { WORK_PHASES, type Phase, type WorkPhase } from '../domain/phases.js';
import type { Runbook, Step } from '../domain/runbook.js';
import type { IncidentContext } from '../machine/context.js';
import { advanceBlockers, applicability, closeBlockers, unmetDependencies } from '../machine/rules.js';
import type { Loaded } from './engine.js';

export type StepStatus = 'done' | 'skipped' | 'pending' | 'not_applicable';

export interface StepView {
  readonly id: string;
  readonly phase: WorkPhase;
  readonly title: string;
  readonly owner: string;
  readonly required: boolean;
  readonly status: StepStatus;
  readonly at: string | null;
  readonly by: string | null;
  readonly reason?: string;
  readonly note?: string;
  readonly blocked_by: readonly string[];
  readonly condition?: string;
  /** Not applicable: the part of its condition that is false, with the facts' values (`device_encrypted = false`). */
  readonly not_applicable_because?: readonly string[];
  readonly unknown_facts?: readonly string[];
  readonly captures: readonly string[];
  readonly marks: readonly string[];
  /** The legal duties this step discharges: it is done only once each that is required is sent or validly waived. */
  readonly discharges: readonly string[];
}

export interface StatusView {
  readonly id: string;
  readonly title: string;
  readonly mode: string;
  readonly phase: Phase;
  readonly opened_at: string;
  readonly opened_by: string;
  readonly playbook: { readonly id: string; readonly version: string; readonly hash: string; readonly title: string };
  readonly awareness: { readonly at: string; readonly source: string } | null;
  readonly notification: string;
  readonly steps: readonly StepView[];
  readonly facts: Readonly<Record<string, FactValue>>;
  readonly fact_sources: Readonly<Record<string, { at: string; by: string }>>;
  /** What stops the next move (advance, or close from post-incident); empty when it is allowed. */
  readonly holds: readonly string[];
  readonly notes: number;
  /** Entries withdrawn by `irr retract`: which, by whom, when, why. */
  readonly withdrawn: readonly { readonly seq: number; readonly type: string; readonly at: string; readonly by: string; readonly reason: string }[];
  readonly seq: number;
  readonly head_hash: string;
}

export function stepView(ctx: IncidentContext, step: Step, phase: WorkPhase): StepView {
  const p = own(ctx.progress, step.id);
  const plan = ctx.plan.find((s) => s.id === step.id)!;
  const a = applicability(ctx, plan);
  const status: StepStatus = p ? p.status : a.applies ? 'pending' : 'not_applicable';
  return {
    id: step.id,
    phase,
    title: step.title,
    owner: step.owner,
    required: step.required,
    status,
    at: p?.at ?? null,
    by: p?.by ?? null,
    ...(p?.status === 'skipped' ? { reason: p.reason } : {}),
    ...(p?.status === 'done' && p.note ? { note: p.note } : {}),
    blocked_by: p ? [] : unmetDependencies(ctx, plan),
    ...(step.when ? { condition: describeCondition(step.when) } : {}),
    ...(status === 'not_applicable' && step.when ? { not_applicable_because: falseParts(step.when, (n) => own(ctx.facts, n)?.value) } : {}),
    ...(a.applies && a.unknown ? { unknown_facts: a.unknown } : {}),
    captures: step.captures,
    marks: step.marks,
    discharges: step.discharges ?? [],
  };
}

/**
 * A phase's steps with each after the steps of the phase it depends on (depends_on orders the
 * list; otherwise the runbook's order is kept). Runbook validation refuses cycles; a cycle here
 * would only keep the runbook's order.
 */
export function dependencyOrder(steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out: Step[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (s: Step): void => {
    if (placed.has(s.id) || visiting.has(s.id)) return;
    visiting.add(s.id);
    for (const d of s.depends_on) {
      const dep = byId.get(d);
      if (dep) place(dep);
    }
    visiting.delete(s.id);
    placed.add(s.id);
    out.push(s);
  };
  for (const s of steps) place(s);
  return out;
}

export function statusView(l: Loaded): StatusView {
  const ctx = l.ctx;
  const steps = WORK_PHASES.flatMap((phase) => dependencyOrder(l.runbook.phases[phase]).map((s) => stepView(ctx, s, phase)));
  const holds = l.phase === 'post-incident' ? closeBlockers(ctx, l.phase) : l.phase === 'closed' ? [] : advanceBlockers(ctx, l.phase);
  return {
    id: ctx.id,
    title: ctx.title,
    mode: ctx.mode,
    phase: l.phase,
    opened_at: ctx.openedAt,
    opened_by: ctx.openedBy,
    playbook: { ...ctx.playbook, title: l.runbook.title },
    awareness: ctx.awareness ?? null,
    notification: (l.state.value as { notification: string }).notification,
    steps,
    facts: Object.fromEntries(Object.entries(ctx.facts).map(([k, v]) => [k, v.value])),
    fact_sources: Object.fromEntries(Object.entries(ctx.facts).map(([k, v]) => [k, { at: v.at, by: v.by }])),
    holds,
    notes: ctx.notes,
    withdrawn: ctx.withdrawn ?? [],
    seq: l.head.seq,
    head_hash: l.head.hash,
  };
}

/** One line saying what an event did, for the timeline. */
/** How an instant inside an entry's words is written: as stored (ISO, UTC) unless a reader's formatter is given. */
export type TimeWords = (iso: string) => string;
const asStored: TimeWords = (iso) => iso;
/** A time fact's value as irr stores it (canonical ISO in UTC). */
const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export function isStoredInstant(v: unknown): v is string {
  return typeof v === 'string' && STORED_INSTANT.test(v);
}

export function describeEvent(e: StoredEvent, runbook?: Runbook, time: TimeWords = asStored): string {
  const title = (id: string) => {
    for (const p of WORK_PHASES) {
      const s = runbook?.phases[p].find((x) => x.id === id);
      if (s) return `${id} (${s.title})`;
    }
    return id;
  };
  switch (e.type) {
    case 'incident.opened':
      return `opened "${e.payload.title}" with runbook ${e.payload.playbook.id} ${e.payload.playbook.version}${e.payload.mode === 'drill' ? ' [drill]' : ''}`;
    case 'step.completed':
      return `done ${title(e.payload.step)}${e.payload.note ? ` — ${e.payload.note}` : ''}`;
    case 'step.skipped':
      return `skipped ${title(e.payload.step)} — reason: ${e.payload.reason}`;
    case 'facts.recorded':
      return `facts ${[...Object.entries(e.payload.facts).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : isStoredInstant(v) ? time(v) : String(v)}`), ...(e.payload.cleared ?? []).map((k) => `${k} cleared (unknown)`)].join(', ')}`;
    case 'note.added':
      return `note${e.payload.step ? ` on ${e.payload.step}` : ''}: ${e.payload.text}`;
    case 'phase.advanced':
      return `phase ${e.payload.from} → ${e.payload.to}`;
    case 'phase.reopened':
      return `reopened ${e.payload.from} → ${e.payload.to} — reason: ${e.payload.reason}`;
    case 'incident.closed':
      return 'closed the incident';
    case 'obligation.triggered':
      return `obligation ${e.payload.obligation} now required — ${e.payload.reason}`;
    case 'obligation.cleared':
      return `obligation ${e.payload.obligation} no longer required — ${e.payload.reason}`;
    case 'document.rendered': {
      const p = e.payload;
      const what = p.kind === 'report' ? `${p.template} report` : p.kind === 'mail_merge' ? `mail merge of ${p.letters ?? 0} letters (${p.rejected ?? 0} rows rejected)` : `letter ${p.template}`;
      const counts = p.by_jurisdiction ? ` — ${Object.entries(p.by_jurisdiction).map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
      return `rendered ${what}${p.obligation ? ` for ${p.obligation}` : ''} as ${p.format}${p.draft ? ' (DRAFT)' : ''}, sha256 ${p.sha256.slice(0, 12)}…${counts}`;
    }
    case 'action.recorded':
      return `action ${e.payload.id}: ${e.payload.text} — owner ${e.payload.owner}, due ${e.payload.due}`;
    case 'team.assigned':
      return `${e.payload.member} holds the role ${e.payload.role}`;
    case 'key.registered':
      return `registered signing key ${e.payload.fingerprint.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ')}${e.payload.name ? ` (${e.payload.name})` : ''}: from here every event by ${e.actor} is signed`;
    case 'evidence.added':
      return `evidence ${e.payload.id} added: ${e.payload.name} (${e.payload.size} bytes, sha256 ${e.payload.sha256}) — ${e.payload.description}`;
    case 'evidence.transferred':
      return `evidence ${e.payload.evidence} handed from ${e.payload.from} to ${e.payload.to} — reason: ${e.payload.reason}`;
    case 'drill.advanced':
      return `drill clock ${e.payload.from} → ${e.payload.to}`;
    case 'drill.inject':
      return e.payload.fired
        ? `inject ${e.payload.inject}: ${e.payload.message}${e.payload.facts.length ? ` (reveals ${e.payload.facts.join(', ')})` : ''}`
        : `inject ${e.payload.inject} not fired — ${e.payload.reason ?? 'its condition did not hold'}`;
    case 'drill.ended':
      return `drill ended — ${e.payload.reason}`;
    case 'entry.retracted':
      return `withdrew #${e.payload.seq} (${e.payload.of}) — reason: ${e.payload.reason}`;
    case 'obligation.recorded': {
      const p = e.payload;
      const detail = [p.channel && `via ${p.channel}`, p.ref && `ref ${p.ref}`, p.reason && `reason: ${p.reason}`].filter(Boolean).join(', ');
      const what =
        p.action === 'required'
          ? 'decided required'
          : p.action === 'not_applicable'
            ? 'decided not applicable'
            : p.action === 'waived'
              ? p.override
                ? 'waived by OVERRIDE of the assessment'
                : p.exemption
                  ? `waived under exemption ${p.exemption}`
                  : 'waived (no exemption or override recorded)'
              : p.action === 'supplemented'
                ? 'supplemented with further information (Art 33(4))'
                : p.action;
      return `obligation ${p.obligation} ${what}${detail ? ` (${detail})` : ''}`;
    }
  }
}

/** Which entries were withdrawn, and by which retraction. */
export function withdrawals(events: readonly StoredEvent[]): Map<number, Extract<StoredEvent, { type: 'entry.retracted' }>> {
  const out = new Map<number, Extract<StoredEvent, { type: 'entry.retracted' }>>();
  for (const e of events) if (e.type === 'entry.retracted') out.set(e.payload.seq, e);
  return out;
}

/** describeEvent, and for a withdrawn entry who withdrew it, when and why (the log, the timeline report). */
export function describeEntry(e: StoredEvent, runbook: Runbook | undefined, withdrawn: ReadonlyMap<number, Extract<StoredEvent, { type: 'entry.retracted' }>>, time: TimeWords = asStored): string {
  const r = withdrawn.get(e.seq);
  return r ? `[WITHDRAWN by ${r.actor} at ${time(r.at)} (#${r.seq}): ${r.payload.reason}] ${describeEvent(e, runbook, time)}` : describeEvent(e, runbook, time);
}

/** An entry recorded more than this after it happened is flagged as late in the timeline. */
export const LATE_ENTRY_MS = 15 * 60_000;

export function isLate(e: Pick<StoredEvent, 'at' | 'recorded_at'>): boolean {
  return Date.parse(e.recorded_at) - Date.parse(e.at) > LATE_ENTRY_MS;
}
