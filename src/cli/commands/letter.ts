import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { InvalidInput } from '../../domain/errors.js';
import { CORE_FACTS } from '../../domain/facts.js';
import type { Regime } from '../../domain/regime.js';
import type { LetterTemplate } from '../../domain/template.js';
import type { StoredEvent } from '../../domain/events.js';
import type { Engine } from '../../engine/engine.js';
import { recordDocument } from '../../engine/documents.js';
import { assessIncident, regimes } from '../../engine/obligations.js';
import type { Obligation } from '../../assess/obligations.js';
import { ValidationFailed, type Problem } from '../../playbook/problems.js';
import { checkTemplate, shippedTemplateFiles } from '../../playbook/template.js';
import { alsoInforming, isLetterLate, letterView, PLACEHOLDER_RECIPIENT, recipientView } from '../../render/letter-view.js';
import { DRAFT_BANNER, LETTER_FORMATS, missingItems, refuseMissing, renderLetterMarkdown, toFormat, trialRender, type LetterFormat } from '../../render/letter.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines, table, writeStdout } from '../output.js';
import { checkOutput, dbGuard, placeThenRecord, StagedFile } from '../output-file.js';

async function catalogue(): Promise<ReadonlyMap<string, Regime>> {
  return new Map((await regimes()).map((r) => [r.id, r]));
}

/** Every template file checked: front matter, coverage, sections, facts, and a trial render. */
export function checkTemplateFiles(files: readonly string[], byId: ReadonlyMap<string, Regime>): { templates: LetterTemplate[]; problems: Problem[] } {
  const templates: LetterTemplate[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const r = checkTemplate(file, byId);
    problems.push(...r.problems);
    if (!r.template) continue;
    const t = r.template;
    if (seen.has(t.id)) problems.push({ file, line: 1, col: 1, message: `id: duplicate template id "${t.id}" (also in ${seen.get(t.id)})` });
    seen.set(t.id, file);
    const regime = byId.get(t.obligations[0]!)!;
    const trial = trialRender(t, CORE_FACTS, (facts, late) => ({
      ...letterView({
        incident: { id: 'INC-2026-0001', title: 'sample' },
        facts,
        catalogue: CORE_FACTS,
        regime,
        obligation: sampleObligation(regime),
        now: '2026-01-02T00:00:00.000Z',
        late,
      }),
      recipient: recipientView(PLACEHOLDER_RECIPIENT),
    }));
    problems.push(...trial);
    if (trial.length === 0) templates.push(t);
  }
  return { templates, problems };
}

function sampleObligation(r: Regime): Obligation {
  return {
    id: r.id, regime: r.id, jurisdiction: r.jurisdiction, audience: r.audience, in_force: true, applies: true, required: true, recommended: false, reason: '', reasons: [], unknown_facts: [], factors: [],
    clock_start: '2026-01-01T00:00:00.000Z', clock_start_source: null, due_at: '2026-01-04T00:00:00.000Z', target_at: null, due: '2026-01-04T00:00:00.000Z', speculative: false, waiver: null, deadline: [], stages: null, family: r.family ?? null, authorities: r.authority ? [r.authority] : [],
    status: 'running', sent_at: null, record: null, citation: r.citation, source: r.source, unconfirmed: [],
  };
}

export async function templateList(g: GlobalOptions): Promise<void> {
  const byId = await catalogue();
  const { templates, problems } = checkTemplateFiles(shippedTemplateFiles(), byId);
  if (problems.length > 0) throw new ValidationFailed(problems);
  if (g.json) {
    printJson(templates.map((t) => ({ id: t.id, obligations: t.obligations, audience: t.audience, locale: t.locale, title: t.title, covers: Object.keys(t.covers) })));
    return;
  }
  printLines(table(templates.map((t) => [t.id, t.obligations.join(', '), t.audience, t.locale]), ['TEMPLATE', 'OBLIGATIONS', 'TO', 'LOCALE']));
}

export async function templateCheck(g: GlobalOptions, files: string[]): Promise<void> {
  const byId = await catalogue();
  const list = files.length > 0 ? files : shippedTemplateFiles();
  const { templates, problems } = checkTemplateFiles(list, byId);
  if (problems.length > 0) throw new ValidationFailed(problems);
  // Which regimes with an external audience have no shipped template (information, not an error).
  const served = new Set(templates.flatMap((t) => t.obligations));
  const uncovered = [...byId.values()].filter((r) => r.audience !== 'internal' && !served.has(r.id)).map((r) => r.id);
  if (g.json) {
    printJson({ ok: true, templates: templates.map((t) => ({ id: t.id, obligations: t.obligations, items: Object.keys(t.covers).length })), regimes_without_template: files.length > 0 ? undefined : uncovered });
    return;
  }
  const lines = templates.map((t) => `ok  ${t.id}: covers ${Object.keys(t.covers).length} required items of ${t.obligations.join(', ')}`);
  if (files.length === 0 && uncovered.length > 0) lines.push(`(no template yet for: ${uncovered.join(', ')})`);
  printLines(lines);
}

/** The templates that serve an obligation, checked; the chosen one by id or locale. */
export function chooseTemplate(obligation: string, byId: ReadonlyMap<string, Regime>, opts: { template?: string; locale?: string }): LetterTemplate {
  const { templates, problems } = checkTemplateFiles(shippedTemplateFiles(), byId);
  const candidates = templates.filter((t) => t.obligations.includes(obligation));
  if (opts.template !== undefined) {
    const t = templates.find((x) => x.id === opts.template);
    if (!t) {
      const broken = problems.filter((p) => basename(p.file) === `${opts.template}.md`);
      if (broken.length > 0) throw new ValidationFailed(broken);
      throw new InvalidInput(`--template: no template "${opts.template}" (irr template list)`);
    }
    if (!t.obligations.includes(obligation)) throw new InvalidInput(`--template: ${t.id} serves ${t.obligations.join(', ')}, not ${obligation}`);
    return t;
  }
  if (candidates.length === 0) {
    const broken = problems.filter((p) => /\.md$/.test(p.file));
    if (broken.length > 0) throw new ValidationFailed(broken);
    throw new InvalidInput(`<obligation-id>: no letter template serves ${obligation} (irr template list shows those that exist)`);
  }
  const locale = opts.locale ?? 'en';
  return candidates.find((t) => t.locale === locale) ?? candidates.find((t) => t.locale.split('-')[0] === locale.split('-')[0]) ?? candidates[0]!;
}

export function parseFormat(raw: string, allowed: readonly string[] = LETTER_FORMATS): LetterFormat {
  if (!allowed.includes(raw)) throw new InvalidInput(`--format: "${raw}" is not one of ${allowed.join(', ')}`);
  return raw as LetterFormat;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function isApproved(o: Obligation): boolean {
  return o.record?.status === 'approved' || o.record?.status === 'sent';
}

export interface ProducedLetter {
  readonly output: string;
  readonly template: LetterTemplate;
  readonly draft: boolean;
  readonly sha256: string;
  readonly event: StoredEvent;
}

/**
 * Write one notice and record it: shared by `irr letter` and the console. Refuses (InvalidInput,
 * exit 2) with every missing item before anything is written or recorded.
 */
export async function produceLetter(
  engine: Engine,
  actor: string,
  id: string,
  obligationId: string,
  opts: { format: LetterFormat; out?: string; force?: boolean; template?: string; locale?: string; now: string; deliver?: (output: string) => Promise<void> },
): Promise<ProducedLetter> {
  // The file is checked before anything is rendered or recorded (output-file.ts).
  const target = opts.out !== undefined ? checkOutput({ flag: '--out', path: opts.out, force: opts.force, guard: [dbGuard(engine.store.path)] }) : null;
  const byId = await catalogue();
  const regime = byId.get(obligationId);
  if (!regime) throw new InvalidInput(`<obligation-id>: no obligation "${obligationId}" (irr clocks ${id} lists the incident's; irr regime list all)`);
  const template = chooseTemplate(obligationId, byId, opts);
  const { now, format } = opts;
  const { loaded, assessment } = await assessIncident(engine, id, now);
  const o = assessment.obligations.find((x) => x.id === obligationId)!;
  const late = isLetterLate(o, now);
  const facts = Object.fromEntries(Object.entries(loaded.ctx.facts).map(([k, v]) => [k, v.value]));
  const lookup = (n: string) => (Object.hasOwn(facts, n) ? facts[n] : undefined);
  const missing = missingItems(template, regime, lookup, late);
  const view = { ...letterView({ incident: { id: loaded.ctx.id, title: loaded.ctx.title }, facts, catalogue: engine.catalogue(loaded.runbook), regime, obligation: o, now, late, alsoInforming: alsoInforming(o, assessment.obligations) }), recipient: recipientView(PLACEHOLDER_RECIPIENT) };
  const rendered = renderLetterMarkdown(template, view, missing);
  if (rendered.missing.length > 0) refuseMissing(template, obligationId, rendered.missing);
  const draft = isApproved(o) ? null : `${DRAFT_BANNER} (${obligationId} is ${o.record?.status ?? 'not drafted'}; approve with: irr obligation ${id} ${obligationId} approved)`;
  const output = toFormat(rendered.markdown, format, { title: template.title, lang: template.locale, draft });
  const hash = sha256(output);
  // Delivered first, recorded after: the log never holds a rendering whose bytes were lost.
  const record = () => recordDocument(engine, id, engine.who(actor, undefined, id), { kind: 'letter', template: template.id, obligation: obligationId, format, sha256: hash, draft: draft !== null });
  let event: StoredEvent;
  if (target) {
    const staged = StagedFile.open(target);
    staged.write(output);
    event = (await placeThenRecord(staged, record)).recorded;
  } else {
    await opts.deliver?.(output);
    event = await record();
  }
  return { output, template, draft: draft !== null, sha256: hash, event };
}

export async function letter(g: GlobalOptions, id: string, obligationId: string, opts: { format: string; out?: string; force?: boolean; template?: string; locale?: string; now?: string }): Promise<void> {
  const format = parseFormat(opts.format);
  const at = parseAt(opts.now, '--now');
  await withEngine(g, { create: false }, async (engine) => {
    // To stdout (not --json): the letter is written and flushed before it is recorded.
    const deliver = opts.out === undefined && !g.json ? writeStdout : undefined;
    const r = await produceLetter(engine, g.actor, id, obligationId, { ...opts, format, now: at ?? engine.now(id), deliver });
    const summary = `${id}: letter ${r.template.id} for ${obligationId}${r.draft ? ' (DRAFT)' : ''}, sha256 ${r.sha256} (seq ${r.event.seq})`;
    if (g.json) {
      printJson({ ok: true, incident: id, obligation: obligationId, template: r.template.id, format, draft: r.draft, sha256: r.sha256, seq: r.event.seq, ...(opts.out ? { out: opts.out } : { content: r.output }) });
    } else if (opts.out) {
      printLines(`${summary}\nwritten to ${opts.out}`);
    } else {
      process.stderr.write(`${summary}\n`);
    }
  });
}

/** The mail merge lives in its own module: csv-parse and the stream plumbing load only for it. */
export async function letters(...args: Parameters<typeof import('./letters.js').letters>): Promise<void> {
  const m = await import('./letters.js');
  await m.letters(...args);
}
