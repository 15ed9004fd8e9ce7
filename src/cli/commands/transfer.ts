import { InvalidInput, IntegrityFailure, Refused } from '../../domain/errors.js';
import { verifyIncident } from '../../engine/verify.js';
import { EventStore } from '../../store/event-store.js';
import { isPostgresUrl, openStore } from '../../store/port.js';
import { readBundle, verifyBundle } from '../../store/transfer.js';
import type { GlobalOptions } from '../context.js';
import { databaseKey } from '../db-key.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines } from '../output.js';

function serverUrl(flag: string, raw: string | undefined): string {
  if (!raw) throw new InvalidInput(`${flag}: the team server's URL is required (postgres://user@host:port/dbname)`);
  if (!isPostgresUrl(raw)) throw new InvalidInput(`${flag}: "${raw.slice(0, 80)}" is not a postgres:// URL`);
  return raw;
}

/**
 * irr push: verify the local incident whole, copy it (pinned playbook, rows and hashes as they
 * are) to the team server, verify it there, then mark the local copy as moved so that writing
 * to it here is refused, pointing at the server.
 */
export async function push(g: GlobalOptions, incident: string, opts: { to?: string }): Promise<void> {
  const url = serverUrl('--to', opts.to);
  if (isPostgresUrl(g.db)) throw new InvalidInput('--db: push copies from a local SQLite file (--db <file>) to --to <postgres-url>');
  await withEngine(g, { create: false }, async (engine) => {
    const local = engine.store;
    const moved = local.movedTo(incident);
    if (moved) throw new Refused(`${incident} was already ${moved.direction} (${moved.location}); nothing was copied`);
    const v = await verifyIncident(engine, incident);
    if (!v.ok) throw new IntegrityFailure(`integrity failure in ${incident}${v.first_bad_seq ? ` at seq ${v.first_bad_seq}` : ''}: ${v.problem}; nothing was copied (irr verify ${incident})`);
    const bundle = local.read(() => ({ row: local.incident(incident)!, playbook: local.playbook(local.incident(incident)!.playbook_hash)!, events: local.rawEvents(incident), signatures: local.signatures(incident) }));
    const head = verifyBundle(bundle, local.path);
    const server = await openStore(url, { create: false });
    let serverHead;
    try {
      if (server.driver !== 'postgres') throw new InvalidInput('--to: not a PostgreSQL server');
      const { PgStore } = await import('../../store/postgres/pg-store.js');
      if (!(server instanceof PgStore)) throw new InvalidInput('--to: not a PostgreSQL server');
      await server.importIncident(bundle);
      // Read back what the server now holds and check it again, from its own rows.
      serverHead = verifyBundle(await readBundle(server, incident), server.location);
    } finally {
      await server.close();
    }
    if (serverHead.hash !== head.hash || serverHead.seq !== head.seq) {
      throw new IntegrityFailure(`${incident}: the server's copy ends at seq ${serverHead.seq} (${serverHead.hash}), not at the local head seq ${head.seq} (${head.hash}); the local copy was not marked moved`);
    }
    local.markMoved(incident, { location: server.location, direction: 'pushed', head_hash: head.hash }, new Date().toISOString());
    if (g.json) printJson({ ok: true, incident, server: server.location, server_id: incident, events: head.seq, head_hash: head.hash });
    else printLines([`pushed ${incident} to ${server.location}: ${head.seq} events verified there, head ${head.hash}`, `server id: ${incident}; the local copy is marked moved (writes here are refused)`]);
  });
}

/** irr pull: a verified, local copy of a server incident for offline reading (writes to it refused). */
export async function pull(g: GlobalOptions, incident: string, opts: { from?: string }): Promise<void> {
  const url = serverUrl('--from', opts.from);
  if (isPostgresUrl(g.db)) throw new InvalidInput('--db: pull writes into a local SQLite file: give --db <file>');
  const server = await openStore(url, { create: false, readonly: true });
  let bundle;
  let head;
  try {
    bundle = await readBundle(server, incident);
    head = verifyBundle(bundle, server.location);
  } finally {
    await server.close();
  }
  const local = EventStore.open(g.db, { create: true, key: await databaseKey(g) });
  try {
    local.importIncident(bundle, new Date().toISOString());
    local.markMoved(incident, { location: server.location, direction: 'pulled', head_hash: head.hash }, new Date().toISOString());
    verifyBundle({ row: local.incident(incident)!, playbook: local.playbook(bundle.row.playbook_hash)!, events: local.rawEvents(incident), signatures: local.signatures(incident) }, local.path);
  } finally {
    local.close();
  }
  if (g.json) printJson({ ok: true, incident, from: server.location, db: g.db, events: head.seq, head_hash: head.hash });
  else printLines(`pulled ${incident} from ${server.location} into ${g.db}: ${head.seq} events verified, head ${head.hash} (a read-only copy)`);
}
