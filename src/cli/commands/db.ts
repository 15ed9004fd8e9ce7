import { existsSync, statSync } from 'node:fs';
import { systemClock } from '../../clocks/wall.js';
import { InvalidInput, IntegrityFailure } from '../../domain/errors.js';
import { Engine } from '../../engine/engine.js';
import { verifyDatabase } from '../../engine/verify.js';
import { Conversion } from '../../store/convert.js';
import { looksEncrypted } from '../../store/encryption.js';
import { EventStore } from '../../store/event-store.js';
import { isPostgresUrl } from '../../store/port.js';
import type { GlobalOptions } from '../context.js';
import { databaseKey, newKey } from '../db-key.js';
import { printJson, printLines } from '../output.js';

/** The database file a conversion works on: a file irr can convert, or a one-line refusal. */
function convertible(g: GlobalOptions, command: string): void {
  if (isPostgresUrl(g.db)) throw new InvalidInput(`${command}: --db is a PostgreSQL server; at-rest encryption there is the server's (README, "Encrypting the incident database")`);
  if (!existsSync(g.db)) throw new InvalidInput(`--db: no irr database at ${g.db}`);
  if (!statSync(g.db).isFile() || statSync(g.db).size === 0) throw new InvalidInput(`--db: ${g.db} is not an irr database file`);
}

/**
 * Convert in place: the copy is verified with `irr verify`'s checks (every incident's chain,
 * bindings, triggers, replay == snapshot) and must hold the same events as the original before it
 * replaces it; on any failure the original stays as it was and the copy is removed.
 */
async function convert(g: GlobalOptions, fromKey: string | undefined, toKey: string | undefined): Promise<number> {
  const conversion = Conversion.start(g.db, fromKey, toKey);
  try {
    const store = EventStore.open(conversion.staged, { create: false, key: toKey });
    let incidents: number;
    try {
      const results = await verifyDatabase(new Engine(store, systemClock));
      const bad = results.find((r) => !r.ok);
      if (bad) throw new IntegrityFailure(`integrity failure in ${bad.incident}${bad.first_bad_seq ? ` at seq ${bad.first_bad_seq}` : ''}: ${bad.problem}; nothing was changed (irr verify shows every problem)`);
      incidents = results.length;
    } finally {
      store.close();
    }
    conversion.finish();
    return incidents;
  } catch (err) {
    conversion.abort();
    throw err;
  }
}

export async function encrypt(g: GlobalOptions): Promise<void> {
  convertible(g, 'db encrypt');
  if (looksEncrypted(g.db)) throw new InvalidInput(`--db: ${g.db} is already encrypted; nothing was changed`);
  const key = await newKey(g, 'db encrypt');
  const incidents = await convert(g, undefined, key);
  if (g.json) printJson({ ok: true, db: g.db, encrypted: true, incidents_verified: incidents });
  else printLines(`${g.db}: encrypted (SQLCipher 4); ${incidents} incident${incidents === 1 ? '' : 's'} verified on the result. Every command now needs the key (--key-file, IRR_KEY_FILE or the prompt).`);
}

export async function decrypt(g: GlobalOptions): Promise<void> {
  convertible(g, 'db decrypt');
  if (!looksEncrypted(g.db)) throw new InvalidInput(`--db: ${g.db} is not encrypted; nothing was changed`);
  const key = await databaseKey(g);
  const incidents = await convert(g, key, undefined);
  if (g.json) printJson({ ok: true, db: g.db, encrypted: false, incidents_verified: incidents });
  else printLines(`${g.db}: decrypted; ${incidents} incident${incidents === 1 ? '' : 's'} verified on the result. Anyone who can read the file can now read the incidents.`);
}
