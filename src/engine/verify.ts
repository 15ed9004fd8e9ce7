import { canonicalJson } from '../domain/canonical.js';
import type { StoredEvent } from '../domain/events.js';
import { contentHash, eventHash, GENESIS_HASH } from '../store/hash.js';
import type { Engine } from './engine.js';

export interface VerifyResult {
  readonly incident: string;
  readonly ok: boolean;
  readonly events: number;
  readonly head_hash: string;
  /** The first bad event, or 0 when the problem is not one event (pinned playbook). */
  readonly first_bad_seq?: number;
  readonly problem?: string;
}

/**
 * Re-derive everything from what is on disk: seq continuity, the hash chain, the pinned playbook's
 * hash, and a full replay compared with the cached snapshot. Detects edits made after someone
 * dropped the append-only triggers. Everything is read in one read transaction, so a responder
 * writing in another terminal never makes a sound log look tampered with.
 */
export async function verifyIncident(engine: Engine, id: string): Promise<VerifyResult> {
  const row = engine.incident(id);
  const { rows, playbook, snapshot } = engine.store.read(() => ({
    rows: [...engine.store.rawEvents(id)],
    playbook: engine.store.playbook(row.playbook_hash),
    snapshot: engine.store.snapshot(id),
  }));
  let prev = GENESIS_HASH;
  let expected = 1;
  const events: StoredEvent[] = [];
  const bad = (seq: number, problem: string): VerifyResult => ({ incident: id, ok: false, events: expected - 1, head_hash: prev, first_bad_seq: seq, problem });
  for (const r of rows) {
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
    events.push({ ...r, payload } as unknown as StoredEvent);
    prev = r.hash;
    expected++;
  }
  const count = expected - 1;
  const fail = (seq: number, problem: string): VerifyResult => ({ incident: id, ok: false, events: count, head_hash: prev, first_bad_seq: seq, problem });
  if (count === 0) return fail(1, 'the incident has no events');
  if (!playbook || contentHash(playbook.content) !== row.playbook_hash) return fail(0, 'the pinned playbook content does not match its hash');
  let replayed;
  try {
    replayed = await engine.replay(id, engine.runbookOf(row), events);
  } catch (err) {
    const m = /event (\d+)/.exec((err as Error).message);
    return fail(m ? Number(m[1]) : 1, `replay failed: ${(err as Error).message}`);
  }
  if (snapshot && snapshot.seq !== count) {
    return fail(Math.min(snapshot.seq, count) + 1, `the snapshot was taken at seq ${snapshot.seq} but the log ends at seq ${count} (events missing or not cached)`);
  }
  if (snapshot) {
    const snap = JSON.parse(snapshot.state) as { machine: number };
    if (snap.machine === replayed.machine && canonicalJson(snap) !== canonicalJson(replayed)) {
      return fail(snapshot.seq, `the cached snapshot at seq ${snapshot.seq} differs from a replay of the events`);
    }
  }
  return { incident: id, ok: true, events: count, head_hash: prev };
}
