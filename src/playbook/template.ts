import { basename } from 'node:path';
import { CONTROL_CHARS, stripBom, visible } from '../domain/text.js';
import { CORE_FACTS } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import type { Coverage, LetterTemplate } from '../domain/template.js';
import { checkCondition } from './check-condition.js';
import type { Problem } from './problems.js';
import { pathLabel, schemaProblems } from './runbook.js';
import { TemplateFrontMatterSchema } from './template-schema.js';
import { readTextFile, YamlSource, type Path } from './yaml-source.js';

export { LETTERS_DIR, shippedTemplateFiles } from './template-files.js';

/** The headings of a Markdown body, as written (ATX headings, any level). */
export function headingsOf(body: string): string[] {
  const out: string[] = [];
  let fence = false;
  for (const line of body.split('\n')) {
    if (/^\s{0,3}(```|~~~)/.test(line)) fence = !fence;
    const m = fence ? null : /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}


/**
 * One template file: front matter checked with positions, then against the regimes it claims to
 * serve: every required item of every listed regime covered, under a heading that exists, with
 * known facts. The body's Handlebars is checked by the renderer (render/letter.ts).
 */
/** What a template whose front matter could be read says it serves, checked or not (who a broken template would have written to). */
export interface TemplateServes {
  readonly obligations: readonly string[];
  readonly locale: string;
}

export function checkTemplate(file: string, regimes: ReadonlyMap<string, Regime>, text = readTextFile(file)): { template?: LetterTemplate; serves?: TemplateServes; problems: Problem[] } {
  const normalised = stripBom(text).replace(/\r\n?/g, '\n');
  const lines = normalised.split('\n');
  if (lines[0] !== '---') return { problems: [{ file, line: 1, col: 1, message: 'a template starts with a front matter block: "---" on the first line' }] };
  const end = lines.indexOf('---', 1);
  if (end < 0) return { problems: [{ file, line: 1, col: 1, message: 'front matter is not closed: no second "---" line' }] };
  // Keep line numbers: the opening "---" becomes an empty line of the YAML text.
  const src = YamlSource.fromText(file, ['', ...lines.slice(1, end)].join('\n'));
  if (!src.ok) return { problems: [...src.problems] };
  const raw = src.toJS();
  const parsed = TemplateFrontMatterSchema.safeParse(raw);
  const problems: Problem[] = parsed.success ? [] : schemaProblems(src, parsed.error, 'template front matter');
  if (!parsed.success) return { problems };
  const fm = parsed.data;
  const at = (path: Path, msg: string, key = false) => problems.push(src.problem(path, `${pathLabel(path)}: ${msg}`, key));
  const body = lines.slice(end + 1).join('\n');
  // The body is shown in terminals (txt letters, `irr template show`) and copied into letters:
  // no control characters, located like every other problem.
  lines.slice(end + 1).forEach((l, i) => {
    const m = CONTROL_CHARS.exec(l);
    if (m && problems.length < 20) problems.push({ file, line: end + 2 + i, col: m.index + 1, message: `body: contains control characters; write plain text (found ${visible(m[0])})` });
  });
  if (basename(file) !== `${fm.id}.md`) at(['id'], `the file must be named ${fm.id}.md`);

  const headings = new Set(headingsOf(body));
  const items = new Map<string, string[]>(); // item id → regimes that require it
  // A family serves every regime of it with the letter's audience (the US state laws: one letter, 54 laws).
  const ofFamilies = [...regimes.values()].filter((r) => r.family !== undefined && fm.families.includes(r.family) && r.audience === fm.audience && !fm.obligations.includes(r.id)).map((r) => r.id);
  fm.families.forEach((f, i) => {
    if (![...regimes.values()].some((r) => r.family === f)) at(['families', i], `no regime of family "${f}" (irr regime show <id> names each one's family)`);
  });
  const served = [...fm.obligations, ...ofFamilies];
  fm.obligations.forEach((o, i) => {
    const r = regimes.get(o);
    if (!r) return at(['obligations', i], `no regime "${o}" (irr regime list)`);
    if (r.audience !== fm.audience) at(['audience'], `is ${fm.audience} but ${o} notifies ${r.audience}`);
    for (const item of r.required_contents) items.set(item.id, [...(items.get(item.id) ?? []), o]);
  });
  for (const o of ofFamilies) for (const item of regimes.get(o)!.required_contents) items.set(item.id, [...(items.get(item.id) ?? []), o]);
  for (const [item, from] of items) {
    if (!Object.hasOwn(fm.covers, item)) {
      const r = regimes.get(from[0]!)!;
      const def = r.required_contents.find((x) => x.id === item)!;
      at(['covers'], `does not cover ${from.join(', ')} item "${item}" (${def.ref}): ${def.text}`, true);
    }
  }
  for (const [item, c] of Object.entries(fm.covers)) {
    // A family template covers the family's item vocabulary, used by some members and not (yet) by others.
    if (!items.has(item) && fm.families.length === 0) at(['covers', item], `"${item}" is not a required item of ${served.join(', ')} (irr regime show <id>)`, true);
    if (!headings.has(c.section)) at(['covers', item, 'section'], `no heading "${c.section}" in the body (headings: ${[...headings].map((h) => `"${h}"`).join(', ') || 'none'})`);
    c.facts.forEach((f, j) => {
      if (!Object.hasOwn(CORE_FACTS, f)) at(['covers', item, 'facts', j], `unknown fact "${f}" (docs/facts.md)`);
    });
    if (c.when !== undefined) for (const p of checkCondition(c.when, CORE_FACTS, ['covers', item, 'when'])) at(p.path, p.message);
  }
  if (problems.length > 0) return { problems, serves: { obligations: served, locale: fm.locale } };
  const covers = Object.fromEntries(Object.entries(fm.covers).map(([k, c]) => [k, { section: c.section, facts: c.facts, only_if_late: c.only_if_late, ...(c.when ? { when: c.when } : {}) } as Coverage]));
  return {
    template: { id: fm.id, kind: 'letter', obligations: served, audience: fm.audience, locale: fm.locale, title: fm.title, covers, body, file, bodyLine: end + 2 },
    problems,
  };
}
