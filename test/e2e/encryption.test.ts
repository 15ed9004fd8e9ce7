import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, irr, json, MINI, ROOT, tempDir, type Run } from '../helpers.js';
import { killTmuxServer, Terminal } from './tty.js';

/** Issue 13, part 1: encryption at rest of the SQLite database (SQLCipher 4 format). */

const PASSPHRASE = 'correct horse battery staple 7';
const ENCRYPTED_LINE = (db: string) => `irr: ${db} is encrypted: give the key (--key-file or the prompt)\n`;

function keyFile(dir: string, passphrase = PASSPHRASE, name = 'db.key', mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, `${passphrase}\n`, { mode });
  chmodSync(path, mode);
  return path;
}

/** The raw bytes of every file in the folder (database, WAL, shm, anything SQLite left), by name. */
function filesIn(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isFile()) out.set(name, readFileSync(p));
  }
  return out;
}

/** Every row of every table and the schema, with the journal mode: what a file holds, not how its header counts. */
function contents(db: string): unknown {
  const h = new Database(db, { readonly: true });
  try {
    const schema = h.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all() as { type: string; name: string }[];
    const tables = schema.filter((t) => t.type === 'table').map((t) => [t.name, h.prepare(`SELECT * FROM "${t.name}"`).all()]);
    return { schema, tables, journal: h.pragma('journal_mode', { simple: true }) };
  } finally {
    h.close();
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function ok(r: Run): Run {
  if (r.code !== 0) throw new Error(`irr exited ${r.code}: ${r.stderr}`);
  return r;
}

/** A SQLite connection from this process, keyed like irr's, holding the file open (so the WAL stays). */
function holder(db: string, passphrase?: string): Database.Database {
  const h = new Database(db);
  if (passphrase !== undefined) {
    h.pragma("cipher = 'sqlcipher'");
    h.pragma('legacy = 4');
    h.key(Buffer.from(passphrase));
  }
  h.prepare('SELECT count(*) FROM sqlite_master').get();
  return h;
}

/** Opens an incident whose title, a text fact, a note and the actor carry `marker`; returns its id. */
function recordMarked(db: string, marker: string, env: Record<string, string>): string {
  const id = json<{ id: string }>(ok(irr(['open', '--playbook', MINI, '--title', `Breach ${marker} title`, '--json'], { db, env }))).id;
  ok(irr(['fact', id, `breach_description=leak of ${marker} fact`], { db, env }));
  ok(irr(['note', id, `note about ${marker}`], { db, env }));
  ok(irr(['note', id, 'said by the marked actor', '--as', `actor-${marker}`], { db, env }));
  return id;
}

describe('irr init --encrypt: nothing of an incident in the file, its WAL or a temp file', () => {
  it('a marker in the title, a fact, a note and the actor is absent from every byte on disk, with the WAL still present', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const key = keyFile(tempDir());
    const tmp = tempDir('irr-tmp-');
    // SQLite and Node put temporary files in TMPDIR / SQLITE_TMPDIR: point both at an empty folder to inspect.
    const env = { IRR_KEY_FILE: key, TMPDIR: tmp, SQLITE_TMPDIR: tmp };
    const init = ok(irr(['init', '--encrypt'], { db, env }));
    expect(init.stdout).toMatch(/encrypted \(SQLCipher 4\)/);
    expect(readFileSync(db).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    // A second connection keeps the database open, so irr's connections are never the last to
    // close: the WAL is not checkpointed away and its frames are still on disk when we read it.
    const hold = holder(db, PASSPHRASE);
    try {
      const marker = 'ZEBRA-7f3a91';
      const id = recordMarked(db, marker, env);
      const files = filesIn(dir);
      expect(statSync(`${db}-wal`).size).toBeGreaterThan(4096); // the events are in the WAL
      for (const [name, bytes] of files) {
        expect(bytes.includes(marker), `${name} holds the marker`).toBe(false);
        expect(bytes.includes(Buffer.from(marker, 'utf16le')), `${name} holds the marker (UTF-16)`).toBe(false);
      }
      for (const [name, bytes] of filesIn(tmp)) expect(bytes.includes(marker), `temp file ${name} holds the marker`).toBe(false);
      // The data is there for whoever has the key.
      const log = json<{ actor: string; what: string }[]>(ok(irr(['log', id, '--json'], { db, env })));
      expect(log.map((e) => e.what).join('\n')).toContain(`note about ${marker}`);
      expect(log.some((e) => e.actor === `actor-${marker}`)).toBe(true);
    } finally {
      hold.close();
    }
  });

  it('the same steps on a plain database leave the marker readable on disk (the check above can see it)', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    ok(irr(['init'], { db }));
    const hold = holder(db);
    try {
      const marker = 'ZEBRA-plain-55';
      recordMarked(db, marker, {});
      const all = Buffer.concat([...filesIn(dir).values()]);
      expect(all.includes(marker)).toBe(true);
    } finally {
      hold.close();
    }
  });
});

describe('opening an encrypted database without the key, or with a wrong one', () => {
  function encrypted(): { db: string; id: string; key: string } {
    const db = join(tempDir(), 'irr.db');
    const key = keyFile(tempDir());
    ok(irr(['init', '--encrypt'], { db, env: { IRR_KEY_FILE: key } }));
    const id = recordMarked(db, 'LOCKED-1', { IRR_KEY_FILE: key });
    return { db, id, key };
  }

  it('exit 2, one line naming the file, never "file is not a database"; nothing changed', () => {
    const { db, id, key } = encrypted();
    const wrong = keyFile(tempDir(), 'not the passphrase');
    const before = sha(db);
    const cases: { args: string[]; env: Record<string, string> }[] = [];
    cases.push({ args: ['list'], env: {} }, { args: ['report', id, '--kind', 'timeline'], env: {} }, { args: ['fact', id, 'subjects_total=3'], env: { IRR_KEY_FILE: wrong } });
    for (const args of [['status', id], ['note', id, 'x'], ['verify']]) {
      cases.push({ args, env: {} }, { args: ['--key-file', wrong, ...args], env: {} }, { args, env: { IRR_KEY_FILE: wrong } });
    }
    for (const c of cases) {
      const r = irr(c.args, { db, env: c.env });
      expect({ args: c.args, env: c.env, code: r.code, stderr: r.stderr }).toEqual({ args: c.args, env: c.env, code: 2, stderr: ENCRYPTED_LINE(db) });
      expect(r.stdout).toBe('');
    }
    expect(sha(db)).toBe(before);
    // …and the right key still opens it, with every event intact.
    const v = ok(irr(['verify', '--key-file', key], { db }));
    expect(v.stdout).toMatch(new RegExp(`^ok ${id}: 4 events`));
  }, 180_000); // fifteen runs of the binary, each deriving a key (PBKDF2), on a shared 2-core machine

  it('a key file others can read is refused, exit 2, naming the flag; nothing is opened', () => {
    const { db, id } = encrypted();
    const loose = keyFile(tempDir(), PASSPHRASE, 'loose.key', 0o644);
    const before = sha(db);
    const byFlag = irr(['status', id, '--key-file', loose], { db });
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toMatch(/^irr: --key-file: .*loose\.key is readable by others \(mode 0644\); a secret file must be mode 0600/);
    expect(byFlag.stderr.trim().split('\n')).toHaveLength(1);
    const byEnv = irr(['status', id], { db, env: { IRR_KEY_FILE: loose } });
    expect(byEnv.code).toBe(2);
    expect(byEnv.stderr).toMatch(/^irr: IRR_KEY_FILE: .*loose\.key is readable by others \(mode 0644\)/);
    expect(sha(db)).toBe(before);
  });

  it('a key given for a plain database is refused (it is not encrypted), exit 2, nothing changed', () => {
    const db = join(tempDir(), 'irr.db');
    ok(irr(['open', '--playbook', MINI, '--title', 'Plain'], { db }));
    const key = keyFile(tempDir());
    const before = sha(db);
    const r = irr(['list', '--key-file', key], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`irr: --key-file: ${db} is not encrypted, no key is needed (irr db encrypt encrypts it); nothing was changed\n`);
    expect(sha(db)).toBe(before);
  });

  it('init --encrypt with no key file and no terminal is refused, and creates nothing', () => {
    const db = join(tempDir(), 'irr.db');
    const r = irr(['init', '--encrypt'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^irr: --key-file: init --encrypt: give the new key: --key-file <path> or IRR_KEY_FILE/);
    expect(existsSync(db)).toBe(false);
  });
});

describe('irr db encrypt / decrypt: in place, verified, atomic', () => {
  it('round-trips an existing database, irr verify ok after each, the same events and head', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const id = recordMarked(db, 'ROUND-TRIP-42', {});
    ok(irr(['step', id, 'triage', 'done'], { db }));
    const plainLog = ok(irr(['log', id, '--json'], { db })).stdout;
    const plainHead = /head ([0-9a-f]{64})/.exec(ok(irr(['verify'], { db })).stdout)![1];
    const key = keyFile(tempDir());
    // What a conversion killed half-way would have left: removed by the next one.
    writeFileSync(join(dir, '.irr.db.irr-convert-99999'), 'a stale copy');

    const enc = ok(irr(['db', 'encrypt', '--key-file', key], { db }));
    expect(enc.stdout).toBe(`${db}: encrypted (SQLCipher 4); 1 incident verified on the result. Every command now needs the key (--key-file, IRR_KEY_FILE or the prompt).\n`);
    expect(readdirSync(dir)).toEqual(['irr.db']); // no staged copy, no -wal/-shm of the old file left
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(readFileSync(db).includes('ROUND-TRIP-42')).toBe(false);
    expect(irr(['verify'], { db }).stderr).toBe(ENCRYPTED_LINE(db));
    const v1 = ok(irr(['verify', '--key-file', key], { db }));
    expect(v1.stdout).toBe(`ok ${id}: 5 events, head ${plainHead}\n`);
    expect(ok(irr(['log', id, '--json', '--key-file', key], { db })).stdout).toBe(plainLog);
    // Still a working database: appends continue the same chain.
    ok(irr(['note', id, 'after encryption', '--key-file', key], { db }));

    const dec = ok(irr(['db', 'decrypt', '--key-file', key], { db }));
    expect(dec.stdout).toMatch(/: decrypted; 1 incident verified on the result/);
    expect(readdirSync(dir)).toEqual(['irr.db']);
    expect(readFileSync(db).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const v2 = ok(irr(['verify'], { db }));
    expect(v2.stdout).toMatch(new RegExp(`^ok ${id}: 6 events, head [0-9a-f]{64}\\n$`));
    expect(JSON.parse(ok(irr(['log', id, '--json'], { db })).stdout).slice(0, 5)).toEqual(JSON.parse(plainLog));
  });

  it('refused (exit 4) while another process has the file open; the original is untouched and nothing is left beside it', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const id = recordMarked(db, 'HELD-1', {});
    const key = keyFile(tempDir());
    const hold = holder(db);
    try {
      const before = sha(db);
      const r = irr(['db', 'encrypt', '--key-file', key], { db });
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(`irr: ${db} is open in another process (the console, a drill, another command): close it and try again; nothing was changed\n`);
      expect(sha(db)).toBe(before);
      expect(readdirSync(dir).filter((n) => n.includes('irr-convert'))).toEqual([]);
      expect(hold.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      hold.close();
    }
    ok(irr(['verify', id], { db }));
  });

  it('a database that fails irr verify is not converted: exit 5, the original untouched, no copy left', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const id = recordMarked(db, 'TAMPERED-1', {});
    const raw = new Database(db);
    raw.exec('DROP TRIGGER IF EXISTS events_append_only_update');
    raw.prepare("UPDATE events SET actor = 'mallory' WHERE incident = ? AND seq = 2").run(id);
    raw.close();
    const before = contents(db);
    const r = irr(['db', 'encrypt', '--key-file', keyFile(tempDir())], { db });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`^irr: integrity failure in (${id} at seq 2|the database)`));
    expect(r.stderr).toMatch(/nothing was changed/);
    // The conversion had folded the WAL in and left WAL mode (header bytes); it went back, nothing else moved.
    expect(contents(db)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.includes('irr-convert'))).toEqual([]);
    expect(readFileSync(db).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  }, 120_000);

  it('a wrong key for decrypt: the one line, exit 2, the file unchanged', () => {
    const db = join(tempDir(), 'irr.db');
    const key = keyFile(tempDir());
    ok(irr(['init', '--encrypt', '--key-file', key], { db }));
    const before = sha(db);
    const r = irr(['db', 'decrypt', '--key-file', keyFile(tempDir(), 'wrong passphrase')], { db });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: ENCRYPTED_LINE(db) });
    expect(sha(db)).toBe(before);
    expect(irr(['db', 'encrypt', '--key-file', key], { db }).stderr).toBe(`irr: --db: ${db} is already encrypted; nothing was changed\n`);
  });
});

describe('the console on an encrypted database', () => {
  it('irr run opens and writes it with the key file; without the key it is the one line, exit 2', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const key = keyFile(tempDir());
    const env = { IRR_KEY_FILE: key };
    ok(irr(['init', '--encrypt'], { db, env }));
    const answers = join(tempDir(), 'answers.yaml');
    writeFileSync(answers, ['new', 'misdirected-communication', 'Payslips CONSOLE-MARK', '2026-03-02 09:00', 'quit'].map((a) => `- ${JSON.stringify(a)}`).join('\n') + '\n');
    const run = ok(irr(['run', '--answers', answers], { db, env }));
    const id = /saved: opened (INC-\d{4}-\d{4})/.exec(run.stdout)![1]!;
    expect(ok(irr(['list'], { db, env })).stdout).toContain(id);
    expect(readFileSync(db).includes('CONSOLE-MARK')).toBe(false);
    const denied = irr(['run', id, '--answers', answers], { db });
    expect({ code: denied.code, stderr: denied.stderr }).toEqual({ code: 2, stderr: ENCRYPTED_LINE(db) });
  }, 120_000);
});

describe('the key never shows', () => {
  it('not in the argv or environment of a running irr (ps shows a file path), nor in any output', async () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const key = keyFile(tempDir());
    const runs: Run[] = [];
    runs.push(ok(irr(['init', '--encrypt', '--key-file', key], { db })));
    const id = json<{ id: string }>(ok(irr(['open', '--playbook', MINI, '--title', 'Key hygiene', '--json', '--key-file', key], { db }))).id;
    runs.push(ok(irr(['status', id, '--key-file', key], { db })), ok(irr(['verify', '--json'], { db, env: { IRR_KEY_FILE: key } })));
    runs.push(irr(['status', id], { db }), irr(['status', id, '--key-file', keyFile(tempDir(), 'other passphrase!')], { db }));
    // A writer blocked on the lock stays alive long enough to read its /proc entry, as ps would.
    const hold = holder(db, PASSPHRASE);
    hold.exec('BEGIN IMMEDIATE');
    const child = spawn(process.execPath, [BIN, 'note', id, 'waiting for the lock', '--key-file', key], { cwd: ROOT, env: { ...process.env, IRR_DB: db, IRR_ACTOR: 'tester' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8');
    hold.exec('COMMIT');
    hold.close();
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(code).toBe(0);
    expect(cmdline).toContain(key);
    expect(cmdline).not.toContain(PASSPHRASE);
    expect(environ).not.toContain(PASSPHRASE);
    for (const r of runs) expect(r.stdout + r.stderr).not.toContain(PASSPHRASE);
    expect(out).not.toContain(PASSPHRASE);
  });
});

describe('in a terminal: the passphrase is asked for, never echoed', () => {
  afterAll(killTmuxServer);

  it('init --encrypt asks twice; a command on the encrypted file asks once; a wrong one is the one line, exit 2', async () => {
    const db = join(tempDir(), 'irr.db');
    const typed = 'typed at the prompt 1234';
    const init = new Terminal(['init', '--encrypt'], { db, columns: 200 });
    try {
      await init.waitFor(`New passphrase for ${db}:`);
      init.type(typed);
      init.keys('Enter');
      await init.waitFor('The same passphrase again:');
      init.type(typed);
      init.keys('Enter');
      const screen = await init.waitFor('[exit 0]');
      expect(screen).toContain('encrypted (SQLCipher 4)');
      expect(screen).not.toContain(typed);
    } finally {
      init.close();
    }
    expect(readFileSync(db).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    // The passphrase typed at the prompt is the key: a key file holding it opens the file too.
    const key = keyFile(tempDir(), typed);
    const id = ok(irr(['open', '--playbook', MINI, '--title', 'Typed', '--key-file', key], { db })).stdout.trim();

    const status = new Terminal(['list'], { db, columns: 200 });
    try {
      await status.waitFor(`Passphrase for ${db}:`);
      status.type(typed);
      status.keys('Enter');
      const screen = await status.waitFor('[exit 0]');
      expect(screen).toMatch(new RegExp(`${id}.*Typed`));
      expect(screen).not.toContain(typed);
    } finally {
      status.close();
    }
    const wrong = new Terminal(['status', id], { db, columns: 200 });
    try {
      await wrong.waitFor(`Passphrase for ${db}:`);
      wrong.type('not it at all');
      wrong.keys('Enter');
      const screen = await wrong.waitFor('[exit 2]');
      expect(screen).toContain(`irr: ${db} is encrypted: give the key (--key-file or the prompt)`);
      expect(screen).not.toContain('not it at all');
      expect(screen).not.toMatch(/file is not a database/);
    } finally {
      wrong.close();
    }
    const stopped = new Terminal(['note', id, 'never written'], { db, columns: 200 });
    try {
      await stopped.waitFor(`Passphrase for ${db}:`);
      stopped.keys('C-c');
      const screen = await stopped.waitFor('[exit 130]');
      expect(screen).toContain('irr: stopped at the passphrase prompt; nothing was changed');
    } finally {
      stopped.close();
    }
    const log = json<{ type: string }[]>(ok(irr(['log', id, '--json', '--key-file', key], { db })));
    expect(log.map((e) => e.type)).toEqual(['incident.opened']);
  }, 120_000);
});
