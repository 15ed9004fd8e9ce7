import type { ReservedSql, Sql, TransactionSql } from 'postgres';
import { IntegrityFailure, InvalidInput, Refused } from '../../domain/errors.js';
import type { IncidentBundle } from '../event-store.js';
import type { EventType, NewEvent, StoredEvent } from '../../domain/events.js';
import { contentHash, eventBody, GENESIS_HASH, hashBody, isWellFormedText } from '../hash.js';
import { bindingProblems, ChainWalk, missingIds, snapshotProblem, snapshotSeal, type Problem, type SnapshotRow } from '../integrity.js';
import type { AppendOptions, EventRow, Head, HeadChange, IncidentRow, IntegrityRead, OpenIncidentArgs, PlaybookRow, Snapshot, StateRead, StorePort } from '../port.js';
import { StaleHead } from '../stale-head.js';
import { registeredFingerprints, signBatch, type SignatureRow } from '../signature.js';
import type { EventHeader, RedactedRow } from '../../engine/redacted-log.js';
import { translatePgError } from './pg-errors.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-migrations.js';
import { TEAM_LIST_SQL, TEAM_ROLES, teamAddSql, type TeamRole } from './pg-team.js';
import { sslFromEnvironment } from './pg-tls.js';

/** The server's clock as irr writes times (ISO 8601, UTC, milliseconds): recorded_at is the server's, not the laptop's. */
const SERVER_NOW = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** The append-only triggers the migrations create, as pg_get_triggerdef prints them (the table's schema left out). */
const PG_TRIGGERS: ReadonlyMap<string, string> = new Map(
  (
    [
      ['events', 'events_append_only', 'events_no_truncate'],
      ['playbooks', 'playbooks_immutable', 'playbooks_no_truncate'],
      ['incidents', 'incidents_immutable', 'incidents_no_truncate'],
      ['signatures', 'signatures_append_only', 'signatures_no_truncate'],
      ['pushed_incidents', 'pushed_incidents_append_only', 'pushed_incidents_no_truncate'],
    ] as const
  ).flatMap(([table, rows, truncate]) => [
    [rows, `CREATE TRIGGER ${rows} BEFORE DELETE OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION irr_refuse_change()`],
    [truncate, `CREATE TRIGGER ${truncate} BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION irr_refuse_change()`],
  ]),
);
/** The body of the function every append-only trigger calls, as migration 1 wrote it (whitespace aside). */
const REFUSE_CHANGE_BODY = /FUNCTION irr_refuse_change\(\)[\s\S]*?\$fn\$([\s\S]*?)\$fn\$/.exec(PG_MIGRATIONS[0]!.sql)![1]!;
const normalise = (sql: string) => sql.replace(/\s+/g, ' ').trim();
/**
 * The four-eyes trigger (PostgreSQL migration 10) and the body of its function: dropped, disabled
 * or replaced, a notice could be recorded as sent on the server without an approval.
 */
const FOUR_EYES_TRIGGER = "CREATE TRIGGER events_four_eyes BEFORE INSERT ON events FOR EACH ROW WHEN ((new.type = 'obligation.recorded'::text)) EXECUTE FUNCTION irr_four_eyes()";
const FOUR_EYES_BODY = /FUNCTION irr_four_eyes\(\)[\s\S]*?\$fn\$([\s\S]*?)\$fn\$/.exec(PG_MIGRATIONS.find((m) => m.version === 10)!.sql)![1]!;
/**
 * Migration 7's commit-time checks: an id allocated without its incident, an incident under an id
 * of its writer's choosing, a push recorded without one, each refused at commit (IR003) by a
 * deferred constraint trigger. Dropped, disabled or with its function rewritten by the owner, ids
 * could be chosen or thrown away again.
 */
const ID_CHECKS = (
  [
    ['incident_counters_allocated', 'AFTER INSERT OR UPDATE ON incident_counters', 'irr_check_counter'],
    ['incidents_id_allocated', 'AFTER INSERT ON incidents', 'irr_check_incident_id'],
    ['pushed_incidents_opened', 'AFTER INSERT ON pushed_incidents', 'irr_check_pushed'],
  ] as const
).map(([trigger, when, fn]) => ({
  trigger,
  fn,
  def: `CREATE CONSTRAINT TRIGGER ${trigger} ${when} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  body: new RegExp(`FUNCTION ${fn}\\(\\)[\\s\\S]*?\\$fn\\$([\\s\\S]*?)\\$fn\\$`).exec(PG_MIGRATIONS.find((m) => m.version === 7)!.sql)![1]!,
}));
/**
 * The versions (xmin) of the append-only triggers' catalogue rows, one string: it changes whenever
 * one is disabled, enabled, dropped or created (see walkToHead).
 */
const TRIGGER_VERSIONS = `SELECT string_agg(t.tgname || ':' || t.xmin::text || ':' || t.tgenabled::text, ',' ORDER BY t.tgname) FROM pg_trigger t
  WHERE NOT t.tgisinternal AND t.tgrelid IN ('events'::regclass, 'incidents'::regclass, 'playbooks'::regclass, 'signatures'::regclass)`;
/** Serialises migrations of concurrent `irr init`s (an arbitrary constant: "IRR1"). */
const MIGRATION_LOCK = 0x49525231;

/** A key.registered row as the signature check reads it. */
type KeyRow = { readonly actor: string; readonly payload: string };

/** The channel the events trigger (migration 2) notifies: payload `{"incident":…,"seq":…}`, ids only. */
export const PG_NOTIFY_CHANNEL = 'irr_events';

function parseChange(payload: string): HeadChange | undefined {
  try {
    const v = JSON.parse(payload) as { incident?: unknown; seq?: unknown };
    return typeof v.incident === 'string' && typeof v.seq === 'number' ? { incident: v.incident, seq: v.seq } : undefined;
  } catch {
    return undefined;
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function fromRow(r: EventRow): StoredEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(r.payload);
  } catch {
    throw new IntegrityFailure(`incident ${r.incident}: seq ${r.seq} payload is not JSON (irr verify ${r.incident})`);
  }
  return { ...r, type: r.type as EventType, payload } as StoredEvent;
}

/**
 * The PostgreSQL driver of the store port. The client (porsager's `postgres`) is imported by
 * openStore only for a postgres:// URL. Appends: optimistic on (incident, seq) with
 * INSERT … ON CONFLICT DO NOTHING (a lost race writes nothing and is StaleHead for the caller to
 * re-decide); after a lost race the next append of that incident first takes a transaction
 * advisory lock on it, so concurrent writers queue instead of spinning.
 */
export class PgStore implements StorePort {
  readonly driver = 'postgres' as const;
  /** Lost races seen by this connection (the benchmark reports them). */
  retries = 0;
  private readonly lost = new Set<string>();
  /** Per incident, the head up to which this process has checked the chain, and the key registrations up to it. */
  private readonly checked = new Map<string, { head: Head; keys: readonly KeyRow[]; guard?: string | null }>();
  /**
   * Playbook rows this session read and found bound to an incident (their content hashes to their
   * hash, the one its incident.opened pins): `playbook()` serves them without reading the ~40 KB
   * row again. An engine checks an incident's bindings before it reads its runbook, so each command
   * read every row twice; what it serves is the content of that hash whenever it is read.
   */
  private readonly checkedPlaybooks = new Map<string, PlaybookRow>();

  /** The role this session connected as: the actor of everything it writes (row-level security checks it). */
  serverUser?: string;
  /** A member of irr_comms only: reads the timeline and the notices, not the facts and notes. */
  readsRedacted = false;

  /**
   * Where this session reads the log's rows: comms has no grant on events (PostgreSQL migration
   * 8) and reads comms_events, whose incident.opened rows are whole (the bindings check reads them).
   */
  private get logRead(): string {
    return this.readsRedacted ? 'comms_events' : 'events';
  }

  private constructor(
    private readonly sql: Sql,
    readonly location: string,
    readonly canWrite: boolean,
  ) {}

  static async connect(url: string, opts: { create: boolean; readonly?: boolean }): Promise<PgStore> {
    const { default: postgres } = await import('postgres');
    const location = redactUrl(url);
    const readonly = opts.readonly === true;
    // The URL wins; what it leaves out comes from PGHOST, PGUSER, PGPASSWORD… ; ?sslmode=require
    // (or PGSSLMODE=require, pg-tls.ts) for TLS.
    const ssl = sslFromEnvironment(url);
    const sql = postgres(url, {
      ...(ssl !== undefined ? { ssl } : {}),
      max: 2,
      onnotice: () => undefined,
      // No look-up of the server's array types on connecting (a query of pg_type, ~2 ms of the
      // server's CPU and a round trip per command): irr sends no array and reads none as such
      // (comms' withheld names come as JSON text, redactedLog).
      fetch_types: false,
      connect_timeout: 10,
      connection: { application_name: 'irr', ...(readonly ? { default_transaction_read_only: true } : {}) },
    });
    const store = new PgStore(sql, location, !readonly);
    try {
      await store.guard(() => store.checkSchema(opts.create));
      const [me] = await store.guard(
        () => sql<{ u: string; comms: boolean }[]>`
          SELECT current_user AS u,
                 pg_has_role('irr_comms', 'MEMBER') AND NOT (pg_has_role('irr_responder', 'MEMBER') OR pg_has_role('irr_approver', 'MEMBER') OR pg_has_role('irr_auditor', 'MEMBER')) AS comms`,
      );
      store.serverUser = me!.u;
      store.readsRedacted = me!.comms;
    } catch (err) {
      await sql.end({ timeout: 1 }).catch(() => undefined);
      throw err;
    }
    return store;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // What the comms role may not read (the snapshots hold the facts): say so by the role's name.
      if (this.readsRedacted && err !== null && typeof err === 'object' && 'code' in err && err.code === '42501') {
        throw new Refused(`${this.location}: the comms role (irr_comms) reads the timeline and the notices, not the facts and notes this command needs: irr status <incident> and irr log <incident> show what it may see; nothing was written`);
      }
      throw translatePgError(err, this.location);
    }
  }

  /**
   * The log as the comms role reads it (PostgreSQL migration 8, the comms_events view): every
   * entry's header; a payload only where comms may read one, cut down to the fields it may see,
   * with the names of those withheld (none: the payload exactly as stored).
   */
  async redactedLog(incident: string): Promise<{ headers: EventHeader[]; rows: RedactedRow[] }> {
    const all = await this.guard(async () => [
      ...(await this.sql<(EventHeader & { payload: string | null; withheld: string | null })[]>`
        SELECT incident, seq, type, at, recorded_at, actor, prev_hash, hash, payload, array_to_json(withheld)::text AS withheld FROM comms_events WHERE incident = ${incident} ORDER BY seq`),
    ]);
    const headers = all.map(({ payload: _p, withheld: _w, ...h }) => h);
    const rows = all.flatMap(({ payload, withheld, ...h }) => (payload === null ? [] : [{ ...h, payload, withheld: withheld === null ? [] : (JSON.parse(withheld) as string[]) }]));
    return { headers, rows };
  }

  /** An empty database is initialised only by `irr init`; a database with other tables is never touched. */
  private async checkSchema(mayInitialise: boolean): Promise<void> {
    const [reg] = await this.sql<{ t: string | null; n: number }[]>`
      SELECT to_regclass('irr_schema')::text AS t,
             (SELECT count(*)::int FROM pg_tables WHERE schemaname = current_schema()) AS n`;
    if (reg!.t === null) {
      if (reg!.n > 0) throw new InvalidInput(`--db: ${this.location} is not an irr database (it holds other tables); nothing was changed`);
      if (!mayInitialise) throw new InvalidInput(`--db: ${this.location} has no irr schema (run "irr init --db ${this.location}")`);
    }
    const version = reg!.t === null ? 0 : await this.schemaVersion();
    if (version > PG_SCHEMA_VERSION) throw new InvalidInput(`--db: ${this.location} was written by a newer irr (schema ${version}; this irr knows ${PG_SCHEMA_VERSION})`);
    if (version === PG_SCHEMA_VERSION) return;
    if (!this.canWrite) throw new InvalidInput(`--db: ${this.location} needs a schema upgrade but was opened read-only`);
    await this.migrate().catch((err: unknown) => {
      // A team role may not create the schema's objects: only the owner upgrades (its next irr command does).
      if (version > 0 && err !== null && typeof err === 'object' && 'code' in err && err.code === '42501') {
        throw new Refused(`--db: ${this.location} needs a schema upgrade (${version} → ${PG_SCHEMA_VERSION}) that only its owner may run: the owner runs "irr init --db <url>" (or any irr command) once; nothing was changed`);
      }
      throw err;
    });
  }

  private async migrate(): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      await tx.unsafe('CREATE TABLE IF NOT EXISTS irr_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const [row] = await tx<{ v: number | null }[]>`SELECT max(version) AS v FROM irr_schema`;
      for (const m of PG_MIGRATIONS) {
        if (m.version <= (row!.v ?? 0)) continue;
        await tx.unsafe(m.sql);
        await tx`INSERT INTO irr_schema (version) VALUES (${m.version})`;
      }
    });
  }

  async schemaVersion(): Promise<number> {
    return this.guard(async () => {
      const [row] = await this.sql<{ v: number | null }[]>`SELECT max(version) AS v FROM irr_schema`;
      return row!.v ?? 0;
    });
  }

  async playbook(hash: string): Promise<PlaybookRow | undefined> {
    const checked = this.checkedPlaybooks.get(hash);
    if (checked) return checked;
    return this.guard(async () => (await this.sql<PlaybookRow[]>`SELECT hash, id, version, content, source FROM playbooks WHERE hash = ${hash}`)[0]);
  }

  async incident(id: string): Promise<IncidentRow | undefined> {
    return this.guard(async () => (await this.sql<IncidentRow[]>`SELECT id, title, mode, playbook_hash, opened_at FROM incidents WHERE id = ${id}`)[0]);
  }

  async incidents(): Promise<IncidentRow[]> {
    return this.guard(async () => [...(await this.sql<IncidentRow[]>`SELECT id, title, mode, playbook_hash, opened_at FROM incidents ORDER BY opened_at, id`)]);
  }

  async head(incident: string): Promise<Head> {
    return this.guard(() => this.headIn(this.sql, incident));
  }

  private async headIn(q: Sql | TransactionSql, incident: string): Promise<Head> {
    const [row] = await q<Head[]>`SELECT seq, hash FROM ${q(this.logRead)} WHERE incident = ${incident} ORDER BY seq DESC LIMIT 1`;
    return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  async rawEvents(incident: string, afterSeq = 0): Promise<EventRow[]> {
    return this.guard(async () => [
      ...(await this.sql<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM events WHERE incident = ${incident} AND seq > ${afterSeq} ORDER BY seq`),
    ]);
  }

  async events(incident: string, afterSeq = 0): Promise<StoredEvent[]> {
    return (await this.rawEvents(incident, afterSeq)).map(fromRow);
  }

  private requireWritable(): void {
    if (!this.canWrite) throw new InvalidInput(`--db: ${this.location} was opened read-only; nothing was written`);
  }

  async openIncident(args: OpenIncidentArgs): Promise<StoredEvent> {
    this.requireWritable();
    const pb = args.playbook;
    if (contentHash(pb.content) !== pb.hash) throw new IntegrityFailure('playbook content does not match its hash');
    return this.guard(() =>
      this.sql.begin(async (tx) => {
        await this.refuseIfDatabaseFails(tx);
        const [clock] = await tx.unsafe<{ now: string }[]>(`SELECT ${SERVER_NOW} AS now`);
        const recordedAt = args.recordedAt ?? clock!.now;
        await tx`INSERT INTO playbooks (hash, id, version, content, source, stored_at) VALUES (${pb.hash}, ${pb.id}, ${pb.version}, ${pb.content}, ${pb.source}, ${recordedAt}) ON CONFLICT (hash) DO NOTHING`;
        const [pinned] = await tx<PlaybookRow[]>`SELECT hash, id, version, content, source FROM playbooks WHERE hash = ${pb.hash}`;
        if (!pinned || contentHash(pinned.content) !== pb.hash) throw new IntegrityFailure(`--db: ${this.location}: the stored playbook ${pb.hash} does not match its hash (irr verify); nothing was written`);
        const sourceSha = contentHash(pinned.source);
        const stem = `${args.prefix}-${args.year}-`;
        // The schema owner's function (migration 7): team roles cannot write the counters, and
        // the counter row's lock serialises concurrent openers, so no two incidents get one id.
        const [allocated] = await tx<{ id: string }[]>`SELECT irr_allocate_incident_id(${stem}) AS id`;
        const id = allocated!.id;
        const ev = args.opened(id, sourceSha);
        await tx`INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (${id}, ${args.title}, ${args.mode}, ${pb.hash}, ${ev.at})`;
        const [stored] = await this.insertEvents(tx, id, { seq: 0, hash: GENESIS_HASH }, [ev], recordedAt);
        if (args.snapshot) await this.putSnapshot_(tx, id, 1, args.snapshot(id, sourceSha), stored!.hash);
        this.checked.set(id, { head: { seq: 1, hash: stored!.hash }, keys: [] });
        return stored!;
      }),
    );
  }

  /**
   * Append in two round trips, neither inside an explicit transaction: (1) one read of the
   * server's clock, the head and the rows from the head this process last checked (every row on
   * first use), whose chain is re-hashed here (store/integrity.ts, the same walk verify makes);
   * (2) `irr_append` (PostgreSQL migration 6), one statement, so one transaction, that re-checks
   * the triggers, the bindings and that the head is still the one walked to, then inserts the
   * events (ON CONFLICT DO NOTHING: a lost race writes nothing), their signatures and the
   * snapshot. After a lost race the next append of that incident runs both holding the incident's
   * advisory lock (inside `exclusive`, on its connection; else in a transaction that takes
   * pg_advisory_xact_lock first), so a queued writer reads a head no one else can move.
   *
   * Why checking only the rows since the last checked head keeps the guarantee (issue 10: every
   * append re-checks the incident's chain): the rows up to that head were re-hashed by this
   * process; the row at that head is read again and must still carry its hash, and the
   * append-only triggers' catalogue rows must be the versions seen then (an owner can edit a row
   * only by disabling or dropping a trigger, which writes a new version even if it is put back);
   * otherwise every row is walked again. The rows after it are re-hashed now, and the write
   * itself is refused unless the head is still the one the walk ended at. So the events are
   * chained to a head whose every link this process verified, and any edit an owner can make
   * since, old rows included, is refused (exit 5). What a point-in-time check cannot see is an
   * edit by a superuser under session_replication_role = replica (it passes the triggers without
   * touching the catalogue): `irr verify`, and every new process's full walk, find that. The walk
   * ran inside the append's transaction before, but under READ COMMITTED each statement sees its
   * own snapshot, so it was never atomic with the insert either; irr_append re-checks, in the
   * writing statement, what can be checked there cheaply (triggers, bindings, head).
   */
  async append(incident: string, expected: Head, events: readonly NewEvent[], opts: AppendOptions = {}): Promise<StoredEvent[]> {
    this.requireWritable();
    const queue = this.lost.has(incident);
    try {
      // Inside `exclusive`, on the connection holding the incident's session lock (irr_append's
      // transaction lock on the same key is then granted at once, and everyone else's waits).
      const held = this.holding.get(incident);
      const stored = await this.guard(() =>
        held
          ? this.appendIn(held, incident, expected, events, opts)
          : queue
            ? this.sql.begin(async (tx) => {
                // Among the driver's own queued writers (a key of its own: taking the engines' key
                // exclusively here would make every other writer's irr_append wait for a writer
                // that is about to find its head stale).
                await tx`SELECT pg_advisory_xact_lock(hashtextextended(${incident}, 0))`;
                return this.appendIn(tx, incident, expected, events, opts);
              })
            : this.appendIn(this.sql, incident, expected, events, opts),
      );
      this.lost.delete(incident);
      return stored;
    } catch (err) {
      if (err instanceof StaleHead) {
        this.retries++;
        this.lost.add(incident);
      } else {
        this.checked.delete(incident);
      }
      throw err;
    }
  }

  private async appendIn(q: Sql | TransactionSql | ReservedSql, incident: string, expected: Head, events: readonly NewEvent[], opts: AppendOptions): Promise<StoredEvent[]> {
    const { now, head, keys, guard } = await this.walkToHead(q, incident);
    if (head.seq !== expected.seq || head.hash !== expected.hash) throw new StaleHead(incident, expected.seq, head.seq);
    const { rows, out } = this.hashEvents(incident, expected, events, opts.recordedAt ?? now);
    if (rows.length === 0) return out;
    const signatures = signBatch(out, opts.signers ?? [], registeredFingerprints(keys), (m) => new Refused(m));
    const last = out[out.length - 1]!;
    const snapshot = opts.snapshot;
    let outcome: string;
    try {
      const [r] = await q<{ outcome: string }[]>`
        SELECT irr_append(${incident}, ${expected.seq}, ${expected.hash}, ${JSON.stringify(rows)}::text,
          ${signatures.length > 0 ? JSON.stringify(signatures.map((x) => ({ seq: x.seq, fingerprint: x.fingerprint, signature: x.signature }))) : null}::text,
          ${snapshot ?? null}::text, ${snapshot === undefined ? null : snapshotSeal(last.hash, snapshot)}::text) AS outcome`;
      outcome = r!.outcome;
    } catch (err) {
      const code = err !== null && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : '';
      // Another writer took one of these seqs between the head check and the insert: nothing written.
      if (code === 'IR002') throw new StaleHead(incident, expected.seq, expected.seq + 1);
      // The first event's payload is not JSON: the bindings check names it.
      if (code === '22P02') outcome = 'bindings';
      else throw err;
    }
    if (outcome === 'triggers') throw this.refusal(incident, 0, (await this.triggerProblems())[0] ?? 'the append-only triggers are not all in place');
    if (outcome === 'bindings') {
      const bad = (await this.bindingsIn(this.sql, incident))[0];
      throw this.refusal(incident, bad?.seq ?? 1, bad?.problem ?? 'the incidents row or its pinned playbook no longer agrees with incident.opened');
    }
    if (outcome.startsWith('stale')) throw new StaleHead(incident, expected.seq, Number(outcome.slice(6)));
    if (outcome !== 'ok') throw new IntegrityFailure(`${this.location}: irr_append answered "${outcome}"; nothing was written`);
    const keyRows = out.filter((e) => e.type === 'key.registered').map((e) => ({ actor: e.actor, payload: JSON.stringify(e.payload) }));
    this.checked.set(incident, { head: { seq: last.seq, hash: last.hash }, keys: [...keys, ...keyRows], guard });
    return out;
  }

  /**
   * One read: the server's clock, and the rows from the head this process last checked to the
   * stored head, re-hashed (all of them on first use, or when the row at that head changed). The
   * walked head is remembered with the key registrations seen on the way.
   */
  private async walkToHead(q: Sql | TransactionSql | ReservedSql, incident: string): Promise<{ now: string; head: Head; keys: readonly KeyRow[]; guard: string | null }> {
    const from = this.checked.get(incident);
    const read = (after: number) =>
      q.unsafe<({ now: string; guard: string | null } & Partial<EventRow>)[]>(
        `SELECT ${SERVER_NOW} AS now, (${TRIGGER_VERSIONS}) AS guard,
                e.incident, e.seq, e.type, e.at, e.recorded_at, e.actor, e.payload, e.prev_hash, e.hash FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT * FROM events WHERE incident = $1 AND seq >= $2 ORDER BY seq) AS e ON true`,
        [incident, after],
        // Prepared once per connection: parsing and planning it cost as much as running it.
        { prepare: true },
      );
    let rows = await read(from?.head.seq ?? 0);
    let start = from;
    // The row at the checked head must still be the one checked, and the append-only triggers the
    // very catalogue rows they were then; else every row is walked again. Disabling a trigger (to
    // edit an old row), dropping or re-creating one writes a new version of its pg_trigger row, so
    // an edit made the only way the owner can make one shows here even when the triggers were put
    // back and the edited row lies before the checked head. (A superuser's session_replication_role
    // = replica passes the triggers without touching the catalogue: only verify's full walk, or the
    // next process's, sees that.)
    if (from && (rows[0]?.seq !== from.head.seq || rows[0]?.hash !== from.head.hash || rows[0]?.guard !== from.guard)) {
      start = undefined;
      rows = await read(0);
    }
    // A walk from the start (a process's first append to this incident, or a changed head or
    // trigger) also checks what binds the tables to the log, as on SQLite: the triggers as migration
    // 1 wrote them, no incident deleted whole, the incidents and playbooks rows, the snapshot's seal.
    let snapshotSeq: number | undefined;
    if (!start) {
      await this.refuseIfDatabaseFails(q);
      const [bind] = await this.bindingsIn(q, incident);
      if (bind) throw this.refusal(incident, bind.seq, bind.problem);
      const snap = await this.snapshotIn(q, incident);
      if (snap?.problem) throw this.refusal(incident, snap.seq, snap.problem);
      snapshotSeq = snap?.seq;
      // Read again after the snapshot: other writers may have appended since the first read, and
      // the log only grows, so rows read now reach the snapshot's seq unless events are missing.
      rows = await read(0);
    }
    const now = rows[0]!.now;
    const walk = new ChainWalk(start?.head);
    const keys: KeyRow[] = [...(start?.keys ?? [])];
    for (const r of rows) {
      if (r.seq === undefined || r.seq === null || (start && r.seq <= start.head.seq)) continue;
      const row = r as EventRow;
      const p = walk.next(row);
      if (p) throw this.refusal(incident, p.seq, p.problem);
      if (row.type === 'key.registered') keys.push({ actor: row.actor, payload: row.payload });
    }
    if (snapshotSeq !== undefined && snapshotSeq > walk.head.seq) throw this.refusal(incident, walk.head.seq + 1, `the snapshot was taken at seq ${snapshotSeq} but the log ends at seq ${walk.head.seq}; events are missing`);
    const guard = rows[0]!.guard;
    this.checked.set(incident, { head: walk.head, keys, guard });
    return { now, head: walk.head, keys, guard };
  }

  /** The rows to store and the events they are (hashed over the very payload text stored, as on SQLite). */
  private hashEvents(incident: string, head: Head, events: readonly NewEvent[], recordedAt: string): { rows: Omit<EventRow, 'incident'>[]; out: StoredEvent[] } {
    let prev = head;
    const rows: Omit<EventRow, 'incident'>[] = [];
    const out: StoredEvent[] = [];
    for (const e of events) {
      const seq = prev.seq + 1;
      const payloadText = JSON.stringify(e.payload);
      const fields = { incident, seq, type: e.type, at: e.at, recorded_at: recordedAt, actor: e.actor };
      const body = eventBody(fields, payloadText);
      if (!isWellFormedText(body)) throw new InvalidInput(`${e.type}: is not well-formed Unicode (a lone surrogate); nothing was written`);
      const hash = hashBody(prev.hash, body);
      rows.push({ seq, type: e.type, at: e.at, recorded_at: recordedAt, actor: e.actor, payload: payloadText, prev_hash: prev.hash, hash });
      out.push({ ...e, incident, seq, recorded_at: recordedAt, prev_hash: prev.hash, hash } as StoredEvent);
      prev = { seq, hash };
    }
    return { rows, out };
  }

  /** openIncident's insert of the first event (a plain INSERT in its transaction). */
  private async insertEvents(tx: TransactionSql, incident: string, head: Head, events: readonly NewEvent[], recordedAt: string): Promise<StoredEvent[]> {
    const { rows, out } = this.hashEvents(incident, head, events, recordedAt);
    if (rows.length === 0) return out;
    const full = rows.map((r) => ({ incident, ...r }));
    const inserted = await tx`
      INSERT INTO events ${tx(full, 'incident', 'seq', 'type', 'at', 'recorded_at', 'actor', 'payload', 'prev_hash', 'hash')}
      ON CONFLICT (incident, seq) DO NOTHING RETURNING seq`;
    if (inserted.length !== rows.length) throw new StaleHead(incident, head.seq, head.seq + 1);
    return out;
  }

  /**
   * Write an incident pushed from a laptop verbatim (its recorded times and hashes: the chain
   * covers them, and its id, which the hashes cover too), in one transaction. Refused when the
   * server already has that id. The id counter moves past it, so the server never allocates it.
   */
  async importIncident(bundle: IncidentBundle): Promise<void> {
    this.requireWritable();
    const r = bundle.row;
    const pb = bundle.playbook;
    await this.guard(() =>
      this.sql.begin(async (tx) => {
        // The schema owner's function (migration 7): the counter moves past the id (under its row
        // lock) and the ids skipped are recorded in pushed_incidents; false if the id is taken.
        const [pushed] = await tx<{ fresh: boolean }[]>`SELECT irr_record_pushed_id(${r.id}) AS fresh`;
        if (!pushed!.fresh) throw new Refused(`${r.id} already exists on ${this.location}: an incident keeps its id (its hashes cover it), so it cannot be pushed there; nothing was written`);
        await tx`INSERT INTO playbooks (hash, id, version, content, source, stored_at) VALUES (${pb.hash}, ${pb.id}, ${pb.version}, ${pb.content}, ${pb.source}, ${r.opened_at}) ON CONFLICT (hash) DO NOTHING`;
        await tx`INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (${r.id}, ${r.title}, ${r.mode}, ${r.playbook_hash}, ${r.opened_at})`;
        const rows = bundle.events.map((e) => ({ ...e }));
        for (let i = 0; i < rows.length; i += 1000) {
          await tx`INSERT INTO events ${tx(rows.slice(i, i + 1000), 'incident', 'seq', 'type', 'at', 'recorded_at', 'actor', 'payload', 'prev_hash', 'hash')}`;
        }
        await this.insertSignatures(tx, bundle.signatures ?? []);
      }),
    );
  }

  async signatures(incident: string): Promise<SignatureRow[]> {
    return this.guard(async () => [...(await this.sql<SignatureRow[]>`SELECT incident, seq, fingerprint, signature FROM signatures WHERE incident = ${incident} ORDER BY seq, fingerprint`)]);
  }

  async signedLog(incident: string): Promise<{ rows: EventRow[]; signatures: SignatureRow[] }> {
    return this.consistent(async (tx) => ({
      rows: [...(await tx<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM events WHERE incident = ${incident} ORDER BY seq`)],
      signatures: [...(await tx<SignatureRow[]>`SELECT incident, seq, fingerprint, signature FROM signatures WHERE incident = ${incident} ORDER BY seq, fingerprint`)],
    }));
  }

  async registeredKeys(incident: string, actors?: ReadonlySet<string>): Promise<Map<string, Set<string>>> {
    const rows = await this.guard(async () => [...(await this.sql<{ actor: string; payload: string }[]>`SELECT actor, payload FROM events WHERE incident = ${incident} AND type = 'key.registered' ORDER BY seq`)]);
    return registeredFingerprints(actors ? rows.filter((r) => actors.has(r.actor)) : rows);
  }

  private async insertSignatures(tx: TransactionSql, rows: readonly SignatureRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx`INSERT INTO signatures ${tx(rows.map((r) => ({ ...r })), 'incident', 'seq', 'fingerprint', 'signature')}`;
  }

  /** The append-only triggers: each present, enabled and as the migrations made it; row-level security on. */
  async triggerProblems(): Promise<string[]> {
    return this.guard(() => this.triggerProblemsIn(this.sql));
  }

  private async triggerProblemsIn(q: Sql | TransactionSql | ReservedSql): Promise<string[]> {
    const rows = await q<{ name: string; enabled: string; def: string }[]>`
      SELECT t.tgname AS name, t.tgenabled AS enabled, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE NOT t.tgisinternal AND c.relname IN ('events', 'incidents', 'playbooks', 'signatures', 'pushed_incidents', 'incident_counters') AND c.relnamespace = current_schema()::regnamespace`;
    // Each function by its signature (name and no arguments), the very one the triggers call: by name
    // alone, an overload could stand in for a rewritten function (or make the look-up fail).
    const bodyOf = new Map(
      (await q<{ name: string; body: string | null }[]>`
        SELECT f AS name, (SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure(quote_ident(current_schema()) || '.' || f || '()')) AS body
        FROM unnest(string_to_array(${['irr_refuse_change', 'irr_four_eyes', ...ID_CHECKS.map((c) => c.fn)].join(',')}, ',')) AS f`).map((r) => [r.name, r.body]),
    );
    const bodies = new Map(ID_CHECKS.map((c) => [c.fn, bodyOf.get(c.fn) ?? undefined]));
    const [rls] = await q<{ on: boolean | null }[]>`SELECT (SELECT relrowsecurity FROM pg_class WHERE relname = 'events' AND relnamespace = current_schema()::regnamespace) AS on`;
    const fn = { body: bodyOf.get('irr_refuse_change') ?? null, four_eyes: bodyOf.get('irr_four_eyes') ?? null, rls: rls?.on ?? null };
    const have = new Map(rows.map((r) => [r.name, r]));
    const out: string[] = [];
    for (const [name, def] of PG_TRIGGERS) {
      const t = have.get(name);
      // A server upgraded before migration 4 ran has no pushed_incidents triggers yet: the table is missing too.
      if (t === undefined) out.push(`trigger ${name} is missing (someone dropped it: UPDATE/DELETE are no longer refused)`);
      else if (t.def.replace(/ ON \S+\.(\w+) /, ' ON $1 ') !== def) out.push(`trigger ${name} was replaced by a different one`);
      else if (t.enabled === 'D') out.push(`trigger ${name} is disabled (UPDATE/DELETE are no longer refused)`);
      else if (t.enabled === 'R') out.push(`trigger ${name} fires only in replica sessions (UPDATE/DELETE are no longer refused)`);
    }
    // CREATE OR REPLACE FUNCTION keeps every trigger as it was and changes what they do.
    if (fn?.body == null) out.push('the function irr_refuse_change, which the append-only triggers call, is missing');
    else if (normalise(fn.body) !== normalise(REFUSE_CHANGE_BODY)) out.push('the function irr_refuse_change, which the append-only triggers call, was replaced (UPDATE/DELETE may no longer be refused)');
    const fourEyes = have.get('events_four_eyes');
    const unguarded = 'a notice to an authority or to individuals may be recorded as sent without four eyes';
    if (fourEyes === undefined) out.push(`trigger events_four_eyes is missing (someone dropped it: ${unguarded})`);
    else if (fourEyes.def.replace(/ ON \S+\.(\w+) /, ' ON $1 ') !== FOUR_EYES_TRIGGER) out.push('trigger events_four_eyes was replaced by a different one');
    else if (fourEyes.enabled === 'D') out.push(`trigger events_four_eyes is disabled (${unguarded})`);
    else if (fourEyes.enabled === 'R') out.push(`trigger events_four_eyes fires only in replica sessions (${unguarded})`);
    if (fn?.four_eyes == null) out.push(`the function irr_four_eyes, which the four-eyes trigger calls, is missing (${unguarded})`);
    else if (normalise(fn.four_eyes) !== normalise(FOUR_EYES_BODY)) out.push(`the function irr_four_eyes, which the four-eyes trigger calls, was replaced (${unguarded})`);
    if (fn?.rls === false) out.push('row-level security on events is disabled (any member may append as anyone, and comms reads every event)');
    const ids = 'incident ids may again be chosen or thrown away';
    for (const c of ID_CHECKS) {
      const t = have.get(c.trigger);
      if (t === undefined) out.push(`trigger ${c.trigger} is missing (someone dropped it: ${ids})`);
      else if (t.def.replace(/ ON \S+\.(\w+) /, ' ON $1 ') !== c.def) out.push(`trigger ${c.trigger} was replaced by a different one`);
      else if (t.enabled === 'D') out.push(`trigger ${c.trigger} is disabled (${ids})`);
      else if (t.enabled === 'R') out.push(`trigger ${c.trigger} fires only in replica sessions (${ids})`);
      const body = bodies.get(c.fn);
      if (body == null) out.push(`the function ${c.fn}, which trigger ${c.trigger} calls, is missing (${ids})`);
      else if (normalise(body) !== normalise(c.body)) out.push(`the function ${c.fn}, which trigger ${c.trigger} calls, was replaced (${ids})`);
    }
    return out;
  }

  /**
   * What only the database as a whole shows: incidents deleted whole (a gap among the ids this
   * server allocated: the ids a push skipped, recorded in pushed_incidents, are not gaps) and
   * events whose incidents row was deleted (the foreign key forbids it, unless switched off).
   */
  private async databaseProblemsIn(q: Sql | TransactionSql | ReservedSql): Promise<{ incident: string; problem: string }[]> {
    const ids = (await q<{ id: string }[]>`SELECT id FROM incidents`).map((r) => r.id);
    const skipped = new Set<string>();
    for (const p of await q<{ id: string; counter_before: number }[]>`SELECT id, counter_before FROM pushed_incidents`) {
      const m = /^([A-Z]+-\d{4}-)(\d+)$/.exec(p.id);
      if (m) for (let n = p.counter_before + 1; n < Number(m[2]); n++) skipped.add(`${m[1]!}${String(n).padStart(4, '0')}`);
    }
    const out: { incident: string; problem: string }[] = [];
    for (const id of missingIds(ids)) if (!skipped.has(id)) out.push({ incident: id, problem: `incident ${id} is missing: the ids around it exist, so it was deleted whole` });
    for (const o of await q<{ incident: string }[]>`SELECT DISTINCT incident FROM events WHERE incident NOT IN (SELECT id FROM incidents) ORDER BY incident`) {
      out.push({ incident: o.incident, problem: `events of ${o.incident} exist but its incidents row was deleted` });
    }
    return out;
  }

  private refusal(where: string, seq: number, problem: string): IntegrityFailure {
    return new IntegrityFailure(`integrity failure in ${where}${seq > 0 ? ` at seq ${seq}` : ''}: ${problem}; nothing was written (irr verify shows every problem)`);
  }

  /** Before a write: the triggers in place, and no incident deleted whole or stripped of its row. */
  private async refuseIfDatabaseFails(q: Sql | TransactionSql | ReservedSql): Promise<void> {
    const trig = await this.triggerProblemsIn(q);
    if (trig.length > 0) throw this.refusal('the database', 0, trig[0]!);
    const [p] = await this.databaseProblemsIn(q);
    if (p) throw this.refusal(p.incident, 0, p.problem);
  }

  private async putSnapshot_(tx: Sql | TransactionSql, incident: string, seq: number, state: string, headHash: string): Promise<void> {
    await tx`
      INSERT INTO snapshots (incident, seq, state, head_hash, state_sha256) VALUES (${incident}, ${seq}, ${state}, ${headHash}, ${snapshotSeal(headHash, state)})
      ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, head_hash = excluded.head_hash, state_sha256 = excluded.state_sha256
      WHERE excluded.seq >= snapshots.seq`;
  }

  /**
   * `irr team add`: a login role for the responder in the irr group role, or the group granted
   * to an existing role (roles are the server's, shared by its databases). Needs CREATEROLE.
   */
  async teamAdd(name: string, role: TeamRole): Promise<{ created: boolean; sql: string }> {
    this.requireWritable();
    return this.guard(async () => {
      const [found] = await this.sql`SELECT 1 FROM pg_roles WHERE rolname = ${name}`;
      const statement = teamAddSql(name, role, found !== undefined);
      try {
        await this.sql.unsafe(statement);
        return { created: found === undefined, sql: statement };
      } catch (err) {
        // Created meanwhile by another `irr team add` (roles are server-wide): grant instead.
        const code = err !== null && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : '';
        if (found !== undefined || (code !== '42710' && code !== '23505')) throw err;
        const grant = teamAddSql(name, role, true);
        await this.sql.unsafe(grant);
        return { created: false, sql: grant };
      }
    });
  }

  /** `irr team list`: every member of an irr group role, with its roles. */
  async teamList(): Promise<{ members: { member: string; roles: TeamRole[] }[]; sql: string }> {
    const rows = await this.guard(() => this.sql.unsafe<{ member: string; role: string }[]>(TEAM_LIST_SQL));
    const byGroup = new Map<string, TeamRole>(Object.entries(TEAM_ROLES).map(([k, v]) => [v, k as TeamRole]));
    const members = new Map<string, TeamRole[]>();
    for (const r of rows) {
      const role = byGroup.get(r.role);
      if (role) members.set(r.member, [...(members.get(r.member) ?? []), role]);
    }
    return { members: [...members].map(([member, roles]) => ({ member, roles })), sql: TEAM_LIST_SQL };
  }

  /** Runs this store made under the incident lock (the benchmark reports them). */
  lockedRuns = 0;

  /** Per incident, the reserved connection holding its session lock while `exclusive` runs. */
  private readonly holding = new Map<string, ReservedSql>();

  async exclusive<T>(incident: string, fn: () => Promise<T>): Promise<T> {
    const conn = await this.guard(() => this.sql.reserve());
    try {
      await this.guard(() => conn`SELECT pg_advisory_lock(hashtext(${incident}))`);
      this.lockedRuns++;
      this.holding.set(incident, conn);
      try {
        return await fn();
      } finally {
        this.holding.delete(incident);
        await conn`SELECT pg_advisory_unlock(hashtext(${incident}))`.catch(() => undefined);
      }
    } finally {
      conn.release();
    }
  }

  async serverApprovers(): Promise<readonly string[]> {
    return (await this.teamList()).members.filter((m) => m.roles.includes('approver')).map((m) => m.member);
  }

  /** One consistent read: a read-only REPEATABLE READ transaction sees one snapshot of the server. */
  private consistent<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
    return this.guard(() => this.sql.begin('isolation level repeatable read read only', fn) as Promise<T>);
  }

  /**
   * The snapshot and whether it may be served: sealed to the event at its seq and, unless `anyWriter`
   * (verify, which compares it with a replay), written by this session's own role (PostgreSQL
   * migration 9: another member could write a made-up state with a valid seal). One that fails its
   * seal is returned with its problem whoever wrote it: it is evidence.
   */
  private async snapshotIn(q: Sql | TransactionSql | ReservedSql, incident: string, anyWriter = false): Promise<Snapshot | undefined> {
    const [row] = await q<(SnapshotRow & { mine: boolean })[]>`SELECT seq, state, head_hash, state_sha256, written_by IS NOT DISTINCT FROM current_user AS mine FROM snapshots WHERE incident = ${incident}`;
    if (!row) return undefined;
    const { mine, ...snap } = row;
    if (snap.head_hash === null || snap.state_sha256 === null) return { ...snap, bound: false };
    const [at] = await q<{ hash: string }[]>`SELECT hash FROM events WHERE incident = ${incident} AND seq = ${snap.seq}`;
    const problem = snapshotProblem(snap, at?.hash);
    if (problem !== undefined) return { ...snap, bound: false, problem };
    return { ...snap, bound: mine || anyWriter };
  }

  private async bindingsIn(q: Sql | TransactionSql | ReservedSql, incident: string): Promise<Problem[]> {
    const [row] = await q<IncidentRow[]>`SELECT id, title, mode, playbook_hash, opened_at FROM incidents WHERE id = ${incident}`;
    if (!row) return [{ seq: 0, problem: `incident ${incident} has no incidents row` }];
    const [first] = await q<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM ${q(this.logRead)} WHERE incident = ${incident} ORDER BY seq LIMIT 1`;
    const [pb] = await q<PlaybookRow[]>`SELECT hash, id, version, content, source FROM playbooks WHERE hash = ${row.playbook_hash}`;
    const problems = bindingProblems(row, first, pb);
    if (pb && problems.length === 0) this.checkedPlaybooks.set(pb.hash, pb);
    return problems;
  }

  async readState(incident: string, known: Head | undefined, accept: (snapshot: Snapshot | undefined, head: Head) => number): Promise<StateRead> {
    // The usual case, a head that has not moved, is one query, outside any transaction.
    if (known) {
      const head = await this.head(incident);
      if (head.seq === known.seq && head.hash === known.hash) return { head, unchanged: true };
    }
    return this.consistent(async (tx): Promise<StateRead> => {
      const head = await this.headIn(tx, incident);
      const snapshot = await this.snapshotIn(tx, incident);
      const from = accept(snapshot, head);
      const tail = from === head.seq ? [] : [...(await tx<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM events WHERE incident = ${incident} AND seq > ${from} ORDER BY seq`)].map(fromRow);
      return { head, unchanged: false, snapshot, tail };
    });
  }

  async putSnapshot(incident: string, seq: number, state: string, headHash: string): Promise<void> {
    if (!this.canWrite) return;
    try {
      await this.putSnapshot_(this.sql, incident, seq, state, headHash);
    } catch (err) {
      // A cache: a role that may not write it (an auditor) reads on without it.
      if (err !== null && typeof err === 'object' && 'code' in err && err.code === '42501') return;
      throw translatePgError(err, this.location);
    }
  }

  async latestAt(incident: string): Promise<string | undefined> {
    return this.guard(async () => (await this.sql<{ at: string | null }[]>`SELECT max(at) AS at FROM events WHERE incident = ${incident}`)[0]?.at ?? undefined);
  }

  async firstEvent(incident: string): Promise<StoredEvent | undefined> {
    const [r] = await this.guard(() => this.sql<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM events WHERE incident = ${incident} ORDER BY seq LIMIT 1`);
    return r ? fromRow(r) : undefined;
  }

  async hasEvent(incident: string, type: string): Promise<boolean> {
    return this.guard(async () => (await this.sql`SELECT 1 FROM events WHERE incident = ${incident} AND type = ${type} LIMIT 1`).length > 0);
  }

  async bindingProblems(incident: string): Promise<Problem[]> {
    return this.guard(() => this.bindingsIn(this.sql, incident));
  }

  async integrityRead(incident: string, expectHead?: string): Promise<IntegrityRead | undefined> {
    const triggers = await this.triggerProblems();
    return this.consistent(async (tx) => {
      const [row] = await tx<IncidentRow[]>`SELECT id, title, mode, playbook_hash, opened_at FROM incidents WHERE id = ${incident}`;
      if (!row) return undefined;
      const rows = [...(await tx<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM events WHERE incident = ${incident} ORDER BY seq`)];
      const signatures = [...(await tx<SignatureRow[]>`SELECT incident, seq, fingerprint, signature FROM signatures WHERE incident = ${incident} ORDER BY seq, fingerprint`)];
      const [playbook] = await tx<PlaybookRow[]>`SELECT hash, id, version, content, source FROM playbooks WHERE hash = ${row.playbook_hash}`;
      const expected = expectHead === undefined ? undefined : (await tx<{ seq: number }[]>`SELECT seq FROM events WHERE incident = ${incident} AND hash = ${expectHead}`)[0];
      return {
        row,
        rows,
        signatures,
        bindings: await this.bindingsIn(tx, incident),
        triggers,
        playbook,
        snapshot: await this.snapshotIn(tx, incident, true),
        head: await this.headIn(tx, incident),
        expectedAt: expected?.seq,
      };
    });
  }

  /**
   * The incident ids, the triggers' problems under "*", incidents deleted whole and events whose
   * incidents row was deleted (a superuser can switch the foreign key off with the triggers:
   * session_replication_role = replica), in one consistent read.
   */
  async databaseRead(): Promise<{ ids: string[]; problems: { incident: string; problem: string }[] }> {
    return this.consistent(async (tx) => {
      const triggers = await this.triggerProblemsIn(tx);
      const ids = (await tx<{ id: string }[]>`SELECT id FROM incidents ORDER BY opened_at, id`).map((r) => r.id);
      return { ids, problems: [...triggers.map((problem) => ({ incident: '*', problem })), ...(await this.databaseProblemsIn(tx))] };
    });
  }

  /**
   * LISTEN on the channel the events trigger notifies (ids only: incident and seq), on a
   * connection of its own; the subscriber reads what it needs. Own appends are notified too: the
   * caller compares the seq with the head it holds.
   */
  async subscribe(incident: string, onChange: (change: HeadChange) => void): Promise<() => Promise<void>> {
    const listener = await this.guard(() =>
      this.sql.listen(PG_NOTIFY_CHANNEL, (payload) => {
        const change = parseChange(payload);
        if (change?.incident === incident) onChange(change);
      }),
    );
    return async () => {
      await listener.unlisten().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
