import type { NewEvent, StoredEvent } from '../domain/events.js';
import { EventStore, type OpenOptions } from './event-store.js';
import type { SignatureRow } from './signature.js';
import type { AppendOptions, EventRow, Head, IncidentRow, OpenIncidentArgs, PlaybookRow, StorePort } from './port.js';

/**
 * The SQLite driver of the store port: today's EventStore (synchronous, one file), wrapped. Its
 * errors are already translated by EventStore (sqlite-errors.ts); its own clock writes recorded_at.
 */
export class SqliteStore implements StorePort {
  readonly driver = 'sqlite' as const;
  private constructor(readonly inner: EventStore) {}

  static open(path: string, opts: OpenOptions): SqliteStore {
    return new SqliteStore(EventStore.open(path, opts));
  }

  get location(): string {
    return this.inner.path;
  }

  get canWrite(): boolean {
    return this.inner.canWrite;
  }

  async schemaVersion(): Promise<number> {
    return this.inner.schemaVersion();
  }

  async playbook(hash: string): Promise<PlaybookRow | undefined> {
    return this.inner.playbook(hash);
  }

  async incident(id: string): Promise<IncidentRow | undefined> {
    return this.inner.incident(id);
  }

  async incidents(): Promise<IncidentRow[]> {
    return this.inner.incidents();
  }

  async openIncident(args: OpenIncidentArgs): Promise<StoredEvent> {
    return this.inner.openIncident({ ...args, recordedAt: args.recordedAt ?? new Date().toISOString(), snapshot: args.snapshot });
  }

  async head(incident: string): Promise<Head> {
    return this.inner.head(incident);
  }

  async events(incident: string, afterSeq = 0): Promise<StoredEvent[]> {
    return this.inner.events(incident, afterSeq);
  }

  async rawEvents(incident: string, afterSeq = 0): Promise<EventRow[]> {
    return this.inner.rawEvents(incident, afterSeq);
  }

  async append(incident: string, expected: Head, events: readonly NewEvent[], opts: AppendOptions = {}): Promise<StoredEvent[]> {
    return this.inner.append(incident, expected, events, opts.recordedAt ?? new Date().toISOString(), opts.snapshot, opts.signers);
  }

  async signatures(incident: string): Promise<SignatureRow[]> {
    return this.inner.signatures(incident);
  }

  async close(): Promise<void> {
    this.inner.close();
  }
}
