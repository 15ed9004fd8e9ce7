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

/** SHA-256 over the previous hash and the canonical encoding of the event: editing any field breaks the chain. */
export function eventHash(prevHash: string, e: HashedFields): string {
  // canonicalJson of {actor, at, incident, payload, recorded_at, seq, type}, its keys already in
  // sorted order: built directly because this runs on every append (a test pins the equivalence).
  const body =
    `{"actor":${JSON.stringify(e.actor)},"at":${JSON.stringify(e.at)},"incident":${JSON.stringify(e.incident)},` +
    `"payload":${canonicalJson(e.payload)},"recorded_at":${JSON.stringify(e.recorded_at)},"seq":${canonicalJson(e.seq)},"type":${JSON.stringify(e.type)}}`;
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

/** The definition the fast path above must agree with. */
export function eventHashReference(prevHash: string, e: HashedFields): string {
  const body = canonicalJson({ incident: e.incident, seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, actor: e.actor, payload: e.payload });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
