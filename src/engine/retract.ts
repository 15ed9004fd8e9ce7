import { InvalidInput, Refused } from '../domain/errors.js';
import { RETRACTABLE_TYPES, type NewEvent, type RetractableType, type RetractionPayload, type StoredEvent } from '../domain/events.js';
import type { FactRecord } from '../domain/facts.js';
import type { ObligationProgress, StepProgress } from '../domain/progress.js';
import { checkText } from '../domain/text.js';
import type { Phase } from '../domain/phases.js';
import type { IncidentContext } from '../machine/context.js';
import { nextObligationProgress } from '../machine/obligation-progress.js';
import type { Actor } from './decide.js';

/**
 * Corrections, append-only: `irr retract <incident> <seq> --reason <text>` withdraws one entry.
 * Nothing is deleted; the retraction says what the withdrawn entry's subject returns to, computed
 * here from the log as if the withdrawn entries had never been written. Pure: no clock, no database.
 */

const isRetractable = (t: string): t is RetractableType => (RETRACTABLE_TYPES as readonly string[]).includes(t);

/** The seqs already withdrawn. */
export function withdrawnSeqs(events: readonly StoredEvent[]): Set<number> {
  const out = new Set<number>();
  for (const e of events) if (e.type === 'entry.retracted') out.add(e.payload.seq);
  return out;
}

/** Each fact of `keys` as the log without `gone` leaves it (null: never recorded, or cleared). */
function factsWithout(events: readonly StoredEvent[], gone: ReadonlySet<number>, keys: readonly string[]): Record<string, FactRecord | null> {
  const out: Record<string, FactRecord | null> = Object.fromEntries(keys.map((k) => [k, null]));
  for (const e of events) {
    if (e.type !== 'facts.recorded' || gone.has(e.seq)) continue;
    for (const k of keys) {
      if (Object.hasOwn(e.payload.facts, k)) out[k] = { value: e.payload.facts[k]!, at: e.at, by: e.actor };
      if (e.payload.cleared?.includes(k)) out[k] = null;
    }
  }
  return out;
}

function stepWithout(events: readonly StoredEvent[], gone: ReadonlySet<number>, step: string): StepProgress | null {
  let out: StepProgress | null = null;
  for (const e of events) {
    if (gone.has(e.seq)) continue;
    if (e.type === 'step.completed' && e.payload.step === step) out = { status: 'done', at: e.at, by: e.actor, ...(e.payload.note ? { note: e.payload.note } : {}) };
    if (e.type === 'step.skipped' && e.payload.step === step) out = { status: 'skipped', at: e.at, by: e.actor, reason: e.payload.reason };
  }
  return out;
}

function obligationWithout(events: readonly StoredEvent[], gone: ReadonlySet<number>, id: string): ObligationProgress {
  let out: ObligationProgress | undefined;
  for (const e of events) {
    if (gone.has(e.seq)) continue;
    if ((e.type === 'obligation.triggered' || e.type === 'obligation.cleared' || e.type === 'obligation.recorded') && e.payload.obligation === id) out = nextObligationProgress(out, e);
  }
  return out ?? { status: 'pending', triggered: false };
}

/** The retraction of the entry at `seq`, or why not: exit 2 for no such entry, exit 3 for one that cannot be withdrawn. */
export function retractEntry(ctx: IncidentContext, phase: Phase, who: Actor, events: readonly StoredEvent[], seq: number, reason: string | undefined): NewEvent[] {
  const target = events.find((e) => e.seq === seq);
  if (!target) throw new InvalidInput(`${ctx.id} has no entry #${seq} (its log runs from #1 to #${events.length}; irr log ${ctx.id} lists them)`, [], { flag: '<seq>' });
  if (!reason || reason.trim() === '') throw new InvalidInput(`withdrawing #${seq} needs a reason (it is kept in the record)`, [], { flag: '--reason' });
  checkText('--reason', reason);
  if (phase === 'closed') throw new Refused(`retract #${seq}: incident ${ctx.id} is closed (irr reopen <incident> <phase> --reason <text> first)`);
  if (target.type === 'incident.opened') throw new Refused(`retract #${seq} refused: the opening of an incident cannot be withdrawn (a mistaken incident is closed with a note saying so)`);
  if (target.type === 'entry.retracted') throw new Refused(`retract #${seq} refused: #${seq} is itself a retraction; a retraction is final (record the entry again instead)`);
  if (!isRetractable(target.type)) throw new Refused(`retract #${seq} refused: a ${target.type} entry cannot be withdrawn (facts, notes, step completions and obligation records can${target.type.startsWith('phase.') ? '; go back with irr reopen' : ''})`);
  const gone = withdrawnSeqs(events);
  if (gone.has(seq)) {
    const by = events.find((e) => e.type === 'entry.retracted' && e.payload.seq === seq)!;
    throw new Refused(`retract #${seq} refused: it was already withdrawn by ${by.actor} at ${by.at} (#${by.seq})`);
  }
  gone.add(seq);
  const base = { seq, of: target.type, reason: reason.trim() } as const;
  let payload: RetractionPayload;
  switch (target.type) {
    case 'facts.recorded':
      payload = { ...base, facts: factsWithout(events, gone, [...Object.keys(target.payload.facts), ...(target.payload.cleared ?? [])]) };
      break;
    case 'step.completed':
    case 'step.skipped':
      payload = { ...base, step: { id: target.payload.step, progress: stepWithout(events, gone, target.payload.step) } };
      break;
    case 'obligation.recorded':
      payload = { ...base, obligation: { id: target.payload.obligation, progress: obligationWithout(events, gone, target.payload.obligation) } };
      break;
    default:
      payload = base;
  }
  return [{ type: 'entry.retracted', ...who, payload }];
}
