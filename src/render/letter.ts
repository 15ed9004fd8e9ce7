import Handlebars from 'handlebars';
import { evaluate } from '../domain/condition.js';
import { InvalidInput } from '../domain/errors.js';
import type { FactCatalogue, FactDefinition, FactValue } from '../domain/facts.js';
import type { Regime, RequiredContent } from '../domain/regime.js';
import type { LetterTemplate } from '../domain/template.js';
import type { Problem } from '../playbook/problems.js';
import { htmlDocument } from './html-document.js';
import { MISSING_RE } from './letter-view.js';
import { renderMarkdown } from './terminal-markdown.js';

export const LETTER_FORMATS = ['md', 'html', 'txt', 'eml'] as const;
export type LetterFormat = (typeof LETTER_FORMATS)[number];

/** One legally required item the letter cannot write yet, and the fact that would supply it. */
export interface MissingItem {
  readonly regime: string;
  readonly item: string;
  readonly ref: string;
  readonly fact: string;
  readonly why: 'supplies' | 'decides' | 'text';
}

export function describeMissing(m: MissingItem): string {
  if (m.why === 'text') return `the letter's text uses fact ${m.fact}: set fact ${m.fact}`;
  if (m.why === 'decides') return `${m.regime} ${m.ref} ${m.item}: whether it applies depends on fact ${m.fact}: set fact ${m.fact}`;
  return `${m.regime} ${m.ref} ${m.item} missing: set fact ${m.fact}`;
}

type Lookup = (name: string) => FactValue | undefined;

/**
 * The items of the regime this letter must contain now (late-only items only when late; conditional
 * items when their condition holds), and the facts each needs that are not known.
 */
export function missingItems(t: LetterTemplate, regime: Regime, lookup: Lookup, late: boolean): MissingItem[] {
  const out: MissingItem[] = [];
  const item = (i: RequiredContent, fact: string, why: MissingItem['why']) => out.push({ regime: regime.id, item: i.id, ref: i.ref, fact, why });
  for (const i of regime.required_contents) {
    const c = t.covers[i.id];
    if (!c) continue; // template check refuses such a template before it is used
    if (c.only_if_late && !late) continue;
    if (c.when) {
      const truth = evaluate(c.when, lookup);
      if (truth.value === false) continue;
      if (truth.value === 'unknown') {
        for (const f of truth.missing) item(i, f, 'decides');
        continue;
      }
    }
    for (const f of new Set([...i.facts, ...c.facts])) if (lookup(f) === undefined) item(i, f, 'supplies');
  }
  return out;
}

const hb = Handlebars.create();
const compiled = new WeakMap<LetterTemplate, HandlebarsTemplateDelegate>();

/** A problem in a template body, at a line (1-based, in the body) and a column (0-based, as Handlebars counts). */
class TemplateBodyError extends Error {
  constructor(message: string, readonly lineNumber: number, readonly column: number) {
    super(message);
  }
}

interface ParseHash {
  readonly text?: string;
  readonly token?: string | null;
  readonly line?: number;
  readonly loc?: { readonly first_line: number; readonly first_column: number; readonly last_line: number; readonly last_column: number };
  readonly expected?: readonly string[];
}

// Handlebars' parser throws a multi-line message ("Parse error on line 79:\n…\n---^\nExpecting …")
// and drops the position it knows; keep the position and say it in one line.
const isJisonParser = (v: unknown): v is { parseError: unknown } => typeof v === 'object' && v !== null && 'parseError' in v;
const parser: unknown = Reflect.get(hb, 'Parser');
if (isJisonParser(parser)) parser.parseError = (str: string, hash: ParseHash): never => {
  // The location jison keeps spans the last token it accepted; the offending text starts where it ends.
  const line = hash.loc?.last_line ?? (hash.line ?? 0) + 1;
  const column = hash.loc?.last_column ?? 0;
  if (/^Lexical error/.test(str)) throw new TemplateBodyError('Handlebars lexical error: unrecognised text in a {{…}} expression', line, column);
  const expected = (hash.expected ?? []).map((x) => x.replace(/'/g, ''));
  const got = hash.token === 'EOF' ? 'end of the template' : `${hash.token ?? 'text'}${hash.text ? ` "${hash.text}"` : ''}`;
  const want = expected.length > 0 ? `; expected ${expected.slice(0, 5).join(', ')}${expected.length > 5 ? `, … (${expected.length} in all)` : ''}` : '';
  throw new TemplateBodyError(`Handlebars parse error: unexpected ${got}${want}${hash.token === 'EOF' ? ' (a block left open?)' : ''}`, line, column);
};

/** The block helpers irr's templates may use; no other helper, inline or block, and no partials. */
export const BLOCK_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with']);
// Handlebars' own helpers, whose names as values would call them rather than read a fact.
const BUILT_IN = new Set([...BLOCK_HELPERS, 'lookup', 'log', 'helperMissing', 'blockHelperMissing']);

interface HbNode {
  readonly type: string;
  readonly loc?: { readonly start: { readonly line: number; readonly column: number } };
  readonly [key: string]: unknown;
}

const isNode = (v: unknown): v is HbNode => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
const countOf = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/** The helper or path an expression names, as written. */
function nameOf(n: HbNode): string {
  const path = n.path;
  return isNode(path) && typeof path.original === 'string' ? path.original : isNode(path) ? String(path.original) : '?';
}

/**
 * Every expression of the body checked before compiling, with an explicit stack: only names,
 * `this` and paths as values, and the block helpers if/unless/each/with. Handlebars would
 * otherwise call its internal helpers ({{#blockHelperMissing}} crashed in the runtime) or look
 * for partials that do not exist.
 */
function checkBody(body: string): void {
  let ast: unknown;
  try {
    ast = hb.parse(body);
  } catch (err) {
    if (err instanceof RangeError) throw new TemplateBodyError('nested too deeply', 1, 0);
    throw err;
  }
  const stack: unknown[] = [ast];
  const fail = (n: HbNode, message: string): never => {
    throw new TemplateBodyError(message, n.loc?.start.line ?? 1, n.loc?.start.column ?? 0);
  };
  while (stack.length > 0) {
    const n = stack.pop();
    if (!isNode(n)) continue;
    const label = nameOf(n);
    switch (n.type) {
      case 'PartialStatement':
      case 'PartialBlockStatement':
        fail(n, 'partials ({{> name}}) are not supported in irr templates');
        break;
      case 'Decorator':
      case 'DecoratorBlock':
        fail(n, 'decorators ({{* name}}) are not supported in irr templates');
        break;
      case 'BlockStatement':
        if (!BLOCK_HELPERS.has(label)) fail(n, `{{#${label}}} is not a block irr templates know (use if, unless, each or with)`);
        break;
      case 'MustacheStatement':
      case 'SubExpression': {
        const hash = isNode(n.hash) ? countOf(n.hash.pairs) : 0;
        if (countOf(n.params) > 0 || hash > 0 || n.type === 'SubExpression') fail(n, `{{${label} …}} calls a helper; irr templates use only names and the blocks if, unless, each, with`);
        if (BUILT_IN.has(label)) fail(n, `{{${label}}} names a Handlebars helper, not a value of the letter`);
        break;
      }
    }
    for (const key of ['body', 'program', 'inverse', 'params']) {
      const v = n[key];
      if (Array.isArray(v)) stack.push(...v);
      else if (isNode(v)) stack.push(v);
    }
  }
}

function compile(t: LetterTemplate): HandlebarsTemplateDelegate {
  let fn = compiled.get(t);
  if (!fn) {
    checkBody(t.body);
    // strict: a name the view lacks is an error, never a silent blank. noEscape: values arrive
    // escaped for Markdown (render/escape.ts), which HTML-escaping would corrupt. Built-in helpers only.
    fn = hb.compile(t.body, { strict: true, noEscape: true, knownHelpersOnly: true, preventIndent: true });
    compiled.set(t, fn);
  }
  return fn;
}

/** A Handlebars error, located in the template file, in one line. */
function templateError(t: LetterTemplate, err: unknown): Problem {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const first = (e.message ?? String(err)).split('\n')[0]!.replace(/ - \d+:\d+$/, '');
  const line = e.lineNumber ?? 1;
  return { file: t.file, line: t.bodyLine + line - 1, col: (e.column ?? 0) + 1, message: first.replace(/\[object Object\]/g, 'the view') };
}

/** The Markdown of the letter; refuses with every missing item (exit 2). */
export function renderLetterMarkdown(t: LetterTemplate, view: Record<string, unknown>, known: readonly MissingItem[] = []): { markdown: string; missing: MissingItem[] } {
  let out: string;
  try {
    out = compile(t)(view);
  } catch (err) {
    const p = templateError(t, err);
    throw new InvalidInput(`${p.file}:${p.line}:${p.col}: ${p.message}`);
  }
  const missing = [...known];
  const seen = new Set(known.map((m) => m.fact));
  for (const m of out.matchAll(MISSING_RE)) {
    if (seen.has(m[1]!)) continue;
    seen.add(m[1]!);
    missing.push({ regime: '', item: '', ref: '', fact: m[1]!, why: 'text' });
  }
  return { markdown: out, missing };
}

/** A letter refused for facts not recorded: the facts, once each, so the console can ask for exactly those. */
export class LetterFactsMissing extends InvalidInput {
  readonly facts: readonly string[];
  constructor(message: string, details: readonly string[], facts: readonly string[]) {
    super(message, details);
    this.facts = facts;
  }
}

export function refuseMissing(t: LetterTemplate, obligation: string, missing: readonly MissingItem[]): never {
  const lines = missing.map(describeMissing);
  throw new LetterFactsMissing(`letter ${t.id} for ${obligation}: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`, lines.slice(1), [...new Set(missing.map((m) => m.fact))]);
}

export const DRAFT_BANNER = 'DRAFT — not approved for sending';

/**
 * Markdown → the requested format, an e-mail draft included (its text and HTML parts are the txt
 * and html renderings, banner and all); `to` and `date` are the draft's headers.
 */
export async function letterOutput(markdown: string, format: LetterFormat, opts: { title: string; lang: string; draft: string | null; date: string; to?: { name: string; address: string } }): Promise<string> {
  if (format !== 'eml') return toFormat(markdown, format, opts);
  const { emailDraft } = await import('./eml.js');
  return emailDraft({ subject: opts.title, ...(opts.to ? { to: opts.to } : {}), text: toFormat(markdown, 'txt', opts), html: toFormat(markdown, 'html', opts), date: opts.date, lang: opts.lang });
}

/** Markdown → md, html or txt; a draft carries the banner in every format. */
export function toFormat(markdown: string, format: Exclude<LetterFormat, 'eml'>, opts: { title: string; lang: string; draft: string | null }): string {
  const tidy = markdown.replace(/\n{3,}/g, '\n\n').trim() + '\n';
  if (format === 'html') return htmlDocument(tidy, { title: opts.title, lang: opts.lang, ...(opts.draft ? { banner: opts.draft } : {}) });
  const withBanner = opts.draft ? `**${opts.draft.replace(/[*_\\]/g, '\\$&')}**\n\n${tidy}` : tidy;
  if (format === 'md') return withBanner;
   
  return renderMarkdown(withBanner, 76).map((l) => l.replace(/\u001b\[[0-9;]*m/g, '')).join('\n') + '\n';
}

function sampleValue(def: FactDefinition, truthy: boolean): FactValue {
  switch (def.kind) {
    case 'instant':
      return '2026-01-01T00:00:00.000Z';
    case 'boolean':
      return truthy;
    case 'count':
    case 'number':
      return 1;
    case 'text':
      return 'sample';
    case 'enum':
      return def.values[0]!;
    case 'enum_list':
      return [def.values[0]!];
    case 'jurisdiction_counts':
      return { DE: 1 };
  }
}

/**
 * For `irr template check`: the body compiles and renders in strict mode with every fact known,
 * once with every flag and "late" on and once with them off, so both branches of each {{#if}}
 * are exercised; an unknown name or a syntax error is located in the file.
 */
export function trialRender(t: LetterTemplate, catalogue: FactCatalogue, view: (facts: Record<string, FactValue>, late: boolean) => Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const truthy of [true, false]) {
    const facts = Object.fromEntries(Object.entries(catalogue).map(([n, d]) => [n, sampleValue(d, truthy)]));
    try {
      compile(t)(view(facts, truthy));
    } catch (err) {
      const p = templateError(t, err);
      if (!problems.some((q) => q.line === p.line && q.message === p.message)) problems.push(p);
    }
  }
  return problems;
}
