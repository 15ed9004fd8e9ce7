import { canonicalJson } from '../domain/canonical.js';
import { InvalidInput } from '../domain/errors.js';
import type { StoredEvent } from '../domain/events.js';
import type { Runbook } from '../domain/runbook.js';
import { ChainWalk, type Problem } from '../store/integrity.js';
import type { Engine } from './engine.js';
import { signatureProblem } from '../store/signature.js';
import { checkpointProblems, type Checkpoint } from './checkpoint.js';

export interface VerifyResult {
  readonly incident: string;
  readonly ok: boolean;
  readonly events: number;
  readonly head_hash: string;
  /** The first bad event, or 0 when the problem is not one event (a table, a trigger). */
  readonly first_bad_seq?: number;
  readonly problem?: string;
  /** Every problem found, the first one first (`problem` is problems[0]). */
  readonly problems?: readonly string[];
}

const SHA256 = /^[0-9a-f]{64}$/;

/** `--expect-head`: a SHA-256 in lower-case hex, as irr prints it. */
export function parseExpectedHead(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const h = raw.trim().toLowerCase();
  if (!SHA256.test(h)) throw new InvalidInput(`--expect-head: "${raw.slice(0, 80)}" is not a SHA-256 (64 hex digits, as printed by irr)`);
  return h;
}

/**
 * Re-derive everything from what is on disk: seq continuity and the hash chain (over the stored
 * text), the incidents and playbooks rows against the hashed incident.opened, the append-only
 * triggers, the snapshot's seal and a full replay compared with it, and, given an anchor printed
 * earlier, that the log still holds it. Everything is read in one read transaction, so a responder
 * writing in another terminal never makes a sound log look tampered with.
 */
export async function verifyIncident(engine: Engine, id: string, opts: { expectHead?: string; checkpoint?: Checkpoint } = {}): Promise<VerifyResult> {
  const read = await engine.integrityRead(id, opts.expectHead);
  if (!read) throw new InvalidInput(`<incident>: no incident "${id}" in ${engine.location} (irr list shows them)`);
  const problems: Problem[] = [];
  const walk = new ChainWalk();
  const events: StoredEvent[] = [];
  for (const r of read.rows) {
    const p = walk.next(r);
    if (p) {
      problems.push(p);
      break;
    }
    events.push({ ...r, payload: JSON.parse(r.payload) } as unknown as StoredEvent);
  }
  const chainOk = problems.length === 0;
  const count = walk.head.seq;
  if (chainOk && count === 0) problems.push({ seq: 1, problem: 'the incident has no events' });
  // Signatures next: a re-hashed tail passes the chain but not its signers' signatures.
  if (chainOk) {
    const sig = signatureProblem(read.rows, read.signatures);
    if (sig) problems.push(sig);
  }
  problems.push(...read.bindings);
  const snap = read.snapshot;
  if (snap?.problem && snap.seq <= count) problems.push({ seq: snap.seq, problem: snap.problem });
  // A replay needs a sound chain and the playbook that was pinned.
  if (chainOk && count > 0 && read.bindings.length === 0 && read.playbook) {
    let replayed;
    try {
      replayed = await engine.replay(id, JSON.parse(read.playbook.content) as Runbook, events);
    } catch (err) {
      const m = /event (\d+)/.exec((err as Error).message);
      problems.push({ seq: m ? Number(m[1]) : 1, problem: `replay failed: ${(err as Error).message}` });
    }
    // A snapshot behind the head (see SNAPSHOT_EVERY) is compared with a replay to its own seq: it
    // is served as the start of every later fold, so a resealed made-up state must show here too.
    if (replayed && snap && snap.seq < count && snap.seq >= 1 && !snap.problem) {
      try {
        replayed = await engine.replay(id, JSON.parse(read.playbook.content) as Runbook, events.filter((e) => e.seq <= snap.seq));
      } catch {
        replayed = undefined; // the whole log replayed: a prefix of it does too
      }
    }
    if (replayed && snap && snap.seq <= count && !snap.problem) {
      const state = JSON.parse(snap.state) as { machine: number };
      if (state.machine === replayed.machine && canonicalJson(state) !== canonicalJson(replayed)) {
        problems.push({ seq: snap.seq, problem: `the cached snapshot at seq ${snap.seq} differs from a replay of the events` });
      }
    }
  }
  // After the replay: a log the lifecycle refuses says more than a snapshot that is ahead. One
  // behind the head is normal (the engine refreshes the cache every SNAPSHOT_EVERY events and at
  // close; a crash in between leaves it behind): it is served as far as it goes.
  if (chainOk && count > 0 && snap && snap.seq > count) {
    problems.push({ seq: count + 1, problem: `the snapshot was taken at seq ${snap.seq} but the log ends at seq ${count} (events missing)` });
  }
  // Last: a dropped trigger concerns every incident, and says less than what was done with it.
  for (const t of read.triggers) problems.push({ seq: 0, problem: t });
  if (opts.expectHead !== undefined && read.head.hash !== opts.expectHead) {
    const at = read.expectedAt;
    problems.push(
      at === undefined
        ? { seq: 0, problem: `the log no longer contains ${opts.expectHead} (--expect-head) at any seq: its history was rewritten, or the hash is from another incident or database` }
        : { seq: at + 1, problem: `the head differs from --expect-head: ${opts.expectHead.slice(0, 16)}… is seq ${at}, but the log goes on to seq ${read.head.seq} (head ${read.head.hash}); ${read.head.seq - at} event${read.head.seq - at === 1 ? ' was' : 's were'} appended after it was printed` },
    );
  }
  if (opts.checkpoint) problems.push(...checkpointProblems(opts.checkpoint, read.rows));
  if (problems.length === 0) return { incident: id, ok: true, events: count, head_hash: walk.head.hash };
  return { incident: id, ok: false, events: count, head_hash: walk.head.hash, first_bad_seq: problems[0]!.seq, problem: problems[0]!.problem, problems: problems.map((p) => p.problem) };
}

/**
 * Every incident, and what only the database as a whole shows: incidents deleted whole (a gap in
 * the ids), events whose incidents row was deleted, and, with no incident to carry them, the
 * triggers' problems (reported under "(database)").
 */
export async function verifyDatabase(engine: Engine): Promise<VerifyResult[]> {
  const { ids, problems: db } = await engine.databaseRead();
  const results: VerifyResult[] = [];
  for (const id of ids) results.push(await verifyIncident(engine, id));
  for (const p of db) {
    if (p.incident === '*') {
      if (ids.length === 0) results.push({ incident: '(database)', ok: false, events: 0, head_hash: '', first_bad_seq: 0, problem: p.problem, problems: [p.problem] });
      continue; // otherwise reported with every incident
    }
    results.push({ incident: p.incident, ok: false, events: 0, head_hash: '', first_bad_seq: 0, problem: p.problem, problems: [p.problem] });
  }
  return results;
}
