import { userInfo } from 'node:os';
import { InvalidInput } from '../domain/errors.js';
import { systemClock } from '../clocks/wall.js';
import { parseTimeInput } from '../clocks/time-input.js';
import { userZone, ZoneError } from '../clocks/zone.js';
import { checkText } from '../domain/text.js';

export interface GlobalOptions {
  readonly db: string;
  readonly json: boolean;
  readonly actor: string;
  /** True when `--as` or `IRR_ACTOR` named the actor (the console then does not ask). */
  readonly actorNamed?: boolean;
  /**
   * On a team server the server decides the actor: the role this session connected as (row-level
   * security refuses any other). Called once the store is open; a different `--as`/`IRR_ACTOR` is
   * refused (exit 2) rather than silently replaced.
   */
  readonly actOnServer?: (user: string) => void;
  /** `--key-file`: the file holding an encrypted database's passphrase (IRR_KEY_FILE is read in db-key.ts). */
  readonly keyFile?: string;
  /** Where a signing key's passphrase comes from (`--passphrase-file`, `IRR_PASSPHRASE_FILE`, else the terminal). */
  readonly passphrase?: { readonly file?: string };
}

export const SAY_WHO = 'say who is acting: --as <name> or IRR_ACTOR';

/**
 * Who is acting: `--as`, else `IRR_ACTOR`, else the OS user, unless that is an administrator or
 * system account (root, uid 0, a service user): a log full of "root" says nothing about who did
 * what, so then an actor must be named. Resolved when a command first needs it, so read-only
 * commands (status, log, verify) still run as root; the console asks instead (see console/actor.ts).
 */
export function globalOptions(raw: Record<string, unknown>): GlobalOptions {
  const db = databasePath(raw.db);
  const named = namedActor(raw);
  let resolved: string | undefined;
  let serverUser: string | undefined;
  return {
    db,
    json: Boolean(raw.json),
    actorNamed: named !== undefined,
    ...(raw.keyFile !== undefined ? { keyFile: String(raw.keyFile) } : {}),
    passphrase: passphraseSourceOf(raw),
    get actor(): string {
      // Checked when a command needs an actor (it writes): reading from a server needs none.
      if (serverUser !== undefined && named !== undefined && named !== serverUser) {
        throw new InvalidInput(`--as: on a team server you act as the database role you connect as ("${serverUser}"), not "${named}"; connect as ${named} (postgres://${named}@host/db) or drop --as/IRR_ACTOR`);
      }
      resolved ??= serverUser ?? named ?? osActor();
      return resolved;
    },
    actOnServer(user: string): void {
      serverUser = user;
      resolved = undefined;
    },
  };
}

/** `--passphrase-file`, else `IRR_PASSPHRASE_FILE`; read (mode 0600 only) when a key must be unlocked. */
function passphraseSourceOf(raw: Record<string, unknown>): { file?: string } {
  const file = typeof raw.passphraseFile === 'string' ? raw.passphraseFile : process.env.IRR_PASSPHRASE_FILE || undefined;
  return file === undefined ? {} : { file };
}

/** The actor named by `--as` or `IRR_ACTOR`, checked; undefined when neither is given. */
export function namedActor(raw: Record<string, unknown>): string | undefined {
  const flag = raw.as as string | undefined;
  const actor = flag ?? (process.env.IRR_ACTOR || undefined);
  if (actor === undefined) return undefined;
  // `--as` names the field for IRR_ACTOR too: the same value, and the error text scripts already match.
  if (actor.trim() === '') throw new InvalidInput('--as: the actor cannot be empty');
  checkText('--as', actor);
  return actor.trim();
}

/** The OS user as the actor, refused (exit 2) for an administrator or system account. */
function osActor(): string {
  const user = osUser();
  if (isSystemAccount(user)) throw new InvalidInput(`--as: the OS account "${user.name}" is ${user.uid === 0 ? 'the administrator (uid 0)' : 'a system account'}, not a person; ${SAY_WHO}`);
  return user.name;
}

export interface OsUser {
  readonly name: string;
  /** -1 where the platform has no uids (Windows). */
  readonly uid: number;
}

export function osUser(): OsUser {
  try {
    const u = userInfo();
    return { name: u.username || 'unknown', uid: u.uid };
  } catch {
    return { name: process.env.USER ?? 'unknown', uid: typeof process.getuid === 'function' ? process.getuid() : -1 };
  }
}

const ADMIN_NAMES = new Set(['root', 'administrator', 'system', 'nobody', 'unknown', 'daemon']);

/**
 * Administrator and service accounts: uid 0, uids below the first person's (1000 on Linux per
 * Debian policy and most distributions, 500 on macOS), nobody (65534), and the usual names.
 */
export function isSystemAccount(user: OsUser): boolean {
  if (ADMIN_NAMES.has(user.name.toLowerCase())) return true;
  if (user.uid < 0) return false;
  const firstPerson = process.platform === 'darwin' ? 500 : 1000;
  return user.uid < firstPerson || user.uid === 65534;
}

/**
 * The log must be a file: SQLite's ":memory:" (and "", a private temporary database) would
 * acknowledge every write and lose it when the command exits.
 */
function databasePath(raw: unknown): string {
  const db = raw === undefined ? './irr.db' : String(raw);
  if (db === ':memory:' || db.trim() === '') throw new InvalidInput(`--db: "${db}" is not a database file; irr keeps its log in a file (give a path such as ./irr.db)`);
  return db;
}

/**
 * `<incident>` as typed: ids are case-insensitive (`inc-2026-0001`), and a bare number is this
 * year's real incident, numbered as ids are allocated (prefix, UTC year, at least four digits).
 */
export function incidentId(raw: string, year: number): string {
  const t = raw.trim();
  if (/^\d{1,9}$/.test(t) && Number(t) > 0) return `INC-${year}-${String(Number(t)).padStart(4, '0')}`;
  if (/^(inc|drl)-\d{4}-\d+$/i.test(t)) return t.toUpperCase();
  return raw;
}

/**
 * `--at` backdates an action: an ISO instant with offset, or a local time without offset
 * ("2026-12-01T10:00", "2026-12-01 10:00") in the zone people read times in (IRR_TZ, else this
 * machine's), the same parser the console uses. Future skew and plausibility are the engine's checks.
 */
export function parseAt(raw: string | undefined, option = '--at'): string | undefined {
  if (raw === undefined) return undefined;
  const r = parseTimeInput(raw, systemClock.now(), zoneOrExit());
  if (!r.ok) throw new InvalidInput(`${option}: ${r.error}`);
  return r.value;
}

/** The zone people read and type times in; a bad IRR_TZ is exit 2. */
export function zoneOrExit(): string {
  try {
    return userZone();
  } catch (err) {
    if (err instanceof ZoneError) throw new InvalidInput(err.message);
    throw err;
  }
}
