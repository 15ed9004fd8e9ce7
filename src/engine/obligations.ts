import { assess, type Assessment } from '../assess/obligations.js';
import type { NewEvent } from '../domain/events.js';
import type { FactValue } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import type { IncidentContext } from '../machine/context.js';
import { loadShippedRegimes } from '../playbook/regime-catalogue.js';
import type { Actor } from './decide.js';
import type { Engine, Loaded } from './engine.js';

let catalogue: Promise<readonly Regime[]> | undefined;

/** The shipped regimes, loaded once per process. */
export function regimes(): Promise<readonly Regime[]> {
  catalogue ??= loadShippedRegimes().then((c) => c.regimes);
  return catalogue;
}

/** The incident's recorded facts as a lookup (with `override` values in front, for facts about to be recorded). */
export function factLookup(ctx: IncidentContext, override?: Readonly<Record<string, FactValue | undefined>>): (n: string) => FactValue | undefined {
  return (n: string) => (override && Object.hasOwn(override, n) ? override[n] : Object.hasOwn(ctx.facts, n) ? ctx.facts[n]!.value : undefined);
}

export function assessContext(ctx: IncidentContext, all: readonly Regime[], now: string, override?: Readonly<Record<string, FactValue | undefined>>): Assessment {
  const fact = factLookup(ctx, override);
  return assess({ regimes: all, fact, now, records: ctx.obligations });
}

export async function assessIncident(engine: Engine, id: string, now: string): Promise<{ loaded: Loaded; assessment: Assessment }> {
  const [loaded, all] = await Promise.all([engine.load(id), regimes()]);
  return { loaded, assessment: assessContext(loaded.ctx, all, now) };
}

/**
 * After facts change, the notifications they make required (or no longer required) are recorded in
 * the same append, so the timeline shows when each duty first became known and why.
 */
export function obligationChanges(ctx: IncidentContext, all: readonly Regime[], who: Actor, facts: Readonly<Record<string, FactValue | undefined>>): NewEvent[] {
  const after = assessContext(ctx, all, who.at, facts);
  const out: NewEvent[] = [];
  for (const o of after.obligations) {
    const known = Object.hasOwn(ctx.obligations, o.id) ? ctx.obligations[o.id]! : undefined;
    if (o.required === true && !known?.triggered) out.push({ type: 'obligation.triggered', ...who, payload: { obligation: o.id, reason: o.reason } });
    if (o.required === false && known?.triggered) out.push({ type: 'obligation.cleared', ...who, payload: { obligation: o.id, reason: o.reason } });
  }
  return out;
}
