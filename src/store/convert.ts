import Database from 'better-sqlite3';
import { addonOption } from './sqlite-addon.js';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IntegrityFailure, InvalidInput, WriteConflict } from '../domain/errors.js';
import { applyKey, changeKey, checkKey } from './encryption.js';
import { APPLICATION_ID } from './event-store.js';
import { translateSqliteError } from './sqlite-errors.js';

/**
 * Encrypting or decrypting a database file in place, safely: the original is locked against every
 * other process, copied whole (through SQLite, so the copy holds every committed event, WAL
 * included), re-keyed in a new file beside it, checked by the caller (irr verify's logic) and only
 * then renamed over the original in one atomic step. Until the rename the original is untouched
 * (its WAL checkpointed into it); after it, the old file's bytes are overwritten with zeros, so a
 * process that still had it open reads no database and writes nothing there.
 */
export class Conversion {
  private done = false;
  private constructor(
    readonly path: string,
    /** The converted copy, beside the original (same folder: the rename is atomic). */
    readonly staged: string,
    private readonly src: Database.Database,
    /** Every event as (incident, seq, hash) in the original: the copy must hold exactly these. */
    private readonly fingerprint: string,
    private readonly toKey: string | undefined,
  ) {}

  /**
   * Lock the original (refused if another process has it open), copy it and give the copy `toKey`
   * ("" or undefined: a plain database). `fromKey`: the original's passphrase, when encrypted.
   */
  static start(path: string, fromKey: string | undefined, toKey: string | undefined): Conversion {
    const staged = join(dirname(path), `.${basename(path)}.irr-convert-${process.pid}`);
    let src: Database.Database | undefined;
    let locked = false;
    try {
      src = new Database(path, { ...addonOption(), fileMustExist: true, timeout: 1000 });
      if (fromKey !== undefined) applyKey(src, fromKey);
      checkKey(src, path);
      src.pragma('temp_store = MEMORY');
      if (src.pragma('application_id', { simple: true }) !== APPLICATION_ID) {
        throw new InvalidInput(`--db: ${path} is not an irr database; nothing was changed`);
      }
      // Leaving WAL needs every other connection gone: SQLite refuses (BUSY) while one is open.
      // The WAL's frames are checkpointed into the file first, so the copy has them.
      src.pragma('wal_checkpoint(TRUNCATE)');
      try {
        src.pragma('journal_mode = DELETE');
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
          throw new WriteConflict(`${path} is open in another process (the console, a drill, another command): close it and try again; nothing was changed`);
        }
        throw err;
      }
      locked = true;
      // From here no other process can read or write it until this connection closes.
      src.pragma('locking_mode = EXCLUSIVE');
      src.exec('BEGIN EXCLUSIVE');
      const fingerprint = eventFingerprint(src);
      // Copies left by a conversion that was killed: no conversion can be running (it would hold the file).
      const prefix = `.${basename(path)}.irr-convert-`;
      for (const name of readdirSync(dirname(path))) {
        if (name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length))) rmStaged(join(dirname(path), name));
      }
      // The image SQLite serves through its pager: decrypted pages, every committed transaction.
      writeFileSync(staged, src.serialize(), { mode: 0o600, flag: 'wx' });
      const copy = new Database(staged, { ...addonOption(), fileMustExist: true });
      try {
        copy.pragma('temp_store = MEMORY');
        if (toKey !== undefined) changeKey(copy, toKey);
        copy.pragma('journal_mode = WAL');
      } finally {
        copy.close();
      }
      return new Conversion(path, staged, src, fingerprint, toKey);
    } catch (err) {
      rmStaged(staged);
      if (src) release(src, locked);
      throw translateSqliteError(err, path);
    }
  }

  /**
   * After the caller verified the staged copy: it must hold the same events as the original, then
   * it replaces it atomically (renamed in the same folder, the folder synced).
   */
  finish(): void {
    // Writable, so that closing it checkpoints and removes the copy's -wal and -shm (a read-only
    // connection leaves them behind), and only the database file itself is renamed.
    const staged = new Database(this.staged, { ...addonOption(), fileMustExist: true });
    try {
      if (this.toKey !== undefined) applyKey(staged, this.toKey);
      if (eventFingerprint(staged) !== this.fingerprint) {
        throw new IntegrityFailure(`${this.path}: the converted copy does not hold the same events as the original; nothing was changed`);
      }
    } finally {
      staged.close();
    }
    if (existsSync(`${this.staged}-wal`) && statSync(`${this.staged}-wal`).size > 0) {
      throw new IntegrityFailure(`${this.path}: the converted copy still has a write-ahead log; nothing was changed`);
    }
    rmSync(`${this.staged}-wal`, { force: true });
    rmSync(`${this.staged}-shm`, { force: true });
    const fd = openSync(this.staged, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // Opened before the rename: the old file's bytes, to be overwritten once it has no name.
    const old = openSync(this.path, 'r+');
    try {
      const size = statSync(this.path).size;
      renameSync(this.staged, this.path);
      this.done = true;
      syncFolder(dirname(this.path));
      const zeros = Buffer.alloc(65536);
      for (let at = 0; at < size; at += zeros.length) writeSync(old, zeros, 0, Math.min(zeros.length, size - at), at);
      fsyncSync(old);
    } finally {
      closeSync(old);
      this.src.close();
    }
  }

  /** Nothing is changed: the copy is removed and the original goes back to WAL mode. */
  abort(): void {
    if (this.done) return;
    rmStaged(this.staged);
    release(this.src, true);
  }
}

/** Every event's identity and hash, in order: equal strings mean the same log. */
function eventFingerprint(db: Database.Database): string {
  const rows = db.prepare('SELECT incident, seq, hash FROM events ORDER BY incident, seq').raw().all() as unknown[][];
  return rows.map((r) => r.join(' ')).join('\n');
}

function release(src: Database.Database, locked: boolean): void {
  try {
    if (locked) {
      if (src.inTransaction) src.exec('ROLLBACK');
      src.pragma('locking_mode = NORMAL');
      src.pragma('journal_mode = WAL');
    }
  } finally {
    src.close();
  }
}

function rmStaged(staged: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${staged}${suffix}`, { force: true });
}

function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot sync a folder; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
