import { userInfo } from 'node:os';
import { InvalidInput } from '../domain/errors.js';
import { parseInstant } from '../domain/facts.js';

export interface GlobalOptions {
  readonly db: string;
  readonly json: boolean;
  readonly actor: string;
}

export function globalOptions(raw: Record<string, unknown>): GlobalOptions {
  const actor = (raw.as as string | undefined) ?? process.env.IRR_ACTOR ?? safeUser();
  if (actor.trim() === '') throw new InvalidInput('--as: the actor cannot be empty');
  return { db: String(raw.db ?? './irr.db'), json: Boolean(raw.json), actor: actor.trim() };
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
  const v = parseInstant(raw);
  if (v === null) throw new InvalidInput(`${option}: "${raw}" is not an ISO 8601 date-time with offset (e.g. 2026-03-01T09:30:00+01:00)`);
  return v;
}
