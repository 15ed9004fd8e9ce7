import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/assess/obligations.js';
import { checkFacts } from '../../src/engine/decide.js';
import { CORE_FACTS, type FactValue } from '../../src/domain/facts.js';
import type { Regime } from '../../src/domain/regime.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { ROOT } from '../helpers.js';

/**
 * The regression set: the 18 worked cases of EDPB Guidelines 01/2021, each in irr's facts vocabulary,
 * with the EDPB's own conclusion for the supervisory authority and for the data subjects.
 */
interface EdpbCase {
  readonly case: number;
  readonly section: string;
  readonly title: string;
  readonly edpb: { readonly authority: 'notify' | 'not_required'; readonly individuals: 'notify' | 'not_required' };
  readonly facts: Record<string, unknown>;
}
const FIXTURE = join(ROOT, 'test/fixtures/edpb-01-2021.json');
const cases = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: EdpbCase[] }).cases;

let regimes: readonly Regime[];
beforeAll(async () => {
  regimes = (await loadShippedRegimes()).regimes;
});

function run(c: EdpbCase) {
  // The same checks `irr assess --facts` applies: every fixture is valid input.
  const facts = checkFacts(CORE_FACTS, c.facts, `${FIXTURE} case ${c.case}`);
  const a = assess({ regimes, fact: (n) => (Object.hasOwn(facts, n) ? (facts[n] as FactValue) : undefined), now: '2026-03-02T10:00:00Z' });
  const by = (id: string) => a.obligations.find((o) => o.id === id)!;
  return { a, art33: by('gdpr-art33'), art34: by('gdpr-art34') };
}

const word = (required: boolean | 'unknown') => (required === true ? 'notify' : required === false ? 'not_required' : 'undetermined');

describe('EDPB Guidelines 01/2021: the 18 worked cases', () => {
  it('covers all 18 cases, once each', () => {
    expect(cases.map((c) => c.case)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  for (const c of cases) {
    it(`case ${c.case} (section ${c.section}), ${c.title}: authority ${c.edpb.authority}, individuals ${c.edpb.individuals}`, () => {
      const { a, art33, art34 } = run(c);
      // The regime decisions (what irr tells the responder) and the model's own answer agree with the EDPB.
      expect({ authority: word(art33.required), individuals: word(art34.required) }).toEqual(c.edpb);
      expect({ authority: a.risk.art33.conclusion, individuals: a.risk.art34.conclusion }).toEqual(c.edpb);
      // Every fact is established, so nothing is left that could change the answer.
      expect(a.risk.art33.could_change).toEqual([]);
      expect(a.risk.art34.could_change).toEqual([]);
      // The case is recognised as a precedent the facts resemble.
      expect(a.risk.precedents.map((p) => p.id)).toContain(`edpb-01-2021-case-${String(c.case).padStart(2, '0')}`);
      // A notice owed is explained by the factors that drove it.
      if (art34.required === true) expect(art34.factors.filter((f) => f.effect === 'high_risk' && f.present === true).length).toBeGreaterThan(0);
      if (art33.required === false) expect(art33.reason).toMatch(/exempt under Art 33\(1\)/);
    });
  }
});
