import { IntegrityFailure, InvalidInput, IrrError, WriteConflict } from '../domain/errors.js';

function codeOf(err: unknown): string {
  const code = err instanceof Error && 'code' in err ? (err as { code: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

/**
 * SQLite's result codes, as irr errors with one clear line naming the file: the engine and the CLI
 * never see a raw SQLite error. Unknown codes pass through unchanged (an internal error, exit 1).
 */
export function translateSqliteError(err: unknown, path: string): unknown {
  if (err instanceof IrrError) return err;
  const code = codeOf(err);
  if (!code.startsWith('SQLITE_')) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new WriteConflict(`the database ${path} stayed locked by another writer for 10 s; nothing was written, try again`);
  }
  if (code.startsWith('SQLITE_READONLY')) return new InvalidInput(`--db: ${path} is read-only (file or folder not writable); nothing was written`);
  if (code === 'SQLITE_FULL') return new InvalidInput(`--db: the disk holding ${path} is full; nothing was written`);
  if (code === 'SQLITE_NOTADB') {
    return new IntegrityFailure(`--db: ${path} is not a readable SQLite database (${detail}): damaged, or not a database at all; nothing was changed`);
  }
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_')) {
    return new IntegrityFailure(`--db: ${path} is damaged, not a readable database (${detail}); restore it from a copy and run irr verify`);
  }
  if (code.startsWith('SQLITE_IOERR')) return new IntegrityFailure(`--db: cannot read or write ${path} (I/O error: ${detail}); nothing was written`);
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new IntegrityFailure(`--db: ${path}: a constraint of the database refused the write (${detail}); the database does not match its schema, run irr verify`);
  }
  if (code === 'SQLITE_CANTOPEN') return new InvalidInput(`--db: cannot open ${path} (${detail})`);
  return err;
}
