import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, irrAsync, json, MINI, tempDir } from '../helpers.js';
import { pgActorUrl, pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { behindItsBack, lit } from './behind-its-back.js';

/** Complaints a hostile tester raised, each turned into the test that now guards it. */

const open = (db: string) => json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Hostile', '--json'], { db })).id;

/**
 * On both backends (issue 15). One database per backend: each test opens its own incident; the
 * "nothing written" counts are taken before and after within one test (tests of a file run in turn).
 */
function hostileFlows(backend: Backend): void {
  const database = sharedDb(backend);
  const count = (db: string) => backend.eventCount(db);
describe(`hostile input (${backend.name})`, () => {
  it('does not take prototype names for facts or steps', () => {
    const db = database();
    const id = open(db);
    const before = count(db);
    for (const args of [['fact', id, 'constructor=1'], ['fact', id, '__proto__=1'], ['step', id, 'constructor', 'done'], ['step', id, '', 'done']]) {
      const r = irr(args, { db });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(count(db)).toBe(before);
  });

  it('refuses the same fact twice, future times, and control characters', () => {
    const db = database();
    const id = open(db);
    const before = count(db);
    // On a server the tester still logs in as their own role; only the name they claim is hostile.
    const login = backend.name === 'postgres' ? ['--db', pgActorUrl(db, 'tester')] : [];
    expect(irr(['fact', id, 'subjects_total=3', 'subjects_total=4'], { db }).stderr).toContain('subjects_total: given twice');
    expect(irr(['fact', id, 'aware_at=2099-01-01T00:00:00Z'], { db }).stderr).toMatch(/aware_at=2099-01-01T00:00:00.000Z is in the future/);
    expect(irr(['note', id, 'evil\u001b[31mred'], { db }).stderr).toContain('<text>: contains control characters');
    expect(irr(['step', id, 'triage', 'skip', '--reason', 'line\nbreak'], { db }).stderr).toContain('--reason: contains control characters or line breaks');
    expect(irr(['note', id, 'x', ...login], { db, env: { IRR_ACTOR: 'mal\u001b]0;lory' } }).stderr).toContain('--as: contains control characters');
    expect(count(db)).toBe(before);
    // A multi-line note is fine, and the log keeps it on one line.
    expect(irr(['note', id, 'first line\nsecond line'], { db }).code).toBe(0);
    expect(irr(['log', id], { db }).stdout).toContain('first line ⏎ second line');
  });

  it('refuses writes when events were removed behind its back, instead of papering over the gap', () => {
    const db = database();
    const id = open(db);
    expect(irr(['note', id, 'one'], { db }).code).toBe(0);
    behindItsBack(backend, db, (raw) => raw.run(`DELETE FROM events WHERE incident = ${lit(id)} AND seq = 2`));
    const r = irr(['note', id, 'two'], { db });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('events are missing');
    expect(irr(['verify', id], { db }).code).toBe(5);
  });

  it('verify stays green while another terminal writes', async () => {
    const db = database();
    const id = open(db);
    const writes = Array.from({ length: 15 }, (_, i) => irrAsync(['note', id, `n${i}`], { db }));
    const verifies = Array.from({ length: 15 }, () => irrAsync(['verify', id], { db }));
    const results = await Promise.all([...writes, ...verifies]);
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
  });
});
}

hostileFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) hostileFlows(pgBackend);

// SQLite only: these are about the SQLite file itself (none made by a refused open; another
// application's file left as it was). On a server the database exists before irr is pointed at it.
describe('hostile input (the SQLite file)', () => {
  it('creates no database file when open is refused', () => {
    const dir = tempDir();
    const db = join(dir, 'new.db');
    expect(irr(['open', '--playbook', MINI, '--title', '   '], { db }).code).toBe(2);
    expect(irr(['open', '--playbook', MINI, '--title', 'x', '--at', '2999-01-01T00:00:00Z'], { db }).code).toBe(2);
    expect(existsSync(db)).toBe(false);
  });

  it('never writes into a SQLite file that is not irr’s', () => {
    const db = join(tempDir(), 'other-app.sqlite');
    const other = new Database(db);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    other.close();
    for (const args of [['status', 'INC-1'], ['list'], ['open', '--playbook', MINI, '--title', 'x'], ['init']]) {
      const r = irr(args, { db });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain('is not an irr database');
    }
    const check = new Database(db, { readonly: true });
    expect((check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name)).toEqual(['customers']);
    check.close();
    const empty = join(tempDir(), 'empty.db');
    writeFileSync(empty, '');
    expect(irr(['list'], { db: empty }).stderr).toContain('is empty, not an irr database (run "irr init"');
    expect(irr(['init'], { db: empty }).code).toBe(0);
  });
});

// One pass: reads no store.
describe('hostile input (no store)', () => {
  it('reports a bad YAML alias as invalid input with its file', () => {
    const file = join(tempDir(), 'alias.yaml');
    writeFileSync(file, 'id: *nope\n');
    const r = irr(['playbook', 'validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:`);
  });
});
