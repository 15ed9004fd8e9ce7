import { describe, expect, it } from 'vitest';
import { irr, json, MINI } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 14, problem 3: `--at` takes a local time without offset in IRR_TZ (or the machine's zone),
 * allows a laptop's few minutes of clock skew, and refuses implausible dates with exit 2 naming --at.
 * Times are relative to now, so the test never goes stale.
 */

interface Appended {
  ok: boolean;
  appended: { seq: number; at: string }[];
}

/** "2026-12-01 10:00" for an instant, as a wall clock in `zone` shows it. */
function wall(ms: number, zone: string, sep = ' '): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}${sep}${p.hour}:${p.minute}`;
}

/** On both backends (issue 15). One database per backend: each test opens its own incident. */
function timeInput(backend: Backend): void {
  const database = sharedDb(backend);
function opened(): { db: string; id: string } {
  const db = database();
  expect(irr(['init'], { db }).code).toBe(0);
  const r = irr(['open', '--playbook', MINI, '--title', 'times'], { db });
  expect(r.code, r.stderr).toBe(0);
  return { db, id: r.stdout.trim() };
}

describe(`--at: local time, skew, plausibility (${backend.name})`, () => {
  it('reads a time without offset in IRR_TZ, with a space or a T', () => {
    const { db, id } = opened();
    const twoHoursAgo = Math.floor((Date.now() - 2 * 3600_000) / 60_000) * 60_000;
    for (const [zone, sep, step] of [['Europe/Paris', ' ', 'triage'], ['America/New_York', 'T', 'confirm-breach']] as const) {
      const r = irr(['--json', 'step', id, step, 'done', '--at', wall(twoHoursAgo, zone, sep)], { db, env: { IRR_TZ: zone } });
      expect(r.code, r.stderr).toBe(0);
      expect(json<Appended>(r).appended[0]!.at).toBe(new Date(twoHoursAgo).toISOString());
    }
  });

  it('allows up to 5 minutes of future skew, and refuses more (exit 2, naming --at)', () => {
    const { db, id } = opened();
    const skew = new Date(Date.now() + 3 * 60_000).toISOString();
    const ok = irr(['note', id, 'clock a little fast', '--at', skew], { db });
    expect(ok.code, ok.stderr).toBe(0);
    const ahead = irr(['note', id, 'ten minutes ahead', '--at', new Date(Date.now() + 10 * 60_000).toISOString()], { db });
    expect(ahead.code).toBe(2);
    expect(ahead.stderr).toMatch(/^irr: --at: .* is in the future/);
  });

  it('refuses an implausible date (1999) for an action and for open, exit 2 naming --at; IRR_BACKDATE_DAYS moves the bound', () => {
    const { db, id } = opened();
    const old = irr(['step', id, 'triage', 'done', '--at', '1999-01-01T00:00:00Z'], { db });
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/^irr: --at: Fri 1 Jan 1999 00:00 UTC is implausible: more than 30 days before INC-\d{4}-\d{4} was opened \(\w{3} \d{1,2} \w{3} \d{2}:\d{2} UTC\)/);
    const local = irr(['step', id, 'triage', 'done', '--at', '1999-01-01 10:00'], { db, env: { IRR_TZ: 'Europe/Paris' } });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--at: Fri 1 Jan 1999 10:00 CET (09:00 UTC) is implausible');
    const open = irr(['open', '--playbook', MINI, '--title', 'old', '--at', '1999-01-01T00:00:00Z'], { db });
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/^irr: --at: .* is implausible: more than 365 days before now/);
    const fortyDays = new Date(Date.now() - 40 * 86_400_000).toISOString();
    expect(irr(['step', id, 'triage', 'done', '--at', fortyDays], { db }).code).toBe(2);
    expect(irr(['step', id, 'triage', 'done', '--at', fortyDays], { db, env: { IRR_BACKDATE_DAYS: '60' } }).code).toBe(0);
  });

  it('a zone that does not exist, or a time the zone skips, is exit 2', () => {
    const { db, id } = opened();
    const bad = irr(['note', id, 'x', '--at', '2026-12-01 10:00'], { db, env: { IRR_TZ: 'Mars/Olympus' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^irr: IRR_TZ: "Mars\/Olympus" is not an IANA time zone/);
    const garbage = irr(['note', id, 'x', '--at', 'yesterday-ish'], { db });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/^irr: --at: "yesterday-ish" is not a time/);
  });
});
}

timeInput(sqliteBackend);
if (pgAvailable(import.meta.filename, 4)) timeInput(pgBackend);
