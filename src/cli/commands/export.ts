import { readFileSync } from 'node:fs';
import { IntegrityFailure, InvalidInput } from '../../domain/errors.js';
import { buildBundle, REDACTABLE, verifyBundleText, type Redaction } from '../../engine/bundle.js';
import { verifyIncident } from '../../engine/verify.js';
import type { GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { checkOutput, dbGuard, writeOutput } from '../output-file.js';
import { printJson, printLines } from '../output.js';

function parseRedact(raw: string | undefined): Redaction[] {
  if (raw === undefined) return [];
  const out: Redaction[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (!Object.hasOwn(REDACTABLE, part)) throw new InvalidInput(`--redact: "${part.slice(0, 40)}" is not one of ${Object.keys(REDACTABLE).join(', ')}`);
    if (!out.includes(part as Redaction)) out.push(part as Redaction);
  }
  return out;
}

/** `irr export`: the incident verified first (a bundle of a failing log is refused, exit 5), then written whole. */
export async function exportBundle(g: GlobalOptions, id: string, opts: { out?: string; redact?: string; force?: boolean }): Promise<void> {
  if (opts.out === undefined) throw new InvalidInput('--out: name the bundle file (irr export <incident> --out <file>)');
  const redact = parseRedact(opts.redact);
  const target = checkOutput({ flag: '--out', path: opts.out, force: opts.force, guard: [dbGuard(g.db)] });
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const v = await verifyIncident(engine, id);
    if (!v.ok) throw new IntegrityFailure(`integrity failure in ${id}${v.first_bad_seq ? ` at seq ${v.first_bad_seq}` : ''}: ${v.problem}; no bundle written (irr verify ${id})`);
    const row = engine.incident(id);
    const playbook = await engine.pinnedPlaybook(id);
    const { rows, signatures } = await engine.signedLog(id);
    const lines = buildBundle({ row, playbook, rows, signatures, events: await engine.events(id), redact, exportedAt: engine.now(), exportedBy: g.actor });
    await writeOutput(target, `${lines.join('\n')}\n`);
    const m = JSON.parse(lines[0]!) as { head: { seq: number; hash: string }; counts: { events: number; redacted: number; signatures: number; keys: number; evidence: number } };
    if (g.json) printJson({ ok: true, out: target.path, head: m.head, counts: m.counts, redactions: redact });
    else printLines(`wrote ${target.path}: ${m.counts.events} events (${m.counts.redacted} redacted: ${redact.join(', ') || 'none'}), ${m.counts.signatures} signatures, ${m.counts.keys} keys, ${m.counts.evidence} evidence; head seq ${m.head.seq} ${m.head.hash}`);
  });
}

/** `irr verify --bundle`: no database is opened. */
export async function verifyBundleCommand(g: GlobalOptions, file: string, id: string | undefined): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInput(`--bundle: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  const r = verifyBundleText(text, file);
  if (id !== undefined && r.incident !== id) throw new InvalidInput(`--bundle: ${file} is a bundle of ${r.incident}, not ${id}`);
  if (g.json) printJson(r);
  else if (r.ok) printLines(`ok bundle ${r.incident}: ${r.events} events (${r.redacted} redacted: linked by hash and signature, payload not shown), ${r.signatures} signatures, head ${r.head_hash}`);
  else printLines([`FAILED bundle ${r.incident}: first bad seq ${r.first_bad_seq}: ${r.problem}`, ...(r.problems ?? []).slice(1).map((p) => `  also: ${p}`)]);
  if (!r.ok) throw new IntegrityFailure(`integrity failure in bundle ${file}${r.first_bad_seq ? ` at seq ${r.first_bad_seq}` : ''}: ${r.problem}`);
}
