import type { NewEvent, StoredEvent } from '../domain/events.js';
import type { EventHeader, RedactedRow } from '../engine/redacted-log.js';
import type { EventRow, Head, Problem, SnapshotRow } from './integrity.js';
import type { SignatureRow, Signer } from './signature.js';

export type { EventRow, Head, Problem } from './integrity.js';

/** The snapshot as stored, with whether it is sealed to the log (and why not, when it fails). */
export interface Snapshot extends SnapshotRow {
  /** Sealed to the hash of the event at its seq: safe to serve. False for a cache written before the binding (replayed instead). */
  readonly bound: boolean;
  /** Why it must not be used, when it is sealed but does not match the log. */
  readonly problem?: string;
}

/**
 * What the engine reads to know an incident's state, in one consistent read: the head; then, unless
 * it is the head the caller already holds, the snapshot and the events after the seq `accept`
 * chose to start from (the snapshot's seq when it is usable, else 0: every event).
 */
export type StateRead =
  | { readonly head: Head; readonly unchanged: true }
  | { readonly head: Head; readonly unchanged: false; readonly snapshot?: Snapshot; readonly tail: StoredEvent[] };

/** Everything verify re-derives an incident from, read in one consistent read. */
export interface IntegrityRead {
  readonly row: IncidentRow;
  readonly rows: EventRow[];
  /** The signatures beside the rows (store/signature.ts), read with them. */
  readonly signatures: SignatureRow[];
  readonly bindings: Problem[];
  readonly triggers: string[];
  readonly playbook?: PlaybookRow;
  readonly snapshot?: Snapshot;
  readonly head: Head;
  /** The seq of `expectHead` in the log, when one was asked for and found. */
  readonly expectedAt?: number;
}

/** A change on an incident seen by a subscriber: the new head only (the subscriber reads what it needs). */
export interface HeadChange {
  readonly incident: string;
  readonly seq: number;
}

export interface IncidentRow {
  readonly id: string;
  readonly title: string;
  readonly mode: 'real' | 'drill';
  readonly playbook_hash: string;
  readonly opened_at: string;
}

export interface PlaybookRow {
  readonly hash: string;
  readonly id: string;
  readonly version: string;
  readonly content: string;
  readonly source: string;
}

export interface OpenIncidentArgs {
  readonly prefix: string;
  readonly year: number;
  readonly title: string;
  readonly mode: 'real' | 'drill';
  readonly playbook: PlaybookRow;
  /** When the store writes the events; omitted: the store's own clock (PostgreSQL: the server's). A drill passes its drill time. */
  readonly recordedAt?: string;
  readonly opened: (id: string, sourceSha256: string) => NewEvent;
  readonly snapshot?: (id: string, sourceSha256: string) => string;
}

export interface AppendOptions {
  /** As for OpenIncidentArgs.recordedAt. */
  readonly recordedAt?: string;
  /** The folded state after these events, cached in the same transaction. */
  readonly snapshot?: string;
  /**
   * Responders' signing keys (issue 13): each event whose actor has one is signed inside the
   * transaction, the signature stored beside it. An actor who registered a key in the incident and
   * has no signer here is refused (nothing written).
   */
  readonly signers?: readonly Signer[];
}

/**
 * The store port: what the rest of irr may ask of a store, asynchronous because a network store is.
 * Two drivers implement it: SQLite (sqlite-store.ts, the laptop file) and PostgreSQL
 * (postgres/pg-store.ts, the team server). Both keep the same log: append-only events chained by
 * SHA-256 over the payload text exactly as stored, optimistic concurrency on (incident, seq)
 * (a lost race is StaleHead, nothing written), and translate their own errors into irr's.
 */
export interface StorePort {
  readonly driver: 'sqlite' | 'postgres';
  /** Where the data lives, for messages: a path, or a URL without its password. */
  readonly location: string;
  readonly canWrite: boolean;
  /** On a server, the role this session is connected as (what row-level security checks the actor against); undefined for a file. */
  readonly serverUser?: string;
  /**
   * On a server, whether this role reads only part of each incident's log (irr_comms: the timeline
   * and the notices, not the facts and notes), so that commands show that part instead of a state
   * they cannot fold.
   */
  readonly readsRedacted?: boolean;
  /** Every event's header and the events this role may read, in one consistent read (servers only). */
  redactedLog?(incident: string): Promise<{ headers: EventHeader[]; rows: RedactedRow[] }>;
  schemaVersion(): Promise<number>;
  playbook(hash: string): Promise<PlaybookRow | undefined>;
  incident(id: string): Promise<IncidentRow | undefined>;
  incidents(): Promise<IncidentRow[]>;
  /** Pin the playbook, allocate the next id for the year without races, write the row and the first event. */
  openIncident(args: OpenIncidentArgs): Promise<StoredEvent>;
  head(incident: string): Promise<Head>;
  events(incident: string, afterSeq?: number): Promise<StoredEvent[]>;
  /** Rows with the payload as stored text: what verify re-hashes. */
  rawEvents(incident: string, afterSeq?: number): Promise<EventRow[]>;
  /** The signatures beside an incident's events (store/signature.ts), by seq. */
  signatures(incident: string): Promise<SignatureRow[]>;
  /** An incident's rows as stored and their signatures, in one consistent read (export, evidence). */
  signedLog(incident: string): Promise<{ rows: EventRow[]; signatures: SignatureRow[] }>;
  /** Per actor, the key fingerprints registered in the incident (only the actors asked about). */
  registeredKeys(incident: string, actors?: ReadonlySet<string>): Promise<Map<string, Set<string>>>;
  /** Append after `expected`; StaleHead (nothing written) when another writer got there first. */
  append(incident: string, expected: Head, events: readonly NewEvent[], opts?: AppendOptions): Promise<StoredEvent[]>;
  /**
   * Run `fn` (read the head, decide, append) holding the incident's lock across processes, so
   * writers that lost a race queue instead of spinning. PostgreSQL: a session advisory lock on
   * hashtext(incident) held on a reserved connection; SQLite: a queue per file and incident within
   * the process (each append already takes the file's write lock across processes).
   */
  exclusive<T>(incident: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Head, snapshot and tail in one read. `known`: the head the caller holds (answered `unchanged`
   * when it still is); `accept`: given the stored snapshot, the seq to read events after (0: all).
   */
  readState(incident: string, known: Head | undefined, accept: (snapshot: Snapshot | undefined, head: Head) => number): Promise<StateRead>;
  /** Refresh the derivable snapshot cache (never moves it backwards). */
  putSnapshot(incident: string, seq: number, state: string, headHash: string): Promise<void>;
  /** The latest `at` of an incident's events: a drill's clock (drill time lives only in its events). */
  latestAt(incident: string): Promise<string | undefined>;
  /** The first event (incident.opened) alone. */
  firstEvent(incident: string): Promise<StoredEvent | undefined>;
  /** Whether the incident's log holds an event of this type. */
  hasEvent(incident: string, type: string): Promise<boolean>;
  /** The incidents row and pinned playbook against the hashed incident.opened. */
  bindingProblems(incident: string): Promise<Problem[]>;
  /** What verify needs of one incident, in one read; undefined when there is no such incident row. */
  integrityRead(incident: string, expectHead?: string): Promise<IntegrityRead | undefined>;
  /** The incident ids and the problems of the database as a whole (triggers under "*", rows deleted). */
  databaseRead(): Promise<{ ids: string[]; problems: { incident: string; problem: string }[] }>;
  /**
   * Call `onChange` when another client appends to the incident (PostgreSQL: LISTEN/NOTIFY carrying
   * the id and seq only; SQLite: a cheap poll of the head). Returns the unsubscribe function.
   */
  subscribe(incident: string, onChange: (change: HeadChange) => void): Promise<() => Promise<void>>;
  /**
   * Who holds an approver role by the store's own authority: on a server, the members of
   * irr_approver (a DPO approves on every incident); a file has none (roles are per incident there).
   */
  serverApprovers(): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** Which driver a `--db` value names: a postgres:// or postgresql:// URL, else a SQLite file path. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * Open a store by its `--db` value. The PostgreSQL client is imported only for a postgres URL, so
 * the laptop path never loads it (and starts as fast as before).
 */
/** `key`: an encrypted SQLite file's passphrase (a server has none: it is the server's to encrypt). */
export async function openStore(db: string, opts: { create: boolean; readonly?: boolean; key?: string }): Promise<StorePort> {
  if (isPostgresUrl(db)) {
    const { PgStore } = await import('./postgres/pg-store.js');
    return PgStore.connect(db, opts);
  }
  const { SqliteStore } = await import('./sqlite-store.js');
  return SqliteStore.open(db, opts);
}
