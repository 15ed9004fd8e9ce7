import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, afterEach } from 'vitest';
import { BIN, loginFor, ROOT } from '../helpers.js';

/**
 * A real terminal for end-to-end tests: tmux runs the real binary in a pseudo-terminal of a given
 * size; tests type keys and read the screen as a person would. Each test run has its own tmux
 * server (socket), so tests never touch a developer's sessions.
 */
const SOCKET = `irr-test-${process.pid}`;

// The tmux server hands its environment to the programs it runs: give it a user's, not CI's
// (FORCE_COLOR would override NO_COLOR, as Node's own convention has it).
const serverEnv = { ...process.env };
for (const name of ['IRR_DEBUG', 'IRR_DB', 'CI', 'FORCE_COLOR', 'NO_COLOR']) delete serverEnv[name];

function tmux(args: readonly string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: serverEnv });
}

export function killTmuxServer(): void {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
}

export class Terminal {
  private static n = 0;
  readonly name: string;

  constructor(args: readonly string[], opts: { db: string; env?: Record<string, string>; columns?: number; rows?: number }) {
    this.name = `t${Terminal.n++}`;
    // On the test server the console logs in as its actor's own role, as irr() does.
    const env: Record<string, string> = { IRR_ACTOR: 'tester', TERM: 'xterm-256color', ...opts.env };
    env.IRR_DB = loginFor(opts.db, env.IRR_ACTOR);
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // After the program ends, its exit code stays on screen for the test to read.
    const command = `cd '${ROOT}' && ${quoted}; echo "[exit $?]"; sleep 600`;
    const args2 = ['new-session', '-d', '-s', this.name, '-x', String(opts.columns ?? 80), '-y', String(opts.rows ?? 24), ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), command];
    // The test server exits when its last session closes; a new session started in that moment gets
    // "server exited unexpectedly" (seen once in CI): start it again, on a fresh server.
    for (let attempt = 1; ; attempt++) {
      try {
        tmux(args2);
        break;
      } catch (err) {
        if (attempt >= 3 || !String((err as Error).message).includes('server exited unexpectedly')) throw err;
      }
    }
  }

  /** The visible screen; with `colours`, the SGR escape codes the program emitted. */
  screen(opts: { colours?: boolean } = {}): string {
    return tmux(['capture-pane', '-p', ...(opts.colours ? ['-e'] : []), '-t', this.name]);
  }

  keys(...keys: string[]): void {
    tmux(['send-keys', '-t', this.name, ...keys]);
  }

  type(text: string): void {
    tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  async waitFor(pattern: RegExp | string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; the screen shows:\n${s}`);
      await new Promise((r) => setTimeout(r, 80));
    }
  }

  /** Kill the irr process with SIGKILL, as a crash or a closed laptop would. */
  killProgram(): void {
    const shell = tmux(['display-message', '-p', '-t', this.name, '#{pane_pid}']).trim();
    spawnSync('pkill', ['-KILL', '-P', shell, '-f', BIN]);
  }

  close(): void {
    spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', this.name]);
  }
}

/** Move the highlight to the choice containing `text` (down first, then up), then press Enter. */
export async function choose(t: Terminal, text: string, maxMoves = 80): Promise<void> {
  // Towards the choice when it is on screen above the highlight; else down (turning at the end).
  const first = t.screen().split('\n');
  const at = first.findIndex((l) => l.startsWith('❯'));
  let key = at > 0 && first.slice(0, at).some((l) => l.includes(text)) ? 'Up' : 'Down';
  for (let i = 0; i <= maxMoves; i++) {
    const screen = t.screen();
    const current = screen.split('\n').find((l) => l.startsWith('❯'));
    if (current?.includes(text)) {
      t.keys('Enter');
      return;
    }
    t.keys(key);
    const deadline = Date.now() + 1500;
    while (t.screen() === screen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 30));
    // At the end of the list (no wrap-around): turn round.
    if (t.screen() === screen) key = key === 'Down' ? 'Up' : 'Down';
  }
  throw new Error(`no choice "${text}" reached; the screen shows:\n${t.screen()}`);
}

/**
 * A test file's terminals: each one made by the returned function is closed after its test, and the
 * tmux server is stopped after the file. Call once at the top level of a test file.
 */
export function useTerminals(): (...args: ConstructorParameters<typeof Terminal>) => Terminal {
  const terminals: Terminal[] = [];
  afterEach(() => {
    for (const t of terminals.splice(0)) t.close();
  });
  afterAll(killTmuxServer);
  return (...args) => {
    const t = new Terminal(...args);
    terminals.push(t);
    return t;
  };
}
