import { beforeAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/assess/obligations.js';
import type { Regime } from '../../src/domain/regime.js';
import { CORE_FACTS, type FactValue } from '../../src/domain/facts.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { letterView, missing } from '../../src/render/letter-view.js';

/**
 * A law that does not apply on the facts has no clock (its clock_start is null), yet a letter
 * written under it still says when we became aware: the start fact as recorded, never a demand
 * to "set fact aware_at" that is already set.
 */
let regimes: readonly Regime[] = [];
beforeAll(async () => {
  regimes = (await loadShippedRegimes()).regimes;
});

function view(facts: Record<string, FactValue>): { clock_start: string; applies: unknown } {
  const now = '2026-03-03T10:00:00.000Z';
  const obligation = assess({ regimes, fact: (n) => facts[n], now }).obligations.find((o) => o.id === 'gdpr-art33-processor')!;
  const regime = regimes.find((r) => r.id === 'gdpr-art33-processor')!;
  const v = letterView({ incident: { id: 'INC-2026-0001', title: 't' }, facts, catalogue: CORE_FACTS, regime, obligation, now, late: false });
  return { clock_start: (v.obligation as { clock_start: string }).clock_start, applies: obligation.applies };
}

describe('a letter under a law that does not apply', () => {
  it('names the recorded start fact as the clock start', () => {
    const v = view({ entity_role: 'controller', aware_at: '2026-03-02T15:00:00.000Z', subjects_by_jurisdiction: { DE: 10 } });
    expect(v.applies).toBe(false);
    expect(v.clock_start).toBe('2 March 2026, 15:00 UTC');
  });

  it('still marks it missing when the start fact is not recorded', () => {
    const v = view({ entity_role: 'controller', subjects_by_jurisdiction: { DE: 10 } });
    expect(v.clock_start).toBe(missing('aware_at'));
  });
});
