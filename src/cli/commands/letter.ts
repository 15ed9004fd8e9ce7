import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { InvalidInput, Refused } from '../../domain/errors.js';
import type { Regime } from '../../domain/regime.js';
import type { LetterTemplate } from '../../domain/template.js';
import type { StoredEvent } from '../../domain/events.js';
import type { Engine } from '../../engine/engine.js';
import { recordDocument } from '../../engine/documents.js';
import { assessIncident, regimes } from '../../engine/obligations.js';
import type { Obligation } from '../../assess/obligations.js';
import { ValidationFailed } from '../../playbook/problems.js';
import { shippedTemplateFiles } from '../../playbook/template-files.js';
import { brokenFor, shippedTemplates } from '../../render/shipped-templates.js';
import { alsoInforming, isLetterLate, letterFacts, letterView, MISSING_RE, placeholderRecipient, recipientView, type LetterPhase } from '../../render/letter-view.js';
import { escapeMarkdown } from '../../render/escape.js';
import { letterLocale, primaryLanguage } from '../../render/letter-locale.js';
import { DRAFT_BANNER, LETTER_FORMATS, letterOutput, missingItems, refuseMissing, renderLetterMarkdown, type LetterFormat, type MissingItem } from '../../render/letter.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines, table, writeStdout } from '../output.js';
import { checkOutput, dbGuard, placeThenRecord, StagedFile } from '../output-file.js';

async function catalogue(): Promise<ReadonlyMap<string, Regime>> {
  return new Map((await regimes()).map((r) => [r.id, r]));
}

export async function templateList(g: GlobalOptions): Promise<void> {
  const byId = await catalogue();
  const { checkTemplateFiles } = await import('../../render/template-check.js');
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
  const { checkTemplateFiles } = await import('../../render/template-check.js');
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
export async function chooseTemplate(obligation: string, byId: ReadonlyMap<string, Regime>, opts: { template?: string; locale?: string }): Promise<LetterTemplate> {
  const { templates, problems, broken } = await shippedTemplates(byId, (t) => t.obligations.includes(obligation) || t.id === opts.template);
  const candidates = templates.filter((t) => t.obligations.includes(obligation));
  if (opts.template !== undefined) {
    const t = templates.find((x) => x.id === opts.template);
    if (!t) {
      const named = problems.filter((p) => basename(p.file) === `${opts.template}.md`);
      if (named.length > 0) throw new ValidationFailed(named);
      throw new InvalidInput(`--template: no template "${opts.template}" (irr template list)`);
    }
    if (!t.obligations.includes(obligation)) throw new InvalidInput(`--template: ${t.id} serves ${t.obligations.join(', ')}, not ${obligation}`);
    return t;
  }
  if (candidates.length === 0) {
    const inTheWay = brokenFor(broken, obligation);
    if (inTheWay.length > 0) throw new ValidationFailed(inTheWay.flatMap((b) => b.problems));
    throw new InvalidInput(`<obligation-id>: no letter template serves ${obligation} (irr template list shows those that exist)`);
  }
  // A broken template may be the one in the language asked for (English by default): say what is
  // wrong with it rather than write the letter in another language (or say none exists).
  const want = opts.locale ?? 'en';
  if (templateForLocale(candidates, want) === undefined) {
    const inTheWay = brokenFor(broken, obligation, (locale) => primaryLanguage(locale) === primaryLanguage(want));
    if (inTheWay.length > 0) throw new ValidationFailed(inTheWay.flatMap((b) => b.problems));
  }
  return pickByLocale(candidates, obligation, opts.locale);
}

const LOCALE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/i;

/** A template in `tag` (exact, else the same primary language); none is exit 2, never English in its place. */
export function templateForLocale(candidates: readonly LetterTemplate[], tag: string): LetterTemplate | undefined {
  const want = tag.toLowerCase();
  return candidates.find((t) => t.locale.toLowerCase() === want)
    ?? candidates.find((t) => primaryLanguage(t.locale) === primaryLanguage(want) && !t.locale.includes('-'))
    ?? candidates.find((t) => primaryLanguage(t.locale) === primaryLanguage(want));
}

export function availableLocales(candidates: readonly LetterTemplate[]): string[] {
  const all = [...new Set(candidates.map((t) => t.locale))];
  return [...all.filter((l) => l === 'en'), ...all.filter((l) => l !== 'en').sort()];
}

/** Without --locale: the English letter (or the only one there is); with it: that language or exit 2. */
function pickByLocale(candidates: readonly LetterTemplate[], obligation: string, locale: string | undefined): LetterTemplate {
  if (locale === undefined) return templateForLocale(candidates, 'en') ?? candidates[0]!;
  if (!LOCALE_TAG.test(locale)) throw new InvalidInput(`--locale: "${locale}" is not a language tag such as en, fr or de-AT`);
  const t = templateForLocale(candidates, locale);
  if (!t) throw new InvalidInput(`--locale: no template in ${locale} for ${obligation}; available: ${availableLocales(candidates).join(', ')} (irr template list)`);
  return t;
}

export function parseFormat(raw: string, allowed: readonly string[] = LETTER_FORMATS): LetterFormat {
  if (!allowed.includes(raw)) throw new InvalidInput(`--format: "${raw}" is not one of ${allowed.join(', ')}`);
  return raw as LetterFormat;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function isApproved(o: Obligation): boolean {
  return o.record?.status === 'approved' || o.record?.status === 'sent';
}

/** What a phased notice (GDPR Art 33(4)) defers, and what a supplement adds to; plus what must still refuse. */
interface PhasePlan extends LetterPhase {
  /** Missing items that still refuse the letter. */
  readonly missing: MissingItem[];
  /** Facts whose place in the text says "to follow". */
  readonly deferred: ReadonlySet<string>;
  /** Item ids still to follow (recorded with the rendering). */
  readonly deferredItems: string[];
}

const mentions = (t: LetterTemplate, name: string) => t.body.includes(name);

/**
 * --phased: an initial notice written with what is known, every required item whose facts are not
 * known yet listed as to follow (a condition that cannot be decided, or a fact only the text uses,
 * still refuses). --supplement: further information to the notice already sent, naming its date
 * and reference. Only templates written for phases (they use obligation.phased / .supplement) can.
 */
export function letterPhase(t: LetterTemplate, o: Obligation, incident: string, missing: MissingItem[], opts: { phased?: boolean; supplement?: boolean }): PhasePlan {
  if (opts.phased && !mentions(t, 'obligation.phased')) throw new InvalidInput(`--phased: template ${t.id} has no phased form; only a notice whose law allows information in phases (GDPR Art 33(4)) has one`);
  if (opts.supplement && !mentions(t, 'obligation.supplement')) throw new InvalidInput(`--supplement: template ${t.id} has no supplement form; only a notice whose law allows information in phases (GDPR Art 33(4)) has one`);
  let supplementTo: LetterPhase['supplementTo'] = null;
  if (opts.supplement) {
    const r = o.record;
    if (r?.status !== 'sent' || !r.sent_at) throw new Refused(`--supplement: ${o.id} has not been sent yet; a supplement adds to a notice already sent (irr obligation ${incident} ${o.id} sent)`);
    supplementTo = { sentAt: r.sent_at, ref: r.ref ?? incident };
  } else if (opts.phased && o.record?.status === 'sent') {
    throw new InvalidInput(`--phased: ${o.id} was already sent; further information is a supplement (--supplement)`);
  }
  if (!opts.phased) return { toFollow: [], supplementTo, missing, deferred: new Set(), deferredItems: [] };
  const later = missing.filter((m) => m.why === 'supplies');
  if (later.length === 0) throw new InvalidInput(`--phased: every required item of ${o.id} can be written now; write the complete notice without --phased`);
  const items = [...new Set(later.map((m) => m.item))];
  return {
    toFollow: [...new Set(items.map((i) => t.covers[i]!.section))],
    supplementTo,
    missing: missing.filter((m) => m.why !== 'supplies'),
    deferred: new Set(later.map((m) => m.fact)),
    deferredItems: items,
  };
}

/** The deferred facts' places say "to follow" in the letter's language; they no longer refuse it. */
function deferFacts(r: { markdown: string; missing: MissingItem[] }, deferred: ReadonlySet<string>, words: string): { markdown: string; missing: MissingItem[] } {
  if (deferred.size === 0) return r;
  return {
    markdown: r.markdown.replace(MISSING_RE, (m, fact: string) => (deferred.has(fact) ? escapeMarkdown(words) : m)),
    missing: r.missing.filter((m) => !(m.why === 'text' && deferred.has(m.fact))),
  };
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
  opts: { format: LetterFormat; out?: string; force?: boolean; template?: string; locale?: string; now: string; phased?: boolean; supplement?: boolean; deliver?: (output: string) => Promise<void> },
): Promise<ProducedLetter> {
  // The file is checked before anything is rendered or recorded (output-file.ts).
  const target = opts.out !== undefined ? checkOutput({ flag: '--out', path: opts.out, force: opts.force, guard: [dbGuard(engine.location)] }) : null;
  const byId = await catalogue();
  const regime = byId.get(obligationId);
  if (!regime) throw new InvalidInput(`<obligation-id>: no obligation "${obligationId}" (irr clocks ${id} lists the incident's; irr regime list all)`);
  const template = await chooseTemplate(obligationId, byId, opts);
  const { now, format } = opts;
  const { loaded, assessment } = await assessIncident(engine, id, now);
  const o = assessment.obligations.find((x) => x.id === obligationId)!;
  const late = isLetterLate(o, now);
  // The delay reasons typed when the late `sent` was recorded count as the fact delay_reasons.
  const facts = letterFacts(o, Object.fromEntries(Object.entries(loaded.ctx.facts).map(([k, v]) => [k, v.value])));
  const lookup = (n: string) => (Object.hasOwn(facts, n) ? facts[n] : undefined);
  const phase = letterPhase(template, o, loaded.ctx.id, missingItems(template, regime, lookup, late), opts);
  const view = { ...letterView({ incident: { id: loaded.ctx.id, title: loaded.ctx.title }, facts, catalogue: engine.catalogue(loaded.runbook), regime, obligation: o, now, late, locale: template.locale, phase, alsoInforming: alsoInforming(o, assessment.obligations), obligations: assessment.obligations }), recipient: recipientView(placeholderRecipient(template.locale)) };
  const rendered = deferFacts(renderLetterMarkdown(template, view, phase.missing), phase.deferred, letterLocale(template.locale).words.toFollow);
  if (rendered.missing.length > 0) refuseMissing(template, obligationId, rendered.missing);
  const draft = isApproved(o) ? null : `${DRAFT_BANNER} (${obligationId} is ${o.record?.status ?? 'not drafted'}; approve with: irr obligation ${id} ${obligationId} approved)`;
  // A draft e-mail to an authority goes to its published address when the regime names one.
  const email = template.audience === 'authority' ? regime.authority?.email : undefined;
  const output = await letterOutput(rendered.markdown, format, { title: template.title, lang: template.locale, draft, date: now, ...(email ? { to: { name: regime.authority!.name, address: email } } : {}) });
  const hash = sha256(output);
  // Delivered first, recorded after: the log never holds a rendering whose bytes were lost.
  const phased = phase.supplementTo ? { phase: 'supplement' as const } : phase.toFollow.length > 0 ? { phase: 'initial' as const } : {};
  const toFollow = phase.deferredItems.length > 0 ? { to_follow: phase.deferredItems } : {};
  const record = async () => recordDocument(engine, id, await engine.who(actor, undefined, id), { kind: 'letter', template: template.id, obligation: obligationId, format, sha256: hash, draft: draft !== null, ...phased, ...toFollow });
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

export async function letter(g: GlobalOptions, id: string, obligationId: string, opts: { format: string; out?: string; force?: boolean; template?: string; locale?: string; now?: string; phased?: boolean; supplement?: boolean }): Promise<void> {
  const format = parseFormat(opts.format);
  const at = parseAt(opts.now, '--now');
  await withEngine(g, { create: false }, async (engine) => {
    // To stdout (not --json): the letter is written and flushed before it is recorded.
    const deliver = opts.out === undefined && !g.json ? writeStdout : undefined;
    const r = await produceLetter(engine, g.actor, id, obligationId, { ...opts, format, now: at ?? await engine.now(id), deliver });
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
