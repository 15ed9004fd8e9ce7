import { ExitCode, IrrError } from '../domain/errors.js';

/** stdout failed; cli/main.ts says what was recorded meanwhile (exit 6). */
export class StdoutFailed extends IrrError {
  readonly exitCode = ExitCode.unreported;
  constructor(readonly reason: string) {
    super(`stdout could not be written: ${reason}`);
  }
}

let failure: string | null = null;

/** "ENOSPC: no space left on device" from a write error. */
export function osReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string') {
    const text = (e.message ?? '').replace(/,\s[^,]*$/, '').replace(/^[A-Z0-9_]+:\s*/, '');
    // A stream error says only "write EPIPE": the code alone is the reason then.
    return text && !text.includes(e.code) ? `${e.code}: ${text}` : e.code;
  }
  return String((err as Error | undefined)?.message ?? err);
}

/** Called by the stdout 'error' listener (cli/main.ts): the first failure is the one reported. */
export function noteStdoutFailure(err: unknown): void {
  failure ??= osReason(err);
}

export function stdoutFailure(): string | null {
  return failure;
}

/**
 * A new command starts with nothing failed or written. One process runs one command (bin/irr.cjs),
 * but main() is also run many times in one process: the tests run most commands in process.
 */
export function resetOutput(): void {
  failure = null;
  jsonDocumentWritten = false;
}

/**
 * Write and wait until the bytes are handed to the OS; rejects (StdoutFailed) if they are not.
 * `irr letter` and `irr report` to stdout deliver this way before anything is recorded.
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (failure !== null) {
      reject(new StdoutFailed(failure));
      return;
    }
    process.stdout.write(text, (err) => {
      if (err) {
        noteStdoutFailure(err);
        reject(new StdoutFailed(failure!));
      } else resolve();
    });
  });
}

/** Wait for what is queued on stdout (pipes are asynchronous), noting any failure. */
export function flushStdout(): Promise<void> {
  return writeStdout('').catch(() => undefined);
}

/** Writing to the terminal: the only stdout writer besides the prompts. */
let jsonDocumentWritten = false;

/** True once this process has written its JSON document to stdout (a verify report that then fails, exit 5). */
export function wroteJsonDocument(): boolean {
  return jsonDocumentWritten;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  jsonDocumentWritten = true;
}

export function printLines(lines: readonly string[] | string): void {
  const text = typeof lines === 'string' ? lines : lines.join('\n');
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Pads for plain-text tables that still read well in an 80-column terminal. */
 
const ANSI = /\u001b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, '').length;

export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string[] {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0]?.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? '')))) ?? [];
  const pad = (c: string, w: number) => c + ' '.repeat(Math.max(0, w - visible(c)));
  const fmt = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  return header ? [fmt(header), ...rows.map(fmt)] : rows.map(fmt);
}
