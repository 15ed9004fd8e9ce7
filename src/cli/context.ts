import { userInfo } from 'node:os';
import { InvalidInput } from '../domain/errors.js';
import { instantProblem, parseInstant } from '../domain/facts.js';
import { checkText } from '../domain/text.js';

export interface GlobalOptions {
  readonly db: string;
  readonly json: boolean;
  readonly actor: string;
}

export function globalOptions(raw: Record<string, unknown>): GlobalOptions {
  const actor = (raw.as as string | undefined) ?? (process.env.IRR_ACTOR || safeUser());
  if (actor.trim() === '') throw new InvalidInput('--as: the actor cannot be empty');
  checkText('--as', actor);
  return { db: databasePath(raw.db), json: Boolean(raw.json), actor: actor.trim() };
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

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** `--at` backdates an action; it must be an explicit instant with offset, never local guesswork. */
export function parseAt(raw: string | undefined, option = '--at'): string | undefined {
  if (raw === undefined) return undefined;
  const problem = instantProblem(raw);
  if (problem !== null) throw new InvalidInput(`${option}: ${problem}`);
  return parseInstant(raw)!;
}
