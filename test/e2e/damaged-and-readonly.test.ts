import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, openSync, closeSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, irr, json, MINI, ROOT, tempDir, type Run } from '../helpers.js';

/** Issue 10, defect 10: a damaged file is an integrity failure (exit 5); a read-only copy serves every read. */

function populated(): { db: string; id: string } {
  const db = join(tempDir(), 'irr.db');
  const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Damage', '--json'], { db })).id;
  expect(irr(['note', id, 'a note'], { db }).code).toBe(0);
  expect(irr(['fact', id, 'subjects_total=12', 'aware_at=2026-03-01T09:00:00Z'], { db }).code).toBe(0);
  return { db, id };
}

function oneLine(r: Run, code: number, text: RegExp): void {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code });
  expect(r.stderr).toMatch(text);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('a damaged database file: exit 5, one line naming the file', () => {
  it('a file that is not a database at all', () => {
    const db = join(tempDir(), 'notes.db');
    writeFileSync(db, 'these are my notes, not a database\n'.repeat(50));
    for (const args of [['list'], ['status', 'INC-2026-0001'], ['note', 'INC-2026-0001', 'x'], ['verify']]) {
      const r = irr(args, { db });
      oneLine(r, 5, /is not a readable SQLite database/);
      expect(r.stderr).toContain(db);
    }
  });

  it('schema version 0 on a non-empty irr file (damaged header), never re-initialised', () => {
    const { db } = populated();
    const raw = new Database(db);
    raw.pragma('user_version = 0');
    raw.close();
    const r = irr(['list'], { db });
    oneLine(r, 5, /has irr's header but schema version 0 with tables in it/);
    expect(r.stderr).toContain(db);
    oneLine(irr(['init'], { db }), 5, /schema version 0/);
  });

  it("irr's tables without irr's header", () => {
    const { db } = populated();
    const raw = new Database(db);
    raw.pragma('application_id = 0');
    raw.close();
    oneLine(irr(['verify'], { db }), 5, /holds irr's tables but not irr's header/);
  });

  it('"database disk image is malformed": pages overwritten', () => {
    const { db, id } = populated();
    expect(existsSync(`${db}-wal`)).toBe(false); // the last connection checkpointed it
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    // Keep page 1 (the header and schema), wreck every table page after it.
    writeSync(fd, Buffer.alloc(size - 4096, 0x5a), 0, size - 4096, 4096);
    closeSync(fd);
    for (const args of [['verify'], ['status', id], ['note', id, 'x']]) {
      const r = irr(args, { db });
      oneLine(r, 5, /is damaged, not a readable database \(database disk image is malformed\)|is not a readable SQLite database/);
      expect(r.stderr).toContain(db);
    }
  });
});

/** Run the binary as a user the file system can refuse (root ignores permissions). */
function asUser(args: readonly string[], db: string): Run {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', IRR_DB: db, IRR_ACTOR: 'reader' },
    cwd: ROOT,
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function readsWork(db: string, id: string): void {
  for (const args of [['list'], ['status', id], ['log', id], ['clocks', id, '--json'], ['assess', id, '--json'], ['verify'], ['verify', id], ['report', id, '--kind', 'timeline']]) {
    const r = asUser(args, db);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  }
  expect(asUser(['status', id, '--json'], db).stdout).toContain('"subjects_total"');
}

describe('read-only use', () => {
  it('a 0444 copy: every read command works, a write says read-only (exit 2) and writes nothing', () => {
    const { db, id } = populated();
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const copy = join(dir, 'copy.db');
    copyFileSync(db, copy);
    chmodSync(copy, 0o444);
    readsWork(copy, id);
    const w = asUser(['note', id, 'x'], copy);
    oneLine(w, 2, /--db: .*copy\.db is read-only \(file or folder not writable\); nothing was written/);
    expect(existsSync(`${copy}-wal`)).toBe(false);
  });

  it('a read-only folder, without -wal/-shm beside the file', () => {
    const { db, id } = populated();
    const dir = tempDir();
    const copy = join(dir, 'copy.db');
    copyFileSync(db, copy);
    chmodSync(copy, 0o644);
    chmodSync(dir, 0o555);
    readsWork(copy, id);
    oneLine(asUser(['fact', id, 'subjects_total=13'], copy), 2, /is read-only/);
    chmodSync(dir, 0o755);
  });

  it('a read-only folder holding a copy taken while a writer had it open (-wal and -shm beside it, uncheckpointed)', () => {
    const { db, id } = populated();
    const live = new Database(db);
    live.pragma('wal_autocheckpoint = 0');
    live.prepare('SELECT COUNT(*) FROM events').get(); // holds the WAL open: irr's close is not the last one
    expect(irr(['note', id, 'only in the WAL'], { db }).code).toBe(0);
    const dir = tempDir();
    const copy = join(dir, 'copy.db');
    for (const suffix of ['', '-wal', '-shm']) {
      copyFileSync(`${db}${suffix}`, `${copy}${suffix}`);
      chmodSync(`${copy}${suffix}`, 0o644);
    }
    live.close();
    chmodSync(dir, 0o555);
    readsWork(copy, id);
    expect(asUser(['log', id], copy).stdout).toContain('only in the WAL');
    chmodSync(dir, 0o755);
  });
});
