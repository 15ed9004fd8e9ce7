import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, parseCheckpoint, phoneForm } from '../../src/engine/checkpoint.js';
import { eventBody, GENESIS_HASH, hashBody } from '../../src/store/hash.js';
import type { EventRow } from '../../src/store/integrity.js';
import { eventStatement, fingerprintOf, signatureProblem, type SignatureRow } from '../../src/store/signature.js';

function key() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { pem: publicKey.export({ type: 'spki', format: 'pem' }) as string, fp: fingerprintOf(publicKey), sign: (s: string) => sign(null, Buffer.from(s), privateKey).toString('base64') };
}

/** A chained log of rows (type, actor, payload), hashed as the store does. */
function log(events: [string, string, unknown][]): EventRow[] {
  let prev = GENESIS_HASH;
  return events.map(([type, actor, payload], i) => {
    const fields = { incident: 'INC-2026-0001', seq: i + 1, type, at: '2026-01-01T00:00:00.000Z', recorded_at: '2026-01-01T00:00:00.000Z', actor };
    const text = JSON.stringify(payload);
    const hash = hashBody(prev, eventBody(fields, text));
    const row = { ...fields, payload: text, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
}

const sigOf = (r: EventRow, k: ReturnType<typeof key>): SignatureRow => ({ incident: r.incident, seq: r.seq, fingerprint: k.fp, signature: k.sign(eventStatement(r.incident, r.seq, r.hash)) });

describe('signed entries (store/signature.ts)', () => {
  it('the statement is domain-separated and names incident, seq and hash', () => {
    expect(eventStatement('INC-2026-0001', 7, 'ab'.repeat(32))).toBe(`irr-event-signature-v1\nINC-2026-0001\n7\n${'ab'.repeat(32)}`);
  });

  it('passes a log where every event after a registration is signed; names the first missing, foreign or stray signature', () => {
    const a = key();
    const b = key();
    const rows = log([
      ['incident.opened', 'alice', {}],
      ['key.registered', 'alice', { algorithm: 'ed25519', public_key: a.pem, fingerprint: a.fp }],
      ['note.added', 'alice', { text: 'x' }],
      ['note.added', 'bob', { text: 'no key: unsigned is fine' }],
    ]);
    const good = [sigOf(rows[1]!, a), sigOf(rows[2]!, a)];
    expect(signatureProblem(rows, good)).toBeUndefined();
    expect(signatureProblem(rows, [good[0]!])?.problem).toMatch(/^seq 3 \(note\.added, by alice\) is not signed, but alice registered a signing key at seq 2/);
    expect(signatureProblem(rows, [...good, sigOf(rows[3]!, b)])?.problem).toMatch(/^seq 4 \(note\.added, by bob\) carries a signature by key .* which bob never registered/);
    expect(signatureProblem(rows, [...good, { ...good[1]!, seq: 9 }])?.problem).toBe('a signature names seq 9, which is not in the log');
    // The registration itself must be signed by its key (proof of possession).
    expect(signatureProblem(rows, [good[1]!])?.seq).toBe(2);
    // A key whose fingerprint is not its own.
    const lying = log([
      ['incident.opened', 'alice', {}],
      ['key.registered', 'alice', { algorithm: 'ed25519', public_key: a.pem, fingerprint: b.fp }],
    ]);
    expect(signatureProblem(lying, [])?.problem).toMatch(/the fingerprint does not match the public key/);
  });
});

describe('checkpoints (engine/checkpoint.ts)', () => {
  const cp = { incident: 'INC-2026-0001', seq: 12, head: '0123456789abcdef'.repeat(4), signatures: [{ actor: 'Ann Lee', fingerprint: 'f'.repeat(64), public_key: 'AAAA', signature: 'BBBB==' }] };

  it('round-trips through its block, also quoted in an email; actors may have spaces', () => {
    const block = formatCheckpoint(cp);
    expect(parseCheckpoint(block, 'x')).toEqual(cp);
    expect(parseCheckpoint(`Hi,\n\n${block.split('\n').map((l) => `> ${l}`).join('\n')}\n\nregards`, 'mail')).toEqual(cp);
  });

  it('reads out as groups of four and the first eight digits spoken', () => {
    expect(phoneForm(12, cp.head)).toEqual(['seq 12, head 0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567 89ab cdef', 'first eight digits spoken: zero one two three four five six seven']);
  });

  it('a damaged block is one error naming where and the line', () => {
    const bad = formatCheckpoint(cp).replace(/^Head: .*$/m, 'Head: xyz');
    expect(() => parseCheckpoint(bad, 'cp.txt')).toThrow(/^--checkpoint: cp\.txt:5: Head is not a SHA-256/);
    expect(() => parseCheckpoint('hello', 'cp.txt')).toThrow(/holds no "-----BEGIN IRR CHECKPOINT-----"/);
  });
});
