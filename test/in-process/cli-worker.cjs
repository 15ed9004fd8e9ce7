'use strict';
// The CLI as shipped (dist/bundle/irr.cjs, what bin/irr.cjs runs), loaded once in a worker thread and
// run once per request: argv in; stdout, stderr and the exit code out. test/in-process/run.ts is the
// other side (a synchronous call: the test thread waits on `signal`). Each request gets the
// environment it names; stdout and stderr are captured here (a worker's own are not a terminal, as a
// pipe is not). What a command leaves on `process` (listeners, exitCode) is taken back after it.
const { workerData } = require('node:worker_threads');
const { join } = require('node:path');

const { root, port, signal } = workerData;
const BIN = join(root, 'bin', 'irr.cjs');
const cli = require(join(root, 'dist', 'bundle', 'irr.cjs'));

let out = [];
let err = [];
function capture(chunks) {
  return function write(chunk, encoding, cb) {
    const done = typeof encoding === 'function' ? encoding : cb;
    chunks().push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}
process.stdout.write = capture(() => out);
process.stderr.write = capture(() => err);

/** process.exit inside a command: end that command with the code, as the process would have ended. */
class Exited extends Error {
  constructor(code) {
    super(`process.exit(${code})`);
    this.exitCode = code;
  }
}
let exitCalled;
process.exit = (code) => {
  exitCalled = code ?? process.exitCode ?? 0;
  throw new Exited(exitCalled);
};

const LISTENED = ['error', 'close', 'finish', 'drain'];
async function run(argv, env) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, env);
  out = [];
  err = [];
  exitCalled = undefined;
  process.exitCode = undefined;
  const before = new Map(LISTENED.map((e) => [e, [process.stdout.listeners(e), process.stderr.listeners(e)]]));
  try {
    await cli.main(['node', BIN, ...argv]);
  } catch (e) {
    if (!(e instanceof Exited)) {
      err.push(`irr: internal error: ${e?.message ?? e} (from the in-process runner)\n`);
      process.exitCode = 1;
    }
  }
  // Written callbacks run on the next tick: let them, as the process waits for its pipes.
  await new Promise((r) => setImmediate(r));
  for (const [e, [o, x]] of before) {
    for (const l of process.stdout.listeners(e)) if (!o.includes(l)) process.stdout.off(e, l);
    for (const l of process.stderr.listeners(e)) if (!x.includes(l)) process.stderr.off(e, l);
  }
  const code = exitCalled ?? process.exitCode ?? 0;
  process.exitCode = undefined;
  return { code: typeof code === 'number' ? code : Number(code), stdout: out.join(''), stderr: err.join('') };
}

// A rejection or throw outside a command's promise is a bug a process would die of: say so.
process.on('unhandledRejection', (e) => err.push(`irr: unhandled rejection: ${e?.stack ?? e}\n`));

/**
 * SQL as the test server's superuser (test/pg/backend.ts pgSync): the rows of the last statement as
 * JSON, or the error's message. A connection per URL is kept for the next call (a new one costs the
 * server ~8 ms of CPU, and a file checks its database's event count after most commands), at most
 * POOLED of them, the least recently used closed first: tests make hundreds of databases, the server
 * allows 200 connections. After each call the session is reset (DISCARD ALL), so a SET a test ran
 * (session_replication_role = replica, to edit behind the triggers' back) never outlives its call.
 */
const POOLED = 6;
const pool = new Map();
async function sql(url, text) {
  let db = pool.get(url);
  pool.delete(url);
  if (!db) db = require('postgres')(url, { max: 1, onnotice: () => undefined });
  let rows;
  try {
    rows = await db.unsafe(text);
  } catch (e) {
    await db.end();
    return { ok: false, error: String(e?.message ?? e) };
  }
  try {
    await db.unsafe('DISCARD ALL');
  } catch {
    // Left in a transaction, or the server went away: not kept.
    await db.end();
    return { ok: true, json: JSON.stringify(rows) };
  }
  pool.set(url, db);
  for (const [u, old] of pool) {
    if (pool.size <= POOLED) break;
    pool.delete(u);
    await old.end();
  }
  return { ok: true, json: JSON.stringify(rows) };
}

port.on('message', async (request) => {
  let result;
  try {
    result = request.kind === 'sql' ? await sql(request.url, request.sql) : await run(request.argv, request.env);
  } catch (e) {
    result = { code: -1, stdout: out.join(''), stderr: `${err.join('')}in-process runner failed: ${e?.stack ?? e}\n` };
  }
  port.postMessage({ id: request.id, result });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
