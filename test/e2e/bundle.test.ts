import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { as, enrol, ok, openIncident, responder } from './signing-helpers.js';

/** Issue 13 part 4: a bundle for counsel or a regulator, through the real binary. */

const FACT_MARKER = 'ZEBRA-FACT-7731';
const NOTE_MARKER = 'OKAPI-NOTE-4410';

function signedIncidentWithSecrets(db: string) {
  const root = tempDir();
  const alice = responder('alice', root);
  const bob = responder('bob', root);
  const id = openIncident(db, 'Bundle incident');
  enrol(alice, db, id);
  enrol(bob, db, id);
  ok(as(alice, ['fact', id, `root_cause=phished credentials ${FACT_MARKER}`], db));
  ok(as(bob, ['note', id, `the attacker was ${NOTE_MARKER}`], db));
  ok(as(alice, ['step', id, 'triage', 'done'], db));
  const file = join(root, 'log.txt');
  writeFileSync(file, 'evidence bytes\n');
  ok(as(bob, ['evidence', 'add', id, file, '--description', 'the proxy log'], db));
  return { root, db, alice, bob, id };
}

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * On both backends (issue 15): the bundle is exported from the store (its rows and signatures in
 * one read) and verified alone. One database per backend: each test opens its own incident and
 * exports only that one.
 */
function bundleFlows(backend: Backend): void {
  const database = sharedDb(backend);
describe(`irr export and irr verify --bundle (${backend.name})`, () => {
  it('a redacted bundle verifies with no database at all, and contains none of the redacted values', () => {
    const { root, db, id } = signedIncidentWithSecrets(database());
    const out = join(root, 'bundle.jsonl');
    const w = ok(irr(['export', id, '--out', out, '--redact', 'facts,notes'], { db }));
    expect(w.stdout).toMatch(/wrote .*bundle\.jsonl: \d+ events \(2 redacted: facts, notes\), \d+ signatures, 2 keys, 1 evidence; head seq \d+ [0-9a-f]{64}/);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain(FACT_MARKER);
    expect(text).not.toContain(NOTE_MARKER);
    const ls = lines(out);
    expect(ls[0]).toMatchObject({ kind: 'manifest', format: 'irr-bundle', version: 1, incident: id, redactions: ['facts', 'notes'] });
    const redacted = ls.filter((l) => l.redacted === true);
    expect(redacted.map((l) => l.type).sort()).toEqual(['facts.recorded', 'note.added']);
    for (const r of redacted) {
      expect(r.payload).toBeNull();
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(r.payload_sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // A machine with no database: another folder, --db naming a file that does not exist.
    const elsewhere = join(tempDir(), 'counsel');
    mkdirSync(elsewhere);
    const missingDb = join(elsewhere, 'no.db');
    const v = irr(['verify', '--bundle', out, '--db', missingDb], { cwd: elsewhere });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^ok bundle ${id}: \\d+ events \\(2 redacted: linked by hash and signature, payload not shown\\), 6 signatures, head [0-9a-f]{64}`));
    expect(existsSync(missingDb)).toBe(false);
    expect(existsSync(join(elsewhere, 'irr.db'))).toBe(false);
    // The head is the database's.
    const [dbv] = json<{ head_hash: string }[]>(irr(['verify', id, '--json'], { db }));
    expect((ls[0] as { head: { hash: string } }).head.hash).toBe(dbv!.head_hash);
  });

  it('a third party checks an unredacted event and its signature with sha256 and openssl, as docs/bundle-format.md says', () => {
    const { root, db, id } = signedIncidentWithSecrets(database());
    const out = join(root, 'bundle.jsonl');
    ok(irr(['export', id, '--out', out], { db }));
    const ls = lines(out);
    const note = ls.find((l) => l.type === 'note.added') as Record<string, string> & { seq: number; signatures: { fingerprint: string; signature: string }[] };
    expect(note.payload).toContain(NOTE_MARKER); // not redacted this time
    // The hash: sha256(prev_hash + "\n" + body), body = {"actor","at","incident","payload","recorded_at","seq","type"} with the payload text spliced in.
    const body = `{"actor":${JSON.stringify(note.actor)},"at":${JSON.stringify(note.at)},"incident":${JSON.stringify(note.incident)},"payload":${note.payload},"recorded_at":${JSON.stringify(note.recorded_at)},"seq":${note.seq},"type":${JSON.stringify(note.type)}}`;
    const hashed = join(root, 'hashed.txt');
    writeFileSync(hashed, `${note.prev_hash}\n${body}`);
    const sum = spawnSync('sha256sum', [hashed], { encoding: 'utf8' });
    expect(sum.stdout.split(' ')[0]).toBe(note.hash);
    // The signature: Ed25519 over "irr-event-signature-v1\n<incident>\n<seq>\n<hash>", checked with openssl.
    const key = ls.find((l) => l.kind === 'key' && l.actor === note.actor) as { public_key: string; fingerprint: string };
    const sig = note.signatures.find((s) => s.fingerprint === key.fingerprint)!;
    writeFileSync(join(root, 'key.pem'), key.public_key);
    writeFileSync(join(root, 'statement'), `irr-event-signature-v1\n${note.incident}\n${note.seq}\n${note.hash}`);
    writeFileSync(join(root, 'sig.bin'), Buffer.from(sig.signature, 'base64'));
    const v = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(root, 'key.pem'), '-rawin', '-in', join(root, 'statement'), '-sigfile', join(root, 'sig.bin')], { encoding: 'utf8' });
    expect(v.stdout).toMatch(/Signature Verified Successfully/);
    // The fingerprint: sha256 of the key's DER.
    const der = spawnSync('openssl', ['pkey', '-pubin', '-in', join(root, 'key.pem'), '-outform', 'DER']);
    expect(createHash('sha256').update(der.stdout).digest('hex')).toBe(key.fingerprint);
  });

  it('an edited, shortened or re-linked bundle fails verify --bundle (exit 5) naming the seq', () => {
    const { root, db, id } = signedIncidentWithSecrets(database());
    const out = join(root, 'bundle.jsonl');
    ok(irr(['export', id, '--out', out, '--redact', 'notes'], { db }));
    const original = readFileSync(out, 'utf8').trimEnd().split('\n');
    const write = (ls: string[]) => {
      const f = join(root, `t-${Math.random().toString(16).slice(2)}.jsonl`);
      writeFileSync(f, `${ls.join('\n')}\n`);
      return f;
    };
    const factIdx = original.findIndex((l) => l.includes('"type":"facts.recorded"'));
    const edited = [...original];
    edited[factIdx] = edited[factIdx]!.replace('phished credentials', 'a lost laptop');
    const e = irr(['verify', '--bundle', write(edited)]);
    expect(e.code).toBe(5);
    const seq = (JSON.parse(original[factIdx]!) as { seq: number }).seq;
    expect(e.stderr).toMatch(new RegExp(`^irr: integrity failure in bundle .* at seq ${seq}: seq ${seq} \\(facts\\.recorded\\) was altered after it was written`));
    // The last event dropped: the manifest's head is no longer there.
    const lastEvent = original.map((l, i) => [l, i] as const).filter(([l]) => l.includes('"kind":"event"')).pop()![1];
    const short = original.filter((_l, i) => i !== lastEvent);
    const s = irr(['verify', '--bundle', write(short)]);
    expect(s.code).toBe(5);
    expect(s.stdout).toMatch(/the manifest's head .* is not the last event's/);
    // A redacted entry's hash replaced: the next link breaks.
    const noteIdx = original.findIndex((l) => l.includes('"redacted":true'));
    const relinked = [...original];
    const n = JSON.parse(relinked[noteIdx]!) as { hash: string; seq: number };
    relinked[noteIdx] = JSON.stringify({ ...n, hash: 'f'.repeat(64) });
    const r = irr(['verify', '--bundle', write(relinked)]);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(new RegExp(`first bad seq (${n.seq}|${n.seq + 1}): `));
  });

  it('bad input: --redact of an unknown kind, no --out, a bundle that is not one — one line, exit 2 or 5', () => {
    const { root, db, id } = signedIncidentWithSecrets(database());
    const bad = irr(['export', id, '--out', join(root, 'b.jsonl'), '--redact', 'facts,secrets'], { db });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^irr: --redact: "secrets" is not one of facts, notes\n$/);
    expect(existsSync(join(root, 'b.jsonl'))).toBe(false);
    expect(irr(['export', id], { db }).stderr).toMatch(/^irr: --out: name the bundle file/);
    const notBundle = join(root, 'x.jsonl');
    writeFileSync(notBundle, '{"hello":1}\n');
    const v = irr(['verify', '--bundle', notBundle]);
    expect(v.code).toBe(5);
    expect(v.stderr).toMatch(/not an irr bundle/);
    const none = irr(['verify', '--bundle', join(root, 'nope.jsonl')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^irr: --bundle: cannot read .*nope\.jsonl \(ENOENT\)/);
    // An existing bundle is not replaced without --force.
    ok(irr(['export', id, '--out', join(root, 'b.jsonl')], { db }));
    expect(irr(['export', id, '--out', join(root, 'b.jsonl')], { db }).code).toBe(2);
  });
});
}

bundleFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) bundleFlows(pgBackend);
