/**
 * vitest global setup: a throwaway PostgreSQL server for the PostgreSQL tests, whenever its
 * binaries are installed (initdb and pg_ctl on PATH or under /usr/lib/postgresql/<v>/bin). As root it
 * runs them as the `postgres` user, on 127.0.0.1 and a socket in a temp folder, and stops it on
 * exit, even on failure. Where PostgreSQL is missing, the PostgreSQL tests are not registered and
 * the run says how many did not run and how to install it; with CI=true that is a failure.
 * IRR_TEST_PG_URL points the tests at an existing server instead (a superuser URL); IRR_TEST_PG=off
 * runs as if PostgreSQL were not installed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newDatabase } from './new-database.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test server, or '' when PostgreSQL is not installed. */
    pgUrl: string;
    /** Where test files note the PostgreSQL tests they could not run. */
    pgNotRunDir: string;
    /** A database `irr init` made, that test databases are copied from (test/pg/backend.ts); '' when none. */
    pgTemplate: string;
  }
}

const INSTALL_HINT = 'install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql) and run the tests again';

function findBinDir(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort().reverse()) dirs.push(join('/usr/lib/postgresql', v, 'bin'));
  }
  return dirs.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function notRunReport(dir: string): { count: number; files: string[] } {
  let count = 0;
  const files: string[] = [];
  for (const f of existsSync(dir) ? readdirSync(dir) : []) {
    const note = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { file: string; count: number };
    count += note.count;
    files.push(note.file);
  }
  return { count, files };
}

/**
 * One folder for everything the run's tests and the commands they launch put in the temp folder
 * (TMPDIR, which os.tmpdir() and the launched processes read), removed at the end of the run: the
 * suite makes ~600 folders and ~150 MB there, and leaving them in /tmp run after run is litter.
 * The folder is the parent's environment before the workers are forked, so they all share it.
 */
function runTempFolder(): () => void {
  const outer = tmpdir();
  const dir = mkdtempSync(join(outer, 'irr-tests-'));
  chmodSync(dir, 0o755); // as /tmp is traversable: the PostgreSQL user reads files tests put there
  process.env.IRR_TEST_OUTER_TMP = outer;
  process.env.TMPDIR = dir;
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', remove);
  return remove;
}

/**
 * The database every test database is copied from (CREATE DATABASE … TEMPLATE, test/pg/backend.ts),
 * made once a run by the built irr (`irr init`), so that no test process makes its own (each a
 * database and a run of the migrations; workers are forked again as the projects change). '' when
 * irr is not built: the tests that need it (int, e2e) build first, and test/pg/backend.ts then makes
 * one itself.
 */
async function initedTemplate(url: string): Promise<string> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (!existsSync(join(root, 'dist', 'bundle', 'irr.cjs'))) return '';
  const target = await newDatabase(url);
  const r = spawnSync(process.execPath, [join(root, 'bin', 'irr.cjs'), 'init', '--db', target], { encoding: 'utf8', env: { ...process.env, IRR_DEBUG: '' } });
  if (r.status !== 0) throw new Error(`irr init --db ${target}: ${r.stderr}`);
  return new URL(target).pathname.slice(1);
}

interface Started {
  readonly provided: ReadonlyMap<'pgUrl' | 'pgNotRunDir' | 'pgTemplate', string>;
  readonly teardown: () => void;
}

/**
 * vitest runs the global setup once for the root and once for each project (they extend the root
 * config): the first call starts the temp folder and the server, every call provides them to its
 * project, and the last teardown stops them. One server for the run, not three.
 */
const SHARED = Symbol.for('irr.test.global-setup');
type Shared = { started: Promise<Started>; users: number };

export default async function setup(project: TestProject): Promise<() => void> {
  const holder = globalThis as { [SHARED]?: Shared };
  const shared = (holder[SHARED] ??= {
    users: 0,
    started: (async () => {
      const removeTemp = runTempFolder();
      const provided = new Map<'pgUrl' | 'pgNotRunDir' | 'pgTemplate', string>();
      const stopPg = await pgSetup({ provide: (key: 'pgUrl' | 'pgNotRunDir' | 'pgTemplate', value: string) => provided.set(key, value) });
      return { provided, teardown: () => (stopPg(), removeTemp()) };
    })(),
  });
  shared.users++;
  const started = await shared.started;
  for (const [key, value] of started.provided) project.provide(key, value);
  return () => {
    if (--shared.users === 0) started.teardown();
  };
}

/**
 * Where the throwaway server keeps its files: a memory file system (/dev/shm) when it has room,
 * else the temp folder. The server is thrown away at the end of the run and runs without fsync
 * already; its ~120 databases come to ~1.1 GB in ~40,000 files, whose removal from a disk at the
 * end of the run took ~4.5 s of the run's wall time (about 0.3 s from memory). A small /dev/shm
 * (a container's default is 64 MB) is passed over.
 */
function serverFolderParent(outer: string): string {
  const shm = '/dev/shm';
  try {
    const fs = statfsSync(shm);
    if (fs.bavail * fs.bsize >= 4 * 1024 ** 3) {
      accessSync(shm, constants.W_OK);
      return shm;
    }
  } catch {
    // no /dev/shm, or not writable: the temp folder
  }
  return outer;
}

async function pgSetup(project: Pick<TestProject, 'provide'>): Promise<() => void> {
  // The server's own folder stays in the outer temp folder: the postgres user must reach it.
  const outer = process.env.IRR_TEST_OUTER_TMP ?? tmpdir();
  const notRunDir = mkdtempSync(join(tmpdir(), 'irr-pg-notrun-'));
  project.provide('pgNotRunDir', notRunDir);
  const given = process.env.IRR_TEST_PG_URL;
  if (given) {
    project.provide('pgUrl', given);
    project.provide('pgTemplate', await initedTemplate(given));
    return () => rmSync(notRunDir, { recursive: true, force: true });
  }
  // IRR_TEST_PG=off: run as if PostgreSQL were not installed (reported, and a failure under CI=true).
  const bin = process.env.IRR_TEST_PG === 'off' ? undefined : findBinDir();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is not installed, so the PostgreSQL tests cannot run (CI=true makes that a failure): ${INSTALL_HINT}`);
    project.provide('pgUrl', '');
    project.provide('pgTemplate', '');
    return () => {
      const { count, files } = notRunReport(notRunDir);
      rmSync(notRunDir, { recursive: true, force: true });
      console.warn(`\nPostgreSQL is not installed: ${count} PostgreSQL test${count === 1 ? '' : 's'} did not run (${files.join(', ')}); ${INSTALL_HINT}.\n`);
    };
  }
  const base = mkdtempSync(join(serverFolderParent(outer), 'irr-pg-'));
  const data = join(base, 'data');
  const sock = join(base, 'sock');
  mkdirSync(sock);
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pg = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pg.status !== 0) throw new Error('running as root, PostgreSQL must run as the "postgres" user, which does not exist');
    chownSync(base, Number(pg.stdout.trim()), Number(gid.stdout.trim()));
    chownSync(sock, Number(pg.stdout.trim()), Number(gid.stdout.trim()));
  }
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: base });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  let started = false;
  const stop = () => {
    if (!started) return;
    started = false;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // already gone
    }
    rmSync(base, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C']);
    // A throwaway server (the benchmark measures with durability on): fsync and full-page writes
    // off; no autovacuum, which with ~250 test databases visits one every quarter second.
    const settings = '-c fsync=off -c full_page_writes=off -c autovacuum=off -c max_connections=200';
    run('pg_ctl', ['-D', data, '-l', join(base, 'log'), '-w', '-o', `-k ${sock} -c listen_addresses=127.0.0.1 -p ${port} ${settings}`, 'start']);
    started = true;
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  project.provide('pgUrl', url);
  project.provide('pgTemplate', await initedTemplate(url));
  return () => {
    stop();
    rmSync(notRunDir, { recursive: true, force: true });
  };
}
