import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, type Truth } from '../../src/domain/condition.js';
import type { FactValue } from '../../src/domain/facts.js';
import type { Condition } from '../../src/domain/runbook.js';

// The conditions are compiled into closures (src/domain/condition.ts). This is the plain tree-walking
// reading of the same rules, written out as the specification: the compiled form must agree with it
// on every condition and fact set, the missing facts included.
function reference(c: Condition, fact: (n: string) => FactValue | undefined): Truth {
  const any = c as Record<string, unknown>;
  if ('all' in any || 'any' in any) {
    const isAll = 'all' in any;
    let missing: string[] = [];
    for (const part of (isAll ? any.all : any.any) as Condition[]) {
      const t = reference(part, fact);
      if (t.value === !isAll) return { value: !isAll, missing: [] };
      if (t.value === 'unknown') missing = [...missing, ...t.missing];
    }
    return missing.length ? { value: 'unknown', missing: [...new Set(missing)] } : { value: isAll, missing: [] };
  }
  if ('not' in any) {
    const t = reference(any.not as Condition, fact);
    return t.value === 'unknown' ? t : { value: !t.value, missing: [] };
  }
  let v = fact(any.fact as string);
  if (v !== undefined && typeof any.key === 'string') v = (v as Record<string, number>)[any.key] ?? 0;
  else if (v !== undefined && Array.isArray(any.keys)) v = (any.keys as string[]).reduce((n, k) => n + ((v as Record<string, number>)[k] ?? 0), 0);
  if ('known' in any) return { value: (v !== undefined) === any.known, missing: [] };
  if (v === undefined) return { value: 'unknown', missing: [any.fact as string] };
  const n = typeof v === 'number' ? v : NaN;
  const ok =
    'includes' in any ? Array.isArray(v) && v.includes(any.includes as string)
    : 'equals' in any ? v === any.equals
    : 'in' in any ? (any.in as unknown[]).includes(v)
    : 'gt' in any ? n > (any.gt as number)
    : 'gte' in any ? n >= (any.gte as number)
    : 'lt' in any ? n < (any.lt as number)
    : n <= (any.lte as number);
  return { value: ok, missing: [] };
}

const facts = ['a', 'b', 'c', 'm'] as const;
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ fact: fc.constantFrom('a', 'b'), equals: fc.oneof(fc.constantFrom('x', 'y'), fc.boolean()) }),
  fc.record({ fact: fc.constantFrom('a', 'b'), in: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }) }),
  fc.record({ fact: fc.constant('c'), includes: fc.constantFrom('x', 'y') }),
  fc.record({ fact: fc.constantFrom('a', 'n'), gte: fc.integer({ min: -2, max: 5 }) }),
  fc.record({ fact: fc.constantFrom('a', 'n'), lt: fc.integer({ min: -2, max: 5 }) }),
  fc.record({ fact: fc.constantFrom('a', 'n'), gt: fc.integer({ min: -2, max: 5 }) }),
  fc.record({ fact: fc.constantFrom('a', 'n'), lte: fc.integer({ min: -2, max: 5 }) }),
  fc.record({ fact: fc.constant('m'), key: fc.constantFrom('DE', 'FR'), gte: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ fact: fc.constant('m'), keys: fc.array(fc.constantFrom('DE', 'FR', 'IT'), { minLength: 1, maxLength: 3 }), gt: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ fact: fc.constantFrom(...facts), known: fc.boolean() }),
) as fc.Arbitrary<Condition>;
const condition: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('c'), { maxLength: 4 }) }) as fc.Arbitrary<Condition>,
    fc.record({ any: fc.array(tie('c'), { maxLength: 4 }) }) as fc.Arbitrary<Condition>,
    fc.record({ not: tie('c') }) as fc.Arbitrary<Condition>,
  ),
})).c;
const factSet = fc.record(
  {
    a: fc.oneof(fc.constantFrom('x', 'y', 'z'), fc.boolean(), fc.integer({ min: -3, max: 6 })),
    b: fc.oneof(fc.constantFrom('x', 'y'), fc.boolean()),
    c: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
    n: fc.integer({ min: -3, max: 6 }),
    m: fc.dictionary(fc.constantFrom('DE', 'FR', 'IT'), fc.integer({ min: 0, max: 3 })),
  },
  { requiredKeys: [] },
);

describe('compiled conditions', () => {
  it('agree with the tree-walking reading on every condition and fact set (missing facts included)', () => {
    fc.assert(
      fc.property(condition, factSet, (c, f) => {
        const lookup = (n: string) => (Object.hasOwn(f, n) ? (f as Record<string, FactValue>)[n] : undefined);
        const got = evaluate(c, lookup);
        const want = reference(c, lookup);
        expect(got.value).toBe(want.value);
        expect([...got.missing]).toEqual(want.missing);
        // Evaluated again (now from the compiled cache): the same answer.
        expect(evaluate(c, lookup)).toEqual(got);
      }),
      { numRuns: 3000 },
    );
  });
});
