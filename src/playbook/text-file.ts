import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { InvalidInput } from '../domain/errors.js';
import { stripBom } from '../domain/text.js';

// Reading an input file, apart from parsing it: `irr assess --facts` and the clocks/status paths
// read JSON and text files and must not load the YAML parser (72 modules) to do it.

/** Why a file cannot be read, in words (a directory, a missing file), never a stack trace. */
export function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? 'error';
}

/** No runbook, regime, drill, template, answers or facts file comes near this. */
export const MAX_TEXT_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A text file as irr reads YAML, Markdown and JSON inputs: a regular file or a pipe (not a device
 * such as /dev/zero, which would never end, nor a directory), at most MAX_TEXT_FILE_BYTES, UTF-8, a byte
 * order mark dropped.
 */
export function readTextFile(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InvalidInput(`${file}: cannot read file (is a directory, not a file)`, [], { file });
    // A pipe ends (`--facts <(jq …)` is one); a device such as /dev/zero or a terminal may not.
    if (!st.isFile() && !st.isFIFO()) throw new InvalidInput(`${file}: cannot read file (not a regular file)`, [], { file });
    if (st.size > MAX_TEXT_FILE_BYTES) throw new InvalidInput(`${file}: cannot read file (${st.size} bytes; irr reads text files of at most ${MAX_TEXT_FILE_BYTES / 1024 / 1024} MB)`, [], { file });
    return stripBom(readFileSync(fd, 'utf8'));
  } catch (err) {
    if (err instanceof InvalidInput) throw err;
    throw new InvalidInput(`${file}: cannot read file (${readProblem(err)})`, [], { file });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

