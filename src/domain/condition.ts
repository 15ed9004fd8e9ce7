import type { FactValue } from './facts.js';
import type { Condition } from './runbook.js';

/** Three-valued result: a condition on a fact nobody has recorded is unknown, and says which fact. */
export type Truth = { readonly value: true | false | 'unknown'; readonly missing: readonly string[] };

const TRUE: Truth = { value: true, missing: [] };
const FALSE: Truth = { value: false, missing: [] };

export const OPERATORS = ['includes', 'equals', 'in', 'gt', 'gte', 'lt', 'lte', 'known'] as const;
export type Operator = (typeof OPERATORS)[number];

// Conditions are immutable catalogue objects evaluated thousands of times a second: find each one's operator once.
const operators = new WeakMap<Condition, Operator | 'all' | 'any' | 'not'>();

export function operatorOf(c: Condition): Operator | 'all' | 'any' | 'not' {
  let op = operators.get(c);
  if (op === undefined) operators.set(c, (op = findOperator(c)));
  return op;
}

function findOperator(c: Condition): Operator | 'all' | 'any' | 'not' {
  if ('all' in c) return 'all';
  if ('any' in c) return 'any';
  if ('not' in c) return 'not';
  for (const op of OPERATORS) if (op in c) return op;
  throw new Error('condition without operator (the validator should have refused it)');
}

type FactLookup = (name: string) => FactValue | undefined;

export function evaluate(c: Condition, lookup: FactLookup): Truth {
  const op = operatorOf(c);
  if (op === 'all' || op === 'any') {
    // Stops at the first decisive part (false for all, true for any): the missing facts of the
    // others no longer matter then. Assessments evaluate thousands of conditions a second.
    const decisive = op === 'all' ? false : true;
    let missing: string[] | undefined;
    for (const part of (c as { all?: readonly Condition[]; any?: readonly Condition[] })[op]!) {
      const t = evaluate(part, lookup);
      if (t.value === decisive) return decisive ? TRUE : FALSE;
      if (t.value === 'unknown') (missing ??= []).push(...t.missing);
    }
    return missing ? { value: 'unknown', missing: [...new Set(missing)] } : decisive ? FALSE : TRUE;
  }
  if (op === 'not') {
    const inner = evaluate((c as { not: Condition }).not, lookup);
    return inner.value === 'unknown' ? inner : inner.value ? FALSE : TRUE;
  }
  const leaf = c as { fact: string; key?: string; keys?: readonly string[] } & Record<Operator, unknown>;
  let v: FactValue | undefined = lookup(leaf.fact);
  if (v !== undefined && leaf.key !== undefined) {
    // A map such as subjects_by_jurisdiction: a known map without the key means zero people there.
    v = (v as Readonly<Record<string, number>>)[leaf.key] ?? 0;
  } else if (v !== undefined && leaf.keys !== undefined) {
    // A group of entries (e.g. the EEA countries): their total.
    const map = v as Readonly<Record<string, number>>;
    v = leaf.keys.reduce((n, k) => n + (map[k] ?? 0), 0);
  }
  if (op === 'known') return (v !== undefined) === leaf.known ? TRUE : FALSE;
  if (v === undefined) return { value: 'unknown', missing: [leaf.fact] };
  const result = (() => {
    switch (op) {
      case 'includes':
        return Array.isArray(v) && v.includes(leaf.includes as string);
      case 'equals':
        return v === leaf.equals;
      case 'in':
        return (leaf.in as readonly unknown[]).includes(v);
      case 'gt':
        return typeof v === 'number' && v > (leaf.gt as number);
      case 'gte':
        return typeof v === 'number' && v >= (leaf.gte as number);
      case 'lt':
        return typeof v === 'number' && v < (leaf.lt as number);
      case 'lte':
        return typeof v === 'number' && v <= (leaf.lte as number);
    }
  })();
  return result ? TRUE : FALSE;
}

/** Human form for explanations: `data_categories includes payment_card`. */
export function describeCondition(c: Condition): string {
  const op = operatorOf(c);
  if (op === 'all' || op === 'any') {
    const parts = (c as Record<string, readonly Condition[]>)[op]!.map(describeCondition);
    return `(${parts.join(op === 'all' ? ' and ' : ' or ')})`;
  }
  if (op === 'not') return `not ${describeCondition((c as { not: Condition }).not)}`;
  const leaf = c as { fact: string; key?: string; keys?: readonly string[] } & Record<Operator, unknown>;
  const subject = leaf.key ? `${leaf.fact}[${leaf.key}]` : leaf.keys ? `${leaf.fact}[${leaf.keys.length > 6 ? `${leaf.keys.slice(0, 5).join('+')}+…(${leaf.keys.length})` : leaf.keys.join('+')}]` : leaf.fact;
  const sym: Record<Operator, string> = { includes: 'includes', equals: '=', in: 'in', gt: '>', gte: '≥', lt: '<', lte: '≤', known: 'is' };
  if (op === 'known') return `${subject} is ${leaf.known ? 'known' : 'unknown'}`;
  const rhs = leaf[op];
  return `${subject} ${sym[op]} ${Array.isArray(rhs) ? `[${rhs.join(', ')}]` : String(rhs)}`;
}
