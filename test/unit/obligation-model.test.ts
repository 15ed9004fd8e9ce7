import { beforeAll, describe, expect, it } from 'vitest';
import { assess, byUrgency, checkExemption, contradictingFacts, factsToEstablish, type Obligation } from '../../src/assess/obligations.js';
import type { FactValue } from '../../src/domain/facts.js';
import { isSettled, OBLIGATION_STATUSES } from '../../src/domain/obligation.js';
import { ObligationRecordedSchema } from '../../src/domain/obligation-record.js';
import type { Regime } from '../../src/domain/regime.js';
import type { MachineEvent } from '../../src/machine/context.js';
import { startIncident, step } from '../../src/machine/fold.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { loadRunbookFile } from '../../src/playbook/runbook.js';
import { MINI } from '../helpers.js';

const lookup = (f: Record<string, FactValue>) => (n: string) => (Object.hasOwn(f, n) ? f[n] : undefined);
let regimes: readonly Regime[];
beforeAll(async () => {
  regimes = (await loadShippedRegimes()).regimes;
});
const regime = (id: string) => regimes.find((r) => r.id === id)!;

const BREACH: Record<string, FactValue> = {
  aware_at: '2026-03-02T09:00:00Z',
  data_categories: ['contact', 'financial'],
  subjects_by_jurisdiction: { DE: 40000 },
  subjects_total: 40000,
  entity_role: 'controller',
  confidentiality: 'unknown_recipients',
  integrity: 'none',
  availability: 'temporary',
  malicious: true,
  ease_of_identification: 'maximum',
  unintelligible: false,
};

describe('the obligation.recorded union', () => {
  it('accepts old payloads and the new fields, and refuses a decision without its reason', () => {
    // An old log's waiver (no exemption, no override) is still one of the union's shapes: it replays.
    expect(ObligationRecordedSchema.safeParse({ obligation: 'gdpr-art34', action: 'waived', reason: 'encrypted' }).success).toBe(true);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'gdpr-art34', action: 'waived', reason: 'x', exemption: 'art34-3a' }).success).toBe(true);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'gdpr-art34', action: 'waived', reason: 'x', override: true }).success).toBe(true);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'nis2-final', action: 'not_applicable', reason: 'not an entity' }).success).toBe(true);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'gdpr-art33', action: 'sent', channel: 'portal', ref: 'R-1' }).success).toBe(true);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'nis2-final', action: 'not_applicable' }).success).toBe(false);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'gdpr-art34', action: 'waived' }).success).toBe(false);
    expect(ObligationRecordedSchema.safeParse({ obligation: 'gdpr-art33', action: 'sent', exemption: 'x' }).success).toBe(false);
  });

  it('isSettled is true exactly for sent, waived, not applicable and not required', () => {
    expect(OBLIGATION_STATUSES.filter(isSettled)).toEqual(['not_required', 'not_applicable', 'waived', 'met', 'late']);
  });
});

describe('waivers against the facts', () => {
  it('names the facts that contradict an exemption, or the ones missing', () => {
    const r = regime('gdpr-art34');
    expect(checkExemption(r, 'art34-3a', lookup(BREACH))).toEqual({ holds: false, contradicted: ['unintelligible=false'] });
    expect(checkExemption(r, 'art34-3a', lookup({ ...BREACH, unintelligible: true }))).toEqual({ holds: true });
    const b = checkExemption(r, 'art34-3b', lookup(BREACH));
    expect(b.holds).toBe('unknown');
    expect(checkExemption(r, 'art34-3b', lookup({ ...BREACH, recipient_trusted: false, recipient_confirmed_deletion: true }))).toEqual({ holds: false, contradicted: ['recipient_trusted=false'] });
    expect(checkExemption(r, 'nope', lookup(BREACH))).toEqual({ holds: 'no_such_exemption', known: ['art34-3a', 'art34-3b'] });
  });

  it('explains a negated condition by the fact that holds', () => {
    expect(contradictingFacts({ not: { fact: 'unintelligible', equals: true } }, lookup({ unintelligible: true }))).toEqual(['unintelligible=true']);
  });

  it('an old waiver with no ground replays, and is shown as having none: the duty stays owed', () => {
    const { runbook, hash } = loadRunbookFile(MINI);
    const opened = { type: 'incident.opened' as const, at: '2026-03-02T08:00:00Z', actor: 'a', payload: { title: 'T', mode: 'real' as const, playbook: { id: 'mini', version: '1.0.0', hash } } };
    let s = startIncident('INC-2026-0001', opened, runbook);
    const old: MachineEvent = { type: 'obligation.recorded', at: '2026-03-02T10:00:00Z', actor: 'dpo', payload: { obligation: 'gdpr-art34', action: 'waived', reason: 'Art 34(3)(a): laptop disk encrypted' } };
    s = step(s, old)!;
    expect(s.context.obligations['gdpr-art34']).toMatchObject({ status: 'waived', reason: 'Art 34(3)(a): laptop disk encrypted' });
    expect(s.context.obligations['gdpr-art34']!.exemption).toBeUndefined();
    const o = assess({ regimes, fact: lookup(BREACH), now: '2026-03-03T00:00:00Z', records: s.context.obligations }).obligations.find((x) => x.id === 'gdpr-art34')!;
    expect(o.waiver).toMatchObject({ valid: false, exemption: null, override: false });
    expect(o.waiver!.why).toContain('no exemption or override recorded');
    expect(o.status).not.toBe('waived');
    // Waiving again with a ground replaces the old one.
    const again: MachineEvent = { type: 'obligation.recorded', at: '2026-03-02T11:00:00Z', actor: 'dpo', payload: { obligation: 'gdpr-art34', action: 'waived', reason: 'DPO decision', override: true } };
    s = step(s, again)!;
    expect(s.context.obligations['gdpr-art34']).toMatchObject({ status: 'waived', override: true, reason: 'DPO decision' });
    // The same ground twice is refused.
    expect(step(s, { ...again, at: '2026-03-02T12:00:00Z' })).toBeUndefined();
  });
});

describe('not-applicable decisions', () => {
  it('settle an undetermined duty, and give way when the facts later make it required', () => {
    const { runbook, hash } = loadRunbookFile(MINI);
    const opened = { type: 'incident.opened' as const, at: '2026-03-02T08:00:00Z', actor: 'a', payload: { title: 'T', mode: 'real' as const, playbook: { id: 'mini', version: '1.0.0', hash } } };
    let s = startIncident('INC-2026-0001', opened, runbook);
    s = step(s, { type: 'obligation.recorded', at: '2026-03-02T10:00:00Z', actor: 'dpo', payload: { obligation: 'gdpr-art34', action: 'not_applicable', reason: 'We are the processor' } })!;
    const { entity_role: _role, ...unsure } = BREACH;
    const before = assess({ regimes, fact: lookup(unsure), now: '2026-03-03T00:00:00Z', records: s.context.obligations }).obligations.find((x) => x.id === 'gdpr-art34')!;
    expect(before).toMatchObject({ required: 'unknown', status: 'not_applicable' });
    const after = assess({ regimes, fact: lookup(BREACH), now: '2026-03-03T00:00:00Z', records: s.context.obligations }).obligations.find((x) => x.id === 'gdpr-art34')!;
    expect(after.required).toBe(true);
    expect(after.status).not.toBe('not_applicable');
    expect(after.reason).toContain('decided not applicable (We are the processor), but the facts now make it required');
  });
});

describe('urgency', () => {
  const o = (id: string, extra: Partial<Obligation>): Obligation =>
    ({ id, required: true, status: 'running', due: null, speculative: false, unknown_facts: [], ...extra }) as Obligation;

  it('orders every open duty with a due instant soonest first, whatever its status, then the other open ones, then the settled', () => {
    const list = [
      o('met', { status: 'met', due: '2026-03-01T00:00:00Z' }),
      o('texas', { due: '2026-05-01T00:00:00Z' }),
      o('lead', { required: 'unknown', status: 'undetermined', due: '2026-02-01T00:00:00Z', speculative: true }),
      o('nis2', { required: 'unknown', status: 'undetermined', due: '2026-03-03T00:00:00Z' }),
      o('overdue', { status: 'overdue', due: '2026-03-02T00:00:00Z' }),
      o('nostart', { status: 'not_started' }),
    ];
    expect([...list].sort(byUrgency).map((x) => x.id)).toEqual(['overdue', 'nis2', 'texas', 'nostart', 'lead', 'met']);
  });

  it('counts how many undetermined duties each missing fact decides', () => {
    const list = [
      o('a', { required: 'unknown', status: 'undetermined', unknown_facts: ['data_categories', 'hipaa_covered'] }),
      o('b', { required: 'unknown', status: 'undetermined', unknown_facts: ['data_categories'] }),
      o('c', { required: 'unknown', status: 'not_applicable', unknown_facts: ['data_categories'] }),
      o('d', { required: true, status: 'running', unknown_facts: ['determined_at'] }),
    ];
    expect(factsToEstablish(list)).toEqual([
      { fact: 'data_categories', decides: 2 },
      { fact: 'hipaa_covered', decides: 1 },
    ]);
  });

  it('a law none of whose conditions holds yet is a lead; one with a condition that holds is not', () => {
    const a = assess({ regimes, fact: lookup({ aware_at: '2026-03-02T09:00:00Z', detected_at: '2026-03-02T08:00:00Z', subjects_by_jurisdiction: { 'US-TX': 5 } }), now: '2026-03-03T00:00:00Z' });
    expect(a.obligations.find((x) => x.id === 'pci-card-brands')).toMatchObject({ required: 'unknown', speculative: true });
    expect(a.obligations.find((x) => x.id === 'tx-521.053')).toMatchObject({ required: 'unknown', speculative: false });
  });
});
