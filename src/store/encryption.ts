import type Database from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InvalidInput } from '../domain/errors.js';

/** Every plain SQLite file starts with these 16 bytes; an SQLCipher file starts with its random salt. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Whether the file at `path` is (probably) an encrypted database, from its first bytes alone: not
 * the plain header, and a whole number of pages (512 bytes is SQLite's smallest page). A text file
 * or a truncated copy is not a whole number of pages, so it is still reported as "not a database"
 * (exit 5) rather than as encrypted. A missing or empty file is not encrypted (it is new).
 */
export function looksEncrypted(path: string): boolean {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return false;
    size = st.size;
  } catch {
    return false;
  }
  if (size === 0 || size % 512 !== 0) return false;
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return !head.equals(SQLITE_HEADER);
}

/** The one message for a missing or wrong key (exit 2): never SQLite's "file is not a database". */
export function keyNeeded(path: string): InvalidInput {
  return new InvalidInput(`${path} is encrypted: give the key (--key-file or the prompt)`);
}

/**
 * Select SQLCipher 4's format (the widely readable one: `sqlcipher` and DB Browser open it) and
 * give the passphrase; SQLCipher derives the page key from it (PBKDF2-HMAC-SHA512, 256,000
 * rounds, per-file salt). Must run before the first read of the connection.
 */
export function applyKey(db: Database.Database, passphrase: string): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.key(Buffer.from(passphrase, 'utf8'));
}

/** Change (or, with "", remove) the key of a database in rollback-journal mode, in place. */
export function changeKey(db: Database.Database, passphrase: string): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.rekey(Buffer.from(passphrase, 'utf8'));
}

/**
 * Read the key-protected first page, so that a wrong key is found here (SQLITE_NOTADB) and named
 * as such, before anything else runs on the connection.
 */
export function checkKey(db: Database.Database, path: string): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw keyNeeded(path);
    throw err;
  }
}
