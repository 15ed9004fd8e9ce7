import { CORE_FACTS } from '../domain/facts.js';
import type { Regime } from '../domain/regime.js';
import type { LetterTemplate } from '../domain/template.js';
import type { Obligation } from '../assess/obligations.js';
import type { Problem } from '../playbook/problems.js';
import { checkTemplate } from '../playbook/template.js';
import type { BrokenTemplate, CheckedTemplates } from './shipped-templates.js';
import { letterView, placeholderRecipient, recipientView } from './letter-view.js';
import { trialRender } from './letter.js';

/**
 * Every template file checked: front matter, coverage, sections, facts, and a trial render. With
 * `only`, the trial render (two Handlebars compiles and renders a template, ~2/3 of the check) is
 * made only for the templates it selects, and only those are returned: `irr letter` needs the ones
 * that serve its obligation, not all 31 (the whole check was ~350 ms of every letter).
 */
export function checkTemplateFiles(files: readonly string[], byId: ReadonlyMap<string, Regime>, only?: (t: LetterTemplate) => boolean): CheckedTemplates {
  const templates: LetterTemplate[] = [];
  const problems: Problem[] = [];
  const broken: BrokenTemplate[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const r = checkTemplate(file, byId);
    problems.push(...r.problems);
    if (r.problems.length > 0) broken.push({ file, ...(r.serves ? { serves: r.serves } : {}), problems: r.problems });
    if (!r.template) continue;
    const t = r.template;
    if (seen.has(t.id)) problems.push({ file, line: 1, col: 1, message: `id: duplicate template id "${t.id}" (also in ${seen.get(t.id)})` });
    seen.set(t.id, file);
    if (only && !only(t)) continue;
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
        locale: t.locale,
        // Both phased forms exercised with the flags on, so their names are checked too.
        ...(late ? { phase: { toFollow: ['sample'], supplementTo: { sentAt: '2026-01-03T00:00:00.000Z', ref: 'REF-1' } } } : {}),
      }),
      recipient: recipientView(placeholderRecipient(t.locale)),
    }));
    problems.push(...trial);
    if (trial.length === 0) templates.push(t);
    else broken.push({ file, serves: { obligations: t.obligations, locale: t.locale }, problems: trial });
  }
  return { templates, problems, broken };
}

function sampleObligation(r: Regime): Obligation {
  return {
    id: r.id, regime: r.id, jurisdiction: r.jurisdiction, audience: r.audience, in_force: true, applies: true, required: true, recommended: false, reason: '', reasons: [], unknown_facts: [], factors: [],
    clock_start: '2026-01-01T00:00:00.000Z', clock_start_source: null, due_at: '2026-01-04T00:00:00.000Z', target_at: null, due: '2026-01-04T00:00:00.000Z', speculative: false, waiver: null, deadline: [], stages: null, family: r.family ?? null, authorities: r.authority ? [r.authority] : [],
    status: 'running', sent_at: null, record: null, citation: r.citation, source: r.source, unconfirmed: [],
  };
}

