import { describe, expect, it } from 'vitest';
import { falseParts } from '../../src/domain/condition.js';
import type { Condition } from '../../src/domain/runbook.js';

/** Issue 14, problem 7: say which part of a long condition is false, each part short. */
describe('falseParts', () => {
  const facts = (f: Record<string, unknown>) => (n: string) => f[n] as never;
  const states = Array.from({ length: 57 }, (_, i) => ({ fact: 'subjects_by_jurisdiction', key: `US-S${i}`, gt: 500 }));
  const hipaa = { all: [{ fact: 'hipaa_covered', equals: true }, { fact: 'data_categories', includes: 'health' }, { any: states }] } as unknown as Condition;

  it('names the first false clause of an all, with the fact’s value', () => {
    expect(falseParts(hipaa, facts({ hipaa_covered: false, data_categories: ['health'] }))).toEqual(['hipaa_covered = false']);
    expect(falseParts(hipaa, facts({ hipaa_covered: true, data_categories: ['contact'] }))).toEqual(['data_categories = [contact] (needs includes health)']);
  });

  it('lists the false alternatives of an any, a few, then a count; each part short', () => {
    const parts = falseParts(hipaa, facts({ hipaa_covered: true, data_categories: ['health'], subjects_by_jurisdiction: { DE: 40 } }));
    expect(parts).toEqual(['subjects_by_jurisdiction[US-S0] = 0 (needs > 500)', 'subjects_by_jurisdiction[US-S1] = 0 (needs > 500)', 'subjects_by_jurisdiction[US-S2] = 0 (needs > 500)', '…and 54 more alternatives, none holds']);
    expect(parts.every((p) => p.length <= 120)).toBe(true);
  });

  it('is empty unless the condition is false (true or unknown)', () => {
    expect(falseParts(hipaa, facts({}))).toEqual([]);
    expect(falseParts({ fact: 'device_encrypted', equals: true } as Condition, facts({ device_encrypted: true }))).toEqual([]);
    expect(falseParts({ fact: 'device_encrypted', equals: true } as Condition, facts({ device_encrypted: false }))).toEqual(['device_encrypted = false']);
  });
});
