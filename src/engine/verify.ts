import { canonicalJson } from '../domain/canonical.js';
import { contentHash, eventHash, GENESIS_HASH } from '../store/hash.js';
import type { Engine } from './engine.js';

export interface VerifyResult {
  readonly incident: string;
  readonly ok: boolean;
  readonly events: number;
  readonly head_hash: string;
  /** The first bad event, or 0 when the problem is not one event (pinned playbook, snapshot). */
  readonly first_bad_seq?: number;
  readonly problem?: string;
}

/**
 * Re-derive everything from what is on disk: seq continuity, the hash chain, the pinned playbook's
 * hash, and a full replay compared with the cached snapshot. Detects edits made after someone
 * dropped the append-only triggers.
 */
export async function verifyIncident(engine: Engine, id: string): Promise<VerifyResult> {
  const row = engine.incident(id);
  let prev = GENESIS_HASH;
  let expected = 1;
  const bad = (seq: number, problem: string): VerifyResult => ({ incident: id, ok: false, events: expected - 1, head_hash: prev, first_bad_seq: seq, problem });
  for (const r of engine.store.rawEvents(id)) {
    if (r.seq !== expected) return bad(expected, `seq ${expected} is missing (next stored is ${r.seq})`);
    if (r.prev_hash !== prev) return bad(r.seq, `seq ${r.seq} does not chain to seq ${r.seq - 1} (prev_hash differs)`);
    let payload: unknown;
    try {
      payload = JSON.parse(r.payload);
    } catch {
      return bad(r.seq, `seq ${r.seq} payload is not JSON`);
    }
    const h = eventHash(prev, { incident: r.incident, seq: r.seq, type: r.type, at: r.at, recorded_at: r.recorded_at, actor: r.actor, payload });
    if (h !== r.hash) return bad(r.seq, `seq ${r.seq} (${r.type}) was altered after it was written (hash mismatch)`);
    prev = r.hash;
    expected++;
  }
  const events = expected - 1;
  if (events === 0) return { incident: id, ok: false, events, head_hash: prev, first_bad_seq: 1, problem: 'the incident has no events' };
  const pb = engine.store.playbook(row.playbook_hash);
  if (!pb || contentHash(pb.content) !== row.playbook_hash) {
    return { incident: id, ok: false, events, head_hash: prev, first_bad_seq: 0, problem: 'the pinned playbook content does not match its hash' };
  }
  let replayed;
  try {
    replayed = await engine.replay(id, engine.runbookOf(row));
  } catch (err) {
    const m = /event (\d+)/.exec((err as Error).message);
    return { incident: id, ok: false, events, head_hash: prev, first_bad_seq: m ? Number(m[1]) : 1, problem: `replay failed: ${(err as Error).message}` };
  }
  const cached = engine.store.snapshot(id);
  if (cached && cached.seq !== events) {
    return { incident: id, ok: false, events, head_hash: prev, first_bad_seq: Math.min(cached.seq, events) + 1, problem: `the snapshot was taken at seq ${cached.seq} but the log ends at seq ${events} (events missing or not cached)` };
  }
  if (cached) {
    const snap = JSON.parse(cached.state) as { machine: number };
    if (snap.machine === replayed.machine && canonicalJson(snap) !== canonicalJson(replayed)) {
      return { incident: id, ok: false, events, head_hash: prev, first_bad_seq: cached.seq, problem: `the cached snapshot at seq ${cached.seq} differs from a replay of the events` };
    }
  }
  return { incident: id, ok: true, events, head_hash: prev };
}
