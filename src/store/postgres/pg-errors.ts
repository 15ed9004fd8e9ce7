import { IntegrityFailure, InvalidInput, IrrError, Refused, WriteConflict } from '../../domain/errors.js';

function field(err: unknown, name: string): string {
  const v = err !== null && typeof err === 'object' && name in err ? (err as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
}

/**
 * PostgreSQL's SQLSTATEs (and the client's connection errors) as irr errors with one line naming
 * the server: the engine and the CLI never see a raw driver error. Unknown ones pass through (exit 1).
 */
export function translatePgError(err: unknown, where: string): unknown {
  if (err instanceof IrrError) return err;
  const code = field(err, 'code');
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'IR001':
      return new Refused(`${where}: ${detail}; the log is append-only, nothing was changed`);
    case 'IR003':
      return new Refused(`${where}: ${detail}; incident ids are allocated by irr open and irr push only, nothing was written`);
    case 'IR004':
      // PostgreSQL migration 10: the server's four-eyes check (its message names who may approve).
      return new Refused(`${where}: ${detail}; nothing was written`);
    case '42501':
      return new Refused(`${where}: your database role may not do this (${detail}); nothing was written (irr team list shows the roles)`);
    case '40001':
    case '40P01':
    case '55P03':
      return new WriteConflict(`${where}: another writer held the incident (${detail}); nothing was written, try again`);
    case '23505':
      return new WriteConflict(`${where}: another writer got there first (${detail}); nothing was written, try again`);
    case '25006':
      return new InvalidInput(`--db: ${where} is read-only for this connection; nothing was written`);
    case '53100':
      return new InvalidInput(`--db: the disk of ${where} is full; nothing was written`);
    case 'XX001':
    case 'XX002':
      return new IntegrityFailure(`--db: ${where} reports damaged data (${detail}); restore it and run irr verify`);
    case '28P01':
    case '28000':
      return new InvalidInput(`--db: ${where} refused the login (${detail})`);
    case '3D000':
      return new InvalidInput(`--db: ${where}: the database does not exist (create it with createdb, then irr init)`);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'CONNECT_TIMEOUT':
      return new InvalidInput(`--db: cannot reach the PostgreSQL server ${where} (${code})`);
    default:
      if (code.startsWith('23')) return new IntegrityFailure(`--db: ${where}: a constraint refused the write (${detail}); run irr verify`);
      return err;
  }
}
