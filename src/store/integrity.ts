import { canonicalJson } from '../domain/canonical.js';
import { contentHash, eventBody, GENESIS_HASH, hashBody } from './hash.js';
import { MIGRATIONS } from './migrations.js';

/**
 * What binds every table to the hashed log, as pure checks over rows: the store runs the cheap ones
 * before every append (one incident's chain, its bindings, the triggers) and verify runs them all.
 * Each returns the problems found, worded for a responder, never throws.
 */

export interface EventRow {
  incident: string;
  seq: number;
  type: string;
  at: string;
  recorded_at: string;
  actor: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface Head {
  readonly seq: number;
  readonly hash: string;
}

export interface Problem {
  /** The first bad event, or 0 when the problem is not one event (a table, a trigger). */
  readonly seq: number;
  readonly problem: string;
}

/** The append-only triggers as the migrations create them (name → SQL, whitespace-normalised). */
const EXPECTED_TRIGGERS: ReadonlyMap<string, { sql: string; version: number }> = new Map(
  MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TRIGGER (\w+)[\s\S]*?END;/g)].map((t) => [t[1]!, { sql: t[0].slice(0, -1), version: m.version }] as const)),
);

function normalise(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/** Every append-only trigger present with its original text: a dropped or replaced one is named. */
export function triggerProblems(actual: readonly { name: string; sql: string | null }[], schemaVersion?: number): string[] {
  const have = new Map(actual.map((t) => [t.name, t.sql ?? '']));
  const out: string[] = [];
  for (const [name, { sql, version }] of EXPECTED_TRIGGERS) {
    // A read-only file of an older schema has only the triggers of its migrations.
    if (schemaVersion !== undefined && version > schemaVersion) continue;
    const got = have.get(name);
    // SQLite keeps the statement as written; whitespace aside, it must be the migration's.
    if (got === undefined) out.push(`trigger ${name} is missing (someone dropped it: UPDATE/DELETE are no longer refused)`);
    else if (got !== sql && normalise(got) !== normalise(sql)) out.push(`trigger ${name} was replaced by a different one`);
  }
  return out;
}

/** Whether the stored row hashes to its `hash`: over the stored payload text, or, for rows written before irr hashed that text, over its canonical form. */
export function rowHashMatches(prev: string, r: EventRow): boolean | 'not-json' {
  if (hashBody(prev, eventBody(r, r.payload)) === r.hash) return true;
  let canonical: string;
  try {
    canonical = canonicalJson(JSON.parse(r.payload));
  } catch {
    return 'not-json';
  }
  return canonical !== r.payload && hashBody(prev, eventBody(r, canonical)) === r.hash;
}

/**
 * Walks one incident's rows in seq order from a known good head: seq continuity, links and hashes.
 * `next` returns the problem of the first bad row; after a problem the walk is over.
 */
export class ChainWalk {
  private prev: Head;
  constructor(from: Head = { seq: 0, hash: GENESIS_HASH }) {
    this.prev = from;
  }

  get head(): Head {
    return this.prev;
  }

  next(r: EventRow): Problem | undefined {
    const expected = this.prev.seq + 1;
    if (r.seq !== expected) return { seq: expected, problem: `seq ${expected} is missing (next stored is ${r.seq})` };
    if (r.prev_hash !== this.prev.hash) return { seq: r.seq, problem: `seq ${r.seq} does not chain to seq ${r.seq - 1} (prev_hash differs)` };
    const ok = rowHashMatches(this.prev.hash, r);
    if (ok === 'not-json') return { seq: r.seq, problem: `seq ${r.seq} payload is not JSON` };
    if (!ok) return { seq: r.seq, problem: `seq ${r.seq} (${r.type}) was altered after it was written (hash mismatch)` };
    this.prev = { seq: r.seq, hash: r.hash };
    return undefined;
  }
}

export interface IncidentRowLike {
  readonly id: string;
  readonly title: string;
  readonly mode: string;
  readonly playbook_hash: string;
  readonly opened_at: string;
}

export interface PlaybookRowLike {
  readonly hash: string;
  readonly id: string;
  readonly version: string;
  readonly content: string;
  readonly source: string;
}

interface OpenedPayload {
  title?: unknown;
  mode?: unknown;
  playbook?: { id?: unknown; version?: unknown; hash?: unknown; source_sha256?: unknown };
}

/**
 * The `incidents` row and the pinned `playbooks` row against what the hashed `incident.opened`
 * says (the first event's own hash is checked by the chain walk). Seq 1 names the event they
 * disagree with.
 */
export function bindingProblems(
  row: IncidentRowLike,
  opened: EventRow | undefined,
  playbook: (Omit<PlaybookRowLike, 'content' | 'source'> & Partial<Pick<PlaybookRowLike, 'content' | 'source'>>) | undefined,
): Problem[] {
  if (!opened) return [{ seq: 1, problem: `the incidents row of ${row.id} has no events (its log was deleted)` }];
  if (opened.seq !== 1 || opened.type !== 'incident.opened') return [{ seq: 1, problem: `the first event of ${row.id} is not incident.opened` }];
  let p: OpenedPayload;
  try {
    p = JSON.parse(opened.payload) as OpenedPayload;
  } catch {
    return [{ seq: 1, problem: 'seq 1 payload is not JSON' }];
  }
  const out: Problem[] = [];
  const differs = (what: string, stored: unknown, logged: unknown) =>
    out.push({ seq: 1, problem: `the incidents row's ${what} (${JSON.stringify(stored)}) differs from incident.opened at seq 1 (${JSON.stringify(logged)}): the table was edited` });
  if (row.title !== p.title) differs('title', row.title, p.title);
  if (row.mode !== p.mode) differs('mode', row.mode, p.mode);
  if (row.opened_at !== opened.at) differs('opened_at', row.opened_at, opened.at);
  if (row.playbook_hash !== p.playbook?.hash) differs('playbook_hash', row.playbook_hash, p.playbook?.hash);
  const pinned = p.playbook?.hash;
  if (!playbook) {
    out.push({ seq: 1, problem: `the playbook pinned at seq 1 (${String(pinned)}) is missing from the playbooks table` });
    return out;
  }
  // Content and source are hashed when given (a caller that checked them already passes neither).
  if (playbook.content !== undefined && contentHash(playbook.content) !== playbook.hash) out.push({ seq: 0, problem: 'the pinned playbook content does not match its hash' });
  if (playbook.hash !== pinned) out.push({ seq: 1, problem: `the playbook served (${playbook.hash}) is not the one pinned at seq 1 (${String(pinned)})` });
  if (playbook.id !== p.playbook?.id || playbook.version !== p.playbook?.version) {
    out.push({ seq: 1, problem: `the pinned playbook's id/version (${playbook.id} ${playbook.version}) differ from incident.opened at seq 1` });
  }
  if (playbook.source !== undefined && typeof p.playbook?.source_sha256 === 'string' && contentHash(playbook.source) !== p.playbook.source_sha256) {
    out.push({ seq: 1, problem: 'the pinned playbook source (YAML text) was edited: it no longer hashes to the source_sha256 recorded at seq 1' });
  }
  return out;
}

/** SHA-256 binding a snapshot's state to the event it was folded up to. */
export function snapshotSeal(headHash: string, state: string): string {
  return contentHash(`${headHash}\n${state}`);
}

export interface SnapshotRow {
  readonly seq: number;
  readonly state: string;
  readonly head_hash: string | null;
  readonly state_sha256: string | null;
}

/**
 * A snapshot may be served only if it names the hash of the event at its seq and its seal matches
 * (a cache written before the binding existed has neither: it is replayed, never trusted).
 */
export function snapshotProblem(snap: SnapshotRow, hashAtSeq: string | undefined): string | undefined {
  if (snap.head_hash === null || snap.state_sha256 === null) return undefined;
  if (hashAtSeq === undefined) return `the snapshot was taken at seq ${snap.seq} but the log has no seq ${snap.seq}; events are missing`;
  if (snap.head_hash !== hashAtSeq) return `the snapshot at seq ${snap.seq} names head ${snap.head_hash.slice(0, 16)}…, but the event at seq ${snap.seq} is ${hashAtSeq.slice(0, 16)}… (the log was re-hashed or the snapshot edited)`;
  if (snapshotSeal(snap.head_hash, snap.state) !== snap.state_sha256) return `the snapshot at seq ${snap.seq} was edited (its seal does not match its state)`;
  return undefined;
}

/**
 * Incident ids are allocated without gaps per prefix and year (INC-2026-0001, -0002…): a missing
 * number is an incident deleted whole. Returns the missing ids.
 */
export function missingIds(ids: readonly string[]): string[] {
  const groups = new Map<string, number[]>();
  for (const id of ids) {
    const m = /^([A-Z]+-\d{4}-)(\d+)$/.exec(id);
    if (!m) continue;
    const list = groups.get(m[1]!) ?? [];
    list.push(Number(m[2]));
    groups.set(m[1]!, list);
  }
  const out: string[] = [];
  for (const [stem, ns] of groups) {
    const have = new Set(ns);
    const max = Math.max(...ns);
    for (let n = 1; n < max; n++) if (!have.has(n)) out.push(`${stem}${String(n).padStart(4, '0')}`);
  }
  return out.sort();
}
