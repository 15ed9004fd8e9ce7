import { InvalidInput } from '../../domain/errors.js';
import { gatherReport, REPORT_FORMATS, REPORT_KINDS, type ReportFormat, type ReportKind } from '../../report/data.js';
import { renderReport } from '../../report/render.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { writeStdout } from '../output.js';
import { checkOutput, dbGuard, writeOutput } from '../output-file.js';

function oneOf<T extends string>(option: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new InvalidInput(`${option}: "${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/**
 * `irr report <incident> --kind timeline|post-incident|executive [--format md|html]`. Read-only:
 * it records nothing (the database may be a read-only copy handed to counsel), and prints the
 * audit log's head so that the reader can prove the report matches an unaltered log.
 */
export async function report(g: GlobalOptions, id: string, opts: { kind: string; format: string; out?: string; force?: boolean; now?: string }): Promise<void> {
  const kind: ReportKind = oneOf('--kind', opts.kind, REPORT_KINDS);
  const format: ReportFormat = oneOf('--format', opts.format, REPORT_FORMATS);
  const at = parseAt(opts.now, '--now');
  const target = opts.out !== undefined ? checkOutput({ flag: '--out', path: opts.out, force: opts.force, guard: [dbGuard(g.db)] }) : null;
  // A drill is reported in drill time.
  const data = await withEngine(g, { create: false, readonly: true }, async (engine) => gatherReport(engine, id, at ?? (await engine.now(id))));
  const output = renderReport(data, kind, format);
  if (target) {
    await writeOutput(target, output);
    process.stderr.write(`${data.incident.id}: ${kind} report (${format}) written to ${opts.out}; audit log head seq ${data.head.seq}, sha256 ${data.head.hash}\n`);
  } else await writeStdout(output);
}
