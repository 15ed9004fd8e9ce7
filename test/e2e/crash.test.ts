import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, irr, json, MINI, ROOT } from '../helpers.js';
import { pgActorUrl, pgBackend, pgSync, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 10: 4 writers append notes and facts through the real binary while `kill -9` lands at
 * random moments. Every acknowledged event (the command printed its success line) is present
 * exactly once, at the seq it printed; nothing killed is present twice; verify is ok after.
 * On both backends: on the team server each writer is a client whose connection dies with it
 * mid-transaction, mid-retry or after its commit.
 */
interface Outcome {
  readonly label: string;
  readonly killed: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: string[], db: string, killAfterMs: number | undefined): Promise<Outcome & { label: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', IRR_DB: db, IRR_ACTOR: 'crash' } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => (killed = child.kill('SIGKILL')), killAfterMs);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ label: args.join(' '), killed: killed && code === null, code, stdout, stderr });
    });
  });
}

function rowsOf(backend: Backend, db: string, id: string): { seq: number; type: string; payload: string }[] {
  if (backend.name === 'postgres') return pgSync(db, `SELECT seq, type, payload FROM events WHERE incident = '${id}' ORDER BY seq`) as { seq: number; type: string; payload: string }[];
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare('SELECT seq, type, payload FROM events WHERE incident = ? ORDER BY seq').all(id) as { seq: number; type: string; payload: string }[];
  } finally {
    raw.close();
  }
}

function crashTest(backend: Backend): void {
describe.concurrent(`crash test: kill -9 during appends (${backend.name})`, () => {
  it.concurrent('4 writers, 40 kills at random moments: every acknowledged event present exactly once, verify ok', async () => {
    const db = backend.newDb();
    // On the server the writers log in as their own role, the actor the server records.
    const writerDb = backend.name === 'postgres' ? pgActorUrl(db, 'crash') : db;
    const id = json<{ id: string }>(irr(['open', '--playbook', MINI, '--title', 'Crash', '--json'], { db })).id;
    // Kills land from start-up to after the commit whatever this machine's speed: the window is a
    // quarter more than the slowest of three uninterrupted commands (a fixed 800 ms once let a
    // faster build finish most commands before their kill; one and a half times it let a third of
    // the kills land after the process had ended, and each kill cost three launches).
    const timed: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const o = await run(['note', id, `timing ${i}`], writerDb, undefined);
      expect(o.code, o.stderr).toBe(0);
      timed.push(Date.now() - t0);
    }
    const window = Math.max(200, Math.round(1.25 * Math.max(...timed)));
    let seed = 20261201;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const TARGET_KILLS = 40;
    let kills = 0;
    let spawned = 0;
    const outcomes: (Outcome & { kind: 'note' | 'fact'; value: string })[] = [];
    const writer = async (w: number) => {
      for (let i = 0; kills < TARGET_KILLS && spawned < 400; i++) {
        spawned++;
        const kind = i % 3 === 2 ? 'fact' : 'note';
        const value = kind === 'note' ? `w${w}-${i}` : String(100_000 * (w + 1) + i);
        const args = kind === 'note' ? ['note', id, value] : ['fact', id, `subjects_total=${value}`];
        // Seven in ten commands are killed somewhere between start-up and after their commit; the
        // rest, and those whose kill came too late, are the acknowledged ones checked below.
        const o = await run(args, writerDb, rnd() < 0.7 ? Math.floor(rnd() * window) : undefined);
        if (o.killed) kills++;
        outcomes.push({ ...o, kind, value });
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));

    const rows = rowsOf(backend, db, id);
    const valueOf = (r: { type: string; payload: string }) => {
      const p = JSON.parse(r.payload);
      return r.type === 'note.added' ? (p.text as string).startsWith('timing ') ? undefined : (p.text as string) : r.type === 'facts.recorded' ? String(p.facts.subjects_total) : undefined;
    };
    const present = new Map<string, number[]>();
    for (const r of rows) {
      const v = valueOf(r);
      if (v !== undefined) present.set(v, [...(present.get(v) ?? []), r.seq]);
    }
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const acknowledged = outcomes.filter((o) => o.code === 0);
    const conflicts = outcomes.filter((o) => o.code === 4).length;
    const otherFailures = outcomes.filter((o) => !o.killed && o.code !== 0 && o.code !== 4);
    expect(otherFailures.map((o) => `${o.label}: ${o.code} ${o.stderr}`)).toEqual([]);
    for (const o of acknowledged) {
      const printed = Number(/\(seq (\d+)\)/.exec(o.stdout)?.[1]);
      expect({ value: o.value, seqs: present.get(o.value) }).toEqual({ value: o.value, seqs: [printed] });
    }
    for (const [value, seqs] of present) expect({ value, seqs: seqs.length }).toEqual({ value, seqs: 1 });
    const killedButWritten = outcomes.filter((o) => o.killed && present.has(o.value)).length;
    const v = irr(['verify'], { db });
    expect(v.code, v.stderr).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(32);
    // The figures for the closing note.
    console.log(`crash test (${backend.name}): kill window ${window} ms, ${spawned} commands, ${kills} kill -9, ${acknowledged.length} acknowledged (all present once), ${killedButWritten} killed after their commit (present once, unacknowledged), ${conflicts} write conflicts, ${rows.length} events, verify ok`);
  }, 300_000);
});
}

crashTest(sqliteBackend);
if (pgAvailable(import.meta.filename, 1)) crashTest(pgBackend);
