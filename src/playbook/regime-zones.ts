import type { Regime } from '../domain/regime.js';

/** Every time zone a regime names (deadline zones, weekend rules, anchors), in code-unit order. */
export function zonesOf(regimes: readonly Regime[]): string[] {
  const zones = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key === 'zone' || key === 'anchor_zone') zones.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  regimes.forEach((r) => walk(r.clock));
  return [...zones].sort();
}
