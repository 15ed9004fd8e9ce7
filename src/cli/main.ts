import { Command, CommanderError, Option } from 'commander';
import { cliMessage, ExitCode, IrrError } from '../domain/errors.js';
import { visible } from '../domain/text.js';
import { registerCommands } from './commands.js';

/**
 * The only place that decides exit codes and calls process.exit. Command modules are imported
 * lazily from their actions, so `irr status` does not pay for YAML, zod or the prompts.
 */
export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops early (irr log | head) is not an error; nothing else is left to say.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = new Command('irr')
    .description('Breach incident-response runbook engine: runbooks, legal clocks and a tamper-evident log')
    .version('0.1.0', '-V, --version')
    .addOption(new Option('--db <path>', 'SQLite database file').env('IRR_DB').default('./irr.db'))
    .option('--json', 'machine-readable output on stdout')
    .addOption(new Option('--as <actor>', 'who is acting (default: $IRR_ACTOR, else the OS user)'))
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`${visible(str.split('\n')[0]!)} (irr --help for usage)\n`) });
  registerCommands(program);
  let code: number = ExitCode.ok;
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    code = report(err);
  }
  // Let pending stdout writes drain before exiting (pipes are asynchronous).
  process.exitCode = code;
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.invalid; // commander already printed its one-line message
  }
  if (err instanceof IrrError) {
    // Messages quote user text (fact names, file contents, answers): never let it reach the
    // terminal raw. Each detail is one line of its own.
    process.stderr.write(`irr: ${visible(cliMessage(err))}\n`);
    for (const line of err.details) process.stderr.write(`${visible(line)}\n`);
    if (process.env.IRR_DEBUG === '1') process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`irr: internal error: ${visible(e?.message ?? String(err))}${process.env.IRR_DEBUG === '1' ? '' : ' (set IRR_DEBUG=1 for details)'}\n`);
  if (process.env.IRR_DEBUG === '1') process.stderr.write(`${e?.stack}\n`);
  return ExitCode.internal;
}
