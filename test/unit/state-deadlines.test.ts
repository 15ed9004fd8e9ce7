import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { assess, type Obligation } from '../../src/assess/obligations.js';
import type { FactValue } from '../../src/domain/facts.js';
import type { Regime } from '../../src/domain/regime.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { ROOT } from '../helpers.js';

/**
 * Every US state's day count and every AG and CRA threshold at its boundary. The expected values
 * come from the research files (docs/research/us-states-*.yaml), never from the regime files; the
 * time zone of each state (its capital's) and its summer UTC offset are written here.
 */

interface Entry {
  jurisdiction: string;
  individuals?: { deadline?: { days?: number | null } };
  regulator?: { threshold?: { people?: number | null; operator?: string | null; value?: string } } | null;
  consumer_reporting_agencies?: { threshold?: { people?: number | null; operator?: string | null; value?: string } } | null;
}
const research: Entry[] = ['us-states-1.yaml', 'us-states-2.yaml'].flatMap((f) => parse(readFileSync(join(ROOT, 'docs/research', f), 'utf8')) as Entry[]);

// Summer 2026 (1 June – 31 July) offsets from UTC, in hours, of each state's capital.
const OFFSET: Record<string, number> = {
  AL: -5, AK: -8, AZ: -7, AR: -5, CA: -7, CO: -6, CT: -4, DE: -4, FL: -4, GA: -4, HI: -10, ID: -6, IL: -5, IN: -4, IA: -5, KS: -5, KY: -4, LA: -5, ME: -4,
  MD: -4, MA: -4, MI: -4, MN: -5, MS: -5, MO: -5, MT: -6, NE: -5, NV: -7, NH: -4, NJ: -4, NM: -6, NY: -4, NC: -4, ND: -5, OH: -4, OK: -5, OR: -7, PA: -4,
  RI: -4, SC: -4, SD: -5, TN: -5, TX: -5, UT: -6, VT: -4, VA: -4, WA: -7, WV: -4, WI: -5, WY: -6, DC: -4, PR: -4, GU: 10, VI: -4,
};

/** End of the local day `days` after the local date of `start`, as a UTC instant. */
function endOfLocalDay(start: string, days: number, offsetHours: number): string {
  const local = new Date(Date.parse(start) + offsetHours * 3_600_000);
  const due = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days, 23, 59, 59, 999) - offsetHours * 3_600_000;
  return new Date(due).toISOString();
}

/** The research's comparison: an explicit operator, else read from its wording; unresolved → the reading that reaches more breaches. */
function operatorOf(t: { operator?: string | null; value?: string }): '>' | '>=' {
  const v = t.value ?? '';
  // Where the research records both readings (statute as quoted vs the regulator's page), the wider one.
  if (/more than/i.test(v) && /\bor more\b|\bat least\b/i.test(v)) return '>=';
  if (t.operator === '>' || t.operator === '>=') return t.operator;
  if (/\bor more\b|\bat least\b/i.test(v)) return '>=';
  if (/more than|exceed/i.test(v) && !/or more|at least|unresolved/i.test(v)) return '>';
  return '>=';
}

const START = '2026-06-01T18:00:00.000Z';
const ALL_DATA = ['government_id', 'financial', 'payment_card', 'credentials', 'health', 'genetic_biometric'];
const LEGACY_INDIVIDUALS = new Set(['ca-1798.82-individuals', 'co-6-1-716', 'fl-501.171', 'ny-gbl-899aa', 'tx-521.053', 'wa-19.255.010', 'ma-93h']);

let regimes: readonly Regime[];
beforeAll(async () => {
  regimes = (await loadShippedRegimes()).regimes;
});
const stateOf = (j: string) => j.slice(3);
const facts = (j: string, people: number): Record<string, FactValue> => ({
  subjects_by_jurisdiction: { [j]: people },
  data_categories: ALL_DATA,
  unintelligible: false,
  discovered_at: START,
  determined_at: START,
  aware_at: START,
  information_broker: true,
  entity_role: 'controller',
});
const lookup = (f: Record<string, FactValue>) => (n: string) => (Object.hasOwn(f, n) ? f[n] : undefined);
const run = (rs: readonly Regime[], f: Record<string, FactValue>): Obligation[] => assess({ regimes: rs, fact: lookup(f), now: START }).obligations;
const stateRegimes = (j: string, audience: Regime['audience']) =>
  regimes.filter((r) => r.jurisdiction === j && r.audience === audience && (r.family === 'us-state-breach' || LEGACY_INDIVIDUALS.has(r.id) || /-ag$|-regulators$/.test(r.id)) && !r.id.startsWith('nydfs'));

describe('US state deadlines (calendar days in the state zone, to the end of the day)', () => {
  const withDays = research.filter((e) => typeof e.individuals?.deadline?.days === 'number');
  it('the research gives day counts to test', () => expect(withDays.length).toBeGreaterThanOrEqual(20));
  for (const e of withDays) {
    const days = e.individuals!.deadline!.days!;
    it(`${e.jurisdiction}: residents within ${days} days`, () => {
      const rs = stateRegimes(e.jurisdiction, 'individuals');
      expect(rs.length, `no resident-notice regime for ${e.jurisdiction}`).toBeGreaterThan(0);
      const expected = endOfLocalDay(START, days, OFFSET[stateOf(e.jurisdiction)]!);
      const dues = run(rs, facts(e.jurisdiction, 10)).map((o) => o.due_at);
      expect(dues).toContain(expected);
    });
  }
});

describe('AG and CRA thresholds at their boundary', () => {
  const cases = research.flatMap((e) => [
    ...(typeof e.regulator?.threshold?.people === 'number' ? [{ j: e.jurisdiction, who: 'authority' as const, n: e.regulator.threshold.people, op: operatorOf(e.regulator.threshold) }] : []),
    ...(typeof e.consumer_reporting_agencies?.threshold?.people === 'number' ? [{ j: e.jurisdiction, who: 'other_party' as const, n: e.consumer_reporting_agencies.threshold.people, op: operatorOf(e.consumer_reporting_agencies.threshold) }] : []),
  ]);
  it('the research gives thresholds to test', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const c of cases) {
    it(`${c.j} ${c.who === 'authority' ? 'AG' : 'CRA'}: ${c.op === '>' ? 'more than' : 'at least'} ${c.n}`, () => {
      const rs = stateRegimes(c.j, c.who);
      expect(rs.length, `no ${c.who} regime for ${c.j}`).toBeGreaterThan(0);
      const applies = (people: number) => run(rs, facts(c.j, people)).some((o) => o.applies === true);
      expect(applies(c.n + 1)).toBe(true);
      expect(applies(c.n)).toBe(c.op === '>=');
      if (c.n > 1) expect(applies(c.n - 1)).toBe(false);
    });
  }
});
