import { describe, expect, it } from 'vitest';
import { irr, json, MINI } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 14, problem 9: the CLI's conventions, through the real binary. On both backends (issue 15)
 * where a database is used; usage errors and --help, which open none, run once.
 */

function opened(backend: Backend, db: string): string {
  // On PostgreSQL newDb() has run irr init as the server's admin already; a responder may not.
  if (backend.name === 'sqlite') expect(irr(['init'], { db }).code).toBe(0);
  const r = irr(['open', '--playbook', MINI, '--title', 'conventions'], { db });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('irr CLI conventions (no database)', () => {
  it("commander's errors start irr: and suggest the nearest command or option", () => {
    const cmd = irr(['stauts']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toBe("irr: unknown command 'stauts' (did you mean status?)\n");
    const opt = irr(['status', 'INC-2026-0001', '--jsno']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toBe("irr: unknown option '--jsno' (did you mean --json?)\n");
    const missing = irr(['status']);
    expect(missing.stderr).toBe("irr: missing required argument 'incident' (irr --help for usage)\n");
  });

  it('--help of a command shows an example and the global options', () => {
    for (const cmd of [['status'], ['step'], ['retract'], ['team', 'assign'], ['drill', 'run']]) {
      const r = irr([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Global Options:[\s\S]*--db <path>[\s\S]*--json[\s\S]*--as <actor>/);
      expect(r.stdout).toMatch(new RegExp(`Example:\\n {2}\\$ irr ${cmd.join(' ')} `));
    }
  });
});

/**
 * One database per backend for the tests that do not interfere (each opens its own incident and
 * reads only that one); the incident-numbering test has its own.
 */
function conventions(backend: Backend): void {
  const database = sharedDb(backend);
  describe(`irr CLI conventions (${backend.name})`, () => {
    it('an unknown obligation action suggests the nearest (snet → sent)', () => {
      const db = database();
      const id = opened(backend, db);
      const r = irr(['obligation', id, 'gdpr-art33', 'snet'], { db });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^irr: <action>: "snet" is not one of .* \(did you mean sent\?\)\n$/);
    });

    it('with --json an error is {ok: false, error: {code, message, field}} on stdout too, and a refused advance lists its holds', () => {
      const db = database();
      const id = opened(backend, db);
      const missing = irr(['--json', 'status', 'INC-2026-9999'], { db });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^irr: <incident>: no incident "INC-2026-9999"/);
      expect(JSON.parse(missing.stdout)).toEqual({ ok: false, error: { code: 'invalid', exit_code: 2, message: expect.stringContaining('no incident "INC-2026-9999"'), field: { flag: '<incident>' } } });
      const held = irr(['--json', 'advance', id], { db });
      expect(held.code).toBe(3);
      const body = JSON.parse(held.stdout) as { ok: boolean; error: { code: string; holds: string[] } };
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('refused');
      expect(body.error.holds).toEqual(['triage: required, not done or skipped']);
      const usage = irr(['--json', 'stauts'], { db });
      expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, error: { code: 'invalid', message: "unknown command 'stauts' (did you mean status?)" } });
    });

    it('every --json success object has ok: true (open, status, step, fact, clocks, assess)', () => {
      const db = database();
      const open = json<{ ok: boolean; id: string }>(irr(['--json', 'open', '--playbook', MINI, '--title', 'ok'], { db }));
      expect(open.ok).toBe(true);
      for (const args of [['status', open.id], ['step', open.id, 'triage', 'done'], ['fact', open.id, 'subjects_total=3'], ['clocks', open.id], ['assess', open.id]]) {
        const r = irr(['--json', ...args], { db });
        expect({ args, ok: json<{ ok: boolean }>(r).ok }).toEqual({ args, ok: true });
      }
    });

    it('incident ids are case-insensitive and a bare number is this year’s incident', () => {
      // Its own database: the first incident opened must be this year's 0001.
      const db = backend.newDb();
      const id = opened(backend, db);
      const year = new Date().getUTCFullYear();
      expect(id).toBe(`INC-${year}-0001`);
      const lower = irr(['--json', 'status', id.toLowerCase()], { db });
      expect(json<{ id: string }>(lower).id).toBe(id);
      const bare = irr(['step', '1', 'triage', 'done'], { db });
      expect(bare.code, bare.stderr).toBe(0);
      expect(bare.stdout).toContain(`${id}: done triage`);
      expect(irr(['status', '2'], { db }).stderr).toContain(`no incident "INC-${year}-0002"`);
    });
  });
}

conventions(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) conventions(pgBackend);
