import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseOffset, type DrillPin, type Objective } from '../../src/domain/drill.js';
import type { StoredEvent } from '../../src/domain/events.js';
import { CORE_FACTS } from '../../src/domain/facts.js';
import { scoreObjectives } from '../../src/drill/score.js';

const START = '2026-03-02T07:00:00.000Z';
const at = (h: number) => new Date(Date.parse(START) + h * 3_600_000).toISOString();

let seq = 0;
function ev(type: string, hours: number, payload: Record<string, unknown>): StoredEvent {
  seq++;
  return { type, at: at(hours), recorded_at: at(hours), actor: 't', payload, incident: 'DRL-2026-0001', seq, prev_hash: '', hash: '' } as unknown as StoredEvent;
}

function pin(objectives: Objective[]): DrillPin {
  return { scenario: { id: 's', title: 'S', hash: 'h' }, script: null, start: START, end: at(120), zone: 'UTC', narrative: 'n', participants: [], objectives, injects: [], run_at: START };
}
const objective = (o: Partial<Objective> & Pick<Objective, 'to'>): Objective => ({ id: 'o', title: 'O', capability: 'C', from: 'start', within: '4h', within_ms: 4 * 3_600_000, ...o });

describe('drill scoring (pure, from the log)', () => {
  it('met, late by how much, and missed', () => {
    const events = [ev('incident.opened', 0, {}), ev('step.completed', 3, { step: 'a' }), ev('step.completed', 6, { step: 'b' })];
    const s = scoreObjectives(pin([objective({ id: 'a', to: { step: 'a' } }), objective({ id: 'b', to: { step: 'b' } }), objective({ id: 'c', to: { step: 'c' } })]), events, CORE_FACTS, at(120));
    expect(s.map((x) => [x.id, x.status, x.late_by_ms])).toEqual([
      ['a', 'met', null],
      ['b', 'late', 2 * 3_600_000],
      ['c', 'missed', null],
    ]);
    expect(s[1]!.evidence).toEqual([1, 3]);
  });

  it('an instant fact counts at its value; an objective whose clock never started is missed and says why', () => {
    const events = [ev('incident.opened', 0, {}), ev('facts.recorded', 10, { facts: { contained_at: at(3) } })];
    const s = scoreObjectives(
      pin([objective({ id: 'contain', to: { fact: 'contained_at' } }), objective({ id: 'notify', from: { fact: 'aware_at' }, to: { obligation: 'gdpr-art33', action: 'sent' }, within: '72h', within_ms: 72 * 3_600_000 })]),
      events,
      CORE_FACTS,
      at(120),
    );
    expect(s[0]).toMatchObject({ status: 'met', done_at: at(3) });
    expect(s[1]).toMatchObject({ status: 'missed', due_at: null });
    expect(s[1]!.why).toMatch(/never started: fact aware_at/);
  });

  it('"decided" is the first record of any kind; events after the end do not count', () => {
    const events = [ev('incident.opened', 0, {}), ev('obligation.recorded', 2, { obligation: 'gdpr-art34', action: 'waived' }), ev('obligation.recorded', 200, { obligation: 'gdpr-art33', action: 'sent' })];
    const s = scoreObjectives(pin([objective({ id: 'd', to: { obligation: 'gdpr-art34', action: 'decided' } }), objective({ id: 's', to: { obligation: 'gdpr-art33', action: 'sent' }, within: '1000h', within_ms: 1000 * 3_600_000 })]), events, CORE_FACTS, at(120));
    expect(s.map((x) => x.status)).toEqual(['met', 'missed']);
  });

  it('drill times and durations parse to the milliseconds they name', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.nat(23), fc.nat(59), (d, h, m) => {
        const text = `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
        const ms = ((d * 24 + h) * 60 + m) * 60_000;
        if (text === '') return parseOffset('T+0') === 0 && parseDuration('') === null;
        return parseDuration(text) === ms && parseOffset(`T+${text}`) === ms && parseOffset(`T-${text}`) === -ms;
      }),
    );
    expect(parseOffset('T+4x')).toBeNull();
    expect(parseDuration('4h30')).toBeNull();
  });
});
