import type { StoredEvent } from '../domain/events.js';
import { WORK_PHASES, type Phase } from '../domain/phases.js';
import type { ObligationProgress } from '../domain/progress.js';
import { nextObligationProgress } from '../machine/obligation-progress.js';
import { GENESIS_HASH } from '../store/hash.js';
import { rowHashMatches, type EventRow, type Problem } from '../store/integrity.js';

/**
 * An incident's log as a reader who may not see every payload sees it (on a team server, the comms
 * role: the timeline and the notices, not the facts and notes). Every entry's header (seq, type,
 * times, actor, hashes) is read, the payloads only where the policy allows. Pure.
 */
export type EventHeader = Omit<EventRow, 'payload'>;

/**
 * A row this reader may read: its payload, cut down where some fields are withheld from it
 * (`withheld` names them, dotted for nested ones; none: the payload exactly as stored).
 */
export type RedactedRow = EventRow & { readonly withheld?: readonly string[] };

export interface RedactedEntry {
  readonly header: EventHeader;
  /** The event, where its payload may be read; undefined: hidden from this reader. */
  readonly event?: StoredEvent;
  /** The payload's fields withheld from this reader (the event holds the rest); empty: the whole payload. */
  readonly withheld: readonly string[];
}

export interface RedactedLog {
  readonly entries: readonly RedactedEntry[];
  readonly hidden: number;
  /** Entries shown with some fields withheld (their own hash cannot be checked either). */
  readonly partial: number;
  /** The first break of the chain found, or undefined. */
  readonly problem?: Problem;
}

const sameHeader = (h: EventHeader, r: EventRow) => h.seq === r.seq && h.type === r.type && h.at === r.at && h.recorded_at === r.recorded_at && h.actor === r.actor && h.prev_hash === r.prev_hash && h.hash === r.hash;

/**
 * The chain checked as far as this reader can: seq continuity and every link (each prev_hash is the
 * hash before it) across all entries, and the own hash of each entry before the first one not wholly
 * readable. A hidden entry's own hash cannot be recomputed without its payload, nor one shown with
 * fields withheld; on a server the later hashes are keyed digests (a hash would let the reader test
 * guesses of a hidden payload): that is the limit, said by the caller.
 */
export function redactedChain(headers: readonly EventHeader[], rows: readonly RedactedRow[]): RedactedLog {
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const entries: RedactedEntry[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH };
  let problem: Problem | undefined;
  // Until the first entry not wholly readable: past it, the hashes this reader is given are keyed
  // digests (PostgreSQL migration 8), which link but cannot be recomputed.
  let rehashable = true;
  for (const h of headers) {
    const row = bySeq.get(h.seq);
    if (!row || row.withheld?.length) rehashable = false;
    if (!problem) {
      if (h.seq !== prev.seq + 1) problem = { seq: prev.seq + 1, problem: `seq ${prev.seq + 1} is missing (next stored is ${h.seq})` };
      else if (h.prev_hash !== prev.hash) problem = { seq: h.seq, problem: `seq ${h.seq} does not chain to seq ${h.seq - 1} (prev_hash differs)` };
      else if (row && (!sameHeader(h, row) || (rehashable && !row.withheld?.length && rowHashMatches(prev.hash, row) !== true))) problem = { seq: h.seq, problem: `seq ${h.seq} (${h.type}) was altered after it was written (hash mismatch)` };
    }
    let event: StoredEvent | undefined;
    if (row) {
      try {
        event = { ...row, payload: JSON.parse(row.payload) } as unknown as StoredEvent;
      } catch {
        problem ??= { seq: h.seq, problem: `seq ${h.seq} payload is not JSON` };
      }
    }
    entries.push(event ? { header: h, event, withheld: row?.withheld ?? [] } : { header: h, withheld: ['*'] });
    prev = { seq: h.seq, hash: h.hash };
  }
  // A readable row the headers do not list: the two reads disagree.
  for (const r of rows) if (!headers.some((h) => h.seq === r.seq)) problem ??= { seq: r.seq, problem: `seq ${r.seq} is readable but missing from the event headers` };
  return { entries, hidden: entries.filter((e) => !e.event).length, partial: entries.filter((e) => e.event && e.withheld.length > 0).length, ...(problem ? { problem } : {}) };
}

export interface RedactedStatus {
  readonly phase: Phase;
  /** Each notice's progress, from the obligation entries this reader sees (they are never hidden). */
  readonly notices: readonly ({ readonly obligation: string } & ObligationProgress)[];
}

/**
 * What the timeline shows without the facts: the phase (opened, advanced, reopened, closed) and
 * every notice's progress by the fold's own reducer, withdrawn obligation records restored as the
 * retraction says. Deadlines are not here: they are computed from facts.
 */
export function redactedStatus(log: RedactedLog): RedactedStatus {
  let phase: Phase = WORK_PHASES[0];
  const notices = new Map<string, ObligationProgress>();
  for (const { event: e } of log.entries) {
    if (!e) continue;
    if (e.type === 'phase.advanced' || e.type === 'phase.reopened') phase = e.payload.to;
    else if (e.type === 'incident.closed') phase = 'closed';
    else if (e.type === 'obligation.triggered' || e.type === 'obligation.cleared' || e.type === 'obligation.recorded') notices.set(e.payload.obligation, nextObligationProgress(notices.get(e.payload.obligation), e));
    else if (e.type === 'entry.retracted' && e.payload.obligation) notices.set(e.payload.obligation.id, e.payload.obligation.progress);
  }
  return { phase, notices: [...notices].map(([obligation, p]) => ({ obligation, ...p })) };
}
