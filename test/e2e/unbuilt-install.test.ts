// A responder who runs irr while `npm ci` is still compiling better-sqlite3 gets a one-line error,
// and the command leaves no database file behind (it once left an empty ./irr.db, which the next
// `irr open`, once built, would have taken as the database).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installCopy, irrIn, tempDir } from '../helpers.js';

const run = (install: string, args: readonly string[], cwd: string) => irrIn(install, args, { cwd });

describe('an install whose SQLite addon is not built yet', () => {
  const install = installCopy({ withoutSqliteAddon: true });

  it('irr open fails in one line and leaves no ./irr.db', () => {
    const cwd = tempDir();
    const r = run(install, ['open', '--playbook', 'ransomware-exfiltration', '--title', 'Before the build finished'], cwd);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('irr: --db: cannot open ./irr.db (the SQLite addon is not built: is "npm install" still running? Else run it again in the irr folder)\n');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('irr init --db <file> leaves no file either, and a side file that was already there stays', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'team.db-wal'), 'not ours');
    const r = run(install, ['init', '--db', 'team.db'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(existsSync(join(cwd, 'team.db'))).toBe(false);
    expect(readdirSync(cwd)).toEqual(['team.db-wal']);
  });
});
