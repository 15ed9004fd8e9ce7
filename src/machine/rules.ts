import { describeCondition, evaluate } from '../domain/condition.js';
import { own } from '../domain/own.js';
import { phaseIndex, WORK_PHASES, type Phase, type WorkPhase } from '../domain/phases.js';
import type { IncidentContext, PlanStep } from './context.js';

/**
 * The lifecycle rules as pure functions that say *why*. The statechart's guards call them for a
 * yes/no; the engine calls them to explain a refusal. One implementation, two uses.
 */

export type Applicability =
  | { readonly applies: true; readonly unknown?: readonly string[] }
  | { readonly applies: false; readonly because: string };

export function applicability(ctx: IncidentContext, step: PlanStep): Applicability {
  if (!step.when) return { applies: true };
  const t = evaluate(step.when, (name) => own(ctx.facts, name)?.value);
  if (t.value === true) return { applies: true };
  // An unknown fact never lets a required step slip by: it applies until the fact says otherwise.
  if (t.value === 'unknown') return { applies: true, unknown: t.missing };
  return { applies: false, because: `condition not met: ${describeCondition(step.when)}` };
}

export const isResolved = (ctx: IncidentContext, stepId: string): boolean => own(ctx.progress, stepId) !== undefined;

export function stepById(ctx: IncidentContext, id: string): PlanStep | undefined {
  return ctx.plan.find((s) => s.id === id);
}

/**
 * Why a step cannot be started yet: the depends_on steps neither done nor skipped. A dependency
 * whose own `when` is known to be false does not apply, so it does not hold anyone up.
 */
export function unmetDependencies(ctx: IncidentContext, step: PlanStep): string[] {
  return step.depends_on.filter((d) => {
    if (isResolved(ctx, d)) return false;
    const dep = stepById(ctx, d);
    return !dep || applicability(ctx, dep).applies;
  });
}

/**
 * Why a step cannot be marked done now; empty when it can. Dependencies advise, phases decide:
 * real work runs in parallel (counsel is engaged before the response-team step is ticked), so an
 * unmet `depends_on` is a warning (dependencyWarnings), never a refusal; leaving a phase still
 * needs its required steps (advanceBlockers).
 */
export function completeBlockers(ctx: IncidentContext, stepId: string): string[] {
  const step = stepById(ctx, stepId);
  if (!step) return [`no step "${stepId}" in runbook ${ctx.playbook.id}`];
  const p = own(ctx.progress, stepId);
  if (p?.status === 'done') return [`step ${stepId} is already done (by ${p.by} at ${p.at})`];
  return [];
}

/** The warning for a step done before what it depends on: "done before engage-counsel-and-insurer". */
export function dependencyWarnings(ctx: IncidentContext, stepId: string): string[] {
  const step = stepById(ctx, stepId);
  if (!step || own(ctx.progress, stepId)?.status === 'done') return [];
  const unmet = unmetDependencies(ctx, step);
  return unmet.length ? [`done before ${unmet.join(', ')} (its depends_on; record ${unmet.length > 1 ? 'them' : 'it'} when done)`] : [];
}

export function skipBlockers(ctx: IncidentContext, stepId: string): string[] {
  const step = stepById(ctx, stepId);
  if (!step) return [`no step "${stepId}" in runbook ${ctx.playbook.id}`];
  const p = own(ctx.progress, stepId);
  if (p?.status === 'done') return [`step ${stepId} is already done (by ${p.by} at ${p.at}); it cannot be skipped`];
  if (p?.status === 'skipped') return [`step ${stepId} is already skipped (by ${p.by} at ${p.at})`];
  return [];
}

/** The required steps that hold a phase: applicable (or of unknown applicability) and unresolved. */
export function phaseHolds(ctx: IncidentContext, phase: WorkPhase): { step: string; why: string }[] {
  const out: { step: string; why: string }[] = [];
  for (const s of ctx.plan) {
    if (s.phase !== phase || !s.required || isResolved(ctx, s.id)) continue;
    const a = applicability(ctx, s);
    if (!a.applies) continue;
    out.push({ step: s.id, why: a.unknown ? `required while ${a.unknown.join(', ')} ${a.unknown.length > 1 ? 'are' : 'is'} unknown (applies when ${describeCondition(s.when!)})` : 'required, not done or skipped' });
  }
  return out;
}

export function advanceBlockers(ctx: IncidentContext, phase: Phase): string[] {
  if (phase === 'closed') return ['the incident is closed'];
  if (phase === 'post-incident') return ['post-incident is the last phase: close the incident instead'];
  return phaseHolds(ctx, phase).map((h) => `${h.step}: ${h.why}`);
}

/** Obligations that hold closing: required (by the facts or by decision) and neither sent nor waived. */
export function unresolvedObligations(ctx: IncidentContext): string[] {
  return Object.entries(ctx.obligations)
    .filter(([, o]) => (o.triggered || o.decided_required) && o.status !== 'sent' && o.status !== 'waived' && o.status !== 'not_applicable')
    .map(([id, o]) => `obligation ${id} is ${o.status === 'pending' ? 'not yet sent' : o.status} (send it, or waive it with a reason)`);
}

/** Why an obligation record cannot be added now; empty when it can. */
export function obligationBlockers(ctx: IncidentContext, id: string, action: string, ground?: { readonly exemption?: string; readonly override: boolean }): string[] {
  const o = own(ctx.obligations, id);
  if (action === 'supplemented') return o?.status === 'sent' ? [] : [`${id} has not been sent yet; a supplement (GDPR Art 33(4)) adds to a notice already sent: record the initial notice as sent first`];
  if (o?.status === 'sent' && action !== 'sent') return [`${id} was already sent (${o.sent_at}); a sent notice cannot be ${action}`];
  if (o?.status === 'sent' && action === 'sent') return [`${id} was already recorded as sent at ${o.sent_at} (ref ${o.ref ?? 'none'}); record further information as supplemented`];
  if (o?.status === 'waived' && action === 'waived' && (ground === undefined || (ground.exemption === o.exemption && ground.override === (o.override ?? false)))) {
    return [`${id} is already waived${o.exemption ? ` under ${o.exemption}` : o.override ? ' by override' : ''}: ${o.reason ?? ''}`];
  }
  if (o?.status === 'not_applicable' && action === 'not_applicable') return [`${id} is already decided not applicable: ${o.reason ?? ''}`];
  return [];
}

export function closeBlockers(ctx: IncidentContext, phase: Phase): string[] {
  if (phase === 'closed') return ['the incident is already closed'];
  if (phase !== 'post-incident') return [`the incident is in ${phase}; it can be closed only from post-incident`];
  const out = phaseHolds(ctx, 'post-incident').map((h) => `${h.step}: ${h.why}`);
  const review = ctx.plan.find((s) => s.marks.includes('review'));
  if (review && own(ctx.progress, review.id)?.status !== 'done') {
    const line = `${review.id}: the post-incident review must be done (not skipped)`;
    if (!out.some((l) => l.startsWith(`${review.id}:`))) out.push(line);
    else out[out.findIndex((l) => l.startsWith(`${review.id}:`))] = line;
  }
  out.push(...unresolvedObligations(ctx));
  return out;
}

export function reopenBlockers(phase: Phase, to: WorkPhase): string[] {
  if (phase !== 'closed' && phaseIndex(to) >= phaseIndex(phase)) {
    return [`the incident is in ${phase}; reopen goes back to an earlier phase (${WORK_PHASES.slice(0, phaseIndex(phase)).join(', ') || 'none'})`];
  }
  return [];
}

/** Does this event establish awareness (and so start the legal clocks)? */
export function awarenessFrom(ctx: IncidentContext, ev: { type: string; at: string; payload: unknown }): { at: string; source: string } | undefined {
  if (ctx.awareness) return undefined;
  if (ev.type === 'step.completed') {
    const step = stepById(ctx, (ev.payload as { step: string }).step);
    if (step?.marks.includes('awareness')) return { at: ev.at, source: `step ${step.id}` };
  }
  if (ev.type === 'facts.recorded') {
    const aware = (ev.payload as { facts: Record<string, unknown> }).facts.aware_at;
    if (typeof aware === 'string') return { at: aware, source: 'fact aware_at' };
  }
  return undefined;
}
