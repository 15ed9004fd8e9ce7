import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { cliMessage, ExitCode, exitCodeName, IrrError, Refused } from '../domain/errors.js';
import { visible } from '../domain/text.js';
import { registerCommands } from './commands.js';
import { forgetDatabaseKeys } from './db-key.js';
import { committedEvents, forgetCommitted } from './engine-access.js';
import { flushStdout, noteStdoutFailure, osReason, resetOutput, StdoutFailed, stdoutFailure, wroteJsonDocument } from './output.js';

// Commander is CommonJS: required as such it loads in ~7 ms, imported as ESM in ~10 (the ESM
// loader runs its lexer over every file to find named exports). Every command pays this.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof Commander;

/**
 * The only place that decides exit codes and calls process.exit. Command modules are imported
 * lazily from their actions, so `irr status` does not pay for YAML, zod or the prompts.
 */
export async function main(argv: readonly string[]): Promise<void> {
  // What an earlier main() in this process left (the tests run most commands in process).
  forgetCommitted();
  resetOutput();
  forgetDatabaseKeys();
  // A reader that stops early (irr log | head) is not an error; nothing else is left to say.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      // …unless this command recorded something whose confirmation the closed pipe swallowed.
      if (committedEvents().length > 0) {
        process.stderr.write(`irr: ${visible(unreported(osReason(err)))}\n`);
        process.exit(ExitCode.unreported);
      }
      process.exit(process.exitCode ?? 0);
    }
    // Anything else (ENOSPC on a full disk, EIO) is reported once the command is done: what it
    // committed is durable, and the user must learn that its confirmation was lost.
    noteStdoutFailure(err);
  });
  const program = new Command('irr')
    .description('Breach incident-response runbook engine: runbooks, legal clocks and a tamper-evident log')
    .version('0.1.0', '-V, --version')
    .addOption(new Option('--db <path>', 'SQLite database file').env('IRR_DB').default('./irr.db'))
    .addOption(new Option('--key-file <path>', 'file (mode 0600) holding the passphrase of an encrypted database (default: $IRR_KEY_FILE, else a prompt)'))
    .option('--json', 'machine-readable output on stdout')
    .addOption(new Option('--as <actor>', 'who is acting (default: $IRR_ACTOR, else the OS user)'))
    .addOption(new Option('--passphrase-file <path>', 'the passphrase of your signing key, in a file of mode 0600 (default: $IRR_PASSPHRASE_FILE, else asked)'))
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    // Commander's own errors speak like irr's: `irr: unknown command 'stauts' (did you mean status?)`.
    .configureOutput({ outputError: (str, write) => write(`irr: ${visible(commanderLine(str))}\n`) });
  registerCommands(program, argv);
  jsonErrors = jsonMode(argv);
  let code: number = ExitCode.ok;
  try {
    // Loaded only when set: the fact vocabulary it checks against is not every command's cost.
    if (process.env.IRR_NOW?.trim()) (await import('./fixed-clock.js')).announceFixedClock();
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (!(err instanceof StdoutFailed)) code = report(err);
  }
  await flushStdout();
  const lost = stdoutFailure();
  if (lost !== null) {
    process.stderr.write(`irr: ${visible(unreported(lost))}\n`);
    if (code === ExitCode.ok) code = ExitCode.unreported;
  }
  // Let pending stdout writes drain before exiting (pipes are asynchronous).
  process.exitCode = code;
}

/**
 * Exit as soon as what was written has reached the OS (bin/irr.cjs calls this once main() is done).
 * Left to drain by itself, the event loop first runs V8's pending garbage-collection tasks: after
 * `irr clocks --json` (a 700 KB catalogue parsed, a 450 KB document written) that was 10–20 ms of
 * collecting a heap the process is about to drop. Every command has finished its work when main()
 * returns (the console and prompts are awaited inside it), so nothing else is cut short.
 */
export async function exitWhenWritten(): Promise<never> {
  await Promise.all([flushStdout(), drained(process.stderr)]);
  process.exit(process.exitCode ?? ExitCode.ok);
}

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}

/** One line: what was committed although its confirmation never reached stdout (exit 6). */
function unreported(reason: string): string {
  const events = committedEvents();
  if (events.length === 0) return `stdout could not be written: ${reason}; nothing was recorded`;
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const types = [...new Set(events.map((e) => e.type))].join(', ');
  const where = events.every((e) => e.incident === first.incident) ? `${first.incident}#${first.seq}${events.length > 1 ? `–#${last.seq}` : ''}` : events.map((e) => `${e.incident}#${e.seq}`).join(', ');
  return `${types} recorded as ${where}, but stdout could not be written: ${reason}`;
}

/** `error: unknown command 'stauts'\n(Did you mean status?)` → `unknown command 'stauts' (did you mean status?)`. */
export function commanderLine(str: string): string {
  const lines = str.split('\n').map((l) => l.trim()).filter(Boolean);
  const first = (lines[0] ?? 'invalid usage').replace(/^error:\s*/, '');
  const hint = lines.slice(1).find((l) => /^\(Did you mean/i.test(l));
  return hint ? `${first} ${hint.replace('(Did you mean', '(did you mean')}` : `${first} (irr --help for usage)`;
}

/** `--json` anywhere before `--`: errors are then also a JSON object on stdout. */
function jsonMode(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

let jsonErrors = false;

/**
 * With --json, an error is also `{"ok": false, "error": {code, exit_code, message, field?, holds?}}` on
 * stdout — unless the command already wrote its JSON document (`irr verify --json` reports every
 * incident, then fails with exit 5): stdout stays one parseable document, and the line is on stderr.
 */
function printJsonError(exitCode: number, message: string, field?: unknown, holds?: readonly string[]): void {
  if (!jsonErrors || wroteJsonDocument()) return;
  const error = { code: exitCodeName(exitCode), exit_code: exitCode, message, ...(field ? { field } : {}), ...(holds ? { holds } : {}) };
  process.stdout.write(`${JSON.stringify({ ok: false, error }, null, 2)}\n`);
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    // Commander already printed its one-line message on stderr.
    printJsonError(ExitCode.invalid, commanderLine(err.message));
    return ExitCode.invalid;
  }
  if (err instanceof IrrError) {
    // Messages quote user text (fact names, file contents, answers): never let it reach the
    // terminal raw. Each detail is one line of its own.
    process.stderr.write(`irr: ${visible(cliMessage(err))}\n`);
    if (!(err instanceof StdoutFailed)) printJsonError(err.exitCode, cliMessage(err), err.field, err instanceof Refused ? err.holds : undefined);
    for (const line of err.details) process.stderr.write(`${visible(line)}\n`);
    if (process.env.IRR_DEBUG === '1') process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`irr: internal error: ${visible(e?.message ?? String(err))}${process.env.IRR_DEBUG === '1' ? '' : ' (set IRR_DEBUG=1 for details)'}\n`);
  printJsonError(ExitCode.internal, `internal error: ${e?.message ?? String(err)}`);
  if (process.env.IRR_DEBUG === '1') process.stderr.write(`${e?.stack}\n`);
  return ExitCode.internal;
}
