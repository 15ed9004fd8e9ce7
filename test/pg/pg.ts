import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { newDatabase } from './new-database.js';

/** The superuser URL of the throwaway test server, or '' when PostgreSQL is not installed. */
export const PG_URL: string = inject('pgUrl');

/**
 * Register PostgreSQL tests only where a server runs; elsewhere note how many did not run (the
 * global setup reports them, and fails the run under CI=true).
 */
export function pgAvailable(file: string, count: number): boolean {
  if (PG_URL) return true;
  writeFileSync(join(inject('pgNotRunDir'), `${basename(file)}.json`), JSON.stringify({ file: basename(file), count }));
  return false;
}

/** A new, empty database on the test server; its URL (superuser). */
export function freshPgDatabase(): Promise<string> {
  return newDatabase(PG_URL);
}

/** The same database, connecting as another role. */
export function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  return u.toString();
}

export function adminOf(url: string): postgres.Sql {
  return postgres(url, { max: 1, onnotice: () => undefined });
}
