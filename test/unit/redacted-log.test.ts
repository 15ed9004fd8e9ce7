import { describe, expect, it } from 'vitest';
import { redactedChain, redactedStatus, type EventHeader } from '../../src/engine/redacted-log.js';
import { eventBody, GENESIS_HASH, hashBody } from '../../src/store/hash.js';
import type { EventRow } from '../../src/store/integrity.js';

/** A chained log of (type, payload) entries, as the store writes it. */
function chain(entries: [string, unknown][]): EventRow[] {
  let prev = GENESIS_HASH;
  return entries.map(([type, payload], i) => {
    const fields = { incident: 'INC-2026-0001', seq: i + 1, type, at: '2026-03-02T08:00:00.000Z', recorded_at: '2026-03-02T08:00:00.000Z', actor: 'alice' };
    const text = JSON.stringify(payload);
    const hash = hashBody(prev, eventBody(fields, text));
    const row = { ...fields, payload: text, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
}
const header = ({ payload: _p, ...h }: EventRow): EventHeader => h;

const ROWS = chain([
  ['incident.opened', { title: 'T', mode: 'real', playbook: { id: 'mini', version: '1', hash: 'x' } }],
  ['facts.recorded', { facts: { subjects_total: { value: 1 } } }],
  ['obligation.recorded', { obligation: 'gdpr-art33', action: 'drafted' }],
  ['phase.advanced', { from: 'detection', to: 'analysis' }],
  ['obligation.recorded', { obligation: 'gdpr-art33', action: 'approved' }],
  ['entry.retracted', { seq: 5, of: 'obligation.recorded', reason: 'too early', obligation: { id: 'gdpr-art33', progress: { status: 'drafted', triggered: false, drafted_by: 'alice' } } }],
]);
/** What the comms role reads: every header, every payload but the facts. */
const visible = ROWS.filter((r) => r.type !== 'facts.recorded');

describe('the log as a reader who may not see every payload sees it', () => {
  it('lists every entry, the hidden ones without their event, and finds no problem in a sound chain', () => {
    const log = redactedChain(ROWS.map(header), visible);
    expect(log.problem).toBeUndefined();
    expect(log.hidden).toBe(1);
    expect(log.entries.map((e) => [e.header.seq, e.event?.type ?? 'hidden'])).toEqual([[1, 'incident.opened'], [2, 'hidden'], [3, 'obligation.recorded'], [4, 'phase.advanced'], [5, 'obligation.recorded'], [6, 'entry.retracted']]);
  });

  it('names a readable entry edited before the first hidden one, a hidden entry whose hash changed (the next link breaks), a missing seq, and a row the headers lack', () => {
    const edited = visible.map((r) => (r.seq === 1 ? { ...r, payload: r.payload.replace('"T"', '"U"') } : r));
    expect(redactedChain(ROWS.map(header), edited).problem).toEqual({ seq: 1, problem: 'seq 1 (incident.opened) was altered after it was written (hash mismatch)' });
    // Past the first hidden entry nothing is re-hashed: on a server the hashes this reader is given
    // there are keyed digests (a real hash would confirm guesses of the hidden payload).
    const later = visible.map((r) => (r.seq === 3 ? { ...r, payload: r.payload.replace('drafted', 'sent') } : r));
    expect(redactedChain(ROWS.map(header), later).problem).toBeUndefined();
    // A row shown with fields withheld is not re-hashed either.
    const partial = visible.map((r) => (r.seq === 1 ? { ...r, payload: '{"title":"T"}', withheld: ['mode', 'playbook'] } : r));
    expect(redactedChain(ROWS.map(header), partial)).toMatchObject({ partial: 1, hidden: 1 });
    expect(redactedChain(ROWS.map(header), partial).problem).toBeUndefined();
    const rehashed = ROWS.map(header).map((h) => (h.seq === 2 ? { ...h, hash: 'f'.repeat(64) } : h));
    expect(redactedChain(rehashed, visible).problem).toEqual({ seq: 3, problem: 'seq 3 does not chain to seq 2 (prev_hash differs)' });
    expect(redactedChain(ROWS.map(header).filter((h) => h.seq !== 2), visible).problem).toEqual({ seq: 2, problem: 'seq 2 is missing (next stored is 3)' });
    expect(redactedChain(ROWS.map(header).slice(0, 5), visible).problem).toEqual({ seq: 6, problem: 'seq 6 is readable but missing from the event headers' });
  });

  it('derives the phase and each notice from the readable entries, a withdrawn record restored as the retraction says', () => {
    const s = redactedStatus(redactedChain(ROWS.map(header), visible));
    expect(s.phase).toBe('analysis');
    expect(s.notices).toEqual([{ obligation: 'gdpr-art33', status: 'drafted', triggered: false, drafted_by: 'alice' }]);
    const before = redactedStatus(redactedChain(ROWS.slice(0, 5).map(header), visible.filter((r) => r.seq <= 5)));
    expect(before.notices[0]).toMatchObject({ status: 'approved', drafted_by: 'alice', approved_by: 'alice' });
  });
});
