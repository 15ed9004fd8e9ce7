import pc from '../../render/colors.js';
import { spanLabel } from '../../domain/drill.js';
import { oneLine } from '../../domain/text.js';
import type { DrillScore } from '../../drill/score.js';
import type { PracticeEntry } from '../../drill/practice.js';
import { visibleLength, wrap } from '../../render/terminal-text.js';
import { table } from '../output.js';
import { localTime } from '../../clocks/zone.js';
import { zoneOrExit } from '../context.js';

/** An instant as the rest of irr shows it to people: in `zone` (default the responder's: IRR_TZ, else this machine's), named. */
export const when = (iso: string, zone: string = zoneOrExit()): string => localTime(iso, zone);

/**
 * What a drill looks like on a terminal, shared by the drill commands and the facilitator's
 * console (which therefore imports no command module).
 */

/** On a terminal, long lines wrap at word boundaries under the drill time (a pipe gets them whole). */
export function fitTerminal(lead: string, body: string): string[] {
  const line = lead + body;
  if (!process.stdout.isTTY) return [line];
  const width = (process.stdout.columns || 80) - 1;
  if (visibleLength(line) <= width) return [line];
  return wrap(body, width, lead, ' '.repeat(visibleLength(lead)));
}

const STATUS = { met: pc.green('met'), late: pc.yellow('LATE'), missed: pc.red('MISSED'), open: 'open', waived: 'waived' } as const;

/** `zone`: the drill's own (its scenario's), the zone its clock lines are shown in; else the responder's. */
export function scoreLines(id: string, s: DrillScore, zone: string = zoneOrExit()): string[] {
  const at = (iso: string) => when(iso, zone);
  const met = s.objectives.filter((o) => o.status === 'met').length;
  const lines = [pc.bold(`${id} — objectives: ${met} of ${s.objectives.length} met`)];
  lines.push(
    ...table(
      s.objectives.map((o) => [o.id, o.status === 'late' ? `${STATUS.late} by ${spanLabel(o.late_by_ms!)}` : STATUS[o.status], o.due_at ? at(o.due_at) : '—', o.done_at ? at(o.done_at) : '—']),
      ['OBJECTIVE', 'RESULT', 'DUE', 'DONE'],
    ),
  );
  if (s.deadlines.length) {
    lines.push('', pc.bold('legal deadlines at the end of the drill'));
    lines.push(
      ...table(
        s.deadlines.map((x) => [x.id, x.status === 'late' ? `${STATUS.late} by ${spanLabel(x.late_by_ms!)}` : STATUS[x.status], x.due_at ? `${x.kind === 'target' ? 'target ' : ''}${at(x.due_at)}` : '—', x.done_at ? at(x.done_at) : '—']),
        ['NOTICE', 'RESULT', 'DUE', 'SENT'],
      ),
    );
  }
  const t = s.times;
  const show = (label: string, v: DrillScore['times']['contain']) => `${label} ${v.known ? spanLabel(v.ms) : `— (${v.why})`}`;
  lines.push('', `${show('time to contain', t.contain)} · ${show('to decide', t.decide)} · ${show('to notify', t.notify)}`);
  if (s.skipped.length) lines.push(`skipped steps: ${s.skipped.map((x) => `${x.step} (${oneLine(x.reason)})`).join('; ')}`);
  return lines;
}

/** Practice on schedule as a table with its warning (or the all-clear). */
export function practiceLines(entries: readonly PracticeEntry[], warning: string | null): string[] {
  const STATE = { ok: 'ok', overdue: 'OVERDUE', never: 'NEVER RUN' } as const;
  return [
    ...table(
      entries.map((e) => [e.scenario, STATE[e.status], e.last_run_at ? when(e.last_run_at) : '—', String(e.runs), e.shipped ? 'shipped' : 'this database']),
      ['SCENARIO', 'PRACTICE', 'LAST RUN', 'RUNS', 'FROM'],
    ),
    '',
    warning ?? 'every known scenario was run within the last 12 months',
  ];
}
