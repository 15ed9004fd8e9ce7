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

/** Run `irr <argv>` in process with exactly `env` as its environment (the worker's first env: `baseEnv`). */
export function runInProcess(root: string, argv: readonly string[], env: Record<string, string>, timeoutMs = 60_000): InProcessRun {
  conn ??= connect(root, env);
  const { port, signal, worker } = conn;
  Atomics.store(signal, 0, 0);
  port.postMessage({ argv: [...argv], env });
  const waited = Atomics.wait(signal, 0, 0, timeoutMs);
  if (waited === 'timed-out') {
    void worker.terminate();
    conn = undefined;
    throw new Error(`irr ${argv.join(' ')}: no answer in process after ${timeoutMs} ms (a prompt waiting for a terminal?)`);
  }
  const got = receiveMessageOnPort(port);
  if (!got) throw new Error(`irr ${argv.join(' ')}: the in-process runner finished without a result`);
  return got.message as InProcessRun;
}
