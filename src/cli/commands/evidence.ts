import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { IntegrityFailure, InvalidInput } from '../../domain/errors.js';
import type { EvidenceAddedPayload, StoredEvent } from '../../domain/events.js';
import { addEvidence, hashFile, listEvidence, transferEvidence, verifyEvidence } from '../../engine/evidence.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { checkOutput, dbGuard, placeThenRecord, StagedFile } from '../output-file.js';
import { printJson, printLines, table } from '../output.js';

function regularFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new InvalidInput(`<file>: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  if (!st.isFile()) throw new InvalidInput(`<file>: ${path} is not a regular file`);
}

/** Copy into a staged file and hash in one read: the bytes hashed are the bytes written. */
function copyAndHash(source: string, staged: StagedFile): Promise<{ sha256: string; size: number }> {
  return new Promise((res, rej) => {
    const hash = createHash('sha256');
    let size = 0;
    const s = createReadStream(source, { highWaterMark: 1 << 20 });
    s.on('data', (c: Buffer | string) => {
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      hash.update(b);
      size += b.length;
      try {
        staged.writeBytes(b);
      } catch (err) {
        s.destroy();
        rej(err);
      }
    });
    s.on('error', (err) => {
      staged.abort();
      rej(new InvalidInput(`<file>: cannot read ${source} (${(err as NodeJS.ErrnoException).code ?? err.message})`));
    });
    s.on('end', () => res({ sha256: hash.digest('hex'), size }));
  });
}

function reportAdded(g: GlobalOptions, e: StoredEvent): void {
  const p = e.payload as EvidenceAddedPayload;
  if (g.json) printJson({ ok: true, seq: e.seq, hash: e.hash, evidence: p });
  else printLines(`${e.incident}#${e.seq} evidence ${p.id}: ${p.name}, ${p.size} bytes, sha256 ${p.sha256}, kept at ${p.path}`);
}

/**
 * Record an evidence file: SHA-256 (streamed), size, name, who and when. With --copy, the file is
 * first copied into the evidence folder by the output-file rules (no clobber without --force,
 * mode 0600, synced, placed), the event names the copy; the log never names a copy that is not there.
 */
export async function add(g: GlobalOptions, id: string, file: string, opts: { description?: string; copy?: string; force?: boolean; at?: string }): Promise<void> {
  const description = opts.description;
  if (description === undefined || description.trim() === '') throw new InvalidInput('--description: say what the file is (where it came from, what it shows)');
  regularFile(file);
  const at = parseAt(opts.at);
  const source = resolve(file);
  const name = basename(source);
  // The evidence folder is made on first use, owner-only.
  if (opts.copy !== undefined && opts.copy.trim() !== '' && !existsSync(opts.copy)) {
    try {
      mkdirSync(opts.copy, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new InvalidInput(`--copy: cannot create the folder ${opts.copy} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  const target = opts.copy !== undefined ? checkOutput({ flag: '--copy', path: join(opts.copy, name), force: opts.force, guard: [dbGuard(g.db), { flag: '<file>', path: source }] }) : null;
  await withEngine(g, { create: false }, async (engine) => {
    const who = engine.who(g.actor, at, id);
    engine.incident(id);
    if (!target) {
      let h;
      try {
        h = await hashFile(source);
      } catch (err) {
        throw new InvalidInput(`<file>: cannot read ${source} (${(err as NodeJS.ErrnoException).code})`);
      }
      return reportAdded(g, await addEvidence(engine, id, who, { name, path: source, ...h, description }));
    }
    const staged = StagedFile.open(target);
    const h = await copyAndHash(source, staged);
    const { recorded } = await placeThenRecord(staged, () => addEvidence(engine, id, who, { name, path: join(target.folder, target.name), ...h, description, copied_from: source }));
    reportAdded(g, recorded);
  });
}

export async function transfer(g: GlobalOptions, id: string, evidence: string, opts: { to?: string; reason?: string; at?: string }): Promise<void> {
  if (opts.to === undefined) throw new InvalidInput('--to: name who takes the evidence');
  if (opts.reason === undefined) throw new InvalidInput('--reason: say why the evidence changes hands');
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const e = await transferEvidence(engine, id, engine.who(g.actor, at, id), evidence, opts.to!, opts.reason!);
    const p = e.payload as { evidence: string; from: string; to: string };
    if (g.json) printJson({ ok: true, seq: e.seq, hash: e.hash, evidence: p.evidence, from: p.from, to: p.to });
    else printLines(`${id}#${e.seq} evidence ${p.evidence} handed from ${p.from} to ${p.to}`);
  });
}

export async function list(g: GlobalOptions, id: string): Promise<void> {
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const items = await listEvidence(engine, id);
    if (g.json) return printJson(items);
    if (items.length === 0) return printLines(`no evidence recorded in ${id} (irr evidence add)`);
    printLines(table(items.map((i) => [i.id, i.name, String(i.size), i.sha256, i.custodian, i.path]), ['ID', 'NAME', 'BYTES', 'SHA256', 'HELD BY', 'KEPT AT']));
  });
}

/** Re-hash every file; any changed or missing one is an integrity failure (exit 5). */
export async function verify(g: GlobalOptions, id: string): Promise<void> {
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const checks = await verifyEvidence(engine, id);
    if (g.json) printJson(checks);
    else if (checks.length === 0) printLines(`no evidence recorded in ${id}`);
    else {
      printLines(
        checks.map((c) =>
          c.status === 'ok'
            ? `ok ${c.id} ${c.name}: sha256 ${c.recorded_sha256}`
            : c.status === 'missing'
              ? `MISSING ${c.id} ${c.name}: ${c.path} (${c.reason})`
              : `CHANGED ${c.id} ${c.name}: ${c.path} now has sha256 ${c.sha256} (${c.size} bytes); recorded ${c.recorded_sha256}`,
        ),
      );
    }
    const bad = checks.filter((c) => c.status !== 'ok');
    if (bad.length > 0) throw new IntegrityFailure(`evidence of ${id}: ${bad.map((c) => `${c.id} ${c.status}`).join(', ')} (recorded hashes no longer match the files)`);
  });
}
