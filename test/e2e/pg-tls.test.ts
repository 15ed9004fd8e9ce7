/** irr asks the team server for TLS when told to (?sslmode=require or PGSSLMODE), through the real binary. */
import { describe, expect, it } from 'vitest';
import { irr, tempDir } from '../helpers.js';
import { freshPgDatabase, pgAvailable } from '../pg/pg.js';

// The throwaway test server runs without TLS (initdb's default): a client that insists on TLS
// must fail to connect to it, and one that does not must connect.
if (pgAvailable(import.meta.filename, 1)) {
  describe('TLS to PostgreSQL', () => {
    it('sslmode=require in the URL, or PGSSLMODE=require, refuses a server without TLS; prefer falls back', async () => {
      const url = await freshPgDatabase();
      const cwd = tempDir();
      const init = irr(['init', '--db', url], { cwd });
      expect(init.code, init.stderr).toBe(0);
      expect(irr(['verify', '--db', url], { cwd }).code).toBe(0);
      const withQuery = `${url}${url.includes('?') ? '&' : '?'}sslmode=require`;
      const byUrl = irr(['verify', '--db', withQuery], { cwd });
      expect(byUrl.code).not.toBe(0);
      expect(byUrl.stderr.trim().split('\n')).toHaveLength(1);
      const byEnv = irr(['verify', '--db', url], { cwd, env: { PGSSLMODE: 'require' } });
      expect(byEnv.code).not.toBe(0);
      expect(byEnv.stderr).toBe(byUrl.stderr.replace(withQuery, url));
      expect(irr(['verify', '--db', url], { cwd, env: { PGSSLMODE: 'prefer' } }).code).toBe(0);
    }, 120_000);
  });
}
