import { describeTarget, offsetLabel, spanLabel, type DrillPin } from '../domain/drill.js';
import type { Engine } from '../engine/engine.js';
import { htmlDocument, figureMarker } from '../render/html-document.js';
import { gatherReport, type ReportData } from '../report/data.js';
import { auditLine, cell, code, table, text } from '../report/markdown.js';
import { documentTitle } from '../report/render.js';
import { timelineSvg } from '../report/svg.js';
import { dayDate, fullDate } from '../report/format.js';
import { pinOf, REFUSAL_NOTE, scoreOf } from './runner.js';
import type { DrillScore, ObjectiveScore } from './score.js';

/**
 * The after-action report in the HSEEP AAR/IP shape: exercise overview, objectives and
 * capabilities, analysis (strengths and areas for improvement, each tied to evidence in the log),
 * and the improvement plan. Every time is drill time, with its offset from the start; every claim
 * cites the event (seq) that proves it. Reading records nothing.
 */

const FIGURE = 'drill-timeline';

/** "T+5h30m (2 March 2026, 13:30 UTC)": drill time, and the full date a reader can place. */
function when(pin: DrillPin, iso: string): string {
  return `${offsetLabel(Date.parse(iso) - Date.parse(pin.start))} (${fullDate(iso)})`;
}

const evidence = (seqs: readonly number[]) => (seqs.length ? seqs.map((s) => `seq ${s}`).join(', ') : 'no event: it never happened');

function objectiveResult(o: ObjectiveScore): string {
  if (o.status === 'met') return 'Met';
  if (o.status === 'late') return `Late by ${spanLabel(o.late_by_ms!)}`;
  return 'Missed';
}

/** Due date for a proposed corrective action: 30 days after the drill's last day ("6 April 2026"). */
function proposedDue(end: string): string {
  return dayDate(new Date(Date.parse(end) + 30 * 86_400_000).toISOString().slice(0, 10));
}

export function afterActionMarkdown(pin: DrillPin, score: DrillScore, d: ReportData, figure: boolean): string {
  const out: string[] = [];
  const metCount = score.objectives.filter((o) => o.status === 'met').length;
  out.push(`# After-action report: ${cell(pin.scenario.title)}`, '');
  out.push(`Drill ${code(d.incident.id)} · scenario ${code(pin.scenario.id)} · ${pin.script ? `scripted run ${code(pin.script.id)}` : 'facilitated run'} · objectives met: **${metCount} of ${score.objectives.length}**`, '');
  out.push(auditLine(d), '');

  out.push('## 1. Exercise overview', '');
  out.push(
    table(
      ['Item', 'Detail'],
      [
        ['Exercise', cell(pin.scenario.title)],
        ['Scenario', `${code(pin.scenario.id)} (sha256 ${code(pin.scenario.hash.slice(0, 16))}…)`],
        ['Runbook rehearsed', `${code(d.incident.playbook.id)} ${cell(d.incident.playbook.version)} — ${cell(d.incident.playbook.title)}`],
        ['Drill time', `${fullDate(pin.start)} to ${fullDate(score.ended_at)} (${offsetLabel(Date.parse(score.ended_at) - Date.parse(pin.start))}), room time zone ${cell(pin.zone)}`],
        ['Conducted', `${fullDate(pin.run_at)} (wall clock)`],
        ['Mode', pin.script ? `Scripted: ${cell(pin.script.title)}` : 'Facilitated (interactive)'],
      ],
    ),
    '',
  );
  out.push('### Participants', '');
  out.push(table(['Role', 'Name'], pin.participants.map((p) => [cell(d.roles[p.role] ?? p.role), p.name ? cell(p.name) : '—'])), '');
  // The narrative's line breaks are the author's wrapping; blank lines are its paragraphs.
  const paragraphs = pin.narrative.trim().split(/\n\s*\n/).map((para) => text(para.replace(/\s*\n\s*/g, ' ')));
  out.push('### Scenario', '', paragraphs.join('\n\n'), '');

  out.push('## 2. Objectives and capabilities', '');
  out.push(
    table(
      ['Objective', 'Capability', 'Measured', 'Due', 'Done', 'Result'],
      score.objectives.map((o) => {
        const def = pin.objectives.find((x) => x.id === o.id)!;
        return [
          `${cell(o.title)} (${code(o.id)})`,
          cell(o.capability),
          cell(`${describeTarget(def.to)} within ${def.within} of ${describeTarget(def.from)}`),
          o.due_at ? when(pin, o.due_at) : '—',
          o.done_at ? when(pin, o.done_at) : '—',
          `**${objectiveResult(o)}**`,
        ];
      }),
    ),
    '',
  );
  out.push('### Legal deadlines', '');
  if (score.deadlines.length === 0) out.push('No notification became required during the drill.', '');
  else {
    out.push(
      table(
        ['Notice', 'To', 'Due', 'Sent', 'Result'],
        score.deadlines.map((x) => [
          code(x.id),
          cell(x.audience),
          x.due_at ? `${x.kind === 'target' ? 'target ' : ''}${when(pin, x.due_at)}` : 'no fixed deadline',
          x.done_at ? when(pin, x.done_at) : '—',
          `**${x.status === 'late' ? `Late by ${spanLabel(x.late_by_ms!)}` : x.status === 'missed' ? 'Missed' : x.status === 'met' ? 'Met' : x.status === 'waived' ? 'Waived' : 'Still open at the end'}**`,
        ]),
      ),
      '',
    );
  }
  const t = score.times;
  const span = (v: DrillScore['times']['contain']) => (v.known ? `${spanLabel(v.ms)} (${cell(v.label)})` : `not measured: ${cell(v.why)}`);
  out.push('### Key times', '', `- Time to contain: ${span(t.contain)}`, `- Time to decide on notification: ${span(t.decide)}`, `- Time to first notice: ${span(t.notify)}`, '');
  if (figure) out.push(figureMarker(FIGURE), '');

  out.push('## 3. Analysis', '');
  const strengths: string[] = [];
  const improve: { issue: string; action: string; capability: string; owner: string; evidence: string }[] = [];
  // One finding, one item: a skipped step that an objective measures is said in that objective's item.
  const skippedStep = new Map(score.skipped.map((s) => [s.step, s]));
  const merged = new Set<string>();
  for (const o of score.objectives) {
    const ev = evidence(o.evidence);
    if (o.status === 'met') strengths.push(`${cell(o.title)}: ${cell(o.why)}${o.done_at ? `, at ${when(pin, o.done_at)}` : ''} (${ev}).`);
    else {
      const def = pin.objectives.find((x) => x.id === o.id)!;
      const skip = 'step' in def.to ? skippedStep.get(def.to.step) : undefined;
      if (skip) merged.add(skip.step);
      const missed = skip ? `missed — the step "${skip.title}" was skipped${skip.at ? ` at ${when(pin, skip.at)}` : ''}: ${skip.reason}` : `missed — ${o.why}`;
      const issue = o.status === 'late' ? `${o.title}: late by ${spanLabel(o.late_by_ms!)} (due ${when(pin, o.due_at!)}, done ${when(pin, o.done_at!)})` : `${o.title}: ${missed}`;
      improve.push({ issue, action: def.corrective_action ?? `Rehearse "${def.title}" and find what held it`, capability: o.capability, owner: def.owner ?? 'incident_lead', evidence: ev });
    }
  }
  // One lateness, one item: a notice an objective already reported late or missed is not listed again.
  const reported = new Set(score.objectives.filter((o) => o.status !== 'met').flatMap((o) => {
    const to = pin.objectives.find((x) => x.id === o.id)?.to;
    return to && 'obligation' in to ? [to.obligation] : [];
  }));
  for (const x of score.deadlines) {
    if ((x.status === 'late' || x.status === 'missed') && reported.has(x.id)) continue;
    if (x.status === 'met') strengths.push(`${code(x.id)} sent ${x.done_at ? `at ${when(pin, x.done_at)}` : ''}, before its ${x.kind === 'target' ? 'target' : 'deadline'} ${x.due_at ? when(pin, x.due_at) : ''}.`);
    if (x.status === 'late' || x.status === 'missed') {
      improve.push({
        issue: `${x.id}: ${x.status === 'late' ? `sent ${spanLabel(x.late_by_ms!)} after its ${x.kind === 'target' ? 'target' : 'legal deadline'}` : `not sent by its ${x.kind === 'target' ? 'target' : 'legal deadline'} ${x.due_at ? when(pin, x.due_at) : ''}`}`,
        action: 'Pre-draft the notice and agree who approves it out of hours',
        capability: 'Public Information and Warning',
        owner: 'dpo',
        evidence: x.citation,
      });
    }
  }
  for (const s of score.skipped.filter((x) => !merged.has(x.step))) {
    improve.push({ issue: `The step "${s.title}" was skipped: ${s.reason}`, action: 'Confirm the step can be done under pressure, or change the runbook on purpose', capability: 'Planning', owner: 'incident_lead', evidence: s.at ? `skipped at ${when(pin, s.at)}` : 'skipped' });
  }
  for (const e of d.events) {
    if (e.event.type === 'note.added' && e.event.payload.text.startsWith(REFUSAL_NOTE)) {
      improve.push({ issue: e.event.payload.text.slice(REFUSAL_NOTE.length), action: 'Fix the plan (or the script) so the action is possible when it is needed', capability: 'Planning', owner: 'incident_lead', evidence: `seq ${e.seq}` });
    }
  }
  out.push('### Strengths', '');
  out.push(...(strengths.length ? strengths.map((s) => `- ${s}`) : ['- None recorded against the objectives.']), '');
  out.push('### Areas for improvement', '');
  out.push(...(improve.length ? improve.map((i) => `- ${cell(i.issue)} (evidence: ${cell(i.evidence)})`) : ['- None: every objective was met and no deadline was missed.']), '');

  out.push('### Injects', '');
  out.push(
    table(
      ['Time', 'Inject', 'Told to the room', 'Fired'],
      pin.injects.map((i) => {
        const logged = score.injects.find((x) => x.id === i.id);
        const at = new Date(Date.parse(pin.start) + i.offset_ms).toISOString();
        return [when(pin, at), code(i.id), cell(i.message), logged ? (logged.fired ? `yes (seq ${logged.seq})` : `no — ${cell(logged.reason ?? '')}`) : 'not reached'];
      }),
    ),
    '',
  );

  out.push('## 4. Improvement plan', '');
  const due = proposedDue(score.ended_at);
  // People by their role's title in the runbook ("Data protection officer"), not its id.
  const title = (role: string) => cell(d.roles[role] ?? role);
  const rows = improve.map((i, n) => [`${n + 1}`, cell(i.issue), cell(i.action), cell(i.capability), title(i.owner), `${due} (proposed)`]);
  for (const a of d.actions) rows.push([code(a.id), cell(a.text), 'Recorded during the drill', '—', title(a.owner), cell(dayDate(a.due))]);
  out.push(rows.length ? table(['#', 'Issue', 'Corrective action', 'Capability', 'Owner', 'Due'], rows) : 'Nothing to improve was found.', '');

  // In a drill the actors play the runbook's roles (`as: dpo`): the log names them by the role's title too.
  out.push('## Appendix: the drill log', '');
  out.push(table(['Drill time', 'Seq', 'Who', 'What'], d.events.map((e) => [offsetLabel(Date.parse(e.at) - Date.parse(pin.start)), String(e.seq), title(e.actor), cell(e.what)])), '');
  return out.join('\n');
}

export async function afterActionReport(engine: Engine, id: string, format: 'md' | 'html'): Promise<string> {
  const pin = await pinOf(engine, id);
  const score = await scoreOf(engine, id);
  const data = await gatherReport(engine, id, score.ended_at);
  const markdown = afterActionMarkdown(pin, score, data, format === 'html');
  if (format === 'md') return markdown;
  return htmlDocument(markdown, { title: documentTitle('After-action report', pin.scenario.title), lang: 'en', figures: { [FIGURE]: timelineSvg(data) } });
}
