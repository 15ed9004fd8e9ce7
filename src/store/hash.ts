import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface HashedFields {
  readonly incident: string;
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly recorded_at: string;
  readonly actor: string;
  readonly payload: unknown;
}

/**
 * The text that is hashed: the JSON object {actor, at, incident, payload, recorded_at, seq, type},
 * keys in that (sorted) order, with the payload spliced in as the exact text stored in the
 * `payload` column. Built directly because this runs on every append. Rows written before irr
 * stored what it hashed were hashed with the payload in canonical form (eventHash below).
 */
export function eventBody(e: Omit<HashedFields, 'payload'>, payloadText: string): string {
  return (
    `{"actor":${JSON.stringify(e.actor)},"at":${JSON.stringify(e.at)},"incident":${JSON.stringify(e.incident)},` +
    `"payload":${payloadText},"recorded_at":${JSON.stringify(e.recorded_at)},"seq":${canonicalJson(e.seq)},"type":${JSON.stringify(e.type)}}`
  );
}

/** SHA-256 over the previous hash, a newline and the UTF-8 bytes of the body (well-formed: the store refuses anything else). */
export function hashBody(prevHash: string, body: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(body, 'utf8').digest('hex');
}

/** The hash of a row written today: over the payload text as stored (`JSON.stringify` of the payload). */
export function storedEventHash(prevHash: string, e: HashedFields): string {
  return hashBody(prevHash, eventBody(e, JSON.stringify(e.payload)));
}

/** SHA-256 over the previous hash and the canonical encoding of the event (the definition for rows stored before the payload text itself was hashed). */
export function eventHash(prevHash: string, e: HashedFields): string {
  return hashBody(prevHash, eventBody(e, canonicalJson(e.payload)));
}

/** The definition the fast path above must agree with. */
export function eventHashReference(prevHash: string, e: HashedFields): string {
  const body = canonicalJson({ incident: e.incident, seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, actor: e.actor, payload: e.payload });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A lone surrogate (U+D800–DFFF not in a pair): SQLite would store U+FFFD in its place. */
const LONE_SURROGATE = /\p{Cs}/u;

export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Where in a value the first string that is not well-formed Unicode sits ("facts.name"), or undefined. */
export function illFormedPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isWellFormedText(value) ? undefined : path || '(value)';
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (!isWellFormedText(k)) return here;
    const inner = illFormedPath(v, here);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
