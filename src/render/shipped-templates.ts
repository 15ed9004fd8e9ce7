import type { Regime } from '../domain/regime.js';
import type { LetterTemplate } from '../domain/template.js';
import type { Problem } from '../playbook/problems.js';
import type { TemplateServes } from '../playbook/template.js';
import { readTemplateCache } from '../playbook/template-cache.js';
import { shippedTemplateFiles } from '../playbook/template-files.js';

/** A template file that failed its check: what it says it serves when that much could be read. */
export interface BrokenTemplate {
  readonly file: string;
  readonly serves?: TemplateServes;
  readonly problems: readonly Problem[];
}

export interface CheckedTemplates {
  readonly templates: LetterTemplate[];
  readonly problems: Problem[];
  readonly broken: BrokenTemplate[];
}

/** The broken templates that may have served `obligation` (in `locale`'s language, when given): those that cannot say, too. */
export function brokenFor(broken: readonly BrokenTemplate[], obligation: string, sameLanguage?: (locale: string) => boolean): BrokenTemplate[] {
  return broken.filter((b) => !b.serves || (b.serves.obligations.includes(obligation) && (!sameLanguage || sameLanguage(b.serves.locale))));
}

/**
 * The shipped templates, checked: as the build checked them (dist/catalogue/templates.json) when
 * neither they nor the regimes changed since, else checked now (render/template-check.ts, loaded
 * only then). `irr letter` then loads neither YAML nor zod (~100 ms of a launched letter or mail
 * merge) and checks nothing (~100 ms more); `irr template check` always checks.
 */
export async function shippedTemplates(byId: ReadonlyMap<string, Regime>, only?: (t: LetterTemplate) => boolean): Promise<CheckedTemplates> {
  const files = shippedTemplateFiles();
  const built = readTemplateCache(files);
  if (built) return { templates: only ? built.filter(only) : built, problems: [], broken: [] };
  const { checkTemplateFiles } = await import('./template-check.js');
  return checkTemplateFiles(files, byId, only);
}
