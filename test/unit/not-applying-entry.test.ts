import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/assess/obligations.js';
import { evaluate, falseExplanation, judge } from '../../src/domain/condition.js';
import type { Regime } from '../../src/domain/regime.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';

/**
 * The assessment shares the entry of a law that does not apply (src/assess/obligations.ts,
 * notApplyingEntry) and judges each law in one pass (src/domain/condition.ts, judge). Both are
 * shortcuts: these properties say they give exactly what the general path gives.
 */
const places = ['DE', 'FR', 'IE', 'US-CA', 'US-NY', 'US-TX', 'US-GA', 'GB', 'BR', 'SG', 'JP', 'CA', 'KR', 'MN'];
const cats = ['contact', 'financial', 'health', 'payment_card', 'government_id', 'credentials', 'location', 'biometric'];
// Few instants, 11 hours apart over a weekend (Sat 3 and Sun 4 Jan 2026), so that fact sets share
// starts and differ in the rest: a shared entry keyed on too little would be handed to the wrong set.
const instant = fc.integer({ min: 0, max: 12 }).map((d) => new Date(Date.UTC(2026, 0, 2) + d * 3_600_000 * 11).toISOString());
const factSet = fc.record(
  {
    data_categories: fc.uniqueArray(fc.constantFrom(...cats), { maxLength: 3 }),
    subjects_by_jurisdiction: fc.dictionary(fc.constantFrom(...places), fc.integer({ min: 0, max: 3000 }), { maxKeys: 3 }),
    entity_role: fc.constantFrom('controller', 'processor'),
    confidentiality: fc.constantFrom('none', 'known_recipients', 'unknown_recipients'),
    malicious: fc.boolean(),
    encrypted: fc.boolean(),
    hipaa_covered: fc.boolean(),
    sec_registrant: fc.boolean(),
    aware_at: instant,
    discovered_at: instant,
    determined_at: instant,
    // NIS2 and DORA: undetermined until these are known; DORA's clock has a cap and a weekend rule.
    nis2_entity: fc.constantFrom('essential', 'important', 'none'),
    nis2_significant: fc.boolean(),
    dora_financial_entity: fc.boolean(),
    dora_major: fc.boolean(),
    classified_major_at: instant,
  },
  { requiredKeys: [] },
);

// Records of the duties other laws' clocks start from (NIS2's and DORA's later reports, the state AG
// notices after the individuals'), so those laws' shared entries are keyed on the sending too.
const referenced = ['nis2-notification', 'dora-initial', 'dora-intermediate', 'ca-1798.82-individuals', 'us-ia-individuals'];
const records = fc.dictionary(
  fc.constantFrom(...referenced),
  fc.record({ status: fc.constantFrom('sent' as const, 'drafted' as const), triggered: fc.boolean(), sent_at: instant }, { requiredKeys: ['status', 'triggered'] }),
  { maxKeys: 3 },
);

/**
 * The same data, by node's isDeepStrictEqual: stricter than toEqual (a key set to undefined is not a
 * missing key) and several times faster on ~200 obligations, which this file compares thousands of
 * times. When they differ, toEqual says where.
 */
function expectSame(actual: unknown, expected: unknown): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual).toEqual(expected);
  expect.fail('equal to toEqual, not strictly: a key undefined on one side and missing on the other, or another prototype');
}

describe('shortcuts of the assessment give what the general path gives', () => {
  let regimes: readonly Regime[];
  beforeAll(async () => {
    regimes = (await loadShippedRegimes()).regimes;
  });

  it('every entry, shared or built, equals the general path’s, assessment after assessment', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(factSet, fc.option(records, { nil: undefined })), { minLength: 1, maxLength: 4 }), (sets) => {
        // Several in a row (and the first again), so the shared entries are reused and rebuilt.
        for (const [f, recorded] of [...sets, sets[0]!]) {
          const fact = (n: string) => (f as Record<string, never>)[n];
          const now = '2026-12-01T00:00:00Z';
          const shared = assess({ regimes, fact, now, records: recorded as never });
          const general = assess({ regimes, fact, now, records: recorded as never, shareEntries: false });
          expectSame(shared.obligations, general.obligations);
          // Fields in the same order too: `irr assess --json` prints them so.
          expect(JSON.stringify(shared.obligations)).toBe(JSON.stringify(general.obligations));
          // The same facts again: the entries are the very ones shared last time, still equal.
          const again = assess({ regimes, fact, now, records: recorded as never });
          expectSame(again.obligations, general.obligations);
          const notApplying = general.obligations.filter((o) => o.in_force && o.applies === false).length;
          const same = again.obligations.filter((o, i) => o === shared.obligations[i]).length;
          if (notApplying > 0) expect(same).toBeGreaterThan(0);
        }
      }),
      // fast-check's default number of runs: each run is up to 5 fact sets, each assessed three times
      // against every shipped law (about 0.1 s), and the seed differs on every run of the suite.
      { numRuns: 100 },
    );
  });

  it('judge is evaluate, with falseExplanation’s parts when false, on every law’s condition', () => {
    fc.assert(
      fc.property(factSet, (f) => {
        const fact = (n: string) => (f as Record<string, never>)[n];
        for (const r of regimes) {
          const j = judge(r.applies_when, fact);
          const t = evaluate(r.applies_when, fact);
          expect(j.value).toBe(t.value);
          expect([...j.missing].sort()).toEqual([...t.missing].sort());
          if (j.value === false) {
            const e = falseExplanation(r.applies_when, fact);
            expect([j.parts, j.total]).toEqual([e.parts, e.total]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('an undetermined DORA report on a weekend: the shared entry follows whether the weekend rule’s exemption holds', () => {
    // Classified on Saturday 10:00 UTC: the 4-hour deadline falls on the weekend, and moves to Monday
    // noon unless the entity is exempt from the move (an essential NIS2 entity keeps Saturday; an
    // exemption not known keeps it too, so the entity kind is known not to be exempt).
    const base = { classified_major_at: '2026-01-03T10:00:00.000Z', aware_at: '2026-01-03T09:00:00.000Z', dora_major: true, dora_entity_kind: 'investment_firm' };
    const dues: (string | null)[] = [];
    for (const nis2_entity of ['none', 'essential', 'none']) {
      const f = { ...base, nis2_entity };
      const fact = (n: string) => (f as Record<string, never>)[n];
      const now = '2026-12-01T00:00:00Z';
      const shared = assess({ regimes, fact, now }).obligations.find((o) => o.id === 'dora-initial')!;
      const general = assess({ regimes, fact, now, shareEntries: false }).obligations.find((o) => o.id === 'dora-initial')!;
      expect(shared.required).toBe('unknown');
      expect(shared).toEqual(general);
      dues.push(shared.due_at);
    }
    expect(dues[0]).not.toBe(dues[1]);
    expect(dues[2]).toBe(dues[0]);
  });

  it('most laws do not apply to a fact set naming two jurisdictions: the shortcut is the common case', () => {
    const f = { subjects_by_jurisdiction: { DE: 40, 'US-CA': 600 }, data_categories: ['contact'], aware_at: '2026-03-02T10:00:00Z' };
    const obligations = assess({ regimes, fact: (n) => (f as Record<string, never>)[n], now: '2026-12-01T00:00:00Z' }).obligations;
    const notApplying = obligations.filter((o) => o.in_force && o.applies === false);
    expect(notApplying.length / obligations.length).toBeGreaterThan(0.8);
  });
});
