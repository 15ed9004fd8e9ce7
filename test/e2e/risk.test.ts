import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, MINI, ROOT, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/** `irr assess --facts … --json` and its text form, run as a user runs them, on EDPB 01/2021 cases. */
const cases = (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/edpb-01-2021.json'), 'utf8')) as { cases: { case: number; facts: Record<string, unknown>; edpb: { authority: string; individuals: string } }[] }).cases;
const dir = tempDir();
const file = (n: number) => {
  const f = join(dir, `case-${n}.json`);
  writeFileSync(f, JSON.stringify(cases.find((c) => c.case === n)!.facts));
  return f;
};

interface Out {
  severity: { level: string };
  risk: { art33: { conclusion: string; exemption: string | null; reasons: string[] }; art34: { conclusion: string }; factors: { id: string; present: unknown }[]; mitigations: { exemption: string; established: unknown }[]; precedents: { id: string }[] };
  obligations: { id: string; required: unknown; reason: string; factors: { id: string }[] }[];
}

describe('irr assess --facts on EDPB 01/2021 cases', () => {
  for (const n of [1, 8, 11, 13]) {
    it(`case ${n}: --json carries the risk decision, its factors, mitigations and precedents, and the EDPB's conclusions`, () => {
      const out = json<Out>(irr(['assess', '--facts', file(n), '--now', '2026-03-02T10:00:00Z', '--json']));
      const want = cases.find((c) => c.case === n)!.edpb;
      expect({ authority: out.risk.art33.conclusion, individuals: out.risk.art34.conclusion }).toEqual(want);
      const art33 = out.obligations.find((o) => o.id === 'gdpr-art33')!;
      expect(art33.required).toBe(want.authority === 'notify');
      expect(out.risk.mitigations.map((m) => m.exemption)).toEqual(['art33-unintelligible', 'art33-availability-restored', 'art33-trusted-recipient-deleted', 'art33-trivial-disclosure']);
      expect(out.risk.precedents.map((p) => p.id)).toContain(`edpb-01-2021-case-${String(n).padStart(2, '0')}`);
      // The older fields are still there.
      expect(out.severity.level).toEqual(expect.any(String));
    });
  }

  it('case 11 (100,000 customers on a stolen laptop): individuals are told, on the named factors', () => {
    const out = json<Out>(irr(['assess', '--facts', file(11), '--now', '2026-03-02T10:00:00Z', '--json']));
    expect(out.obligations.find((o) => o.id === 'gdpr-art34')!.factors.map((f) => f.id)).toEqual(['malicious-unknown-recipients', 'large-scale']);
  });

  it('the text form explains each conclusion in factors and names the precedent', () => {
    const r = irr(['assess', '--facts', file(8), '--now', '2026-03-02T10:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Authority (Art 33): NOTIFY');
    expect(r.stdout).toContain('Individuals (Art 34): not required');
    expect(r.stdout).toContain('art33-trusted-recipient-deleted: not established');
    expect(r.stdout).toContain('Resembles: EDPB 01/2021 case 8');
    expect(r.stdout).toMatch(/gdpr-art33 \[running\][^\n]*\n[^\n]*\n\s+factors: confidentiality-lost, malicious/);
  });

  it('a new fact with a wrong value is refused with the file and field, exit 2', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ availability_impact: 'catastrophic' }));
    const r = irr(['assess', '--facts', f, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('availability_impact');
    expect(r.stderr).toContain('none, minor, serious');
  });

  it('irr regime show names the risk model and each exemption id', () => {
    const r = irr(['regime', 'show', 'gdpr-art33']);
    expect(r.stdout).toContain('risk model gdpr: required unless an exemption establishes that no risk is likely');
    expect(r.stdout).toContain('exempt art33-availability-restored');
    const j = json<{ threshold: { model: string; at_least: string; exemptions: { id: string }[] } }>(irr(['regime', 'show', 'hipaa-individuals', '--json']));
    expect(j.threshold).toMatchObject({ model: 'hipaa', at_least: 'risk', exemptions: [{ id: 'hipaa-low-probability' }] });
  });
});

/**
 * The same cases recorded on an incident, on both backends (issue 15): the facts go through the
 * store (typed values, nested objects) and `irr assess <incident>` must reach the very decision the
 * stateless assessment reaches, and the EDPB's. One database per backend: one incident per case.
 */
function riskOnAnIncident(backend: Backend): void {
  const database = sharedDb(backend);
  describe(`irr assess <incident> on EDPB 01/2021 cases (${backend.name})`, () => {
    for (const n of [1, 8, 11, 13]) {
      it(`case ${n}: the recorded facts give the stateless assessment's risk decision and obligations`, () => {
        const db = database();
        const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', `EDPB case ${n}`, '--json', '--at', '2026-03-01T08:00:00Z'], { db })).id;
        const facts = cases.find((c) => c.case === n)!.facts;
        const pairs = Object.entries(facts).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
        const recorded = irr(['fact', id, ...pairs, '--at', '2026-03-02T09:30:00+01:00'], { db });
        expect(recorded.code, recorded.stderr).toBe(0);
        const now = ['--now', '2026-03-02T10:00:00Z', '--json'];
        const onIncident = json<Out>(irr(['assess', id, ...now], { db }));
        const stateless = json<Out>(irr(['assess', '--facts', file(n), ...now]));
        const want = cases.find((c) => c.case === n)!.edpb;
        expect({ authority: onIncident.risk.art33.conclusion, individuals: onIncident.risk.art34.conclusion }).toEqual(want);
        expect(onIncident.risk).toEqual(stateless.risk);
        const required = (o: Out) => o.obligations.map((x) => [x.id, x.required]);
        expect(required(onIncident)).toEqual(required(stateless));
      });
    }
  });
}

riskOnAnIncident(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) riskOnAnIncident(pgBackend);
