import { createHash } from 'node:crypto';
import type { StoredEvent } from '../domain/events.js';
import { bindingProblems, ChainWalk, type EventRow, type Problem } from '../store/integrity.js';
import type { IncidentRow, PlaybookRow } from '../store/port.js';
import { registeredKeys, signatureProblem, type SignatureRow } from '../store/signature.js';
import { evidenceOf, type EvidenceItem } from './evidence.js';

/**
 * The bundle for counsel or a regulator (issue 13, docs/bundle-format.md): one JSON Lines file, a
 * manifest first, then the incident row, the pinned playbook, the registered keys, every event as
 * stored with its hash, previous hash and signatures, and the evidence manifest. A redacted event
 * keeps its seq, type, actor, times and hashes and carries the SHA-256 of its payload text instead
 * of the text: its own hash cannot be recomputed without the text (the chain hash is over it), so
 * a reader checks its links and signatures, and anyone holding the payload can check it against
 * payload_sha256.
 */
export const BUNDLE_FORMAT = 'irr-bundle';
export const BUNDLE_VERSION = 1;

export const REDACTABLE = { facts: ['facts.recorded'], notes: ['note.added'] } as const;
export type Redaction = keyof typeof REDACTABLE;

export interface BundleEvent {
  readonly kind: 'event';
  readonly incident: string;
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly recorded_at: string;
  readonly actor: string;
  /** The payload column's text exactly as stored (hashed as is), or null when redacted. */
  readonly payload: string | null;
  readonly payload_sha256: string;
  readonly redacted?: true;
  readonly prev_hash: string;
  readonly hash: string;
  readonly signatures: readonly { readonly fingerprint: string; readonly signature: string }[];
}

export interface BundleManifest {
  readonly kind: 'manifest';
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: number;
  readonly incident: string;
  readonly head: { readonly seq: number; readonly hash: string };
  readonly counts: { readonly events: number; readonly redacted: number; readonly signatures: number; readonly keys: number; readonly evidence: number };
  readonly redactions: readonly string[];
  readonly exported_at: string;
  readonly exported_by: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function buildBundle(args: {
  row: IncidentRow;
  playbook: PlaybookRow;
  rows: readonly EventRow[];
  signatures: readonly SignatureRow[];
  events: readonly StoredEvent[];
  redact: readonly Redaction[];
  exportedAt: string;
  exportedBy: string;
}): string[] {
  const hidden = new Set<string>(args.redact.flatMap((r) => REDACTABLE[r]));
  const bySeq = new Map<number, { fingerprint: string; signature: string }[]>();
  for (const s of args.signatures) bySeq.set(s.seq, [...(bySeq.get(s.seq) ?? []), { fingerprint: s.fingerprint, signature: s.signature }]);
  const keys = registeredKeys(args.rows);
  const evidence = evidenceOf(args.events);
  const last = args.rows[args.rows.length - 1]!;
  const events: BundleEvent[] = args.rows.map((r) => ({
    kind: 'event',
    incident: r.incident,
    seq: r.seq,
    type: r.type,
    at: r.at,
    recorded_at: r.recorded_at,
    actor: r.actor,
    payload: hidden.has(r.type) ? null : r.payload,
    payload_sha256: sha256(r.payload),
    ...(hidden.has(r.type) ? { redacted: true as const } : {}),
    prev_hash: r.prev_hash,
    hash: r.hash,
    signatures: bySeq.get(r.seq) ?? [],
  }));
  const manifest: BundleManifest = {
    kind: 'manifest',
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    incident: args.row.id,
    head: { seq: last.seq, hash: last.hash },
    counts: { events: events.length, redacted: events.filter((e) => e.redacted).length, signatures: args.signatures.length, keys: keys.length, evidence: evidence.length },
    redactions: [...args.redact],
    exported_at: args.exportedAt,
    exported_by: args.exportedBy,
  };
  return [
    JSON.stringify(manifest),
    JSON.stringify({ kind: 'incident', ...args.row }),
    JSON.stringify({ kind: 'playbook', ...args.playbook }),
    ...keys.map((k) => JSON.stringify({ kind: 'key', actor: k.actor, seq: k.seq, fingerprint: k.fingerprint, public_key: k.public_key })),
    ...events.map((e) => JSON.stringify(e)),
    ...evidence.map((e) => JSON.stringify({ kind: 'evidence', ...e })),
  ];
}

export interface BundleVerifyResult {
  readonly ok: boolean;
  readonly incident: string;
  readonly events: number;
  readonly redacted: number;
  readonly signatures: number;
  readonly head_hash: string;
  readonly first_bad_seq?: number;
  readonly problem?: string;
  readonly problems?: readonly string[];
}

type Line = Record<string, unknown> & { kind?: unknown };

/**
 * Verify a bundle on its own: the manifest, the chain (every unredacted event re-hashed from its
 * stored text; a redacted one linked by prev_hash and, when signed, by its signatures), the
 * signatures against the keys registered in the log, the incident row and playbook against
 * incident.opened, the keys and evidence lines against the events, and the head and counts.
 */
export function verifyBundleText(text: string, where: string): BundleVerifyResult {
  const problems: Problem[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const parsed: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      const v: unknown = JSON.parse(lines[i]!);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      parsed.push(v as Line);
    } catch {
      return fail(where, `${where}:${i + 1}: not a JSON object`, 0);
    }
  }
  const manifest = parsed[0] as Partial<BundleManifest> | undefined;
  if (!manifest || manifest.kind !== 'manifest' || manifest.format !== BUNDLE_FORMAT) return fail(where, `${where}:1: not an irr bundle (no manifest line with format "${BUNDLE_FORMAT}")`, 0);
  if (manifest.version !== BUNDLE_VERSION) return fail(where, `${where}:1: bundle version ${String(manifest.version)} is not one this irr reads (${BUNDLE_VERSION})`, 0);
  const incident = String(manifest.incident);
  const of = (k: string) => parsed.filter((l) => l.kind === k);
  const events = of('event') as unknown as BundleEvent[];
  const rowLine = of('incident')[0] as unknown as (IncidentRow & { kind: string }) | undefined;
  const pbLine = of('playbook')[0] as unknown as (PlaybookRow & { kind: string }) | undefined;
  // The chain.
  let prev = { seq: 0, hash: '0'.repeat(64) };
  let redacted = 0;
  const rows: EventRow[] = [];
  for (const e of events) {
    if (e.incident !== incident) {
      problems.push({ seq: e.seq, problem: `seq ${e.seq} belongs to ${e.incident}, not ${incident}` });
      break;
    }
    if (e.payload === null) {
      redacted++;
      if (e.seq !== prev.seq + 1) {
        problems.push({ seq: prev.seq + 1, problem: `seq ${prev.seq + 1} is missing (next in the bundle is ${e.seq})` });
        break;
      }
      if (e.prev_hash !== prev.hash) {
        problems.push({ seq: e.seq, problem: `seq ${e.seq} does not chain to seq ${e.seq - 1} (prev_hash differs)` });
        break;
      }
      prev = { seq: e.seq, hash: e.hash };
      rows.push({ incident: e.incident, seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, actor: e.actor, payload: 'null', prev_hash: e.prev_hash, hash: e.hash });
      continue;
    }
    const row: EventRow = { incident: e.incident, seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, actor: e.actor, payload: e.payload, prev_hash: e.prev_hash, hash: e.hash };
    // Each link checked from the one before (after a redacted event: from the hash it carries).
    const p = new ChainWalk(prev).next(row);
    if (p) {
      problems.push(p);
      break;
    }
    if (sha256(e.payload) !== e.payload_sha256) {
      problems.push({ seq: e.seq, problem: `seq ${e.seq}: payload_sha256 does not match its payload` });
      break;
    }
    prev = { seq: e.seq, hash: e.hash };
    rows.push(row);
  }
  const chainOk = problems.length === 0;
  if (chainOk && rows.length === 0) problems.push({ seq: 1, problem: 'the bundle holds no events' });
  // Signatures against the keys registered in the log.
  if (chainOk) {
    const sigs: SignatureRow[] = events.flatMap((e) => (e.signatures ?? []).map((s) => ({ incident, seq: e.seq, fingerprint: s.fingerprint, signature: s.signature })));
    const sp = signatureProblem(rows, sigs);
    if (sp) problems.push(sp);
  }
  // The incident row and the playbook against incident.opened (when it is not redacted: it never is).
  if (!rowLine) problems.push({ seq: 0, problem: 'the bundle has no incident line' });
  else if (!pbLine) problems.push({ seq: 0, problem: 'the bundle has no playbook line' });
  else if (rows[0]) problems.push(...bindingProblems(rowLine, rows[0], pbLine));
  // The key lines are the keys the log registers.
  const logKeys = registeredKeys(rows).map((k) => `${k.actor}\n${k.fingerprint}`).sort();
  const keyLines = of('key').map((k) => `${String(k.actor)}\n${String(k.fingerprint)}`).sort();
  if (logKeys.join('|') !== keyLines.join('|')) problems.push({ seq: 0, problem: 'the key lines differ from the keys registered in the events' });
  // The evidence manifest is the one the (unredacted) evidence events give.
  const evidence = of('evidence') as unknown as EvidenceItem[];
  const fromEvents = evidenceOf(rows.filter((r) => r.type.startsWith('evidence.')).map((r) => ({ ...r, payload: JSON.parse(r.payload) }) as unknown as StoredEvent));
  const norm = (x: readonly EvidenceItem[]) => JSON.stringify(x.map((i) => [i.id, i.sha256, i.size, i.custodian, i.seq]).sort());
  if (norm(evidence) !== norm(fromEvents)) problems.push({ seq: 0, problem: 'the evidence lines differ from the evidence events' });
  // Head and counts.
  const last = rows[rows.length - 1];
  if (chainOk && last && (manifest.head?.seq !== last.seq || manifest.head?.hash !== last.hash)) {
    problems.push({ seq: last.seq, problem: `the manifest's head (seq ${String(manifest.head?.seq)}) is not the last event's (seq ${last.seq}, ${last.hash.slice(0, 16)}…): events are missing from the bundle` });
  }
  if (manifest.counts?.events !== events.length) problems.push({ seq: 0, problem: `the manifest counts ${String(manifest.counts?.events)} events, the bundle holds ${events.length}` });
  const sigCount = events.reduce((n, e) => n + (e.signatures?.length ?? 0), 0);
  const head = last?.hash ?? '';
  if (problems.length === 0) return { ok: true, incident, events: rows.length, redacted, signatures: sigCount, head_hash: head };
  return { ok: false, incident, events: rows.length, redacted, signatures: sigCount, head_hash: head, first_bad_seq: problems[0]!.seq, problem: problems[0]!.problem, problems: problems.map((p) => p.problem) };
}

function fail(incident: string, problem: string, seq: number): BundleVerifyResult {
  return { ok: false, incident, events: 0, redacted: 0, signatures: 0, head_hash: '', first_bad_seq: seq, problem, problems: [problem] };
}
