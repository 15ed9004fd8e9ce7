import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, json, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { behindItsBack, lit, rehashFrom, signatureCount } from './behind-its-back.js';
import { as, enrol, ok, openIncident, responder } from './signing-helpers.js';

/** Issue 13 part 2: signed entries and signed checkpoints, through the real binary. */

// One pass: key create and key list touch only the key files in the config folder, no store.
describe('signing keys', () => {
  it('irr key create writes a passphrase-encrypted PKCS#8 private key, mode 0600; key list shows its fingerprint', () => {
    const root = tempDir();
    const alice = responder('alice', root);
    const db = join(root, 'irr.db');
    const created = json<{ fingerprint: string; private_key: string }>(as(alice, ['key', 'create', '--json'], db));
    expect(created.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(created.private_key).mode & 0o777).toBe(0o600);
    const pem = readFileSync(created.private_key, 'utf8');
    expect(pem).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(created.private_key.startsWith(join(alice.env.XDG_CONFIG_HOME!, 'irr', 'keys'))).toBe(true);
    const listed = ok(as(alice, ['key', 'list'], db));
    expect(listed.stdout).toContain(`default  ${created.fingerprint}`);
    // A key is never replaced.
    const again = as(alice, ['key', 'create'], db);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a key named "default" exists/);
  });

  it('a passphrase file readable by others is refused (exit 2, naming the flag); nothing is created', () => {
    const root = tempDir();
    const alice = responder('alice', root);
    chmodSync(alice.env.IRR_PASSPHRASE_FILE!, 0o644);
    const viaEnv = as(alice, ['key', 'create'], join(root, 'irr.db'));
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toMatch(/^irr: IRR_PASSPHRASE_FILE: .* is readable by others \(mode 0644\); a secret file must be mode 0600/);
    const viaFlag = irr(['key', 'create', '--passphrase-file', alice.env.IRR_PASSPHRASE_FILE!], { env: { XDG_CONFIG_HOME: alice.env.XDG_CONFIG_HOME! } });
    expect(viaFlag.code).toBe(2);
    expect(viaFlag.stderr).toMatch(/^irr: --passphrase-file: .* is readable by others/);
    expect(viaFlag.stderr.trim().split('\n')).toHaveLength(1);
    expect(ok(as({ ...alice, env: { ...alice.env, IRR_PASSPHRASE_FILE: '' } }, ['key', 'list'], join(root, 'irr.db'))).stdout).toMatch(/no keys/);
  });
});

/**
 * On both backends (issue 15). One database per backend: each test opens its own incidents and
 * counts only their signatures; the "nothing written" count is taken before and after within one
 * test (tests of a file run in turn). The edits behind irr's back: behind-its-back.ts.
 */
function signedFlows(backend: Backend): void {
  const database = sharedDb(backend);
describe(`signed entries (${backend.name})`, () => {
  it('once registered, every event by that responder is signed; without the passphrase, or with a wrong one, nothing is written', () => {
    const root = tempDir();
    const db = database();
    const alice = responder('alice', root);
    const id = openIncident(db);
    ok(as(alice, ['note', id, 'before the key'], db));
    enrol(alice, db, id);
    expect(signatureCount(backend, db, id)).toBe(1); // key.registered, signed by the key it registers
    ok(as(alice, ['note', id, 'signed note'], db));
    ok(as(alice, ['step', id, 'triage', 'done'], db));
    expect(signatureCount(backend, db, id)).toBe(3);
    const events = backend.eventCount(db);
    // No passphrase (and no terminal to ask): refused, nothing written.
    const none = as({ ...alice, env: { ...alice.env, IRR_PASSPHRASE_FILE: '' } }, ['note', id, 'unsigned'], db);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs a passphrase and there is no terminal to ask: give --passphrase-file/);
    // A wrong passphrase: refused, nothing written.
    const wrong = join(root, 'wrong.pass');
    writeFileSync(wrong, 'not it\n', { mode: 0o600 });
    const bad = as(alice, ['note', id, 'unsigned', '--passphrase-file', wrong], db);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/wrong passphrase for key default/);
    // The key is not in this account's folder: refused (exit 3).
    const elsewhere = as({ ...alice, env: { ...alice.env, XDG_CONFIG_HOME: join(root, 'empty') } }, ['note', id, 'unsigned'], db);
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toMatch(/alice signs every event in this incident with key .* which is not in/);
    expect(backend.eventCount(db)).toBe(events);
    // Someone else, without a key, still appends unsigned; verify is content.
    ok(irr(['note', id, 'by the tester'], { db }));
    const [v] = json<{ ok: boolean }[]>(irr(['verify', id, '--json'], { db }));
    expect(v!.ok).toBe(true);
  });

  it('a valid log with two responders\' keys passes verify', () => {
    const root = tempDir();
    const db = database();
    const alice = responder('alice', root);
    const bob = responder('bob', root);
    const id = openIncident(db);
    enrol(alice, db, id);
    enrol(bob, db, id);
    ok(as(alice, ['note', id, 'alice was here'], db));
    ok(as(bob, ['note', id, 'bob was here'], db));
    ok(as(alice, ['step', id, 'triage', 'done'], db));
    expect(signatureCount(backend, db, id)).toBe(5);
    const v = ok(irr(['verify', id], { db }));
    expect(v.stdout).toMatch(new RegExp(`^ok ${id}: 6 events, head [0-9a-f]{64}`));
    // The timeline names the registrations.
    expect(ok(irr(['log', id], { db })).stdout).toMatch(/bob .*registered signing key [0-9a-f ]{19} \(default\): from here every event by bob is signed/);
  });

  it('a re-hashed tail of a signed log (all hashes recomputed correctly, snapshot resealed) fails verify, exit 5, naming the first bad signature', () => {
    const root = tempDir();
    const db = database();
    const alice = responder('alice', root);
    const bob = responder('bob', root);
    const id = openIncident(db);
    enrol(alice, db, id); // seq 2
    enrol(bob, db, id); // seq 3
    ok(as(alice, ['note', id, 'the backups were intact'], db)); // seq 4
    ok(as(bob, ['note', id, 'bob agrees'], db)); // seq 5
    behindItsBack(backend, db, (raw) => {
      raw.run(`UPDATE events SET payload = '{"text":"the backups were gone"}' WHERE incident = ${lit(id)} AND seq = 4`);
      rehashFrom(raw, id, 4);
    });
    const v = irr(['verify', id], { db });
    expect(v.code).toBe(5);
    expect(v.stdout).toMatch(/FAILED .*: first bad seq 4: seq 4 \(note\.added, by alice\): the signature by key [0-9a-f ]{19} does not match the event \(it was rewritten after it was signed\)/);
    expect(v.stderr).toMatch(new RegExp(`^irr: integrity failure in ${id} at seq 4: seq 4 \\(note\\.added, by alice\\)`));
  });

  it('a signed event whose signature row was deleted is reported as unsigned (exit 5)', () => {
    const root = tempDir();
    const db = database();
    const alice = responder('alice', root);
    const id = openIncident(db);
    enrol(alice, db, id);
    ok(as(alice, ['note', id, 'signed'], db)); // seq 3
    behindItsBack(backend, db, (raw) => raw.run(`DELETE FROM signatures WHERE incident = ${lit(id)} AND seq = 3`));
    const v = irr(['verify', id], { db });
    expect(v.code).toBe(5);
    expect(v.stderr).toMatch(/at seq 3: seq 3 \(note\.added, by alice\) is not signed, but alice registered a signing key at seq 2/);
  });
});

describe(`signed checkpoints (${backend.name})`, () => {
  function signedIncident() {
    const root = tempDir();
    const db = database();
    const alice = responder('alice', root);
    const bob = responder('bob', root);
    const id = openIncident(db);
    ok(irr(['note', id, 'an early note'], { db })); // seq 2, unsigned (the tester has no key)
    enrol(alice, db, id);
    enrol(bob, db, id);
    return { root, db, alice, bob, id };
  }

  it('irr checkpoint prints the head for the phone and a block two responders sign; verify --checkpoint passes', () => {
    const { root, db, alice, bob, id } = signedIncident();
    const one = ok(as(alice, ['checkpoint', id], db)).stdout;
    const [v] = json<{ head_hash: string; events: number }[]>(irr(['verify', id, '--json'], { db }));
    const grouped = v!.head_hash.replace(/(.{4})(?=.)/g, '$1 ');
    expect(one).toContain(`seq ${v!.events}, head ${grouped}`);
    expect(one).toMatch(/first eight digits spoken: (\w+ ){7}\w+/);
    expect(one).toContain('-----BEGIN IRR CHECKPOINT-----');
    const file1 = join(root, 'cp1.txt');
    writeFileSync(file1, one);
    const two = ok(as(bob, ['checkpoint', id, '--cosign', file1], db)).stdout;
    expect(two).toMatch(/signed by alice \([0-9a-f ]+\), bob \([0-9a-f ]+\)/);
    const file2 = join(root, 'cp2.txt');
    writeFileSync(file2, two);
    const checked = ok(irr(['verify', '--checkpoint', file2], { db }));
    expect(checked.stdout).toMatch(new RegExp(`^ok ${id}: .*checkpoint of seq ${v!.events} signed by alice, bob: the log still holds it`));
    // Pasted as text (quoted in an email), it checks the same.
    const quoted = two.split('\n').map((l) => `> ${l}`).join('\n');
    expect(irr(['verify', '--checkpoint', quoted], { db }).code).toBe(0);
    // The log may go on after a checkpoint: it still holds the head.
    ok(as(alice, ['note', id, 'later'], db));
    expect(irr(['verify', '--checkpoint', file2], { db }).code).toBe(0);
    // An edited block fails (exit 5).
    const edited = two.replace(/^Seq: (\d+)$/m, (_m, n: string) => `Seq: ${Number(n) - 1}`);
    const e = irr(['verify', '--checkpoint', edited], { db });
    expect(e.code).toBe(5);
    expect(e.stdout).toMatch(/the checkpoint's signature by alice .* does not match its incident, seq and head: the block was edited/);
  });

  it('a checkpoint signed earlier detects a later rewrite of an earlier entry, even one nothing else can show', () => {
    const { root, db, alice, id } = signedIncident();
    const file = join(root, 'cp.txt');
    writeFileSync(file, ok(as(alice, ['checkpoint', id], db)).stdout);
    // Rewrite the unsigned early note and everything after it, dropping the keys' registrations and
    // signatures too: the file alone then looks sound.
    behindItsBack(backend, db, (raw) => {
      raw.run(`DELETE FROM signatures WHERE incident = ${lit(id)};
        DELETE FROM events WHERE incident = ${lit(id)} AND type = 'key.registered';
        UPDATE events SET payload = '{"text":"a different early note"}' WHERE incident = ${lit(id)} AND seq = 2;`);
      rehashFrom(raw, id, 2);
      raw.run(`DELETE FROM snapshots WHERE incident = ${lit(id)}`);
    });
    expect(irr(['verify', id], { db }).code).toBe(0); // nothing in the file contradicts the rewrite
    const v = irr(['verify', '--checkpoint', file, '--json'], { db });
    expect(v.code).toBe(5);
    const [r] = JSON.parse(v.stdout) as { problems: string[] }[];
    expect(r!.problems.join('\n')).toMatch(/the log has no seq 4, which the checkpoint signed|the log was rewritten since the checkpoint/);
    expect(r!.problems.join('\n')).toMatch(/alice's key .* which signed the checkpoint, is not registered by alice in the log/);
  });

  it('a responder without a registered key cannot sign a checkpoint (exit 3); a log that fails verify is never checkpointed (exit 5)', () => {
    const { db, alice, id } = signedIncident();
    const carol = responder('carol');
    ok(as(carol, ['key', 'create'], db));
    const r = as(carol, ['checkpoint', id], db);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/carol has no signing key registered in/);
    behindItsBack(backend, db, (raw) => raw.run(`UPDATE events SET payload = '{"text":"edited"}' WHERE incident = ${lit(id)} AND seq = 2`));
    const t = as(alice, ['checkpoint', id], db);
    expect(t.code).toBe(5);
    expect(t.stderr).toMatch(/no checkpoint signed/);
  });
});
}

signedFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 7)) signedFlows(pgBackend);
