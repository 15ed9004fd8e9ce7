import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { irr, tempDir } from '../helpers.js';
import { pgBackend, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';
import { useTerminals } from './tty.js';
import { openIncident } from './signing-helpers.js';

/**
 * The passphrase of a signing key typed at a real terminal (tmux): asked, never echoed. On both
 * backends (issue 15): the key is registered in, and verified from, the incident's store.
 */

const openTerminal = useTerminals();

function passphraseAtTerminal(backend: Backend): void {
  // On the team server irr in the terminal connects as the acting responder's own role, as irr() does.
  const term = openTerminal;
describe(`passphrase at the terminal (${backend.name})`, () => {
  it('key create asks twice without echoing; the typed passphrase then signs an entry', async () => {
    const root = tempDir();
    const db = backend.newDb();
    const cfg = join(root, 'cfg');
    const env = { XDG_CONFIG_HOME: cfg, IRR_ACTOR: 'alice' };
    const secret = 'typed-secret-4471';
    const create = term(['key', 'create'], { db, env });
    await create.waitFor('Passphrase (new key default):');
    create.type(secret);
    create.keys('Enter');
    await create.waitFor('Again, to confirm:');
    create.type(secret);
    create.keys('Enter');
    const done = await create.waitFor('[exit 0]');
    expect(done).toMatch(/created key default: fingerprint/);
    expect(done).not.toContain(secret);

    const id = openIncident(db);
    const register = term(['key', 'register', id], { db, env });
    await register.waitFor('Passphrase (key default):');
    register.type(secret);
    register.keys('Enter');
    const reg = await register.waitFor('[exit 0]');
    expect(reg).toMatch(/registered key default/);
    expect(reg).not.toContain(secret);
    const v = irr(['verify', id], { db });
    expect(v.code, v.stderr).toBe(0);
  });
});
}

passphraseAtTerminal(sqliteBackend);
if (pgAvailable(import.meta.filename, 1)) passphraseAtTerminal(pgBackend);
