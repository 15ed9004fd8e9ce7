import type { Regime } from '../domain/regime.js';

/** Every time zone a regime names (deadline zones, weekend rules, anchors), in code-unit order. */
export function zonesOf(regimes: readonly Regime[]): string[] {
  return clockStrings(regimes, ['zone', 'anchor_zone']);
}

/** Every holiday calendar a regime's clock counts (business days, weekend rules), in code-unit order. */
export function calendarsOf(regimes: readonly Regime[]): string[] {
  return clockStrings(regimes, ['holidays']);
}

function clockStrings(regimes: readonly Regime[], keys: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key !== undefined && keys.includes(key)) found.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  regimes.forEach((r) => walk(r.clock));
  return [...found].sort();
}
