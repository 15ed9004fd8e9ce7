import { InvalidInput } from '../domain/errors.js';
import { visible } from '../domain/text.js';

/** One thing wrong with a data file, located for the author's editor. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** One line, whatever the file name or the quoted text holds (control characters made visible). */
export function formatProblem(p: Problem): string {
  return visible(`${p.file}:${p.line}:${p.col}: ${p.message}`);
}

/** All problems of a file at once, not the first only; the first is the one-line summary. */
export class ValidationFailed extends InvalidInput {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const sorted = [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
    const first = sorted[0]!;
    super(
      sorted.length === 1 ? formatProblem(first) : `${formatProblem(first)} (and ${sorted.length - 1} more problem${sorted.length > 2 ? 's' : ''})`,
      sorted.slice(1).map(formatProblem),
      { file: first.file, line: first.line, column: first.col },
    );
    this.problems = sorted;
  }
}
