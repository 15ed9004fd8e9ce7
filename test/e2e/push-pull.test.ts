/** irr init / push / pull against the throwaway PostgreSQL server, through the real binary. */
import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, MINI, tempDir } from '../helpers.js';
import { adminOf, freshPgDatabase, pgAvailable } from '../pg/pg.js';
import { as, countRows, enrol, ok, responder } from './signing-helpers.js';

function openLocal(): { db: string; id: string } {
  const db = join(tempDir(), 'laptop.db');
  const o = irr(['open', '--playbook', MINI, '--title', 'Laptop breach'], { db });
  expect(o.code, o.stderr).toBe(0);
  const id = o.stdout.trim();
  expect(irr(['note', id, 'first look'], { db }).code).toBe(0);
  expect(irr(['fact', id, 'subjects_total=120'], { db }).code).toBe(0);
  return { db, id };
}

async function initServer(): Promise<string> {
  const url = await freshPgDatabase();
  const r = irr(['init', '--db', url]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/PostgreSQL; roles irr_responder, irr_approver, irr_comms, irr_auditor/);
  return url;
}

describe('irr push / pull arguments (no server needed)', () => {
  it('need a postgres:// URL, and a command given an unreachable server says so instead of creating a file', () => {
    const dir = tempDir();
    const p = irr(['push', 'INC-2026-0001'], { db: join(dir, 'a.db') });
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/--to: the team server's URL is required/);
    const q = irr(['pull', 'INC-2026-0001', '--from', './other.db'], { db: join(dir, 'b.db') });
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/--from: "\.\/other\.db" is not a postgres:\/\/ URL/);
    const s = irr(['list', '--db', 'postgres://nobody@127.0.0.1:1/irr'], { cwd: dir });
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/cannot reach the PostgreSQL server postgres:\/\/nobody@127\.0\.0\.1:1\/irr/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

if (pgAvailable(import.meta.filename, 6)) {
  describe('irr push / pull with a team server', () => {
    it('round-trips an incident with its chain intact; both copies then refuse local writes', async () => {
      const url = await initServer();
      const { db, id } = openLocal();
      const [local] = JSON.parse(irr(['verify', id, '--json'], { db }).stdout) as { head_hash: string; events: number }[];
      const p = irr(['push', id, '--to', url], { db });
      expect(p.code, p.stderr).toBe(0);
      expect(p.stdout).toContain(`server id: ${id}`);
      expect(p.stdout).toContain(`head ${local!.head_hash}`);
      const w = irr(['note', id, 'after the push'], { db });
      expect(w.code).toBe(3);
      expect(w.stderr).toMatch(/was moved to the team server postgres:\/\/.* write there: --db/);
      // The local evidence stays verifiable.
      expect(irr(['verify', id], { db }).code).toBe(0);

      const copy = join(tempDir(), 'copy.db');
      const q = irr(['pull', id, '--from', url, '--db', copy]);
      expect(q.code, q.stderr).toBe(0);
      const [v] = JSON.parse(irr(['verify', id, '--json'], { db: copy }).stdout) as { ok: boolean; head_hash: string; events: number }[];
      expect(v).toMatchObject({ ok: true, head_hash: local!.head_hash, events: local!.events });
      expect(irr(['log', id], { db: copy }).stdout).toContain('first look');
      const w2 = irr(['note', id, 'offline'], { db: copy });
      expect(w2.code).toBe(3);
      expect(w2.stderr).toMatch(/read-only copy pulled from/);
      // A second incident opened in the pulled file is not mistaken for a deleted one's neighbour.
      expect(irr(['verify'], { db: copy }).code).toBe(0);
    });

    it('a signed incident keeps its signatures through push and pull: verified on the server and in the copy', async () => {
      const url = await initServer();
      const { db, id } = openLocal();
      const alice = responder('alice');
      enrol(alice, db, id);
      ok(as(alice, ['note', id, 'signed before the push'], db));
      expect(countRows(db, 'signatures')).toBe(2);
      ok(irr(['push', id, '--to', url], { db }));
      const server = irr(['verify', id, '--db', url]);
      expect(server.code, server.stderr).toBe(0);
      const a = adminOf(url);
      try {
        expect((await a`SELECT count(*)::int AS n FROM signatures WHERE incident = ${id}`)[0]!.n).toBe(2);
      } finally {
        await a.end();
      }
      const copy = join(tempDir(), 'copy.db');
      ok(irr(['pull', id, '--from', url, '--db', copy]));
      expect(countRows(copy, 'signatures')).toBe(2);
      expect(irr(['verify', id], { db: copy }).code).toBe(0);
    });

    it('irr verify on the server passes, then names an edited event and a disabled trigger', async () => {
      const url = await initServer();
      const { db, id } = openLocal();
      expect(irr(['push', id, '--to', url], { db }).code).toBe(0);
      const ok = irr(['verify', '--db', url]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`^ok ${id}: 3 events, head [0-9a-f]{64}`));
      const a = adminOf(url);
      try {
        await a.unsafe('ALTER TABLE events DISABLE TRIGGER events_append_only');
        await a.unsafe(`UPDATE events SET payload = '{"text":"nothing to see"}' WHERE seq = 2`);
      } finally {
        await a.end();
      }
      const bad = irr(['verify', id, '--db', url]);
      expect(bad.code).toBe(5);
      expect(bad.stdout).toMatch(/FAILED .*first bad seq 2/);
      expect(bad.stdout).toMatch(/trigger events_append_only is disabled/);
    });

    it('refuses to push an incident the server already has (its id is part of its hashes)', async () => {
      const url = await initServer();
      const a = openLocal();
      expect(irr(['push', a.id, '--to', url], { db: a.db }).code).toBe(0);
      const b = openLocal();
      expect(b.id).toBe(a.id);
      const r = irr(['push', b.id, '--to', url], { db: b.db });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/already exists on postgres:.*nothing was written/);
      expect(irr(['note', b.id, 'still mine'], { db: b.db }).code).toBe(0);
    });

    it('refuses to push a tampered incident and copies nothing', async () => {
      const url = await initServer();
      const { db, id } = openLocal();
      const raw = new Database(db);
      raw.exec('DROP TRIGGER events_append_only_update');
      raw.prepare("UPDATE events SET actor = 'mallory' WHERE seq = 2").run();
      raw.close();
      const r = irr(['push', id, '--to', url], { db });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/integrity failure.*nothing was copied/);
      const a = adminOf(url);
      try {
        expect(await a`SELECT count(*)::int AS n FROM events`).toEqual([{ n: 0 }]);
      } finally {
        await a.end();
      }
    });

    it('init refuses a database holding other tables; the other commands run on the server', async () => {
      const url = await freshPgDatabase();
      const a = adminOf(url);
      await a.unsafe('CREATE TABLE customers (id int)');
      await a.end();
      const r = irr(['init', '--db', url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not an irr database/);
      const url2 = await initServer();
      const s = irr(['list', '--json', '--db', url2]);
      expect(s.code, s.stderr).toBe(0);
      expect(JSON.parse(s.stdout)).toEqual([]);
    });
  });
}
