import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { irr, tempDir } from '../helpers.js';
import { killTmuxServer, Terminal } from './tty.js';
import { openIncident } from './signing-helpers.js';

/** The passphrase of a signing key typed at a real terminal (tmux): asked, never echoed. */

const terminals: Terminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});
afterAll(killTmuxServer);

describe('passphrase at the terminal', () => {
  it('key create asks twice without echoing; the typed passphrase then signs an entry', async () => {
    const root = tempDir();
    const db = join(root, 'irr.db');
    const cfg = join(root, 'cfg');
    const env = { XDG_CONFIG_HOME: cfg, IRR_ACTOR: 'alice' };
    const secret = 'typed-secret-4471';
    const create = new Terminal(['key', 'create'], { db, env });
    terminals.push(create);
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
    const register = new Terminal(['key', 'register', id], { db, env });
    terminals.push(register);
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
