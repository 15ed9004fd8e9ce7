import type { NewEvent, StoredEvent } from '../domain/events.js';
import type { EventRow, Head } from './integrity.js';
import type { SignatureRow, Signer } from './signature.js';

export type { EventRow, Head } from './integrity.js';

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
  /** Append after `expected`; StaleHead (nothing written) when another writer got there first. */
  append(incident: string, expected: Head, events: readonly NewEvent[], opts?: AppendOptions): Promise<StoredEvent[]>;
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
export async function openStore(db: string, opts: { create: boolean; readonly?: boolean }): Promise<StorePort> {
  if (isPostgresUrl(db)) {
    const { PgStore } = await import('./postgres/pg-store.js');
    return PgStore.connect(db, opts);
  }
  const { SqliteStore } = await import('./sqlite-store.js');
  return SqliteStore.open(db, opts);
}
