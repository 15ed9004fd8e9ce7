import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, irr, json, tempDir } from '../helpers.js';
import { pgActorUrl, pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Crash test of the mail merge through the real binary: merges of 500 recipients are
 * killed with SIGKILL (no handler runs) at random moments — starting up, reading the CSV, writing
 * letters, placing them, recording. Then one more merge runs in the same folder, and:
 * - no temporary file (personal data) is left: the stale ones were swept;
 * - every `document.rendered` in the log has its output, with the recorded SHA-256;
 * - every merge that reported success is in the log;
 * - `irr verify` is ok.
 * On both backends (issue 15): on the team server each killed merge is a client whose connection
 * dies with it, before, during or after the transaction that records the merge.
 */

const KILLS = 24;
const RECIPIENTS = 500;
const NOW = '2026-03-03T10:00:00Z';
const HEADER = 'name,email,postal_address,jurisdiction,language';
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

/** A small seeded generator (mulberry32), so that a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome { code: number | null; signal: NodeJS.Signals | null; stdout: string; ms: number }

/** Calls `onNew` when a temporary that was not there before appears (a sweep's deletions do not count). */
function watchForNewTemp(dir: string, onNew: () => void) {
  const before = new Set(readdirSync(dir));
  return watch(dir, (_event, name) => {
    if (name?.startsWith('.irr-') && !before.has(name) && existsSync(join(dir, name))) onNew();
  });
}

/**
 * Runs one merge. `kill`: null lets it finish; a number kills it after that many ms; `{ onTempIn }`
 * kills it the moment a temporary (`.irr-…`) appears in that folder, so the sweep is exercised on
 * every machine, however the random kills happen to fall.
 */
function merge(db: string, args: readonly string[], kill: number | null | { onTempIn: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    // On the team server the merge connects as the actor's own role, as irr() does.
    const login = /^postgres(ql)?:\/\//.test(db) ? pgActorUrl(db, 'crash-tester') : db;
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, IRR_DB: login, IRR_ACTOR: 'crash-tester', IRR_DEBUG: '' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.resume();
    const timer = typeof kill === 'number' ? setTimeout(() => child.kill('SIGKILL'), kill) : null;
    const watcher = kill !== null && typeof kill === 'object'
      ? watchForNewTemp(kill.onTempIn, () => child.kill('SIGKILL'))
      : null;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      watcher?.close();
      resolve({ code, signal, stdout, ms: Date.now() - started });
    });
  });
}

/** The digest irr records for an output: the .ndjson bytes, or each letter's name and bytes in order. */
function digestOf(path: string): string {
  const st = lstatSync(path);
  if (st.isFile()) return sha256(readFileSync(path));
  const h = createHash('sha256');
  for (const name of readdirSync(path).sort()) h.update(`${name}\n`).update(readFileSync(join(path, name)));
  return h.digest('hex');
}

function crashOutput(backend: Backend): void {
describe.concurrent(`crash test: kill -9 during mail merges (${backend.name})`, () => {
  it.concurrent(`${KILLS} SIGKILLs at random moments: no personal-data temporary survives the next run, every recorded merge has its file, verify ok`, { timeout: 600_000 }, async () => {
    const seed = Number(process.env.IRR_CRASH_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const dir = tempDir('irr-crash-');
    const db = backend.newDb();
    const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Crash test', '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
    const facts = ['detected_at=2026-03-02T09:00:00Z', 'aware_at=2026-03-02T11:00:00Z', 'entity_role=controller', 'subjects_by_jurisdiction=DE:40', 'data_categories=financial', 'subjects_total=42', 'records_total=42', 'confidentiality=known_recipients', 'breach_description=Payslips sent to the wrong list.', 'dpo_contact=Jane Roe, DPO', 'organisation_name=Example GmbH', 'likely_consequences=Salaries seen.', 'measures_taken=Deleted.'];
    expect(irr(['fact', id, ...facts, '--at', '2026-03-02T11:00:00Z'], { db }).code).toBe(0);
    const out = join(dir, 'out');
    mkdirSync(out);
    // Each run has its own recipients (the first name carries the run), so each output has its own digest.
    const csvFor = (run: number) => {
      const file = join(dir, `r${run}.csv`);
      const rows = Array.from({ length: RECIPIENTS }, (_, i) => `${i === 0 ? `Run ${run}` : `Person ${i}`},p${i}@example.com,,${i % 3 === 0 ? 'FR' : 'DE'},en`);
      rows.splice(7, 0, 'No Address,,,DE,en'); // one reject per run: the rejects file is exercised too
      writeFileSync(file, `${HEADER}\n${rows.join('\n')}\n`);
      return file;
    };
    const args = (run: number) => ['letters', id, 'gdpr-art33', '--recipients', csvFor(run), '--out', join(out, run % 2 === 0 ? `m${run}.ndjson` : `m${run}`), '--now', NOW];

    // One uninterrupted run of each mode sets the window in which kills land.
    const first = await merge(db, args(0), null);
    expect(first.code, first.stdout).toBe(0);
    const second = await merge(db, args(1), null);
    expect(second.code).toBe(0);
    // The window adapts: a run that finished before its kill (the machine got faster) shrinks it, so a
    // loaded CI machine still lands most kills inside a merge. Bounded: at most 4 × KILLS runs.
    let window = Math.max(first.ms, second.ms) * 1.1;
    const acknowledged = [first, second].map((o) => /sha256 ([0-9a-f]{64})/.exec(o.stdout)![1]!);

    let killed = 0;
    let finished = 0;
    let strandedTemps = 0; // kills that left a temporary behind (a later run's sweep must remove it)
    // KILLS kills at random moments, bounded at 4 × KILLS runs. A random moment can miss the short
    // time a temporary exists (a fresh-clone CI run once had all 24 miss it), so the first two runs of
    // each mode (a file, a folder of letters) are killed the moment their temporary appears.
    for (let run = 2; killed < KILLS && run < 2 + 4 * KILLS; run++) {
      const o = await merge(db, args(run), run < 6 ? { onTempIn: out } : Math.floor(random() * window));
      if (o.signal === 'SIGKILL') {
        killed++;
        if (readdirSync(out).some((n) => n.startsWith('.irr-'))) strandedTemps++;
      } else {
        expect(o.code, `run ${run}`).toBe(0);
        finished++;
        window = Math.min(window, o.ms * 0.9);
        acknowledged.push(/sha256 ([0-9a-f]{64})/.exec(o.stdout)![1]!);
      }
    }
    // The next merge into the same folder sweeps what the killed ones left.
    const next = await merge(db, args(99), null);
    expect(next.code).toBe(0);
    acknowledged.push(/sha256 ([0-9a-f]{64})/.exec(next.stdout)![1]!);

    const left = readdirSync(out).filter((n) => n.startsWith('.irr-') || n.endsWith('.tmp'));
    expect(left, `temporaries left (seed ${seed})`).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.irr-') || n.endsWith('.tmp'))).toEqual([]);

    const onDisk = new Set(readdirSync(out).filter((n) => !n.endsWith('.rejects.csv')).map((n) => digestOf(join(out, n))));
    const recorded = json<{ type: string; payload: { kind?: string; sha256?: string } }[]>(irr(['log', id, '--json'], { db }))
      .filter((e) => e.type === 'document.rendered' && e.payload.kind === 'mail_merge')
      .map((e) => e.payload.sha256!);
    for (const digest of recorded) expect(onDisk.has(digest), `recorded merge ${digest} has no file (seed ${seed})`).toBe(true);
    for (const digest of acknowledged) expect(recorded).toContain(digest);
    expect(irr(['verify', id], { db }).code).toBe(0);
    // Every recorded merge's rejects file is in place too (one reject per run).
    expect(readdirSync(out).filter((n) => n.endsWith('.rejects.csv')).length).toBeGreaterThanOrEqual(recorded.length);

    console.info(`crash test (seed ${seed}): ${killed} merges killed with SIGKILL (after ${strandedTemps} of them a temporary was left in the folder), ${finished} finished before their kill, ${recorded.length} merges recorded, every one with its file`);
    expect(killed).toBeGreaterThanOrEqual(KILLS / 2);
    expect(strandedTemps, 'no kill landed while a temporary existed: the test did not exercise the sweep').toBeGreaterThan(0);
  });
});
}

crashOutput(sqliteBackend);
if (pgAvailable(import.meta.filename, 1)) crashOutput(pgBackend);
