import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { irr, ROOT, setServerLogin, tempDir } from '../helpers.js';
import { sqlInProcess } from '../in-process/run.js';
import { inject } from 'vitest';
import { PG_URL } from './pg.js';

/**
 * The same CLI end-to-end tests on both backends: a test asks its backend for a new database
 * (a SQLite file, or a fresh database on the throwaway PostgreSQL server, `irr init`ed) and runs
 * the binary against it with test/helpers.ts's irr(), which on a server connects as the acting
 * responder's own role (created on first use, see pgActorUrl).
 */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  newDb(): string;
  /** Every event stored (all incidents): what "nothing was written" is checked against. */
  eventCount(db: string): number;
  /**
   * Everything the database keeps, as text: what "no personal data is stored" is checked against.
   * SQLite: the bytes of the file and of its write-ahead log. PostgreSQL: every row of every table
   * (the server's own files are shared by all its databases and not the test's to read).
   */
  storedText(db: string): string;
}

/** Run SQL as the superuser of `url`'s server, synchronously (tests' helpers are synchronous). */
export function pgSync(url: string, sql: string): unknown[] {
  return sqlInProcess(ROOT, url, sql);
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  newDb: () => join(tempDir(), 'irr.db'),
  eventCount(db) {
    const raw = new Database(db, { readonly: true });
    const n = (raw.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    raw.close();
    return n;
  },
  storedText(db) {
    return [db, `${db}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('\n');
  },
};

let template: string | undefined;

/**
 * A database `irr init` made, once per run (else once per test process), that each new test database is copied from
 * (CREATE DATABASE … TEMPLATE): the same schema, functions, triggers, policies and grants as an
 * `irr init` of its own, without running the migrations again for each of ~100 databases. Roles
 * are server-wide, and irr grants nothing on the database itself, so nothing is lost in the copy.
 * Nothing connects to the template after its init (a copy needs it idle). `irr init` on an empty
 * database is tested as such (team-server's README set-up, push-pull).
 */
function initedTemplate(): string {
  if (template) return template;
  // Made once for the run by the global setup when irr was built (test/pg/global-setup.ts).
  const given = inject('pgTemplate');
  if (given) return (template = given);
  const name = `irr_t_${randomBytes(6).toString('hex')}`;
  pgSync(PG_URL, `CREATE DATABASE ${name}`);
  const r = irr(['init', '--db', withDb(PG_URL, name)]);
  if (r.code !== 0) throw new Error(`irr init --db ${withDb(PG_URL, name)}: ${r.stderr}`);
  return (template = name);
}

export const pgBackend: Backend = {
  name: 'postgres',
  newDb() {
    const name = `irr_e_${randomBytes(6).toString('hex')}`;
    // FILE_COPY: the template's files copied as they are (36 ms of server CPU against 62 ms for
    // the default, which writes every block of the copy to the WAL).
    pgSync(PG_URL, `CREATE DATABASE ${name} TEMPLATE ${initedTemplate()} STRATEGY FILE_COPY`);
    return withDb(PG_URL, name);
  },
  eventCount(db) {
    return (pgSync(db, 'SELECT count(*)::int AS n FROM events')[0] as { n: number }).n;
  },
  storedText(db) {
    // query_to_xml runs a query per table from one statement; the rows come back as XML text.
    const sql = `SELECT coalesce(string_agg(query_to_xml(format('SELECT * FROM %I.%I', table_schema, table_name), true, false, '')::text, E'\\n'), '') AS dump
      FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`;
    return (pgSync(db, sql)[0] as { dump: string }).dump;
  },
};

/**
 * One database for the tests of a file that do not interfere with each other (each opens its own
 * incidents and reads only those), made on first use: on PostgreSQL a new database costs an
 * `irr init` and an `irr team add` per actor.
 */
export function sharedDb(backend: Backend): () => string {
  let db: string | undefined;
  return () => (db ??= backend.newDb());
}

const made = new Set<string>();

/**
 * The URL a responder uses on the team server: the test database, as their own login role
 * (a member of irr_responder, made with `irr team add` on first use on this server). The server then writes
 * them as the actor; `--as`/IRR_ACTOR, when given, must name that same role.
 */
export function pgActorUrl(adminUrl: string, actor: string): string {
  // Once per server, not per database: a role and its membership of irr_responder are server-wide
  // (tests revoke irr_approver from their roles, never irr_responder).
  const key = `${new URL(adminUrl).host} ${actor}`;
  if (!made.has(key)) {
    const r = irr(['team', 'add', actor, '--role', 'responder', '--db', adminUrl]);
    if (r.code !== 0) throw new Error(`irr team add ${actor}: ${r.stderr}`);
    made.add(key);
  }
  const u = new URL(adminUrl);
  u.username = actor;
  return u.toString();
}

setServerLogin(pgActorUrl);

/**
 * Members of irr_approver approve on every database of the server (roles are server-wide), so a
 * test that makes one (team-server's "a team server") and a test that needs the server to have none
 * ("nobody holds an approver role", pg-four-eyes) must not overlap, though vitest runs them in
 * different processes. This lock, a file beside the server's URL, is held by one of them at a time;
 * a holder that died (its pid gone) is taken over. Returns the release.
 */
export function holdServerApprovers(): () => void {
  // In the temp folder outside this run's (test/pg/global-setup.ts): another run on the same server shares it.
  const path = join(process.env.IRR_TEST_OUTER_TMP ?? tmpdir(), `irr-test-approvers-${createHash('sha256').update(PG_URL).digest('hex').slice(0, 12)}.lock`);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 25) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = heldBy(path);
    if (holder !== undefined && !isAlive(holder)) {
      // Its holder died without releasing it (a killed test process): take it over.
      try {
        unlinkSync(path);
      } catch {
        // Another waiter took it over first.
      }
      continue;
    }
    if (waited > 120_000) throw new Error(`the server approvers lock ${path} is held by pid ${holder} for over 2 minutes`);
    Atomics.wait(pause, 0, 0, 25);
  }
}

/** The pid in a lock file, or undefined while it is being written or is gone. */
function heldBy(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8'));
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
