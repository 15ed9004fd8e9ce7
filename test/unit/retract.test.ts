import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events.js';
import { retractEntry } from '../../src/engine/retract.js';
import type { IncidentContext } from '../../src/machine/context.js';

/** Issue 14, problem 1: what a retraction restores, decided from the log alone (pure). */

const ctx = { id: 'INC-2026-0001' } as IncidentContext;
const who = { actor: 'dana', at: '2026-03-02T12:00:00.000Z' };
let seq = 0;
const ev = (type: string, payload: unknown, actor = 'alice'): StoredEvent => ({ type, payload, seq: ++seq, at: `2026-03-02T0${seq}:00:00.000Z`, actor, incident: ctx.id, recorded_at: '', prev_hash: '', hash: '' }) as StoredEvent;

describe('retractEntry', () => {
  it('a fact returns to the value before the withdrawn entry, or unknown; a later value is kept', () => {
    seq = 0;
    const log = [ev('incident.opened', {}), ev('facts.recorded', { facts: { subjects_total: 10 } }), ev('facts.recorded', { facts: { subjects_total: 1200, malicious: true } })];
    const [r] = retractEntry(ctx, 'analysis', who, log, 3, 'typo');
    expect(r).toMatchObject({ type: 'entry.retracted', payload: { seq: 3, of: 'facts.recorded', reason: 'typo', facts: { subjects_total: { value: 10, by: 'alice' }, malicious: null } } });
    const [older] = retractEntry(ctx, 'analysis', who, log, 2, 'x');
    expect(older!.type === 'entry.retracted' && older!.payload.facts).toEqual({ subjects_total: { value: 1200, at: log[2]!.at, by: 'alice' } });
  });

  it('a step completion reopens the step; an obligation record is undone to the record before it', () => {
    seq = 0;
    const log = [
      ev('incident.opened', {}),
      ev('step.completed', { step: 'triage' }),
      ev('obligation.recorded', { obligation: 'gdpr-art33', action: 'drafted' }),
      ev('obligation.recorded', { obligation: 'gdpr-art33', action: 'approved' }, 'bob'),
    ];
    expect(retractEntry(ctx, 'analysis', who, log, 2, 'wrong step')[0]).toMatchObject({ payload: { step: { id: 'triage', progress: null } } });
    expect(retractEntry(ctx, 'analysis', who, log, 4, 'too early')[0]).toMatchObject({ payload: { obligation: { id: 'gdpr-art33', progress: { status: 'drafted', drafted_by: 'alice' } } } });
  });

  it('refuses the opening, a retraction and an entry already withdrawn (exit 3), a seq that does not exist (exit 2)', () => {
    seq = 0;
    const log = [ev('incident.opened', {}), ev('note.added', { text: 'x' }), ev('entry.retracted', { seq: 2, of: 'note.added', reason: 'r' }), ev('phase.advanced', { from: 'detection', to: 'analysis' })];
    const code = (s: number) => {
      try {
        retractEntry(ctx, 'analysis', who, log, s, 'r');
        return 0;
      } catch (err) {
        return (err as { exitCode: number }).exitCode;
      }
    };
    expect([code(1), code(2), code(3), code(4), code(9)]).toEqual([3, 3, 3, 3, 2]);
  });
});
