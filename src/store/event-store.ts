import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidInput } from '../domain/errors.js';
import type { EventType, NewEvent, StoredEvent } from '../domain/events.js';
import { contentHash, eventHash, GENESIS_HASH } from './hash.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/** Marks an irr database in the SQLite header ("IRR1"), so irr never writes into someone else's file. */
export const APPLICATION_ID = 0x49525231;

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK); // WAL needs its -wal and -shm files beside the database
    return true;
  } catch {
    return false;
  }
}

/** Thrown inside an append when another writer got there first; the engine reloads and retries. */
export class StaleHead extends Error {
  constructor(
    readonly incident: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`incident ${incident}: expected head seq ${expected}, found ${actual}`);
  }
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

export interface Head {
  readonly seq: number;
  readonly hash: string;
}

interface EventRow {
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

function fromRow(r: EventRow): StoredEvent {
  return { ...r, type: r.type as EventType, payload: JSON.parse(r.payload) } as StoredEvent;
}

export interface OpenOptions {
  /** Create the file (mode 0600) if it does not exist; otherwise a missing file is an error. */
  readonly create: boolean;
}

/**
 * The only module that touches SQLite. Stores JSON; knows nothing of the statechart.
 * Durability: WAL with synchronous=FULL, so a committed append survives a killed process or a
 * power cut; every write command commits before it reports success.
 */
export class EventStore {
  private readonly statements = new Map<string, Database.Statement>();
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly writable: boolean,
  ) {}

  /** Prepared once per connection: preparing dominates a small append otherwise. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  static open(path: string, opts: OpenOptions): EventStore {
    let created = false;
    if (!existsSync(path)) {
      if (!opts.create) throw new InvalidInput(`--db: no irr database at ${path} (run "irr init", or "irr open" to start an incident)`);
      // Create it ourselves so the file is private from its first byte; SQLite gives -wal/-shm the same mode.
      try {
        closeSync(openSync(path, 'wx', 0o600));
        created = true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new InvalidInput(`--db: cannot create ${path} (${code === 'EEXIST' ? 'a dangling symbolic link is in the way' : code})`);
      }
    } else if (statSync(path).isDirectory()) {
      throw new InvalidInput(`--db: ${path} is a directory, not a database file`);
    }
    const writable = canWrite(path);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 10_000, readonly: !writable });
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    } catch (err) {
      throw new InvalidInput(`--db: cannot open ${path} (${(err as Error).message})`);
    }
    const store = new EventStore(path, db, writable);
    try {
      store.checkIdentity(opts.create || created);
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  /**
   * Refuse to touch a file that is not ours: an irr database carries APPLICATION_ID in its header.
   * An empty file is initialised only by a command allowed to create the database.
   */
  private checkIdentity(mayInitialise: boolean): void {
    let appId: number;
    let tables: number;
    try {
      appId = this.db.pragma('application_id', { simple: true }) as number;
      tables = (this.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    } catch (err) {
      throw new InvalidInput(`--db: ${this.path} is not an irr database (${(err as Error).message})`);
    }
    if (appId === APPLICATION_ID) {
      this.migrate();
      return;
    }
    if (appId !== 0 || tables > 0) throw new InvalidInput(`--db: ${this.path} is not an irr database (it is some other SQLite file); nothing was changed`);
    if (!mayInitialise) throw new InvalidInput(`--db: ${this.path} is empty, not an irr database (run "irr init" to initialise it)`);
    if (!this.writable) throw new InvalidInput(`--db: ${this.path} is read-only; cannot initialise it`);
    this.db.pragma('journal_mode = WAL');
    this.migrate();
  }

  close(): void {
    this.db.close();
  }

  /** Whether this connection can write (a read-only copy still serves every read command). */
  get canWrite(): boolean {
    return this.writable;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current === SCHEMA_VERSION) return;
    if (current > SCHEMA_VERSION) throw new InvalidInput(`--db: ${this.path} was written by a newer irr (schema ${current}; this irr knows ${SCHEMA_VERSION})`);
    if (!this.writable) throw new InvalidInput(`--db: ${this.path} needs a schema upgrade but is read-only`);
    const run = this.db.transaction(() => {
      // Re-read inside the write lock: a second process may have migrated meanwhile.
      const v = this.db.pragma('user_version', { simple: true }) as number;
      for (const m of MIGRATIONS) {
        if (m.version <= v) continue;
        this.db.exec(m.sql);
        this.sql('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
        this.db.pragma(`user_version = ${m.version}`);
      }
      this.db.pragma(`application_id = ${APPLICATION_ID}`);
    });
    run.immediate();
  }

  /** Several reads that must agree with each other (head, snapshot, events): one read transaction. */
  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  // ---- playbooks -------------------------------------------------------------------------

  playbook(hash: string): PlaybookRow | undefined {
    return this.sql('SELECT hash, id, version, content, source FROM playbooks WHERE hash = ?').get(hash) as PlaybookRow | undefined;
  }

  // ---- incidents -------------------------------------------------------------------------

  incident(id: string): IncidentRow | undefined {
    return this.sql('SELECT id, title, mode, playbook_hash, opened_at FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
  }

  incidents(): IncidentRow[] {
    return this.sql('SELECT id, title, mode, playbook_hash, opened_at FROM incidents ORDER BY opened_at, id').all() as IncidentRow[];
  }

  /**
   * Open an incident in one transaction: pin the playbook, allocate the next id for the year
   * (INC-2026-0001), write the row and the first event, and cache the first snapshot.
   */
  openIncident(args: {
    readonly prefix: string;
    readonly year: number;
    readonly title: string;
    readonly mode: 'real' | 'drill';
    readonly playbook: { readonly hash: string; readonly id: string; readonly version: string; readonly content: string; readonly source: string };
    readonly recordedAt: string;
    readonly opened: (id: string) => NewEvent;
    readonly snapshot: (id: string) => string;
  }): StoredEvent {
    const tx = this.db.transaction((): StoredEvent => {
      const pb = args.playbook;
      if (contentHash(pb.content) !== pb.hash) throw new Error('playbook content does not match its hash');
      this.sql('INSERT OR IGNORE INTO playbooks (hash, id, version, content, source, stored_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(pb.hash, pb.id, pb.version, pb.content, pb.source, args.recordedAt);
      const stem = `${args.prefix}-${args.year}-`;
      const row = this.sql('SELECT MAX(CAST(substr(id, ?) AS INTEGER)) AS n FROM incidents WHERE id LIKE ?')
        .get(stem.length + 1, `${stem}%`) as { n: number | null };
      const id = `${stem}${String((row.n ?? 0) + 1).padStart(4, '0')}`;
      const ev = args.opened(id);
      this.sql('INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (?, ?, ?, ?, ?)').run(id, args.title, args.mode, pb.hash, ev.at);
      const [stored] = this.insertEvents(id, { seq: 0, hash: GENESIS_HASH }, [ev], args.recordedAt);
      this.putSnapshot(id, 1, args.snapshot(id));
      return stored!;
    });
    return tx.immediate();
  }

  // ---- events ----------------------------------------------------------------------------

  head(incident: string): Head {
    const row = this.sql('SELECT seq, hash FROM events WHERE incident = ? ORDER BY seq DESC LIMIT 1').get(incident) as Head | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The latest `at` of an incident's events: a drill's clock (drill time lives only in its events). */
  latestAt(incident: string): string | undefined {
    return (this.sql('SELECT MAX(at) AS at FROM events WHERE incident = ?').get(incident) as { at: string | null }).at ?? undefined;
  }

  /** The first event (incident.opened) alone: what an incident pins, without reading its whole log. */
  firstEvent(incident: string): StoredEvent | undefined {
    const row = this.sql('SELECT * FROM events WHERE incident = ? ORDER BY seq LIMIT 1').get(incident) as EventRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Whether the incident's log holds an event of this type (answered by SQLite, no payload parsed). */
  hasEvent(incident: string, type: string): boolean {
    return this.sql('SELECT 1 FROM events WHERE incident = ? AND type = ? LIMIT 1').get(incident, type) !== undefined;
  }

  events(incident: string, afterSeq = 0): StoredEvent[] {
    const rows = this.sql('SELECT * FROM events WHERE incident = ? AND seq > ? ORDER BY seq').all(incident, afterSeq) as EventRow[];
    return rows.map(fromRow);
  }

  /** Raw rows, payload as stored text: verify recomputes hashes from exactly what is on disk. */
  *rawEvents(incident: string): IterableIterator<EventRow> {
    yield* this.sql('SELECT * FROM events WHERE incident = ? ORDER BY seq').iterate(incident) as IterableIterator<EventRow>;
  }

  /**
   * Append with optimistic concurrency: the caller names the head it decided against; inside an
   * IMMEDIATE transaction (one writer at a time) the new events take the next seqs after it. If
   * another writer got there first, the (incident, seq) primary key refuses the insert, StaleHead
   * is thrown and nothing is written. The snapshot cache is updated in the same transaction.
   */
  append(incident: string, expected: Head, events: readonly NewEvent[], recordedAt: string, snapshot?: string): StoredEvent[] {
    this.appendTx ??= this.db.transaction(this.appendInTx.bind(this));
    try {
      return this.appendTx.immediate(incident, expected, events, recordedAt, snapshot);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StaleHead(incident, expected.seq, this.head(incident).seq);
      }
      throw err;
    }
  }

  private appendTx?: Database.Transaction<EventStore['appendInTx']>;

  private appendInTx(incident: string, expected: Head, events: readonly NewEvent[], recordedAt: string, snapshot?: string): StoredEvent[] {
    const stored = this.insertEvents(incident, expected, events, recordedAt);
    const last = stored[stored.length - 1];
    if (snapshot !== undefined && last) this.putSnapshot(incident, last.seq, snapshot);
    return stored;
  }

  private insertEvents(incident: string, head: Head, events: readonly NewEvent[], recordedAt: string): StoredEvent[] {
    const insert = this.sql(
      'INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let prev = head;
    const out: StoredEvent[] = [];
    for (const e of events) {
      const seq = prev.seq + 1;
      const fields = { incident, seq, type: e.type, at: e.at, recorded_at: recordedAt, actor: e.actor, payload: e.payload };
      const hash = eventHash(prev.hash, fields);
      insert.run(incident, seq, e.type, e.at, recordedAt, e.actor, JSON.stringify(e.payload), prev.hash, hash);
      out.push({ ...e, incident, seq, recorded_at: recordedAt, prev_hash: prev.hash, hash } as StoredEvent);
      prev = { seq, hash };
    }
    return out;
  }

  // ---- snapshots -------------------------------------------------------------------------

  snapshot(incident: string): { seq: number; state: string } | undefined {
    return this.sql('SELECT seq, state FROM snapshots WHERE incident = ?').get(incident) as { seq: number; state: string } | undefined;
  }

  putSnapshot(incident: string, seq: number, state: string): void {
    this.sql(
        'INSERT INTO snapshots (incident, seq, state) VALUES (?, ?, ?) ON CONFLICT(incident) DO UPDATE SET seq = excluded.seq, state = excluded.state WHERE excluded.seq >= snapshots.seq',
      )
      .run(incident, seq, state);
  }
}
