import { InvalidInput } from '../../domain/errors.js';

/** What the `postgres` client takes as its `ssl` option (the strings are its own sslmode names). */
export type PgSsl = false | 'allow' | 'prefer' | 'require' | 'verify-full';

/**
 * TLS to the team server as libpq users expect it: `?sslmode=` in the URL wins (the client reads
 * it itself); otherwise `PGSSLMODE`, which the `postgres` client does not read on its own. Unset:
 * undefined (the client's default, no TLS). verify-ca is taken as verify-full (the certificate and
 * the host name checked), which is stricter, never weaker.
 */
export function sslFromEnvironment(url: string, env: NodeJS.ProcessEnv = process.env): PgSsl | undefined {
  let inUrl: boolean;
  try {
    inUrl = new URL(url).searchParams.has('sslmode');
  } catch {
    inUrl = /[?&]sslmode=/.test(url);
  }
  const mode = env.PGSSLMODE;
  if (inUrl || mode === undefined || mode === '') return undefined;
  switch (mode) {
    case 'disable':
      return false;
    case 'allow':
    case 'prefer':
    case 'require':
    case 'verify-full':
      return mode;
    case 'verify-ca':
      return 'verify-full';
    default:
      throw new InvalidInput(`PGSSLMODE: "${mode}" is not an sslmode (disable, allow, prefer, require, verify-ca, verify-full)`);
  }
}
