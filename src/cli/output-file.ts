import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInput } from '../domain/errors.js';

/**
 * The one way irr writes a file (`letter --out`, `letters --out` and `--rejects`, `report --out`,
 * `clocks --ics`, `drill run --report`, `drill report --out`). One rule for all of them:
 *
 * - the target is checked before anything is rendered or recorded: its folder exists and is
 *   writable; it is not a symbolic link, a device, a FIFO, a socket or a directory; it is not the
 *   database (or its -wal/-shm/-journal) nor an input of the command (compared by real path and by
 *   inode); an existing file is refused unless `--force`;
 * - the bytes go to a temporary file in the target's folder, created exclusively with mode 0600,
 *   named `.irr-<pid>-<random>.tmp` so that a later run can recognise it; it is fsync'd, then
 *   linked into place (no clobber: link fails if something appeared meanwhile) or, with --force,
 *   renamed over the file checked again right before;
 * - every file irr writes is mode 0600: letters, merges, rejects, calendars and reports may all
 *   carry personal data;
 * - temporaries are removed on every error, on SIGINT/SIGTERM/SIGHUP and at exit; after a
 *   `kill -9`, the next irr writing into the same folder removes those whose process is gone.
 *
 * Callers place the file first and record the event after; `Placed.undo()` takes it back if the
 * record fails, so the log never acknowledges a file that is not there.
 */

/** A path no output may land on: the database, or an input of the command. */
export interface Guarded {
  readonly flag: string;
  readonly path: string;
}

export interface OutputRequest {
  /** The option the path came from, named in every message (`--out`, `--rejects`, `--ics`). */
  readonly flag: string;
  readonly path: string;
  readonly force?: boolean;
  /** The database and the inputs; the database's -wal, -shm and -journal are guarded with it. */
  readonly guard: readonly Guarded[];
  /** A mail merge in directory mode writes a new folder; a folder is never replaced. */
  readonly kind?: 'file' | 'directory';
}

/** A checked target: where the output will go, and what it replaces (only with --force). */
export interface OutputTarget {
  readonly flag: string;
  readonly path: string;
  /** The real path of the folder that will hold it. */
  readonly folder: string;
  readonly name: string;
  readonly force: boolean;
  readonly kind: 'file' | 'directory';
  readonly guard: readonly Guarded[];
}

const TEMP = /^\.irr-(\d+)-[0-9a-f]{12}\.tmp$/;

function errno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string') return String((err as Error)?.message ?? err);
  // "ENOSPC: no space left on device, write" → "ENOSPC: no space left on device"
  const text = (e.message ?? '').replace(/,\s[^,]*$/, '').replace(/^[A-Z0-9]+:\s*/, '');
  return text ? `${e.code}: ${text}` : e.code;
}

/** A write that failed: the option, the path and the OS reason (the temporary is already gone). */
export class OutputFailed extends InvalidInput {
  constructor(
    readonly flag: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${flag}: cannot write ${path} (${reason}); nothing was recorded`);
  }
}

/** "--out: cannot write x.md (ENOSPC: no space left on device); nothing was recorded" */
function failure(flag: string, path: string, err: unknown): OutputFailed {
  return new OutputFailed(flag, path, errno(err));
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function what(s: Stats): string {
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  return 'a file';
}

/** The real path a path names (its folder resolved, the last component as given). */
function realTarget(path: string): string {
  const abs = resolve(path);
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}

/** Every path that stands for a guarded file: the database brings its companions. */
function guardedPaths(g: Guarded): string[] {
  return g.flag === '--db' ? [g.path, `${g.path}-wal`, `${g.path}-shm`, `${g.path}-journal`] : [g.path];
}

/** Refuse a target that is, by name or by inode, the database or an input. */
function refuseGuarded(flag: string, path: string, existing: Stats | null, guard: readonly Guarded[]): void {
  const real = realTarget(path);
  for (const g of guard) {
    for (const p of guardedPaths(g)) {
      const st = lstatOrNull(p);
      let same = realTarget(p) === real;
      if (!same && st && existing) same = st.dev === existing.dev && st.ino === existing.ino;
      if (!same && st?.isSymbolicLink()) {
        try {
          same = realpathSync(p) === real;
        } catch {
          /* a dangling link names nothing */
        }
      }
      if (same) throw new InvalidInput(`${flag}: ${path} is ${g.flag === '--db' ? `the database (--db ${g.path})` : `the ${g.flag} ${g.flag === '--out' ? 'output' : 'input'}`}; irr never writes over it`);
    }
  }
}

/**
 * Check a target before anything is rendered or recorded (exit 2 on any problem, nothing written).
 * An existing file is refused unless --force; anything that is not a regular file is refused always.
 */
export function checkOutput(req: OutputRequest): OutputTarget {
  const { flag, path } = req;
  const kind = req.kind ?? 'file';
  if (path.trim() === '') throw new InvalidInput(`${flag}: the path is empty`);
  const abs = resolve(path);
  const parent = dirname(abs);
  let folder: string;
  try {
    folder = realpathSync(parent);
    if (!statSync(folder).isDirectory()) throw new InvalidInput(`${flag}: cannot write ${path}: ${parent} is not a folder`);
  } catch (err) {
    if (err instanceof InvalidInput) throw err;
    throw new InvalidInput(`${flag}: cannot write ${path}: the folder ${parent} does not exist`);
  }
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new InvalidInput(`${flag}: cannot write ${path}: the folder ${parent} is not writable`);
  }
  const existing = lstatOrNull(abs);
  if (existing) {
    if (existing.isSymbolicLink()) throw new InvalidInput(`${flag}: ${path} is a symbolic link; irr never writes through one (give the real path)`);
    if (kind === 'directory') throw new InvalidInput(`${flag}: ${path} already exists; give a new name (a mail merge never writes into an existing folder or over a file)`);
    if (!existing.isFile()) throw new InvalidInput(`${flag}: ${path} is ${what(existing)}, not a regular file; irr writes only regular files`);
  }
  refuseGuarded(flag, path, existing, req.guard);
  if (existing && !req.force) throw new InvalidInput(`${flag}: ${path} already exists; give --force to replace it, or a new name`);
  return { flag, path, folder, name: basename(abs), force: Boolean(req.force), kind, guard: req.guard };
}

// ---- temporaries: removed on error, on signals and at exit ----------------------------------

const live = new Set<string>();
/** Placed files whose event is not recorded yet: a signal takes them back too. */
const pending = new Set<() => void>();
let hooked = false;

function cleanupAll(): void {
  for (const undo of [...pending]) {
    try {
      undo();
    } catch {
      /* best effort at exit */
    }
  }
  pending.clear();
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
}

const SIGNALS: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const onSignal = (signal: NodeJS.Signals) => {
  cleanupAll();
  process.stderr.write(`irr: interrupted (${signal}); temporary files removed, nothing was recorded\n`);
  process.exit(SIGNALS[signal] ?? 1);
};

function track(path: string): void {
  live.add(path);
  if (!hooked) {
    hooked = true;
    process.on('exit', cleanupAll);
    for (const s of Object.keys(SIGNALS)) process.on(s, onSignal);
  }
}

function untrack(path: string): void {
  live.delete(path);
  unhookIfIdle();
}

function unhookIfIdle(): void {
  if (live.size === 0 && pending.size === 0 && hooked) {
    hooked = false;
    process.off('exit', cleanupAll);
    for (const s of Object.keys(SIGNALS)) process.off(s, onSignal);
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temporaries a killed irr left in a folder (`kill -9` runs no handler): those whose
 * process is gone. Says so on stderr; returns how many were removed.
 */
export function sweepStale(folder: string): number {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    const m = TEMP.exec(n);
    if (!m || isAlive(Number(m[1]))) continue;
    try {
      rmSync(join(folder, n), { recursive: true, force: true });
      removed++;
    } catch {
      /* not ours to insist on */
    }
  }
  if (removed > 0) process.stderr.write(`irr: removed ${removed} temporary file${removed === 1 ? '' : 's'} left in ${folder} by an interrupted irr\n`);
  return removed;
}

function tempName(folder: string): string {
  return join(folder, `.irr-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function fsyncFolder(folder: string): void {
  try {
    const fd = openSync(folder, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some filesystems refuse to fsync a directory; the file itself is synced */
  }
}

/** The output once in place, before its event is recorded. */
export interface Placed {
  /** Bytes written (a file) or files written (a directory). */
  readonly size: number;
  /** Take the output back (the record failed): the new file goes, a file it replaced comes back. */
  undo(): void;
  /** The event is recorded: forget how to undo. */
  done(): void;
}

/**
 * Move a finished temporary into place, never over something that was not checked: without
 * --force, link() fails if any file appeared at the target since the check; with --force, the
 * target is checked again right before the rename and kept as a recognisable temporary until the
 * event is recorded, so that a failed record can put it back.
 */
function placeTemp(t: OutputTarget, tmp: string, size: number): Placed {
  const target = join(t.folder, t.name);
  let backup: string | null = null;
  try {
    if (t.kind === 'directory') {
      if (lstatOrNull(target)) throw Object.assign(new Error('the target appeared while irr was writing'), { code: 'EEXIST' });
      renameSync(tmp, target);
    } else if (!t.force) {
      linkSync(tmp, target);
      unlinkSync(tmp);
    } else {
      const now = lstatOrNull(target);
      if (now) {
        if (!now.isFile()) throw Object.assign(new Error(`it became ${what(now)} while irr was writing`), { code: 'EEXIST' });
        refuseGuarded(t.flag, t.path, now, t.guard);
        backup = tempName(t.folder);
        track(backup);
        linkSync(target, backup);
      }
      renameSync(tmp, target);
    }
  } catch (err) {
    if (backup) {
      rmSync(backup, { force: true });
      untrack(backup);
    }
    if (err instanceof InvalidInput) throw err;
    throw failure(t.flag, t.path, err);
  }
  const undo = () => {
    pending.delete(undo);
    if (backup) {
      renameSync(backup, target);
      untrack(backup);
    } else rmSync(target, { recursive: true, force: true });
    unhookIfIdle();
  };
  pending.add(undo);
  untrack(tmp);
  fsyncFolder(t.folder);
  return {
    size,
    undo,
    done: () => {
      pending.delete(undo);
      if (backup) {
        rmSync(backup, { force: true });
        untrack(backup);
      }
      unhookIfIdle();
    },
  };
}

/** An output file being written: a 0600 temporary in the target's folder. */
export class StagedFile {
  private fd: number | null;
  private size = 0;
  private buffer: string[] = [];
  private buffered = 0;
  private constructor(
    readonly target: OutputTarget,
    readonly tmp: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  static open(target: OutputTarget): StagedFile {
    sweepStale(target.folder);
    const tmp = tempName(target.folder);
    // Tracked (and the signal handlers installed) before it exists: a SIGTERM the moment after it
    // is created would otherwise end the process by the default action, the temporary left behind.
    track(tmp);
    let fd: number;
    try {
      fd = openSync(tmp, CREATE, 0o600);
    } catch (err) {
      untrack(tmp);
      throw failure(target.flag, target.path, err);
    }
    return new StagedFile(target, tmp, fd);
  }

  /** Buffered: the disk sees writes of about 64 KiB. Any error removes the temporary. */
  write(chunk: string): void {
    this.buffer.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= 65_536) this.flush();
  }

  /** Bytes as they are (an evidence copy: never decoded as text); written at once after any buffered text. */
  writeBytes(data: Buffer): void {
    this.flush();
    if (this.fd === null) throw failure(this.target.flag, this.target.path, new Error('already closed'));
    this.writeAll(this.fd, data);
  }

  private flush(): void {
    if (this.fd === null || this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.buffered = 0;
    this.writeAll(this.fd, data);
  }

  /** Every byte, however short each write; a failure aborts the staged file and names the flag. */
  private writeAll(fd: number, data: Buffer): void {
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      this.size += data.length;
    } catch (err) {
      this.abort();
      throw failure(this.target.flag, this.target.path, err);
    }
  }

  /** Flush, fsync, close and move into place; the temporary is gone either way. */
  async place(): Promise<Placed> {
    this.flush();
    if (this.fd === null) throw failure(this.target.flag, this.target.path, new Error('already closed'));
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    } catch (err) {
      this.abort();
      throw failure(this.target.flag, this.target.path, err);
    }
    const st = lstatOrNull(this.tmp);
    if (!st || st.size !== this.size) {
      this.abort();
      throw failure(this.target.flag, this.target.path, new Error(`the temporary file holds ${st?.size ?? 'no'} bytes of ${this.size}`));
    }
    return placeTemp(this.target, this.tmp, this.size);
  }

  abort(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* already failing */
      }
      this.fd = null;
    }
    rmSync(this.tmp, { force: true });
    untrack(this.tmp);
  }
}

/** A mail merge's folder being written: a 0700 temporary folder of 0600 files, renamed into place. */
export class StagedFolder {
  private files = 0;
  private names = new Set<string>();
  private constructor(
    readonly target: OutputTarget,
    readonly tmp: string,
  ) {}

  static open(target: OutputTarget): StagedFolder {
    sweepStale(target.folder);
    const tmp = tempName(target.folder);
    track(tmp); // before it exists, as in StagedFile.open
    try {
      mkdirSync(tmp, { mode: 0o700 });
    } catch (err) {
      untrack(tmp);
      throw failure(target.flag, target.path, err);
    }
    return new StagedFolder(target, tmp);
  }

  /** One file, written whole; all are fsync'd together before the folder is placed. */
  writeFile(name: string, content: string): void {
    const path = join(this.tmp, name);
    let fd: number | null = null;
    try {
      fd = openSync(path, CREATE, 0o600);
      const data = Buffer.from(content, 'utf8');
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      closeSync(fd);
      fd = null;
    } catch (err) {
      if (fd !== null) closeSync(fd);
      this.abort();
      throw failure(this.target.flag, `${this.target.path}/${name}`, err);
    }
    this.names.add(name);
    this.files++;
  }

  /**
   * Every file fsync'd (in parallel: one after another costs a journal commit each, about 5 ms, so
   * minutes for a large merge), counted, then the folder renamed into place.
   */
  async place(): Promise<Placed> {
    let found: string[];
    try {
      found = readdirSync(this.tmp);
    } catch (err) {
      this.abort();
      throw failure(this.target.flag, this.target.path, err);
    }
    if (found.length !== this.files || found.some((n) => !this.names.has(n))) {
      this.abort();
      throw failure(this.target.flag, this.target.path, new Error(`the temporary folder holds ${found.length} files of ${this.files}`));
    }
    try {
      for (let i = 0; i < found.length; i += 64) {
        await Promise.all(
          found.slice(i, i + 64).map(async (n) => {
            const h = await openFile(join(this.tmp, n), 'r');
            try {
              await h.sync();
            } finally {
              await h.close();
            }
          }),
        );
      }
    } catch (err) {
      this.abort();
      throw failure(this.target.flag, this.target.path, err);
    }
    fsyncFolder(this.tmp);
    return placeTemp(this.target, this.tmp, this.files);
  }

  abort(): void {
    rmSync(this.tmp, { recursive: true, force: true });
    untrack(this.tmp);
  }
}

/** A whole string to a checked target: staged, synced, placed (nothing to record: done at once). */
export async function writeOutput(target: OutputTarget, data: string): Promise<void> {
  const f = StagedFile.open(target);
  f.write(data);
  (await f.place()).done();
}

/** Place, then record; a failed record takes the file back. Returns what `record` returned. */
export async function placeThenRecord<T>(staged: { place(): Promise<Placed> }, record: () => Promise<T> | T): Promise<{ placed: Placed; recorded: T }> {
  const placed = await staged.place();
  let recorded: T;
  try {
    recorded = await record();
  } catch (err) {
    placed.undo();
    throw err;
  }
  placed.done();
  return { placed, recorded };
}

/** The database as a guarded path, for every command that has one. */
export const dbGuard = (db: string): Guarded => ({ flag: '--db', path: db });
