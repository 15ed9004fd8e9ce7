/**
 * Every failure a user can cause maps to one documented exit code (README, "Exit codes").
 * cli/main.ts is the only place that turns these into process exit codes.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  invalid: 2,
  refused: 3,
  conflict: 4,
  integrity: 5,
  /**
   * stdout could not be written (a full disk, a closed pipe other than a reader that stopped early):
   * the output is incomplete; stderr says in one line what was recorded, or that nothing was.
   */
  unreported: 6,
  /** The responder pressed Ctrl-C in the console (shell convention 128 + SIGINT). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * What an error is about, as data: each front end names it in its own words (the CLI prints
 * `--flag:`, the console names the question it asked), so messages never embed a flag name that
 * another front end would have to strip off. A file position is part of the message already
 * (`file:line:col: …`, what editors jump to) and repeated here for programs.
 */
export interface ErrorField {
  /** A command-line option or argument: `--reason`, `<text>`, `--facts`. */
  readonly flag?: string;
  /** The console question the answer was for. */
  readonly question?: string;
  /** A fact of the vocabulary. */
  readonly fact?: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export abstract class IrrError extends Error {
  abstract readonly exitCode: ExitCode;
  /** Extra lines printed after the one-line message (e.g. every validation problem). */
  readonly details: readonly string[];
  /** What the error concerns, when one thing does; see ErrorField. */
  readonly field: ErrorField | undefined;
  constructor(message: string, details: readonly string[] = [], field?: ErrorField) {
    super(message);
    this.details = details;
    this.field = field;
    this.name = new.target.name;
  }
}

/** Usage, validation, unknown incident or step: the input is wrong, nothing was changed. */
export class InvalidInput extends IrrError {
  readonly exitCode = ExitCode.invalid;
}

/** The input is well-formed but the lifecycle rules do not allow it now. */
export class Refused extends IrrError {
  readonly exitCode = ExitCode.refused;
  /** What holds the move, one item each (a refused advance or close): `--json` lists them as `holds`. */
  readonly holds: readonly string[] | undefined;
  constructor(message: string, details: readonly string[] = [], field?: ErrorField, holds?: readonly string[]) {
    super(message, details, field);
    this.holds = holds;
  }
}

/** Another writer changed the incident and the command is no longer valid against the new state. */
export class WriteConflict extends IrrError {
  readonly exitCode = ExitCode.conflict;
}

/** The stored log is not what was written: broken chain, gap in seq, or replay differs from snapshot. */
export class IntegrityFailure extends IrrError {
  readonly exitCode = ExitCode.integrity;
}

/** The console was stopped with Ctrl-C; everything answered before was already stored. */
export class Interrupted extends IrrError {
  readonly exitCode = ExitCode.interrupted;
}

/**
 * The message as a command-line user reads it: the option it concerns first (`--reason: …`).
 * A message that already starts with the flag (older call sites) is left as it is.
 */
export function cliMessage(err: IrrError): string {
  const flag = err.field?.flag;
  return flag && !err.message.startsWith(`${flag}:`) ? `${flag}: ${err.message}` : err.message;
}

/** The name of an exit code, as `--json` errors give it (`"code": "refused"`). */
export function exitCodeName(code: number): string {
  return Object.entries(ExitCode).find(([, v]) => v === code)?.[0] ?? 'internal';
}
