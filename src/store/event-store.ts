import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { addonOption } from './sqlite-addon.js';
import { accessSync, closeSync, constants, existsSync, fstatSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { IntegrityFailure, InvalidInput, IrrError, Refused } from '../domain/errors.js';
import type { EventType, NewEvent, StoredEvent } from '../domain/events.js';
import { contentHash, eventBody, GENESIS_HASH, hashBody, illFormedPath, isWellFormedText } from './hash.js';
import { bindingProblems, ChainWalk, missingIds, snapshotProblem, snapshotSeal, triggerProblems, type EventRow, type Head, type Problem, type SnapshotRow } from './integrity.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { applyKey, checkKey, keyNeeded, looksEncrypted } from './encryption.js';
import { translateSqliteError } from './sqlite-errors.js';
import { StaleHead } from './stale-head.js';
import type { IncidentRow, PlaybookRow, Snapshot } from './port.js';
import { registeredFingerprints, signBatch, type SignatureRow, type Signer } from './signature.js';

// Required as the CommonJS module it is: through the ESM loader every command that opens a database
// also paid for the loader's lexer over better-sqlite3's files.
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export type { EventRow, Head } from './integrity.js';

/**
 * Whose keys are registered in an incident (asked on every append). The seqs come from the covering
 * index events_by_type; asked directly, SQLite's planner walks the primary key instead: every row
 * of the incident, on every append, growing with the log. Parameters: the incident, twice.
 */
export const KEY_REGISTRATIONS_SQL = "SELECT actor, payload FROM events WHERE incident = ? AND seq IN (SELECT seq FROM events WHERE incident = ? AND type = 'key.registered') ORDER BY seq";

/** Marks an irr database in the SQLite header ("IRR1"), so irr never writes into someone else's file. */
export const APPLICATION_ID = 0x49525231;

/** The tables only an irr database has: a file with them but without irr's header was damaged. */
const IRR_TABLES = ['events', 'incidents', 'playbooks', 'snapshots'];

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK); // WAL needs its -wal and -shm files beside the database
    return true;
  } catch {
    return false;
  }
}

export { StaleHead } from './stale-head.js';

export interface MovedRow {
  readonly location: string;
  readonly direction: 'pushed' | 'pulled';
  readonly head_hash: string;
}

/** Everything that makes up one incident, as stored: what push and pull copy. */
export interface IncidentBundle {
  readonly row: IncidentRow;
  readonly playbook: PlaybookRow;
  readonly events: readonly EventRow[];
  /** The signatures beside the events (issue 13); absent from a store that predates them. */
  readonly signatures?: readonly SignatureRow[];
}

function movedRefusal(incident: string, m: MovedRow): Refused {
  return m.direction === 'pushed'
    ? new Refused(`${incident} was moved to the team server ${m.location} (irr push); write there: --db ${m.location}; nothing was written here`)
    : new Refused(`${incident} is a read-only copy pulled from ${m.location} (irr pull); write there: --db ${m.location}; nothing was written here`);
}

// The row shapes are the store port's (one definition for both drivers).
export type { IncidentRow, PlaybookRow } from './port.js';

/** A cached state, with whether it is bound to the log and may be served. */
export type { Snapshot } from './port.js';

function fromRow(r: EventRow): StoredEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(r.payload);
  } catch {
    throw new IntegrityFailure(`incident ${r.incident}: seq ${r.seq} payload is not JSON (irr verify ${r.incident})`);
  }
  return { ...r, type: r.type as EventType, payload } as StoredEvent;
}

/** Refuse text SQLite cannot store as given (it would write U+FFFD for a lone surrogate and break the hash). */
function refuseIllFormed(field: string, value: unknown): void {
  const where = illFormedPath(value);
  if (where !== undefined) throw new InvalidInput(`${field}${where === '(value)' ? '' : ` ${where}`}: is not well-formed Unicode (a lone surrogate); nothing was written`);
}

/**
 * Open for reading only. SQLite reads a WAL database read-only when its -wal and -shm files exist
 * and are readable, or when it may create them; in a read-only folder without them it refuses
 * (SQLITE_READONLY_DIRECTORY, "attempt to write a readonly database"), and this build of SQLite
 * has no URI filenames for `immutable=1`. Then, and only when no -wal file exists (so the file
 * alone holds every committed event), the file is read into memory with its header marked as a
 * rollback-journal database (bytes 18-19, the only difference on disk) and served from there.
 */
function openReadOnly(path: string, key: string | undefined): BetterSqlite3.Database {
  const db = new Database(path, { ...addonOption(), timeout: 10_000, readonly: true, fileMustExist: true });
  try {
    if (key !== undefined) {
      applyKey(db, key);
      checkKey(db, path);
    }
    db.pragma('application_id', { simple: true });
    return db;
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw err;
    db.close();
    // An encrypted image cannot be re-marked in memory (its header is ciphertext).
    if (key !== undefined) {
      throw new InvalidInput(`--db: cannot read ${path}: an encrypted database in a read-only folder needs its -wal and -shm files beside it; copy the folder somewhere writable`);
    }
    if (existsSync(`${path}-wal`)) {
      throw new InvalidInput(`--db: cannot read ${path}: it is in a read-only folder with a -wal file but no -shm file SQLite could use; copy the folder somewhere writable`);
    }
    const image = readFileSync(path);
    if (image.length >= 20 && image[18] === 2 && image[19] === 2) {
      image[18] = 1;
      image[19] = 1;
    }
    return new Database(image, { ...addonOption(), readonly: true });
  }
}

export interface OpenOptions {
  /** Create the file (mode 0600) if it does not exist; otherwise a missing file is an error. */
  readonly create: boolean;
  /** The command only reads: open read-only (a 0444 file or a read-only folder works). */
  readonly readonly?: boolean;
  /**
   * The passphrase of an encrypted database (SQLCipher format, encryption.ts). Required when the
   * file is encrypted; refused for a plain file; a new (or empty) file given one is created encrypted.
   */
  readonly key?: string;
}

/**
 * The only module that touches SQLite. Stores JSON; knows nothing of the statechart.
 * Durability: WAL with synchronous=FULL, so a committed append survives a killed process or a
 * power cut; every write command commits before it reports success. Every SQLite error leaves
 * this module translated (sqlite-errors.ts).
 */
export class EventStore {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** Per incident, the head up to which this process has checked the chain: later appends check only what is new. */
  private readonly checked = new Map<string, Head>();
  /**
   * Per incident, SQLite's `PRAGMA data_version` as it stood inside this connection's last append
   * to it, all checks passed (see appendInTx).
   */
  private readonly quietSince = new Map<string, number>();
  /** Playbooks whose content and source this process has hashed and found bound. */
  private readonly checkedPlaybooks = new Set<string>();
  /** Schema 2 sealed snapshots; an older read-only file is read without them (every read replays). */
  private sealed = true;
  /** Schema 3 records incidents moved to or from a team server; an older read-only file has none. */
  private movable = true;
  /** Schema 4 keeps signatures beside the events; an older read-only file has none. */
  private signed = true;
  private constructor(
    readonly path: string,
    private readonly db: BetterSqlite3.Database,
    private readonly writable: boolean,
  ) {}

  /** Prepared once per connection: preparing dominates a small append otherwise. */
  private sql(text: string): BetterSqlite3.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /** Run against SQLite, translating its errors into irr's. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateSqliteError(err, this.path);
    }
  }

  static open(path: string, opts: OpenOptions): EventStore {
    let created = false;
    let preexisting = new Map<string, number>();
    let mine: { dev: number; ino: number } | undefined;
    if (!existsSync(path)) {
      if (!opts.create) throw new InvalidInput(`--db: no irr database at ${path} (run "irr init", or "irr open" to start an incident)`);
      // Create it ourselves so the file is private from its first byte; SQLite gives -wal/-shm the same mode.
      try {
        preexisting = new Map(SIDE_FILES.map((ext) => `${path}${ext}`).filter((f) => existsSync(f)).map((f) => [f, statSync(f).size]));
        const fd = openSync(path, 'wx', 0o600);
        const st = fstatSync(fd);
        closeSync(fd);
        mine = { dev: st.dev, ino: st.ino };
        created = true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new InvalidInput(`--db: cannot create ${path} (${code === 'EEXIST' ? 'a dangling symbolic link is in the way' : code})`);
      }
    } else if (statSync(path).isDirectory()) {
      throw new InvalidInput(`--db: ${path} is a directory, not a database file`);
    }
    const fresh = created || statSync(path).size === 0;
    const encrypted = !fresh && looksEncrypted(path);
    if (encrypted && opts.key === undefined) throw keyNeeded(path);
    if (!encrypted && !fresh && opts.key !== undefined) {
      throw new InvalidInput(`--key-file: ${path} is not encrypted, no key is needed (irr db encrypt encrypts it); nothing was changed`, [], { flag: '--key-file' });
    }
    const readonly = opts.readonly === true && !created;
    const writable = !readonly && canWrite(path);
    let db: BetterSqlite3.Database | undefined;
    try {
      if (writable) {
        db = new Database(path, { ...addonOption(), timeout: 10_000, fileMustExist: !created });
        if (opts.key !== undefined) {
          applyKey(db, opts.key);
          checkKey(db, path);
        }
      } else db = openReadOnly(path, opts.key);
      if (writable) db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Sorts and temporary indexes stay in memory: no incident text in a temp file, encrypted or not.
      db.pragma('temp_store = MEMORY');
    } catch (err) {
      db?.close();
      if (mine) removeCreated(path, mine, preexisting);
      if (err instanceof IrrError) throw err;
      const t = translateSqliteError(err, path);
      if (t !== err) throw t;
      throw new InvalidInput(`--db: cannot open ${path} (${openFailure(err as Error)})`);
    }
    const store = new EventStore(path, db, writable);
    try {
      store.guard(() => store.checkIdentity(opts.create || created));
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  /**
   * Refuse to touch a file that is not ours: an irr database carries APPLICATION_ID in its header.
   * An empty file is initialised only by a command allowed to create the database. A file whose
   * header or content is damaged is an integrity failure (exit 5), never initialised over.
   */
  private checkIdentity(mayInitialise: boolean): void {
    let appId: number;
    let tables: string[];
    try {
      appId = this.db.pragma('application_id', { simple: true }) as number;
      tables = (this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
        throw new IntegrityFailure(`--db: ${this.path} is not a readable SQLite database (${(err as Error).message}): damaged, or not a database at all; nothing was changed`);
      }
      throw err;
    }
    const looksLikeIrr = IRR_TABLES.every((t) => tables.includes(t));
    if (appId === APPLICATION_ID) {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version === 0 && tables.length > 0) {
        throw new IntegrityFailure(`--db: ${this.path} has irr's header but schema version 0 with tables in it: the header was damaged; nothing was changed (restore from a copy)`);
      }
      this.migrate();
      return;
    }
    if (appId === 0 && looksLikeIrr) {
      throw new IntegrityFailure(`--db: ${this.path} holds irr's tables but not irr's header (application_id 0): the header was damaged; nothing was changed`);
    }
    if (appId !== 0 || tables.length > 0) throw new InvalidInput(`--db: ${this.path} is not an irr database (it is some other SQLite file); nothing was changed`);
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
    if (!this.writable) {
      // A read-only copy of a schema-1 file is still readable: its snapshots are simply not sealed.
      if (current === 1 || current === 2 || current === 3) {
        this.sealed = current >= 2;
        this.movable = current >= 3;
        this.signed = false;
        return;
      }
      throw new InvalidInput(`--db: ${this.path} needs a schema upgrade but is read-only`);
    }
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
    return this.guard(() => this.db.transaction(fn).deferred());
  }

  schemaVersion(): number {
    return this.guard(() => this.db.pragma('user_version', { simple: true }) as number);
  }

  // ---- playbooks -------------------------------------------------------------------------

  playbook(hash: string): PlaybookRow | undefined {
    return this.guard(() => this.sql('SELECT hash, id, version, content, source FROM playbooks WHERE hash = ?').get(hash) as PlaybookRow | undefined);
  }

  // ---- incidents -------------------------------------------------------------------------

  incident(id: string): IncidentRow | undefined {
    return this.guard(() => this.sql('SELECT id, title, mode, playbook_hash, opened_at FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined);
  }

  incidents(): IncidentRow[] {
    return this.guard(() => this.sql('SELECT id, title, mode, playbook_hash, opened_at FROM incidents ORDER BY opened_at, id').all() as IncidentRow[]);
  }

  /**
   * Open an incident in one transaction: pin the playbook, allocate the next id for the year
   * (INC-2026-0001), write the row and the first event, and cache the first snapshot. The
   * `opened` event is given the SHA-256 of the YAML source actually pinned (the row may exist
   * already, from an earlier incident with the same runbook), so the source is bound to the log.
   */
  openIncident(args: {
    readonly prefix: string;
    readonly year: number;
    readonly title: string;
    readonly mode: 'real' | 'drill';
    readonly playbook: { readonly hash: string; readonly id: string; readonly version: string; readonly content: string; readonly source: string };
    readonly recordedAt: string;
    readonly opened: (id: string, sourceSha256: string) => NewEvent;
    readonly snapshot?: (id: string, sourceSha256: string) => string;
  }): StoredEvent {
    this.requireWritable();
    refuseIllFormed('--title', args.title);
    refuseIllFormed('playbook source', args.playbook.source);
    const tx = this.db.transaction((): StoredEvent => {
      this.refuseIfDatabaseFails();
      const pb = args.playbook;
      if (contentHash(pb.content) !== pb.hash) throw new IntegrityFailure('playbook content does not match its hash');
      this.sql('INSERT OR IGNORE INTO playbooks (hash, id, version, content, source, stored_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(pb.hash, pb.id, pb.version, pb.content, pb.source, args.recordedAt);
      const pinned = this.playbook(pb.hash)!;
      if (contentHash(pinned.content) !== pb.hash) throw new IntegrityFailure(`--db: ${this.path}: the stored playbook ${pb.hash} does not match its hash (irr verify); nothing was written`);
      const sourceSha = contentHash(pinned.source);
      const stem = `${args.prefix}-${args.year}-`;
      const row = this.sql('SELECT MAX(CAST(substr(id, ?) AS INTEGER)) AS n FROM incidents WHERE id LIKE ?')
        .get(stem.length + 1, `${stem}%`) as { n: number | null };
      const id = `${stem}${String((row.n ?? 0) + 1).padStart(4, '0')}`;
      const ev = args.opened(id, sourceSha);
      this.sql('INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (?, ?, ?, ?, ?)').run(id, args.title, args.mode, pb.hash, ev.at);
      const [stored] = this.insertEvents(id, { seq: 0, hash: GENESIS_HASH }, [ev], args.recordedAt);
      if (args.snapshot) this.putSnapshot(id, 1, args.snapshot(id, sourceSha), stored!.hash);
      this.checked.set(id, { seq: 1, hash: stored!.hash });
      return stored!;
    });
    return this.guard(() => tx.immediate());
  }

  // ---- events ----------------------------------------------------------------------------

  head(incident: string): Head {
    const row = this.guard(() => this.sql('SELECT seq, hash FROM events WHERE incident = ? ORDER BY seq DESC LIMIT 1').get(incident) as Head | undefined);
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The latest `at` of an incident's events: a drill's clock (drill time lives only in its events). */
  latestAt(incident: string): string | undefined {
    return this.guard(() => (this.sql('SELECT MAX(at) AS at FROM events WHERE incident = ?').get(incident) as { at: string | null }).at ?? undefined);
  }

  /** The first event (incident.opened) alone: what an incident pins, without reading its whole log. */
  firstEvent(incident: string): StoredEvent | undefined {
    const row = this.firstRow(incident);
    return row ? fromRow(row) : undefined;
  }

  private firstRow(incident: string): EventRow | undefined {
    return this.guard(() => this.sql('SELECT * FROM events WHERE incident = ? ORDER BY seq LIMIT 1').get(incident) as EventRow | undefined);
  }

  /** Whether the incident's log holds an event of this type (answered by SQLite, no payload parsed). */
  hasEvent(incident: string, type: string): boolean {
    return this.guard(() => this.sql('SELECT 1 FROM events WHERE incident = ? AND type = ? LIMIT 1').get(incident, type) !== undefined);
  }

  events(incident: string, afterSeq = 0): StoredEvent[] {
    const rows = this.guard(() => this.sql('SELECT * FROM events WHERE incident = ? AND seq > ? ORDER BY seq').all(incident, afterSeq) as EventRow[]);
    return rows.map(fromRow);
  }

  /** Raw rows, payload as stored text: verify recomputes hashes from exactly what is on disk. */
  rawEvents(incident: string, afterSeq = 0): EventRow[] {
    return this.guard(() => this.sql('SELECT * FROM events WHERE incident = ? AND seq > ? ORDER BY seq').all(incident, afterSeq) as EventRow[]);
  }

  /** Where a hash sits in an incident's log (what `verify --expect-head` looks for). */
  seqOfHash(incident: string, hash: string): number | undefined {
    return this.guard(() => (this.sql('SELECT seq FROM events WHERE incident = ? AND hash = ?').get(incident, hash) as { seq: number } | undefined)?.seq);
  }

  /**
   * Append with optimistic concurrency: the caller names the head it decided against; inside an
   * IMMEDIATE transaction (one writer at a time) the new events take the next seqs after it. If
   * another writer got there first, the (incident, seq) primary key refuses the insert, StaleHead
   * is thrown and nothing is written. The snapshot cache is updated in the same transaction.
   * Before writing, the incident's chain, its bindings and the triggers are checked under the
   * write lock: a database that fails them refuses the write (IntegrityFailure, exit 5).
   */
  append(incident: string, expected: Head, events: readonly NewEvent[], recordedAt: string, snapshot?: string, signers: readonly Signer[] = []): StoredEvent[] {
    this.requireWritable();
    for (const e of events) {
      refuseIllFormed('--as', e.actor);
      refuseIllFormed(e.type, e.payload);
    }
    this.appendTx ??= this.db.transaction(this.appendInTx.bind(this));
    try {
      return this.guard(() => {
        try {
          return this.appendTx!.immediate(incident, expected, events, recordedAt, snapshot, signers);
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StaleHead(incident, expected.seq, this.head(incident).seq);
          throw err;
        }
      });
    } catch (err) {
      // A refused or failed transaction wrote nothing: what was checked is checked again next time.
      if (!(err instanceof StaleHead)) {
        this.checked.delete(incident);
        this.quietSince.delete(incident);
      }
      throw err;
    }
  }

  private appendTx?: BetterSqlite3.Transaction<EventStore['appendInTx']>;

  private appendInTx(incident: string, expected: Head, events: readonly NewEvent[], recordedAt: string, snapshot?: string, signers: readonly Signer[] = []): StoredEvent[] {
    const moved = this.movedTo(incident);
    if (moved) throw movedRefusal(incident, moved);
    // Under the write lock, `data_version` tells whether any other connection committed to this
    // file since this connection last appended to the incident (its own commits do not change
    // it; SQLite documents it for exactly this). If none did, the file is, row for row, what it
    // was when that append had checked the triggers, the ids, the incident's bindings, its
    // snapshot's seal and its chain and then written rows and a snapshot of its own making: the
    // same checks would read the same rows and pass, so they are not run again. If another
    // connection did commit (another responder, a script, someone editing the file with the
    // triggers dropped), everything is checked from scratch, the whole chain included, as a new
    // process would: an edited row anywhere in the log refuses the write (exit 5), not only one
    // after the head this connection last saw.
    const version = this.sql('PRAGMA data_version').pluck().get() as number;
    if (this.quietSince.get(incident) !== version) {
      this.checked.delete(incident);
      this.checkedPlaybooks.clear();
      this.refuseIfIncidentFails(incident);
    }
    // A head ahead of the log would leave a gap in seq (the primary key only catches one behind).
    // The chain check just walked to the stored head, so it costs no query.
    const actual = this.checked.get(incident) ?? this.head(incident);
    if (actual.seq !== expected.seq || actual.hash !== expected.hash) throw new StaleHead(incident, expected.seq, actual.seq);
    const stored = this.insertEvents(incident, expected, events, recordedAt);
    this.insertSignatures(signBatch(stored, signers, this.registeredKeys(incident, new Set(stored.map((e) => e.actor))), (m) => new Refused(m)));
    const last = stored[stored.length - 1];
    if (snapshot !== undefined && last) this.putSnapshot(incident, last.seq, snapshot, last.hash);
    if (last) this.checked.set(incident, { seq: last.seq, hash: last.hash });
    this.quietSince.set(incident, version);
    return stored;
  }

  private requireWritable(): void {
    if (!this.writable) throw new InvalidInput(`--db: ${this.path} is read-only (file or folder not writable); nothing was written`);
  }

  private insertEvents(incident: string, head: Head, events: readonly NewEvent[], recordedAt: string): StoredEvent[] {
    const insert = this.sql(
      'INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let prev = head;
    const out: StoredEvent[] = [];
    for (const e of events) {
      const seq = prev.seq + 1;
      // The hash is computed over the very text stored in the payload column (as written, keys in
      // the order the responder gave them): verify re-hashes what is on disk, nothing re-encoded.
      const payloadText = JSON.stringify(e.payload);
      const fields = { incident, seq, type: e.type, at: e.at, recorded_at: recordedAt, actor: e.actor };
      const body = eventBody(fields, payloadText);
      if (!isWellFormedText(body)) throw new InvalidInput(`${e.type}: is not well-formed Unicode (a lone surrogate); nothing was written`);
      const hash = hashBody(prev.hash, body);
      insert.run(incident, seq, e.type, e.at, recordedAt, e.actor, payloadText, prev.hash, hash);
      out.push({ ...e, incident, seq, recorded_at: recordedAt, prev_hash: prev.hash, hash } as StoredEvent);
      prev = { seq, hash };
    }
    return out;
  }

  // ---- signatures (issue 13) ---------------------------------------------------------------

  /** Per actor, the key fingerprints registered in the incident (only the actors asked about). */
  registeredKeys(incident: string, actors?: ReadonlySet<string>): Map<string, Set<string>> {
    const rows = this.guard(() => this.sql(KEY_REGISTRATIONS_SQL).all(incident, incident) as { actor: string; payload: string }[]);
    return registeredFingerprints(actors ? rows.filter((r) => actors.has(r.actor)) : rows);
  }

  private insertSignatures(rows: readonly SignatureRow[]): void {
    if (rows.length === 0) return;
    const insert = this.sql('INSERT INTO signatures (incident, seq, fingerprint, signature) VALUES (?, ?, ?, ?)');
    for (const r of rows) insert.run(r.incident, r.seq, r.fingerprint, r.signature);
  }

  /** The signatures of an incident's events, by seq. */
  signatures(incident: string): SignatureRow[] {
    if (!this.signed) return [];
    return this.guard(() => this.sql('SELECT incident, seq, fingerprint, signature FROM signatures WHERE incident = ? ORDER BY seq, fingerprint').all(incident) as SignatureRow[]);
  }

  // ---- moving to and from a team server ---------------------------------------------------

  /** Where the live copy of an incident is, when it was pushed to or pulled from a server. */
  movedTo(incident: string): MovedRow | undefined {
    if (!this.movable) return undefined;
    return this.guard(() => this.sql('SELECT location, direction, head_hash FROM moved_incidents WHERE incident = ?').get(incident) as MovedRow | undefined);
  }

  markMoved(incident: string, row: MovedRow, at: string): void {
    this.requireWritable();
    this.guard(() => this.sql('INSERT INTO moved_incidents (incident, location, direction, head_hash, moved_at) VALUES (?, ?, ?, ?, ?)').run(incident, row.location, row.direction, row.head_hash, at));
  }

  /** Ids allocated in this file (not those pulled from a server): only among them is a gap a deleted incident. */
  private nativeIds(): string[] {
    const sql = this.movable ? "SELECT id FROM incidents WHERE id NOT IN (SELECT incident FROM moved_incidents WHERE direction = 'pulled')" : 'SELECT id FROM incidents';
    return (this.sql(sql).all() as { id: string }[]).map((r) => r.id);
  }

  /**
   * Write an incident copied from another store verbatim (rows, recorded times and hashes as they
   * are: the chain covers them), in one transaction; refused if the id exists here.
   */
  importIncident(bundle: IncidentBundle, at: string): void {
    this.requireWritable();
    this.guard(() =>
      this.db.transaction(() => {
        if (this.incident(bundle.row.id)) throw new Refused(`${bundle.row.id} already exists in ${this.path}; nothing was written`);
        const pb = bundle.playbook;
        this.sql('INSERT OR IGNORE INTO playbooks (hash, id, version, content, source, stored_at) VALUES (?, ?, ?, ?, ?, ?)').run(pb.hash, pb.id, pb.version, pb.content, pb.source, at);
        const r = bundle.row;
        this.sql('INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (?, ?, ?, ?, ?)').run(r.id, r.title, r.mode, r.playbook_hash, r.opened_at);
        const insert = this.sql('INSERT INTO events (incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
        for (const e of bundle.events) insert.run(e.incident, e.seq, e.type, e.at, e.recorded_at, e.actor, e.payload, e.prev_hash, e.hash);
        this.insertSignatures(bundle.signatures ?? []);
      }).immediate(),
    );
  }

  // ---- integrity -------------------------------------------------------------------------

  /** The append-only triggers: missing or replaced ones, named. */
  triggerProblems(): string[] {
    return this.guard(() => triggerProblems(this.sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string | null }[], this.signed ? undefined : 3));
  }

  /**
   * Problems of the database as a whole, by incident id: the triggers (under "*"), incidents
   * deleted whole (a gap in the ids), incident rows without events, events without a row.
   */
  databaseProblems(): { incident: string; problem: string }[] {
    return this.guard(() => {
      const out = this.triggerProblems().map((problem) => ({ incident: '*', problem }));
      const ids = this.nativeIds();
      for (const id of missingIds(ids)) out.push({ incident: id, problem: `incident ${id} is missing: the ids around it exist, so it was deleted whole` });
      const orphans = this.sql('SELECT DISTINCT incident FROM events WHERE incident NOT IN (SELECT id FROM incidents)').all() as { incident: string }[];
      for (const o of orphans) out.push({ incident: o.incident, problem: `events of ${o.incident} exist but its incidents row was deleted` });
      return out;
    });
  }

  /**
   * The incidents row and pinned playbook against the first event (cheap: one event, one playbook).
   * `reuse`: a long-lived process hashes a playbook's content and source once (they are ~40 kB and
   * the same for every append); the row, the pointer, id and version are compared every time.
   */
  bindingProblems(incident: string, opts: { reuse?: boolean } = {}): Problem[] {
    const row = this.incident(incident);
    if (!row) return [{ seq: 0, problem: `incident ${incident} has no incidents row` }];
    if (opts.reuse && this.checkedPlaybooks.has(row.playbook_hash)) {
      const light = this.guard(() => this.sql('SELECT hash, id, version FROM playbooks WHERE hash = ?').get(row.playbook_hash) as { hash: string; id: string; version: string } | undefined);
      return bindingProblems(row, this.firstRow(incident), light);
    }
    const problems = bindingProblems(row, this.firstRow(incident), this.playbook(row.playbook_hash));
    if (problems.length === 0) this.checkedPlaybooks.add(row.playbook_hash);
    return problems;
  }

  /** The snapshot as stored, with whether it is sealed to the log (and why not, when it fails). */
  snapshot(incident: string): Snapshot | undefined {
    return this.guard(() => {
      if (!this.sealed) {
        const old = this.sql('SELECT seq, state FROM snapshots WHERE incident = ?').get(incident) as { seq: number; state: string } | undefined;
        return old ? { ...old, head_hash: null, state_sha256: null, bound: false } : undefined;
      }
      const snap = this.sql('SELECT seq, state, head_hash, state_sha256 FROM snapshots WHERE incident = ?').get(incident) as SnapshotRow | undefined;
      if (!snap) return undefined;
      if (snap.head_hash === null || snap.state_sha256 === null) return { ...snap, bound: false };
      const at = this.sql('SELECT hash FROM events WHERE incident = ? AND seq = ?').get(incident, snap.seq) as { hash: string } | undefined;
      const problem = snapshotProblem(snap, at?.hash);
      return problem === undefined ? { ...snap, bound: true } : { ...snap, bound: false, problem };
    });
  }

  putSnapshot(incident: string, seq: number, state: string, headHash: string): void {
    this.guard(() =>
      this.sql(
        'INSERT INTO snapshots (incident, seq, state, head_hash, state_sha256) VALUES (?, ?, ?, ?, ?) ON CONFLICT(incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, head_hash = excluded.head_hash, state_sha256 = excluded.state_sha256 WHERE excluded.seq >= snapshots.seq',
      ).run(incident, seq, state, headHash, snapshotSeal(headHash, state)),
    );
  }

  /**
   * Before any write: the triggers are in place and no incident was deleted whole. Cheap (two
   * small queries), so it runs on every open.
   */
  private refuseIfDatabaseFails(): void {
    const problems = this.databaseProblems();
    if (problems.length > 0) throw this.refusal(problems[0]!.incident === '*' ? 'the database' : problems[0]!.incident, 0, problems[0]!.problem);
  }

  /**
   * Before appending to an incident: the triggers, its bindings, its snapshot's seal and its chain
   * (from the head this process last checked, so a long-lived process re-hashes only what others
   * appended; a one-shot command checks the whole chain).
   */
  private refuseIfIncidentFails(incident: string): void {
    const trig = this.triggerProblems();
    if (trig.length > 0) throw this.refusal('the database', 0, trig[0]!);
    const gone = missingIds(this.nativeIds())[0];
    if (gone) throw this.refusal(gone, 0, `incident ${gone} is missing: the ids around it exist, so it was deleted whole`);
    const bind = this.bindingProblems(incident, { reuse: true });
    if (bind.length > 0) throw this.refusal(incident, bind[0]!.seq, bind[0]!.problem);
    const snap = this.snapshot(incident);
    if (snap?.problem) throw this.refusal(incident, snap.seq, snap.problem);
    let from = this.checked.get(incident);
    if (from) {
      const at = this.sql('SELECT hash FROM events WHERE incident = ? AND seq = ?').get(incident, from.seq) as { hash: string } | undefined;
      if (at?.hash !== from.hash) from = undefined; // changed since it was checked: check everything
    }
    const walk = new ChainWalk(from);
    for (const r of this.sql('SELECT * FROM events WHERE incident = ? AND seq > ? ORDER BY seq').iterate(incident, from?.seq ?? 0) as IterableIterator<EventRow>) {
      const p = walk.next(r);
      if (p) throw this.refusal(incident, p.seq, p.problem);
    }
    if (snap && snap.seq > walk.head.seq) throw this.refusal(incident, walk.head.seq + 1, `the snapshot was taken at seq ${snap.seq} but the log ends at seq ${walk.head.seq}; events are missing`);
    this.checked.set(incident, walk.head);
  }

  private refusal(where: string, seq: number, problem: string): IntegrityFailure {
    return new IntegrityFailure(`integrity failure in ${where}${seq > 0 ? ` at seq ${seq}` : ''}: ${problem}; nothing was written (irr verify shows every problem)`);
  }
}

/**
 * A database file this command created a moment ago and could not open (an install whose SQLite addon
 * is not built yet, say): removed, so that a failed command leaves nothing behind — but only while it
 * is still the very file created (same inode), empty, with no write-ahead log holding anything: an
 * `irr open` running beside this one may have taken the file up meanwhile (in WAL mode its first
 * commits sit in the -wal while the file stays empty, and an open connection keeps a -shm), and that
 * database is left alone. Side files
 * that were there before are left alone too.
 */
function removeCreated(path: string, mine: { dev: number; ino: number }, preexisting: ReadonlyMap<string, number>): void {
  try {
    const st = statSync(path);
    if (st.dev !== mine.dev || st.ino !== mine.ino || st.size !== 0) return;
    // A write-ahead log that grew since the file was created, or a shared-memory file that appeared,
    // means a connection has the database open (or wrote to it).
    const wal = `${path}-wal`;
    if (existsSync(wal) && statSync(wal).size !== (preexisting.get(wal) ?? 0)) return;
    if (!preexisting.has(`${path}-shm`) && existsSync(`${path}-shm`)) return;
  } catch {
    return;
  }
  for (const f of [path, ...SIDE_FILES.map((ext) => `${path}${ext}`)]) if (!preexisting.has(f)) rmSync(f, { force: true });
}

const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/** One line: a library's message can run over many (the `bindings` package lists every path it tried). */
function openFailure(err: Error): string {
  const message = String(err?.message ?? err);
  if (/Could not locate the bindings file/.test(message)) return 'the SQLite addon is not built: is "npm install" still running? Else run it again in the irr folder';
  return message.split('\n')[0]!.trim();
}
