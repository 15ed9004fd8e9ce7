import { IntegrityFailure, InvalidInput } from '../domain/errors.js';
import type { IncidentBundle } from './event-store.js';
import { bindingProblems, ChainWalk } from './integrity.js';
import type { Head, StorePort } from './port.js';
import { signatureProblem } from './signature.js';

/** Read one incident whole from a store: its row, its pinned playbook, its events as stored. */
export async function readBundle(store: StorePort, id: string): Promise<IncidentBundle> {
  const row = await store.incident(id);
  if (!row) throw new InvalidInput(`<incident>: no incident "${id}" in ${store.location}`);
  const playbook = await store.playbook(row.playbook_hash);
  if (!playbook) throw new IntegrityFailure(`integrity failure in ${id}: its pinned playbook ${row.playbook_hash} is missing from ${store.location} (irr verify ${id})`);
  return { row, playbook, events: await store.rawEvents(id), signatures: await store.signatures(id) };
}

/**
 * The chain re-hashed from the first row and the row and playbook bound to incident.opened: the
 * head, or an IntegrityFailure naming the first problem and where it was found.
 */
export function verifyBundle(bundle: IncidentBundle, where: string): Head {
  const walk = new ChainWalk();
  for (const r of bundle.events) {
    const p = walk.next(r);
    if (p) throw new IntegrityFailure(`integrity failure in ${bundle.row.id} at seq ${p.seq} (${where}): ${p.problem}; nothing was copied`);
  }
  const bind = bindingProblems(bundle.row, bundle.events[0], bundle.playbook)[0];
  if (bind) throw new IntegrityFailure(`integrity failure in ${bundle.row.id} (${where}): ${bind.problem}; nothing was copied`);
  if (walk.head.seq === 0) throw new IntegrityFailure(`integrity failure in ${bundle.row.id} (${where}): it has no events; nothing was copied`);
  const sig = signatureProblem(bundle.events, bundle.signatures ?? []);
  if (sig) throw new IntegrityFailure(`integrity failure in ${bundle.row.id} at seq ${sig.seq} (${where}): ${sig.problem}; nothing was copied`);
  return walk.head;
}

export interface ServerVerifyResult {
  readonly incident: string;
  readonly ok: boolean;
  readonly events: number;
  readonly head_hash: string;
  readonly first_bad_seq?: number;
  readonly problem?: string;
  readonly problems?: readonly string[];
}

/**
 * irr verify on a server: each incident's chain over the stored text and its row and playbook
 * against incident.opened, and the append-only triggers. (The replay against the snapshot needs
 * the engine on the port: not yet.)
 */
export async function verifyOnServer(store: StorePort & { triggerProblems(): Promise<string[]> }, id?: string): Promise<ServerVerifyResult[]> {
  const ids = id !== undefined ? [id] : (await store.incidents()).map((r) => r.id);
  const triggers = await store.triggerProblems();
  const out: ServerVerifyResult[] = [];
  for (const i of ids) {
    const bundle = await readBundle(store, i);
    const walk = new ChainWalk();
    const problems: { seq: number; problem: string }[] = [];
    for (const r of bundle.events) {
      const p = walk.next(r);
      if (p) {
        problems.push(p);
        break;
      }
    }
    if (problems.length === 0) {
      const sig = signatureProblem(bundle.events, bundle.signatures ?? []);
      if (sig) problems.push(sig);
    }
    problems.push(...bindingProblems(bundle.row, bundle.events[0], bundle.playbook));
    for (const t of triggers) problems.push({ seq: 0, problem: t });
    out.push(
      problems.length === 0
        ? { incident: i, ok: true, events: walk.head.seq, head_hash: walk.head.hash }
        : { incident: i, ok: false, events: walk.head.seq, head_hash: walk.head.hash, first_bad_seq: problems[0]!.seq, problem: problems[0]!.problem, problems: problems.map((p) => p.problem) },
    );
  }
  if (ids.length === 0 && triggers.length > 0) out.push({ incident: '(database)', ok: false, events: 0, head_hash: '', first_bad_seq: 0, problem: triggers[0]!, problems: triggers });
  return out;
}
