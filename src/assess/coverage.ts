import type { FactValue } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import { byCodeUnits, groupDigits } from '../domain/order.js';

/**
 * Where irr has no rule. A jurisdiction with affected people that no regime in force covers is
 * "not covered": irr must say so in words, never let silence read as "no duty". No imports beyond
 * types: `irr status` loads this without the assessment code.
 */

export interface Uncovered {
  readonly jurisdiction: string;
  readonly people: number;
}

const memo = new WeakMap<readonly Regime[], ReadonlySet<string>>();

/** Every jurisdiction some regime in force declares it covers (its `covers`, compiled from jurisdiction by default). */
export function coveredBy(regimes: readonly Regime[]): ReadonlySet<string> {
  let set = memo.get(regimes);
  if (set === undefined) memo.set(regimes, (set = new Set(regimes.filter((r) => r.in_force).flatMap((r) => r.covers))));
  return set;
}

const isCounts = (v: FactValue | undefined): v is Readonly<Record<string, number>> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entries of subjects_by_jurisdiction with people in them that nothing covers, largest first. */
export function uncoveredIn(covered: ReadonlySet<string>, subjects: FactValue | undefined): Uncovered[] {
  if (!isCounts(subjects)) return [];
  return Object.entries(subjects)
    .filter(([code, n]) => n > 0 && !covered.has(code))
    .map(([jurisdiction, people]) => ({ jurisdiction, people }))
    .sort((a, b) => b.people - a.people || byCodeUnits(a.jurisdiction, b.jurisdiction));
}

/** "NOT COVERED: irr has no rule for MN (40 people); get local advice" (undefined when all are covered). */
export function notCoveredLine(uncovered: readonly Uncovered[]): string | undefined {
  if (uncovered.length === 0) return undefined;
  const list = uncovered.map((u) => `${u.jurisdiction} (${groupDigits(u.people)} ${u.people === 1 ? 'person' : 'people'})`).join(', ');
  return `NOT COVERED: irr has no rule for ${list}; get local advice`;
}
