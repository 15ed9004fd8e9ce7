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

export abstract class IrrError extends Error {
  abstract readonly exitCode: ExitCode;
  /** Extra lines printed after the one-line message (e.g. every validation problem). */
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.details = details;
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
