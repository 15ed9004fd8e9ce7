import type { NewEvent, StoredEvent } from '../domain/events.js';
import { EventStore, type OpenOptions } from './event-store.js';
import type { SignatureRow } from './signature.js';
import type { AppendOptions, EventRow, Head, HeadChange, IncidentRow, IntegrityRead, OpenIncidentArgs, PlaybookRow, Problem, Snapshot, StateRead, StorePort } from './port.js';

/** How often a SQLite subscriber looks at the head (one indexed read): there is no server to notify it. */
const POLL_MS = 500;

/** The tail of each (file, incident) queue of `exclusive` callers in this process. */
const queues = new Map<string, Promise<void>>();

/**
 * The SQLite driver of the store port: today's EventStore (synchronous, one file), wrapped. Its
 * errors are already translated by EventStore (sqlite-errors.ts); its own clock writes recorded_at.
 */
export class SqliteStore implements StorePort {
  readonly driver = 'sqlite' as const;
  constructor(readonly inner: EventStore) {}

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

  async signedLog(incident: string): Promise<{ rows: EventRow[]; signatures: SignatureRow[] }> {
    const store = this.inner;
    return store.read(() => ({ rows: store.rawEvents(incident), signatures: store.signatures(incident) }));
  }

  async registeredKeys(incident: string, actors?: ReadonlySet<string>): Promise<Map<string, Set<string>>> {
    return this.inner.registeredKeys(incident, actors);
  }

  async readState(incident: string, known: Head | undefined, accept: (snapshot: Snapshot | undefined, head: Head) => number): Promise<StateRead> {
    const store = this.inner;
    return store.read((): StateRead => {
      const head = store.head(incident);
      if (known && known.seq === head.seq && known.hash === head.hash) return { head, unchanged: true };
      const snapshot = store.snapshot(incident);
      const from = accept(snapshot, head);
      return { head, unchanged: false, snapshot, tail: from === head.seq ? [] : store.events(incident, from) };
    });
  }

  async putSnapshot(incident: string, seq: number, state: string, headHash: string): Promise<void> {
    this.inner.putSnapshot(incident, seq, state, headHash);
  }

  async latestAt(incident: string): Promise<string | undefined> {
    return this.inner.latestAt(incident);
  }

  async firstEvent(incident: string): Promise<StoredEvent | undefined> {
    return this.inner.firstEvent(incident);
  }

  async hasEvent(incident: string, type: string): Promise<boolean> {
    return this.inner.hasEvent(incident, type);
  }

  async bindingProblems(incident: string): Promise<Problem[]> {
    return this.inner.bindingProblems(incident);
  }

  async integrityRead(incident: string, expectHead?: string): Promise<IntegrityRead | undefined> {
    const store = this.inner;
    return store.read(() => {
      const row = store.incident(incident);
      if (!row) return undefined;
      return {
        row,
        rows: store.rawEvents(incident),
        signatures: store.signatures(incident),
        bindings: store.bindingProblems(incident),
        triggers: store.triggerProblems(),
        playbook: store.playbook(row.playbook_hash),
        snapshot: store.snapshot(incident),
        head: store.head(incident),
        expectedAt: expectHead === undefined ? undefined : store.seqOfHash(incident, expectHead),
      };
    });
  }

  async databaseRead(): Promise<{ ids: string[]; problems: { incident: string; problem: string }[] }> {
    const store = this.inner;
    return store.read(() => ({ ids: store.incidents().map((r) => r.id), problems: store.databaseProblems() }));
  }

  async subscribe(incident: string, onChange: (change: HeadChange) => void): Promise<() => Promise<void>> {
    let seen = this.inner.head(incident).seq;
    const timer = setInterval(() => {
      let seq: number;
      try {
        seq = this.inner.head(incident).seq;
      } catch {
        return; // closed or busy: the next tick looks again
      }
      if (seq !== seen) {
        seen = seq;
        onChange({ incident, seq });
      }
    }, POLL_MS);
    timer.unref();
    return async () => clearInterval(timer);
  }

  /**
   * In-process queue per file and incident: the file's write lock serialises each append, but
   * engines of one process interleave at every await between reading the head and appending (the
   * signing lookup is one), so the losers of a race queue here instead of losing again and again.
   */
  async exclusive<T>(incident: string, fn: () => Promise<T>): Promise<T> {
    const key = `${this.inner.path}\0${incident}`;
    const before = queues.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    queues.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (queues.get(key) === tail) queues.delete(key);
    }
  }

  async serverApprovers(): Promise<readonly string[]> {
    return [];
  }

  async close(): Promise<void> {
    this.inner.close();
  }
}
