import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * A new, empty database on the server of the superuser URL `adminUrl`; its URL. Apart from
 * test/pg/pg.ts because the global setup uses it too, where vitest's inject() is not available.
 */
export async function newDatabase(adminUrl: string, prefix = 'irr_t_'): Promise<string> {
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
