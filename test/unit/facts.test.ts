import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical.js';
import { describeCondition, evaluate } from '../../src/domain/condition.js';
import { CORE_FACTS, parseFactText, parseInstant, type FactValue } from '../../src/domain/facts.js';

const def = (name: string) => CORE_FACTS[name]!;

describe('fact values from the command line', () => {
  it('parses each kind, canonically', () => {
    expect(parseFactText(def('subjects_total'), '1_200')).toEqual({ ok: true, value: 1200 });
    expect(parseFactText(def('malicious'), 'Yes')).toEqual({ ok: true, value: true });
    expect(parseFactText(def('data_categories'), 'health, contact,health')).toEqual({ ok: true, value: ['contact', 'health'] });
    expect(parseFactText(def('data_categories'), '["payment_card"]')).toEqual({ ok: true, value: ['payment_card'] });
    expect(parseFactText(def('subjects_by_jurisdiction'), 'us-ca:1200, DE:40')).toEqual({ ok: true, value: { DE: 40, 'US-CA': 1200 } });
    expect(parseFactText(def('subjects_by_jurisdiction'), '{"US-NY": 7}')).toEqual({ ok: true, value: { 'US-NY': 7 } });
    expect(parseFactText(def('aware_at'), '2026-03-29T01:30:00+01:00')).toEqual({ ok: true, value: '2026-03-29T00:30:00.000Z' });
    expect(parseFactText(def('exfiltration'), 'suspected')).toEqual({ ok: true, value: 'suspected' });
  });

  it('refuses what does not fit, saying why', () => {
    expect(parseFactText(def('subjects_total'), '-3')).toMatchObject({ ok: false, error: 'expected a whole number of 0 or more' });
    expect(parseFactText(def('subjects_total'), '2.5')).toMatchObject({ ok: false });
    expect(parseFactText(def('exfiltration'), 'maybe')).toMatchObject({ ok: false, error: expect.stringContaining('confirmed, suspected, ruled_out, unknown') });
    expect(parseFactText(def('aware_at'), '2026-03-01T09:00:00')).toMatchObject({ ok: false, error: expect.stringContaining('with offset') });
    expect(parseFactText(def('aware_at'), '2026-02-30T09:00:00Z')).toMatchObject({ ok: false });
    expect(parseFactText(def('subjects_by_jurisdiction'), '{"US-CA": -1}')).toMatchObject({ ok: false });
    expect(parseFactText(def('subjects_by_jurisdiction'), '{not json')).toMatchObject({ ok: false, error: 'is not valid JSON' });
  });

  it('refuses typos that would silently change the record', () => {
    expect(parseFactText(def('subjects_total'), '0x10')).toMatchObject({ ok: false });
    expect(parseFactText(def('subjects_total'), '1e3')).toMatchObject({ ok: false });
    expect(parseFactText(def('data_categories'), '')).toMatchObject({ ok: false, error: expect.stringContaining('write []') });
    expect(parseFactText(def('data_categories'), '[]')).toEqual({ ok: true, value: [] });
    expect(parseFactText(def('subjects_by_jurisdiction'), '')).toMatchObject({ ok: false, error: expect.stringContaining('write {}') });
    expect(parseFactText(def('subjects_by_jurisdiction'), 'de:5,DE:7')).toMatchObject({ ok: false, error: 'DE is given twice' });
    expect(parseFactText(def('root_cause'), 'bad\u001b[31mred')).toMatchObject({ ok: false });
    expect(parseFactText(def('aware_at'), '0099-01-01T00:00:00Z')).toMatchObject({ ok: false, error: expect.stringContaining('not plausible') });
    expect(parseFactText(def('aware_at'), '2026-02-29T10:00:00Z')).toMatchObject({ ok: false, error: expect.stringContaining('is not a date in the calendar') });
  });

  it('accepts leap days only in leap years', () => {
    expect(parseInstant('2028-02-29T12:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(parseInstant('2026-02-29T12:00:00Z')).toBeNull();
  });

  it('round-trips any jurisdiction map through its text form (property)', () => {
    const code = fc.constantFrom('DE', 'FR', 'US-CA', 'US-NY', 'GB', 'BR', 'US-TX', 'JP');
    fc.assert(
      fc.property(fc.dictionary(code, fc.nat({ max: 10_000_000 })), (map) => {
        const text = Object.keys(map).length ? Object.entries(map).map(([k, n]) => `${k}:${n}`).join(',') : '{}';
        const parsed = parseFactText(def('subjects_by_jurisdiction'), text);
        expect(parsed.ok).toBe(true);
        expect(canonicalJson(parsed.ok && parsed.value)).toBe(canonicalJson(map));
      }),
    );
  });

  it('normalises any instant with an offset to the same UTC moment (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -12 * 60, max: 14 * 60 }), (d, offsetMin) => {
        const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, 19);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        expect(parseInstant(text)).toBe(new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString());
      }),
    );
  });
});

describe('canonical JSON', () => {
  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });
});

describe('conditions are three-valued', () => {
  const facts = (f: Record<string, FactValue>) => (name: string) => f[name];

  it('says which fact is missing instead of guessing false', () => {
    const c = { all: [{ fact: 'hipaa_covered', equals: true }, { fact: 'data_categories', includes: 'health' }] };
    expect(evaluate(c, facts({}))).toEqual({ value: 'unknown', missing: ['hipaa_covered', 'data_categories'] });
    expect(evaluate(c, facts({ hipaa_covered: false }))).toEqual({ value: false, missing: [] });
    expect(evaluate(c, facts({ hipaa_covered: true, data_categories: ['health'] }))).toEqual({ value: true, missing: [] });
    expect(describeCondition(c)).toBe('(hipaa_covered = true and data_categories includes health)');
  });

  it('reads map entries with key, a known map without the key meaning zero', () => {
    const c = { fact: 'subjects_by_jurisdiction', key: 'US-CA', gt: 500 };
    expect(evaluate(c, facts({})).value).toBe('unknown');
    expect(evaluate(c, facts({ subjects_by_jurisdiction: { DE: 9000 } })).value).toBe(false);
    expect(evaluate(c, facts({ subjects_by_jurisdiction: { 'US-CA': 501 } })).value).toBe(true);
  });

  it('any is true as soon as one part is true, even with others unknown; not keeps unknown', () => {
    const c = { any: [{ fact: 'malicious', equals: true }, { fact: 'subjects_total', gte: 1000 }] };
    expect(evaluate(c, facts({ subjects_total: 5000 })).value).toBe(true);
    expect(evaluate({ not: c }, facts({})).value).toBe('unknown');
    expect(evaluate({ fact: 'malicious', known: false }, facts({})).value).toBe(true);
  });
});

describe('event hash', () => {
  it('the fast canonical encoding agrees with the definition (property)', async () => {
    const { eventHash, eventHashReference } = await import('../../src/store/hash.js');
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.string(), fc.string(), fc.string(), fc.string(), fc.jsonValue(), (incident, seq, type, at, rec, actor, payload) => {
        const e = { incident, seq, type, at, recorded_at: rec, actor, payload };
        expect(eventHash('ab'.repeat(32), e)).toBe(eventHashReference('ab'.repeat(32), e));
      }),
    );
  });
});
