import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * The shipped CLI run in process (issue 14: "most end-to-end cases run in process, only a few
 * launch the binary"). The bundle bin/irr.cjs runs is loaded once, in a worker thread, and main()
 * is called with the command's argv and environment; stdout, stderr and the exit code come back as
 * from a process. The call is synchronous, like spawnSync: this thread waits on a shared flag
 * (Atomics.wait) while the worker runs the command on its own event loop.
 *
 * What a process launch has and this has not (so those tests launch the binary): a working folder of
 * its own, signals, a terminal, a closed or full stdout, colours, a time zone of its own (TZ), a
 * process that can crash. test/helpers.ts decides which runs go which way.
 */
interface Conn {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

let conn: Conn | undefined;

function connect(root: string, env: Record<string, string>): Conn {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  // The worker's process.env is its own copy; this one is loaded before the bundle reads anything.
  const worker = new Worker(join(root, 'test', 'in-process', 'cli-worker.cjs'), {
    workerData: { root, port: port2, signal },
    transferList: [port2],
    env,
    stdout: false,
    stderr: false,
  });
  worker.unref();
  port1.unref();
  return { worker, port: port1, signal };
}

export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let nextId = 0;

/**
 * Send one request to the worker and wait for its answer (the first request starts the worker with
 * `env`). Each request carries an id and only the answer with that id is taken: a fresh-clone CI run
 * once had one call wake with no answer queued yet, after which every later call read the answer of
 * the one before it (an `irr open` printing what `irr init` had said). Now a wake without the answer
 * waits on, and an answer to an earlier request, should one ever arrive late, is dropped.
 */
function call<T>(root: string, env: Record<string, string>, request: object, what: string, timeoutMs: number): T {
  conn ??= connect(root, env);
  const { port, signal, worker } = conn;
  const id = ++nextId;
  const deadline = Date.now() + timeoutMs;
  Atomics.store(signal, 0, 0);
  port.postMessage({ ...request, id });
  for (;;) {
    const left = deadline - Date.now();
    const waited = left > 0 ? Atomics.wait(signal, 0, 0, left) : 'timed-out';
    // Reset before reading: an answer posted after this read sets the flag again and wakes the next wait.
    Atomics.store(signal, 0, 0);
    for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) {
      const answer = got.message as { id: number; result: T };
      if (answer.id === id) return answer.result;
    }
    if (waited === 'timed-out') {
      void worker.terminate();
      conn = undefined;
      throw new Error(`${what}: no answer in process after ${timeoutMs} ms (a prompt waiting for a terminal?)`);
    }
  }
}

/** Run `irr <argv>` in process with exactly `env` as its environment. */
export function runInProcess(root: string, argv: readonly string[], env: Record<string, string>, timeoutMs = 60_000): InProcessRun {
  return call<InProcessRun>(root, env, { kind: 'irr', argv: [...argv], env }, `irr ${argv.join(' ')}`, timeoutMs);
}

/** Run SQL on a PostgreSQL server, synchronously: the rows of its last statement (JSON-decoded). */
export function sqlInProcess(root: string, url: string, sql: string, timeoutMs = 60_000): unknown[] {
  const env = { ...(process.env as Record<string, string>) };
  for (const name of ['CI', 'FORCE_COLOR', 'IRR_DB', 'IRR_DEBUG']) delete env[name];
  const r = call<{ ok: boolean; json?: string; error?: string }>(root, env, { kind: 'sql', url, sql }, `SQL on ${url}`, timeoutMs);
  if (!r.ok) throw new Error(`SQL failed on ${url}: ${sql}: ${r.error}`);
  return JSON.parse(r.json!) as unknown[];
}
