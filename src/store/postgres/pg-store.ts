import type { Sql, TransactionSql } from 'postgres';
import { IntegrityFailure, InvalidInput, Refused } from '../../domain/errors.js';
import type { IncidentBundle } from '../event-store.js';
import type { EventType, NewEvent, StoredEvent } from '../../domain/events.js';
import { contentHash, eventBody, GENESIS_HASH, hashBody, isWellFormedText } from '../hash.js';
import { ChainWalk, snapshotSeal } from '../integrity.js';
import type { AppendOptions, EventRow, Head, IncidentRow, OpenIncidentArgs, PlaybookRow, StorePort } from '../port.js';
import { StaleHead } from '../stale-head.js';
import { registeredFingerprints, signBatch, type SignatureRow } from '../signature.js';
import { translatePgError } from './pg-errors.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pg-migrations.js';
import { sslFromEnvironment } from './pg-tls.js';

/** The server's clock as irr writes times (ISO 8601, UTC, milliseconds): recorded_at is the server's, not the laptop's. */
const SERVER_NOW = `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** The triggers migration 1 creates. */
const PG_TRIGGERS = ['events_append_only', 'events_no_truncate', 'playbooks_immutable', 'playbooks_no_truncate', 'incidents_immutable', 'incidents_no_truncate', 'signatures_append_only', 'signatures_no_truncate'];
/** Serialises migrations of concurrent `irr init`s (an arbitrary constant: "IRR1"). */
const MIGRATION_LOCK = 0x49525231;

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
  /** Per incident, the head up to which this process has checked the chain. */
  private readonly checked = new Map<string, Head>();

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
      connect_timeout: 10,
      connection: { application_name: 'irr', ...(readonly ? { default_transaction_read_only: true } : {}) },
    });
    const store = new PgStore(sql, location, !readonly);
    try {
      await store.guard(() => store.checkSchema(opts.create));
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
      throw translatePgError(err, this.location);
    }
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
    const [row] = await q<Head[]>`SELECT seq, hash FROM events WHERE incident = ${incident} ORDER BY seq DESC LIMIT 1`;
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
        const [clock] = await tx.unsafe<{ now: string }[]>(`SELECT ${SERVER_NOW} AS now`);
        const recordedAt = args.recordedAt ?? clock!.now;
        await tx`INSERT INTO playbooks (hash, id, version, content, source, stored_at) VALUES (${pb.hash}, ${pb.id}, ${pb.version}, ${pb.content}, ${pb.source}, ${recordedAt}) ON CONFLICT (hash) DO NOTHING`;
        const [pinned] = await tx<PlaybookRow[]>`SELECT hash, id, version, content, source FROM playbooks WHERE hash = ${pb.hash}`;
        if (!pinned || contentHash(pinned.content) !== pb.hash) throw new IntegrityFailure(`--db: ${this.location}: the stored playbook ${pb.hash} does not match its hash (irr verify); nothing was written`);
        const sourceSha = contentHash(pinned.source);
        const stem = `${args.prefix}-${args.year}-`;
        // The counter row's lock serialises concurrent openers: no two incidents get one id.
        const [counter] = await tx<{ n: number }[]>`
          INSERT INTO incident_counters (stem, n) VALUES (${stem}, 1)
          ON CONFLICT (stem) DO UPDATE SET n = incident_counters.n + 1 RETURNING n`;
        const id = `${stem}${String(counter!.n).padStart(4, '0')}`;
        const ev = args.opened(id, sourceSha);
        await tx`INSERT INTO incidents (id, title, mode, playbook_hash, opened_at) VALUES (${id}, ${args.title}, ${args.mode}, ${pb.hash}, ${ev.at})`;
        const [stored] = await this.insertEvents(tx, id, { seq: 0, hash: GENESIS_HASH }, [ev], recordedAt);
        if (args.snapshot) await this.putSnapshot(tx, id, 1, args.snapshot(id, sourceSha), stored!.hash);
        this.checked.set(id, { seq: 1, hash: stored!.hash });
        return stored!;
      }),
    );
  }

  async append(incident: string, expected: Head, events: readonly NewEvent[], opts: AppendOptions = {}): Promise<StoredEvent[]> {
    this.requireWritable();
    const queue = this.lost.has(incident);
    try {
      const stored = await this.guard(() =>
        this.sql.begin(async (tx) => {
          if (queue) await tx`SELECT pg_advisory_xact_lock(hashtextextended(${incident}, 0))`;
          // The head and the server's clock in one round trip (an append is a handful of them).
          const [h] = await tx.unsafe<{ now: string; seq: number | null; hash: string | null }[]>(
            `SELECT ${SERVER_NOW} AS now, h.seq, h.hash FROM (SELECT 1) AS one
             LEFT JOIN LATERAL (SELECT seq, hash FROM events WHERE incident = $1 ORDER BY seq DESC LIMIT 1) AS h ON true`,
            [incident],
          );
          const head = h!.seq === null ? { seq: 0, hash: GENESIS_HASH } : { seq: h!.seq, hash: h!.hash! };
          if (head.seq !== expected.seq || head.hash !== expected.hash) throw new StaleHead(incident, expected.seq, head.seq);
          await this.refuseIfChainFails(tx, incident, head);
          const out = await this.insertEvents(tx, incident, expected, events, opts.recordedAt ?? h!.now);
          const keyRows = await tx<{ actor: string; payload: string }[]>`SELECT actor, payload FROM events WHERE incident = ${incident} AND type = 'key.registered' AND seq <= ${expected.seq} ORDER BY seq`;
          await this.insertSignatures(tx, signBatch(out, opts.signers ?? [], registeredFingerprints(keyRows), (m) => new Refused(m)));
          const last = out[out.length - 1];
          if (opts.snapshot !== undefined && last) await this.putSnapshot(tx, incident, last.seq, opts.snapshot, last.hash);
          return out;
        }),
      );
      this.lost.delete(incident);
      const last = stored[stored.length - 1];
      if (last) this.checked.set(incident, { seq: last.seq, hash: last.hash });
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

  /** The chain from the head this process last checked up to the current head, re-hashed (all of it on first use). */
  private async refuseIfChainFails(tx: TransactionSql, incident: string, head: Head): Promise<void> {
    let from = this.checked.get(incident);
    if (from && from.seq === head.seq && from.hash === head.hash) return;
    if (from) {
      const [at] = await tx<{ hash: string }[]>`SELECT hash FROM events WHERE incident = ${incident} AND seq = ${from.seq}`;
      if (at?.hash !== from.hash) from = undefined;
    }
    const walk = new ChainWalk(from);
    const rows = await tx<EventRow[]>`SELECT incident, seq, type, at, recorded_at, actor, payload, prev_hash, hash FROM events WHERE incident = ${incident} AND seq > ${from?.seq ?? 0} ORDER BY seq`;
    for (const r of rows) {
      const p = walk.next(r);
      if (p) throw new IntegrityFailure(`integrity failure in ${incident} at seq ${p.seq}: ${p.problem}; nothing was written (irr verify shows every problem)`);
    }
    this.checked.set(incident, walk.head);
  }

  private async insertEvents(tx: TransactionSql, incident: string, head: Head, events: readonly NewEvent[], recordedAt: string): Promise<StoredEvent[]> {
    let prev = head;
    const rows: EventRow[] = [];
    const out: StoredEvent[] = [];
    for (const e of events) {
      const seq = prev.seq + 1;
      // Hashed over the very text stored in the payload column, as on SQLite.
      const payloadText = JSON.stringify(e.payload);
      const fields = { incident, seq, type: e.type, at: e.at, recorded_at: recordedAt, actor: e.actor };
      const body = eventBody(fields, payloadText);
      if (!isWellFormedText(body)) throw new InvalidInput(`${e.type}: is not well-formed Unicode (a lone surrogate); nothing was written`);
      const hash = hashBody(prev.hash, body);
      rows.push({ ...fields, payload: payloadText, prev_hash: prev.hash, hash });
      out.push({ ...e, incident, seq, recorded_at: recordedAt, prev_hash: prev.hash, hash } as StoredEvent);
      prev = { seq, hash };
    }
    if (rows.length === 0) return out;
    const inserted = await tx`
      INSERT INTO events ${tx(rows, 'incident', 'seq', 'type', 'at', 'recorded_at', 'actor', 'payload', 'prev_hash', 'hash')}
      ON CONFLICT (incident, seq) DO NOTHING RETURNING seq`;
    // Another writer took one of these seqs between our head read and the insert: write nothing.
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
        const m = /^([A-Z]+-\d{4}-)(\d+)$/.exec(r.id);
        if (m) {
          await tx`INSERT INTO incident_counters (stem, n) VALUES (${m[1]!}, ${Number(m[2])})
                   ON CONFLICT (stem) DO UPDATE SET n = GREATEST(incident_counters.n, excluded.n)`;
        }
        const [exists] = await tx`SELECT 1 FROM incidents WHERE id = ${r.id}`;
        if (exists) throw new Refused(`${r.id} already exists on ${this.location}: an incident keeps its id (its hashes cover it), so it cannot be pushed there; nothing was written`);
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

  private async insertSignatures(tx: TransactionSql, rows: readonly SignatureRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx`INSERT INTO signatures ${tx(rows.map((r) => ({ ...r })), 'incident', 'seq', 'fingerprint', 'signature')}`;
  }

  /** The append-only triggers: each present and enabled (a dropped or disabled one is named). */
  async triggerProblems(): Promise<string[]> {
    return this.guard(async () => {
      const rows = await this.sql<{ name: string; enabled: string }[]>`
        SELECT t.tgname AS name, t.tgenabled AS enabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relname IN ('events', 'incidents', 'playbooks', 'signatures')`;
      const have = new Map(rows.map((r) => [r.name, r.enabled]));
      const out: string[] = [];
      for (const name of PG_TRIGGERS) {
        const e = have.get(name);
        if (e === undefined) out.push(`trigger ${name} is missing (someone dropped it: UPDATE/DELETE are no longer refused)`);
        else if (e === 'D') out.push(`trigger ${name} is disabled (UPDATE/DELETE are no longer refused)`);
      }
      return out;
    });
  }

  private async putSnapshot(tx: TransactionSql, incident: string, seq: number, state: string, headHash: string): Promise<void> {
    await tx`
      INSERT INTO snapshots (incident, seq, state, head_hash, state_sha256) VALUES (${incident}, ${seq}, ${state}, ${headHash}, ${snapshotSeal(headHash, state)})
      ON CONFLICT (incident) DO UPDATE SET seq = excluded.seq, state = excluded.state, head_hash = excluded.head_hash, state_sha256 = excluded.state_sha256
      WHERE excluded.seq >= snapshots.seq`;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
