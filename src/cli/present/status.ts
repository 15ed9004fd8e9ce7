import pc from '../../render/colors.js';
import { localTime } from '../../clocks/zone.js';
import { WORK_PHASES } from '../../domain/phases.js';
import { oneLine } from '../../domain/text.js';
import { isStoredInstant, type StatusView } from '../../engine/views.js';

/**
 * What `irr status` prints, shared by the command and the console's "every phase" view (which
 * therefore imports no command module).
 */

// The marks carry the meaning; colour (off under NO_COLOR or when piped) only helps the eye.
const MARK: Record<string, string> = { done: pc.green('[x]'), skipped: pc.dim('[-]'), pending: pc.yellow('[ ]'), not_applicable: pc.dim('[/]') };

/** How many steps `irr status` shows without --all: what to do first. */
export const FIRST_STEPS = 5;

function stepLine(s: StatusView['steps'][number]): string {
  const req = s.required ? '*' : ' ';
  let tail = `${s.owner}`;
  if (s.status === 'done') tail += `, done by ${s.by} ${s.at ? localTime(s.at) : ''}`;
  else if (s.status === 'skipped') tail += `, skipped by ${s.by}: ${oneLine(s.reason ?? '')}`;
  else if (s.status === 'not_applicable') tail += `, n/a: ${s.not_applicable_because?.join('; ') || s.condition}`;
  else if (s.blocked_by.length > 0) tail += `, depends on ${s.blocked_by.join(', ')} (not yet done)`;
  if (s.unknown_facts?.length) tail += `, applies when ${s.condition}: record ${s.unknown_facts.join(', ')} to decide`;
  return `  ${MARK[s.status]}${req} ${s.id}: ${s.title}  (${tail})`;
}

/**
 * What to do first: the current phase's open steps whose dependencies are done, required first,
 * then the others of the phase, then later phases' (a responder at 3 a.m. needs the next few, not 47).
 */
export function firstSteps(v: StatusView, n = FIRST_STEPS): StatusView['steps'] {
  const open = v.steps.filter((s) => s.status === 'pending');
  const rank = (s: StatusView['steps'][number]) => (s.phase === v.phase ? 0 : 4) + (s.blocked_by.length ? 2 : 0) + (s.required ? 0 : 1);
  return [...open].sort((a, b) => rank(a) - rank(b)).slice(0, n);
}

/** Every step unless `all: false` (the console's "every phase" view calls it without options). */
export function renderStatus(v: StatusView, opts: { all?: boolean } = { all: true }): string[] {
  const lines = [
    pc.bold(`${v.id}  ${v.title}${v.mode === 'drill' ? '  [DRILL]' : ''}`),
    `phase: ${v.phase}   runbook: ${v.playbook.id} ${v.playbook.version} (sha256 ${v.playbook.hash.slice(0, 12)}…)`,
    `opened ${localTime(v.opened_at)} by ${v.opened_by}`,
    v.awareness ? `awareness: ${localTime(v.awareness.at)} (${v.awareness.source}) — legal clocks run from here` : 'awareness: not yet established (no legal clock running)',
    '',
  ];
  const counts = WORK_PHASES.map((phase) => {
    const steps = v.steps.filter((s) => s.phase === phase);
    return { phase, total: steps.length, resolved: steps.filter((s) => s.status !== 'pending').length };
  });
  if (!opts.all) {
    lines.push(counts.map((c) => `${c.phase}${c.phase === v.phase ? ' <- current' : ''} ${c.resolved}/${c.total}`).join(' · '));
    const first = firstSteps(v);
    if (first.length) {
      lines.push(pc.bold(pc.cyan('do first:')));
      for (const s of first) lines.push(stepLine(s));
    } else lines.push(v.phase === 'closed' ? 'every step is resolved' : 'no step is open');
    const more = v.steps.length - first.length;
    if (more > 0) lines.push(`…and ${more} more: irr status ${v.id} --all`);
  } else {
    for (const { phase, total, resolved } of counts) {
      const heading = `${phase}${phase === v.phase ? '  <- current' : ''}  (${resolved}/${total} resolved)`;
      lines.push(phase === v.phase ? pc.bold(pc.cyan(heading)) : heading);
      for (const s of v.steps.filter((x) => x.phase === phase)) lines.push(stepLine(s));
    }
  }
  lines.push('', '[x] done  [-] skipped  [ ] to do  [/] not applicable  * required');
  const facts = Object.entries(v.facts);
  lines.push('', facts.length ? 'facts:' : 'facts: none recorded yet (irr fact <incident> key=value)');
  for (const [k, val] of facts) lines.push(`  ${k} = ${typeof val === 'object' ? JSON.stringify(val) : isStoredInstant(val) ? localTime(val) : oneLine(String(val))}   (${v.fact_sources[k]!.by}, ${localTime(v.fact_sources[k]!.at)})`);
  if (v.withdrawn.length) {
    lines.push('', 'withdrawn (irr retract):');
    for (const w of v.withdrawn) lines.push(`  #${w.seq} ${w.type}, by ${w.by} ${localTime(w.at)}: ${oneLine(w.reason)}`);
  }
  if (v.phase !== 'closed') {
    const move = v.phase === 'post-incident' ? 'close' : 'advance';
    lines.push('', v.holds.length ? pc.yellow(`${move} is held by:`) : pc.green(`ready to ${move} (irr ${move} ${v.id})`));
    for (const h of v.holds) lines.push(`  - ${h}`);
  }
  lines.push('', `log: ${v.seq} events, head ${v.head_hash.slice(0, 16)}…, ${v.notes} note${v.notes === 1 ? '' : 's'}`);
  return lines;
}
