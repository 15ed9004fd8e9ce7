import { evaluate, operatorOf } from '../domain/condition.js';
import type { FactValue } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import type { Condition } from '../domain/runbook.js';

/**
 * A regime's exemptions checked against recorded facts: does the one a waiver names hold, and if not,
 * which facts contradict it or are missing. Apart from obligations.ts so that deciding a command
 * does not load the deadline arithmetic (and its date libraries).
 */

type Lookup = (name: string) => FactValue | undefined;

/** The recorded facts that make `c` differ from `want`: `unintelligible=false`. */
export function contradictingFacts(c: Condition, fact: Lookup, want = true): string[] {
  const op = operatorOf(c);
  const value = evaluate(c, fact).value;
  if (value === 'unknown' || value === want) return [];
  if (op === 'not') return contradictingFacts((c as { not: Condition }).not, fact, !want);
  if (op === 'all' || op === 'any') {
    return [...new Set((c as Record<string, readonly Condition[]>)[op]!.flatMap((x) => contradictingFacts(x, fact, want)))];
  }
  const name = (c as { fact: string }).fact;
  return [`${name}=${JSON.stringify(fact(name))}`];
}

export type ExemptionCheck =
  | { readonly holds: true }
  | { readonly holds: false; readonly contradicted: readonly string[] }
  | { readonly holds: 'unknown'; readonly missing: readonly string[] }
  | { readonly holds: 'no_such_exemption'; readonly known: readonly string[] };

/** Does the regime's exemption `id` hold on these facts? Says which facts contradict it, or are missing. */
export function checkExemption(r: Regime, id: string, fact: Lookup): ExemptionCheck {
  const exemptions = r.threshold?.exemptions ?? [];
  const e = exemptions.find((x) => x.id === id);
  if (!e) return { holds: 'no_such_exemption', known: exemptions.map((x) => x.id) };
  const t = evaluate(e.when, fact);
  if (t.value === true) return { holds: true };
  if (t.value === 'unknown') return { holds: 'unknown', missing: t.missing };
  return { holds: false, contradicted: contradictingFacts(e.when, fact) };
}

