import { Refused, WriteConflict } from '../domain/errors.js';
import type { StoredEvent } from '../domain/events.js';
import type { FactValue } from '../domain/facts.js';
import * as decide from './decide.js';
import type { Actor, ObligationUpdate } from './decide.js';
import type { Engine } from './engine.js';

/**
 * What a responder can do to an incident, shared by the one-shot commands and the console so both
 * record exactly the same events: decide against the current state, append in one transaction,
 * and return only once the events are durably stored.
 */

/** The regime catalogue and assessment load on first need, so `irr status` never pays for them. */
const obligations = () => import('./obligations.js');

type Appended = readonly StoredEvent[];

export async function completeStep(engine: Engine, id: string, who: Actor, step: string, note?: string): Promise<Appended> {
  const { obligationChanges, regimes, assessContext } = await obligations();
  const all = await regimes();
  const { events } = await engine.execute(id, (l) => {
    const out = decide.completeStep(l.ctx, l.phase, who, step, note);
    const plan = l.ctx.plan.find((s) => s.id === step)!;
    const declared = l.runbook.phases[plan.phase].find((s) => s.id === step)!;
    // A step that discharges legal duties is done only when each of them that is owed is sent or validly waived.
    const discharges = declared.discharges ?? [];
    if (discharges.length > 0) {
      const open = decide.dischargeBlockers(discharges, assessContext(l.ctx, all, who.at).obligations, id);
      if (open.length > 0) throw new Refused(open.length === 1 ? `step ${step} refused: ${open[0]}` : `step ${step} refused, ${open.length} duties it discharges are open: ${open.join('; ')}`);
    }
    // The step that establishes awareness starts the legal clocks: its time becomes aware_at
    // unless a more precise aware_at was recorded.
    if (declared.marks.includes('awareness') && !Object.hasOwn(l.ctx.facts, 'aware_at')) {
      const facts = { aware_at: who.at };
      out.push(...decide.recordFacts(l.ctx, l.phase, who, facts, step), ...obligationChanges(l.ctx, all, who, facts));
    }
    return out;
  });
  return events;
}

export async function skipStep(engine: Engine, id: string, who: Actor, step: string, reason: string | undefined, note?: string): Promise<Appended> {
  const { events } = await engine.execute(id, (l) => {
    const out = decide.skipStep(l.ctx, l.phase, who, step, reason ?? note);
    if (note && reason) out.push(...decide.addNote(who, note, step));
    return out;
  });
  return events;
}

/**
 * Record facts and, in the same append, the notifications they make required or no longer required.
 * `clear`: facts made unknown again (`key=-` on the command line).
 */
export async function recordFacts(engine: Engine, id: string, who: Actor, facts: Readonly<Record<string, FactValue>>, step?: string, clear: readonly string[] = []): Promise<Appended> {
  const catalogue = engine.catalogue(await engine.runbookOf(await engine.incident(id)));
  decide.refuseFutureInstants(catalogue, facts, await engine.now(id));
  const { obligationChanges, regimes } = await obligations();
  const all = await regimes();
  const { events } = await engine.execute(id, (l) => {
    const out = decide.recordFacts(l.ctx, l.phase, who, facts, step, clear);
    const cleared = out[0]?.type === 'facts.recorded' ? (out[0].payload.cleared ?? []) : [];
    const after = { ...facts, ...Object.fromEntries(cleared.map((k) => [k, undefined])) };
    return out.length ? [...out, ...obligationChanges(l.ctx, all, who, after)] : out;
  });
  return events;
}

/**
 * Withdraw the entry at `seq` (a fact, note, step completion or skip, or obligation record), with
 * why; a withdrawn fact also re-decides the notifications it made required or not.
 */
export async function retract(engine: Engine, id: string, who: Actor, seq: number, reason: string | undefined): Promise<Appended> {
  const { retractEntry } = await import('./retract.js');
  const { obligationChanges, regimes } = await obligations();
  const all = await regimes();
  const log = await engine.events(id);
  const { events } = await engine.execute(id, (l) => {
    // The log was read before this decision: it must still be the whole log.
    if (l.head.seq !== log.length) throw new WriteConflict(`another responder changed ${id} while this command ran; run it again`);
    const out = retractEntry(l.ctx, l.phase, who, log, seq, reason);
    const restored = out[0]?.type === 'entry.retracted' ? out[0].payload.facts : undefined;
    if (!restored) return out;
    return [...out, ...obligationChanges(l.ctx, all, who, Object.fromEntries(Object.entries(restored).map(([k, r]) => [k, r?.value])))];
  });
  return events;
}

/**
 * A note. With `once`, a note identical (text and step) to this actor's last note on the incident
 * is refused (exit 3, naming its seq): a retried command whose confirmation was lost must not
 * become a silent duplicate. The one-shot `irr note` asks for this; `--again` adds it anyway.
 */
export async function addNote(engine: Engine, id: string, who: Actor, text: string, step?: string, opts: { once?: boolean } = {}): Promise<Appended> {
  if (opts.once) {
    const last = (await engine.events(id)).findLast((e) => e.type === 'note.added' && e.actor === who.actor);
    if (last && last.type === 'note.added' && last.payload.text === text && last.payload.step === step) {
      throw new Refused(`note: this is your last note on ${id} (seq ${last.seq}), word for word; it is recorded already (give --again to add it a second time)`);
    }
  }
  return (await engine.execute(id, (l) => decide.addNote(who, text, step, l.ctx))).events;
}

/** A follow-up action (A1, A2, …) with its owner and due date; accepted in every phase. */
export async function recordAction(engine: Engine, id: string, who: Actor, args: { text: string; owner: string | undefined; due: string | undefined }): Promise<Appended> {
  return (await engine.execute(id, (l) => decide.recordAction(l.ctx, who, args))).events;
}

/** A named responder holds a runbook role on the incident (four-eyes approval reads it). */
export async function assignRole(engine: Engine, id: string, who: Actor, member: string, role: string | undefined): Promise<Appended> {
  return (await engine.execute(id, (l) => decide.assignRole(l.ctx, who, member, role))).events;
}

export async function advance(engine: Engine, id: string, who: Actor): Promise<Appended> {
  return (await engine.execute(id, (l) => decide.advance(l.ctx, l.phase, who))).events;
}

export async function reopen(engine: Engine, id: string, who: Actor, phase: string, reason: string | undefined): Promise<Appended> {
  return (await engine.execute(id, (l) => decide.reopen(l.ctx, l.phase, who, phase, reason))).events;
}

/** Closing is refused while a legal question is open: the assessment at the closing time says which. */
export async function close(engine: Engine, id: string, who: Actor): Promise<Appended> {
  const { assessContext, regimes } = await obligations();
  const all = await regimes();
  return (await engine.execute(id, (l) => decide.close(l.ctx, l.phase, who, decide.legalCloseBlockers(id, assessContext(l.ctx, all, who.at).obligations)))).events;
}

export type { ObligationUpdate } from './decide.js';

/**
 * drafted | approved | sent | waived | required | not_applicable; a late `sent` is checked against the
 * deadline at its own time, a waiver against the regime's exemptions and the recorded facts.
 */
export async function recordObligation(engine: Engine, id: string, who: Actor, update: ObligationUpdate): Promise<Appended> {
  const { assessContext, regimes, factLookup } = await obligations();
  const all = await regimes();
  const known = new Set(all.map((r) => r.id));
  const { events } = await engine.execute(id, (l) => {
    const regime = all.find((r) => r.id === update.obligation);
    const assessed = assessContext(l.ctx, all, who.at).obligations.find((x) => x.id === update.obligation);
    return decide.recordObligation(l.ctx, l.phase, who, known, { ...update, ...(regime ? { duty: { regime, assessed, fact: factLookup(l.ctx) } } : {}) });
  });
  return events;
}
