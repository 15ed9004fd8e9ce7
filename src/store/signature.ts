import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { EventRow, Problem } from './integrity.js';

/**
 * Signed entries (issue 13). A signature never enters the hashed event: it sits beside it (the
 * `signatures` table), so every existing log and hash stays valid, and it signs a domain-separated
 * statement naming the incident, the seq and the event's hash:
 *
 *   "irr-event-signature-v1\n" + incident + "\n" + seq + "\n" + hash
 *
 * (UTF-8, no trailing newline), with Ed25519. Because the hash covers the previous hash, a
 * signature on an event vouches for everything before it too.
 */
export const EVENT_STATEMENT_TAG = 'irr-event-signature-v1';
/** A checkpoint signs the head the same way under its own tag, so neither can stand for the other. */
export const CHECKPOINT_STATEMENT_TAG = 'irr-checkpoint-v1';

export function eventStatement(incident: string, seq: number, hash: string): string {
  return `${EVENT_STATEMENT_TAG}\n${incident}\n${seq}\n${hash}`;
}

export function checkpointStatement(incident: string, seq: number, hash: string): string {
  return `${CHECKPOINT_STATEMENT_TAG}\n${incident}\n${seq}\n${hash}`;
}

/** Signs statements for one responder, with one key: what the store calls inside its append transaction. */
export interface Signer {
  readonly actor: string;
  readonly fingerprint: string;
  /** The Ed25519 signature of the statement's UTF-8 bytes, base64. */
  sign(statement: string): string;
}

export interface SignatureRow {
  readonly incident: string;
  readonly seq: number;
  readonly fingerprint: string;
  readonly signature: string;
}

/** The payload of `key.registered`: the public key (SPKI PEM) and its fingerprint. */
export interface KeyRegistered {
  readonly algorithm: 'ed25519';
  readonly public_key: string;
  /** SHA-256 of the key's SPKI DER encoding, hex. */
  readonly fingerprint: string;
  readonly name?: string;
}

/** SHA-256 over the DER (SPKI) encoding of a public key: `openssl pkey -pubin -outform DER | sha256sum`. */
export function fingerprintOf(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** A public key from SPKI PEM, when it is an Ed25519 key; undefined otherwise. */
export function ed25519PublicKey(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
}

export function signatureValid(key: KeyObject, statement: string, signatureB64: string): boolean {
  try {
    return verify(null, Buffer.from(statement, 'utf8'), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** The fingerprint as people compare it: its first 16 hex digits in groups of four. */
export function shortFingerprint(fp: string): string {
  return fp.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ');
}

export interface RegisteredKey {
  readonly actor: string;
  readonly seq: number;
  readonly fingerprint: string;
  readonly public_key: string;
  readonly key: KeyObject;
  readonly name?: string;
}

/** The key a `key.registered` row carries, checked: Ed25519, and its fingerprint that of the key. */
export function registeredKeyOf(r: EventRow): RegisteredKey | string {
  let p: Partial<KeyRegistered>;
  try {
    p = JSON.parse(r.payload) as Partial<KeyRegistered>;
  } catch {
    return `seq ${r.seq} (key.registered) payload is not JSON`;
  }
  const key = typeof p.public_key === 'string' ? ed25519PublicKey(p.public_key) : undefined;
  if (!key) return `seq ${r.seq} (key.registered) does not carry an Ed25519 public key`;
  if (fingerprintOf(key) !== p.fingerprint) return `seq ${r.seq} (key.registered): the fingerprint does not match the public key`;
  return { actor: r.actor, seq: r.seq, fingerprint: p.fingerprint, public_key: p.public_key!, key, ...(p.name ? { name: p.name } : {}) };
}

/**
 * Every signature of one incident against the keys registered in its log, in seq order. A
 * responder's `key.registered` event must itself be signed by the key it registers (proof that
 * they hold it); from then on every event that responder appends must carry a valid signature by
 * one of their registered keys. Returns the first problem (naming seq and actor), or undefined.
 */
export function signatureProblem(rows: readonly EventRow[], signatures: readonly SignatureRow[]): Problem | undefined {
  const bySeq = new Map<number, SignatureRow[]>();
  for (const s of signatures) {
    const list = bySeq.get(s.seq) ?? [];
    list.push(s);
    bySeq.set(s.seq, list);
  }
  const seqs = new Set(rows.map((r) => r.seq));
  const keys = new Map<string, Map<string, RegisteredKey>>();
  for (const r of rows) {
    if (r.type === 'key.registered') {
      const k = registeredKeyOf(r);
      if (typeof k === 'string') return { seq: r.seq, problem: k };
      const mine = keys.get(r.actor) ?? new Map<string, RegisteredKey>();
      mine.set(k.fingerprint, k);
      keys.set(r.actor, mine);
    }
    const mine = keys.get(r.actor);
    const sigs = bySeq.get(r.seq) ?? [];
    let valid = 0;
    for (const s of sigs) {
      const k = mine?.get(s.fingerprint);
      if (!k) return { seq: r.seq, problem: `seq ${r.seq} (${r.type}, by ${r.actor}) carries a signature by key ${shortFingerprint(s.fingerprint)}, which ${r.actor} never registered in this incident` };
      if (!signatureValid(k.key, eventStatement(r.incident, r.seq, r.hash), s.signature)) {
        return { seq: r.seq, problem: `seq ${r.seq} (${r.type}, by ${r.actor}): the signature by key ${shortFingerprint(s.fingerprint)} does not match the event (it was rewritten after it was signed)` };
      }
      valid++;
    }
    if (mine && mine.size > 0 && valid === 0) {
      return { seq: r.seq, problem: `seq ${r.seq} (${r.type}, by ${r.actor}) is not signed, but ${r.actor} registered a signing key at seq ${[...mine.values()][0]!.seq}: every later event by them must be signed` };
    }
  }
  for (const s of signatures) if (!seqs.has(s.seq)) return { seq: s.seq, problem: `a signature names seq ${s.seq}, which is not in the log` };
  return undefined;
}

/** Every key registered in an incident's rows (checked ones only), in seq order. */
export function registeredKeys(rows: readonly EventRow[]): RegisteredKey[] {
  const out: RegisteredKey[] = [];
  for (const r of rows) {
    if (r.type !== 'key.registered') continue;
    const k = registeredKeyOf(r);
    if (typeof k !== 'string') out.push(k);
  }
  return out;
}

/** Per actor, the fingerprints registered in an incident, from its `key.registered` payloads as stored. */
export function registeredFingerprints(rows: readonly { actor: string; payload: string }[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let fp: unknown;
    try {
      fp = (JSON.parse(r.payload) as { fingerprint?: unknown }).fingerprint;
    } catch {
      continue;
    }
    if (typeof fp !== 'string') continue;
    const set = out.get(r.actor) ?? new Set<string>();
    set.add(fp);
    out.set(r.actor, set);
  }
  return out;
}

export interface ToSign {
  readonly incident: string;
  readonly seq: number;
  readonly hash: string;
  readonly actor: string;
  readonly type: string;
  readonly payload: unknown;
}

/**
 * The signatures a batch of events needs, made inside the append's transaction (the hash depends
 * on the head and recorded_at, known only there). An actor who registered a key in the incident
 * (before, or in this batch) must sign with one of their registered keys, or nothing is written.
 */
export function signBatch(events: readonly ToSign[], signers: readonly Signer[], registered: ReadonlyMap<string, ReadonlySet<string>>, refuse: (message: string) => Error): SignatureRow[] {
  const known = new Map<string, Set<string>>();
  for (const [a, fps] of registered) known.set(a, new Set(fps));
  const out: SignatureRow[] = [];
  for (const e of events) {
    if (e.type === 'key.registered') {
      const fp = (e.payload as { fingerprint?: unknown }).fingerprint;
      if (typeof fp === 'string') known.set(e.actor, new Set([...(known.get(e.actor) ?? []), fp]));
    }
    const fps = known.get(e.actor);
    if (!fps || fps.size === 0) continue;
    const signer = signers.find((s) => s.actor === e.actor && fps.has(s.fingerprint));
    if (!signer) {
      throw refuse(`${e.actor} registered a signing key in ${e.incident}: every event they append must be signed with it; give its passphrase (--passphrase-file, IRR_PASSPHRASE_FILE or the prompt) with the key in this account's irr keys folder; nothing was written`);
    }
    out.push({ incident: e.incident, seq: e.seq, fingerprint: signer.fingerprint, signature: signer.sign(eventStatement(e.incident, e.seq, e.hash)) });
  }
  return out;
}
