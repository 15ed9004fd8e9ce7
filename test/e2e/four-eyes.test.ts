import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { irr, ROOT, tempDir } from '../helpers.js';
import { killTmuxServer, Terminal } from './tty.js';
import { sqliteBackend } from '../pg/backend.js';

/**
 * Issue 15, SQLite side: four-eyes approval of notices to authorities and individuals, and a named
 * actor (never silently root). Through the real binary.
 */

import { count, fourEyes, log, openIncident } from './four-eyes-flows.js';

describe('four-eyes approval (gdpr-art33, a notice to an authority)', () => fourEyes(sqliteBackend));


describe('a named actor', () => {
  it("runs the README's set-up as printed: it names the actor, and that name opens the incident", () => {
    const line = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('export IRR_ACTOR='));
    expect(line).toBeDefined();
    const actor = /^export IRR_ACTOR="([^"]+)";/.exec(line!)![1]!;
    const words = (cmd: string) => [...cmd.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const open = words(/id=\$\(npx irr ([^)]+)\)/.exec(line!)![1]!);
    const db = join(tempDir(), 'irr.db');
    const opened = irr(open, { db, env: { IRR_ACTOR: actor } });
    expect(opened.code, opened.stderr).toBe(0);
    const id = opened.stdout.trim();
    expect(line).toContain('&& npx irr status "$id"');
    expect(irr(['status', id], { db, env: { IRR_ACTOR: actor } }).code).toBe(0);
    expect(log(db, id)[0]).toMatchObject({ type: 'incident.opened', actor });
  });

  it('refuses a writing command by the root account without --as or IRR_ACTOR (exit 2), and records nothing', () => {
    const { db, id } = openIncident(sqliteBackend);
    const n = count(db, id);
    const r = irr(['note', id, 'hello'], { db, env: { IRR_ACTOR: '', USER: 'root' } });
    if (process.getuid?.() === 0) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('say who is acting: --as <name> or IRR_ACTOR');
      expect(count(db, id)).toBe(n);
      // Reading needs no actor; --as names one.
      expect(irr(['status', id], { db, env: { IRR_ACTOR: '' } }).code).toBe(0);
      expect(irr(['note', id, 'hello', '--as', 'alice'], { db, env: { IRR_ACTOR: '' } }).code).toBe(0);
    } else {
      // Not run as root here: a person's OS account is a fine default actor.
      expect(r.code, r.stderr).toBe(0);
    }
  });
});

const terminals: Terminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});
afterAll(killTmuxServer);

describe('the console asks who is acting', () => {
  it('asks on first use of a database, remembers the answer per database and shows it as the actor', async () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const config = join(dir, 'config');
    const { id } = { id: irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips', '--as', 'alice'], { db }).stdout.trim() };
    const env = { IRR_ACTOR: '', XDG_CONFIG_HOME: config };
    const t = new Terminal(['run', id], { db, env });
    terminals.push(t);
    await t.waitFor('Who is acting?');
    t.type('Dora Diaz');
    t.keys('Enter');
    await t.waitFor('acting as Dora Diaz');
    t.keys('C-c');
    await t.waitFor('[exit');
    const remembered = JSON.parse(readFileSync(join(config, 'irr', 'actors.json'), 'utf8')) as Record<string, string>;
    expect(remembered).toEqual({ [db]: 'Dora Diaz' });
    // Second use: no question, the remembered name is the actor.
    const again = new Terminal(['run', id], { db, env });
    terminals.push(again);
    const screen = await again.waitFor('acting as Dora Diaz');
    expect(screen).not.toContain('Who is acting?');
    again.keys('C-c');
    await again.waitFor('[exit');
    // Another database is another question.
    const other = join(dir, 'other.db');
    expect(existsSync(other)).toBe(false);
    const third = new Terminal(['run'], { db: other, env });
    terminals.push(third);
    await third.waitFor('Who is acting?');
  });
});
