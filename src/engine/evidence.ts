import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InvalidInput, Refused } from '../domain/errors.js';
import type { EvidenceAddedPayload, StoredEvent } from '../domain/events.js';
import type { Actor } from './decide.js';
import type { Engine } from './engine.js';
import { checkText } from '../domain/text.js';

/** One custody change of an evidence file, as the log records it. */
export interface CustodyStep {
  readonly seq: number;
  readonly at: string;
  readonly by: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** An evidence file as the log knows it: what was recorded when it was added, and who holds it now. */
export interface EvidenceItem extends EvidenceAddedPayload {
  readonly seq: number;
  readonly hash: string;
  readonly added_at: string;
  readonly added_by: string;
  readonly custodian: string;
  readonly custody: readonly CustodyStep[];
}

/** The evidence manifest of an incident, folded from its events (pure). */
export function evidenceOf(events: readonly StoredEvent[]): EvidenceItem[] {
  const items = new Map<string, EvidenceItem>();
  for (const e of events) {
    if (e.type === 'evidence.added') {
      items.set(e.payload.id, { ...e.payload, seq: e.seq, hash: e.hash, added_at: e.at, added_by: e.actor, custodian: e.actor, custody: [] });
    } else if (e.type === 'evidence.transferred') {
      const it = items.get(e.payload.evidence);
      if (!it) continue;
      items.set(it.id, { ...it, custodian: e.payload.to, custody: [...it.custody, { seq: e.seq, at: e.at, by: e.actor, from: e.payload.from, to: e.payload.to, reason: e.payload.reason }] });
    }
  }
  return [...items.values()];
}

/** SHA-256 and size of a file, streamed (a disk image of many GB never sits in memory). */
export function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let size = 0;
    const s = createReadStream(path, { highWaterMark: 1 << 20 });
    s.on('data', (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      h.update(b);
    });
    s.on('error', reject);
    s.on('end', () => resolve({ sha256: h.digest('hex'), size }));
  });
}

export async function listEvidence(engine: Engine, id: string): Promise<EvidenceItem[]> {
  engine.incident(id);
  return evidenceOf(await engine.events(id));
}

/** Record an evidence file already hashed (and, with --copy, already placed). The id is EV-<seq of this event>. */
export async function addEvidence(engine: Engine, id: string, who: Actor, file: { name: string; path: string; sha256: string; size: number; description: string; copied_from?: string }): Promise<StoredEvent> {
  const description = file.description.trim();
  if (description === '') throw new InvalidInput('--description: say what the file is (where it came from, what it shows)');
  checkText('--description', description);
  const { events } = await engine.execute(id, (l) => [
    { type: 'evidence.added', ...who, payload: { id: `EV-${l.head.seq + 1}`, name: file.name, path: file.path, sha256: file.sha256, size: file.size, description, ...(file.copied_from ? { copied_from: file.copied_from } : {}) } },
  ]);
  return events[0]!;
}

export async function transferEvidence(engine: Engine, id: string, who: Actor, evidence: string, to: string, reason: string): Promise<StoredEvent> {
  if (to.trim() === '') throw new InvalidInput('--to: name who takes the evidence');
  if (reason.trim() === '') throw new InvalidInput('--reason: say why the evidence changes hands');
  checkText('--to', to);
  checkText('--reason', reason);
  const item = (await listEvidence(engine, id)).find((x) => x.id === evidence);
  if (!item) throw new InvalidInput(`<evidence-id>: no evidence ${evidence} in ${id} (irr evidence list ${id})`);
  if (item.custodian === to.trim()) throw new Refused(`${evidence} is already held by ${item.custodian}; nothing was written`);
  const { events } = await engine.execute(id, () => [{ type: 'evidence.transferred', ...who, payload: { evidence, from: item.custodian, to: to.trim(), reason: reason.trim() } }]);
  return events[0]!;
}

export interface EvidenceCheck {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly status: 'ok' | 'changed' | 'missing';
  readonly recorded_sha256: string;
  readonly sha256?: string;
  readonly size?: number;
  readonly reason?: string;
}

/** Re-hash every evidence file where the log says it is kept. */
export async function verifyEvidence(engine: Engine, id: string): Promise<EvidenceCheck[]> {
  const out: EvidenceCheck[] = [];
  for (const it of await listEvidence(engine, id)) {
    const base = { id: it.id, name: it.name, path: it.path, recorded_sha256: it.sha256 };
    try {
      const now = await hashFile(it.path);
      out.push(now.sha256 === it.sha256 && now.size === it.size ? { ...base, status: 'ok', ...now } : { ...base, status: 'changed', ...now });
    } catch (err) {
      out.push({ ...base, status: 'missing', reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  }
  return out;
}
