import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyKey, looksEncrypted } from '../../src/store/encryption.js';
import { tempDir } from '../helpers.js';

describe('looksEncrypted: from the first bytes and the size alone', () => {
  const dir = tempDir();
  it('a plain SQLite file is not; an SQLCipher file is', () => {
    const plain = join(dir, 'plain.db');
    const p = new Database(plain);
    p.exec('CREATE TABLE t (x)');
    p.close();
    expect(looksEncrypted(plain)).toBe(false);
    const enc = join(dir, 'enc.db');
    const e = new Database(enc);
    applyKey(e, 'a passphrase');
    e.exec('CREATE TABLE t (x)');
    e.close();
    expect(looksEncrypted(enc)).toBe(true);
  });
  it('a missing, empty or text file is not (it is new, or "not a database", exit 5)', () => {
    expect(looksEncrypted(join(dir, 'missing.db'))).toBe(false);
    writeFileSync(join(dir, 'empty.db'), '');
    expect(looksEncrypted(join(dir, 'empty.db'))).toBe(false);
    writeFileSync(join(dir, 'notes.db'), 'these are my notes, not a database\n'.repeat(50));
    expect(looksEncrypted(join(dir, 'notes.db'))).toBe(false);
    expect(looksEncrypted(dir)).toBe(false);
  });
  it('whole pages of something else look encrypted (they cannot be told apart without the key)', () => {
    writeFileSync(join(dir, 'pages.db'), Buffer.alloc(4096, 0x5a));
    expect(looksEncrypted(join(dir, 'pages.db'))).toBe(true);
  });
});
