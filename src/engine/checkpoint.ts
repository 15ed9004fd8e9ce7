import { createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidInput } from '../domain/errors.js';
import type { EventRow, Problem } from '../store/integrity.js';
import { checkpointStatement, fingerprintOf, registeredKeys, shortFingerprint, signatureValid } from '../store/signature.js';

/**
 * A signed checkpoint (issue 13): an incident's head (seq and hash) signed by one or more
 * responders, kept outside the database (read over the phone, pasted into an email to counsel).
 * Each signature is Ed25519 over checkpointStatement(incident, seq, head) and carries its public
 * key, so the block checks on its own; `irr verify --checkpoint` then checks the log still holds
 * that head at that seq, and that each signer's key is registered in the log by them.
 */
export interface CheckpointSignature {
  readonly actor: string;
  readonly fingerprint: string;
  /** SPKI DER, base64. */
  readonly public_key: string;
  readonly signature: string;
}

export interface Checkpoint {
  readonly incident: string;
  readonly seq: number;
  readonly head: string;
  readonly signatures: readonly CheckpointSignature[];
}

const BEGIN = '-----BEGIN IRR CHECKPOINT-----';
const END = '-----END IRR CHECKPOINT-----';

/** The NATO alphabet for hex digits, so the start of a hash survives a bad phone line. */
const SPOKEN: Record<string, string> = {
  '0': 'zero', '1': 'one', '2': 'two', '3': 'three', '4': 'four', '5': 'five', '6': 'six', '7': 'seven',
  '8': 'eight', '9': 'nine', a: 'alfa', b: 'bravo', c: 'charlie', d: 'delta', e: 'echo', f: 'foxtrot',
};

/** The head in groups of four hex digits, and its first eight digits spelled out. */
export function phoneForm(seq: number, head: string): string[] {
  return [
    `seq ${seq}, head ${head.replace(/(.{4})(?=.)/g, '$1 ')}`,
    `first eight digits spoken: ${[...head.slice(0, 8)].map((c) => SPOKEN[c] ?? c).join(' ')}`,
  ];
}

export function formatCheckpoint(cp: Checkpoint): string {
  return [
    BEGIN,
    'Version: 1',
    `Incident: ${cp.incident}`,
    `Seq: ${cp.seq}`,
    `Head: ${cp.head}`,
    ...cp.signatures.map((s) => `Signed-By: ${s.fingerprint} ${s.public_key} ${s.signature} ${s.actor}`),
    END,
  ].join('\n');
}

/** A checkpoint block from text (an email may indent or quote it: leading "> " and spaces are ignored). */
export function parseCheckpoint(text: string, where: string): Checkpoint {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/^[\s>]*/, '').trimEnd());
  const start = lines.indexOf(BEGIN);
  const end = lines.indexOf(END, start + 1);
  if (start < 0 || end < 0) throw new InvalidInput(`--checkpoint: ${where} holds no "${BEGIN}" … "${END}" block (irr checkpoint prints one)`);
  let incident: string | undefined;
  let seq: number | undefined;
  let head: string | undefined;
  const signatures: CheckpointSignature[] = [];
  for (let i = start + 1; i < end; i++) {
    const line = lines[i]!;
    const bad = (why: string) => new InvalidInput(`--checkpoint: ${where}:${i + 1}: ${why}`);
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m) {
      if (line === '') continue;
      throw bad('not a "Field: value" line');
    }
    const [, field, value] = m as unknown as [string, string, string];
    switch (field) {
      case 'Version':
        if (value !== '1') throw bad(`Version ${value} is not one this irr reads (1)`);
        break;
      case 'Incident':
        incident = value;
        break;
      case 'Seq':
        if (!/^[1-9]\d{0,9}$/.test(value)) throw bad('Seq is not a positive whole number');
        seq = Number(value);
        break;
      case 'Head':
        if (!/^[0-9a-f]{64}$/.test(value)) throw bad('Head is not a SHA-256 (64 lower-case hex digits)');
        head = value;
        break;
      case 'Signed-By': {
        const s = /^([0-9a-f]{64}) ([A-Za-z0-9+/=]+) ([A-Za-z0-9+/=]+) (.+)$/.exec(value);
        if (!s) throw bad('Signed-By is not "<fingerprint> <public key> <signature> <actor>"');
        signatures.push({ fingerprint: s[1]!, public_key: s[2]!, signature: s[3]!, actor: s[4]! });
        break;
      }
      default:
        throw bad(`unknown field ${field}`);
    }
  }
  if (incident === undefined || seq === undefined || head === undefined) throw new InvalidInput(`--checkpoint: ${where}: the block needs Incident, Seq and Head`);
  return { incident, seq, head, signatures };
}

function keyOf(publicKeyB64: string): KeyObject | undefined {
  try {
    const k = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    return k.asymmetricKeyType === 'ed25519' ? k : undefined;
  } catch {
    return undefined;
  }
}

/** What is wrong with a checkpoint against an incident's rows (its signatures, its head, its signers' keys). */
export function checkpointProblems(cp: Checkpoint, rows: readonly EventRow[]): Problem[] {
  const out: Problem[] = [];
  if (cp.signatures.length === 0) out.push({ seq: 0, problem: 'the checkpoint carries no signature (--checkpoint)' });
  const statement = checkpointStatement(cp.incident, cp.seq, cp.head);
  const registered = registeredKeys(rows);
  for (const s of cp.signatures) {
    const key = keyOf(s.public_key);
    if (!key || fingerprintOf(key) !== s.fingerprint) {
      out.push({ seq: 0, problem: `the checkpoint's key for ${s.actor} (${shortFingerprint(s.fingerprint)}) does not match its fingerprint (--checkpoint)` });
      continue;
    }
    if (!signatureValid(key, statement, s.signature)) out.push({ seq: 0, problem: `the checkpoint's signature by ${s.actor} (${shortFingerprint(s.fingerprint)}) does not match its incident, seq and head: the block was edited (--checkpoint)` });
    if (!registered.some((k) => k.actor === s.actor && k.fingerprint === s.fingerprint)) {
      out.push({ seq: 0, problem: `${s.actor}'s key ${shortFingerprint(s.fingerprint)}, which signed the checkpoint, is not registered by ${s.actor} in the log (--checkpoint)` });
    }
  }
  const at = rows.find((r) => r.seq === cp.seq);
  if (!at) out.push({ seq: cp.seq, problem: `the log has no seq ${cp.seq}, which the checkpoint signed (head ${cp.head.slice(0, 16)}…): events were deleted (--checkpoint)` });
  else if (at.hash !== cp.head) {
    out.push({ seq: cp.seq, problem: `the log was rewritten since the checkpoint: seq ${cp.seq} is now ${at.hash.slice(0, 16)}…, the checkpoint signed ${cp.head.slice(0, 16)}… (--checkpoint)` });
  }
  return out;
}
