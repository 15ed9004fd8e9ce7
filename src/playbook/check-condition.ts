import { OPERATORS } from '../domain/condition.js';
import type { FactCatalogue } from '../domain/facts.js';
import type { Path } from './yaml-source.js';

export interface ConditionProblem {
  readonly path: Path;
  readonly message: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a `when`/`applies_when` condition against the facts vocabulary: one operator per node, a
 * known fact, and an operator and value that suit the fact's kind. Shape errors the schema already
 * reports (wrong JSON types) are not repeated here.
 */
export function checkCondition(raw: unknown, facts: FactCatalogue, path: Path): ConditionProblem[] {
  const out: ConditionProblem[] = [];
  const walk = (c: unknown, p: Path) => {
    if (!isObj(c)) return;
    const combinators = (['all', 'any', 'not'] as const).filter((k) => k in c);
    const ops = OPERATORS.filter((k) => k in c);
    if (combinators.length + ops.length !== 1) {
      out.push({ path: p, message: `a condition needs exactly one operator (${[...OPERATORS, 'all', 'any', 'not'].join(', ')}); found ${combinators.length + ops.length === 0 ? 'none' : [...combinators, ...ops].join(', ')}` });
      return;
    }
    if (combinators.length === 1) {
      if ('fact' in c || 'key' in c) out.push({ path: p, message: `"${combinators[0]}" combines conditions and takes no "fact" or "key"` });
      const inner = c[combinators[0]!];
      if (Array.isArray(inner)) inner.forEach((x, i) => walk(x, [...p, combinators[0]!, i]));
      else walk(inner, [...p, combinators[0]!]);
      return;
    }
    const op = ops[0]!;
    if (typeof c.fact !== 'string') {
      out.push({ path: p, message: `"${op}" needs a "fact" to compare` });
      return;
    }
    const def = Object.hasOwn(facts, c.fact) ? facts[c.fact] : undefined;
    if (!def) {
      out.push({ path: [...p, 'fact'], message: `condition on unknown fact "${c.fact}" (not in docs/facts.md nor declared under facts:)` });
      return;
    }
    const hasKey = typeof c.key === 'string' || Array.isArray(c.keys);
    if (typeof c.key === 'string' && Array.isArray(c.keys)) out.push({ path: [...p, 'keys'], message: 'give "key" or "keys", not both' });
    if (hasKey && def.kind !== 'jurisdiction_counts') out.push({ path: [...p, 'key' in c ? 'key' : 'keys'], message: `"key"/"keys" apply only to map facts; ${c.fact} is ${def.kind}` });
    if (def.kind === 'jurisdiction_counts' && !hasKey && op !== 'known') out.push({ path: p, message: `${c.fact} is a map: name the entry with "key" (e.g. key: US-CA) or the entries to total with "keys"` });
    const kind = hasKey ? 'count' : def.kind;
    const val = c[op];
    const bad = (msg: string) => out.push({ path: [...p, op], message: msg });
    switch (op) {
      case 'includes':
        if (kind !== 'enum_list') bad(`"includes" needs a list fact; ${c.fact} is ${kind}`);
        else if ('values' in def && !def.values.includes(String(val))) bad(`"${String(val)}" is not a value of ${c.fact} (${def.values.join(', ')})`);
        break;
      case 'equals':
      case 'in': {
        const vals = op === 'in' ? (Array.isArray(val) ? val : []) : [val];
        for (const v of vals) {
          if (kind === 'enum' && 'values' in def && !def.values.includes(String(v))) bad(`"${String(v)}" is not a value of ${c.fact} (${def.values.join(', ')})`);
          else if (kind === 'boolean' && typeof v !== 'boolean') bad(`${c.fact} is true or false, not ${JSON.stringify(v)}`);
          else if ((kind === 'count' || kind === 'number') && typeof v !== 'number') bad(`${c.fact} is a number, not ${JSON.stringify(v)}`);
          else if (kind === 'enum_list' || kind === 'jurisdiction_counts') bad(`"${op}" cannot compare the ${kind} fact ${c.fact}; use includes or key`);
        }
        break;
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        if (kind !== 'count' && kind !== 'number') bad(`"${op}" needs a number fact; ${c.fact} is ${kind}`);
        break;
      case 'known':
        break;
    }
  };
  walk(raw, path);
  return out;
}
