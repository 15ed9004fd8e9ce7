import type { FactValue } from './facts.js';
import type { Condition } from './runbook.js';

/** Three-valued result: a condition on a fact nobody has recorded is unknown, and says which fact. */
export type Truth = { readonly value: true | false | 'unknown'; readonly missing: readonly string[] };

const TRUE: Truth = Object.freeze({ value: true, missing: Object.freeze([]) });
const FALSE: Truth = Object.freeze({ value: false, missing: Object.freeze([]) });

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

/**
 * A condition's truth for a set of facts. Each catalogue condition is compiled once into a closure
 * (cached by object identity, as the operator is): the assessments evaluate tens of thousands of
 * conditions a second, and walking the tree and dispatching on the operator each time cost as much
 * as the rest of an assessment.
 */
export function evaluate(c: Condition, lookup: FactLookup): Truth {
  return compiled(c)(lookup);
}

type Compiled = (lookup: FactLookup) => Truth;
const compiledConditions = new WeakMap<Condition, Compiled>();

function compiled(c: Condition): Compiled {
  let f = compiledConditions.get(c);
  if (f === undefined) compiledConditions.set(c, (f = compile(c)));
  return f;
}

function compile(c: Condition): Compiled {
  const op = operatorOf(c);
  if (op === 'all' || op === 'any') {
    // Stops at the first decisive part (false for all, true for any): the missing facts of the
    // others no longer matter then.
    const decisive = op === 'any';
    const parts = (c as { all?: readonly Condition[]; any?: readonly Condition[] })[op]!.map(compiled);
    return (lookup) => {
      let missing: string[] | undefined;
      for (const part of parts) {
        const t = part(lookup);
        if (t.value === decisive) return decisive ? TRUE : FALSE;
        if (t.value === 'unknown') (missing ??= []).push(...t.missing);
      }
      return missing ? { value: 'unknown', missing: [...new Set(missing)] } : decisive ? FALSE : TRUE;
    };
  }
  if (op === 'not') {
    const inner = compiled((c as { not: Condition }).not);
    return (lookup) => {
      const t = inner(lookup);
      return t.value === 'unknown' ? t : t.value ? FALSE : TRUE;
    };
  }
  const leaf = c as { fact: string; key?: string; keys?: readonly string[] } & Record<Operator, unknown>;
  const { fact, key, keys } = leaf;
  // A map such as subjects_by_jurisdiction: a known map without the key means zero people there;
  // a group of entries (e.g. the EEA countries) reads as their total.
  const read: (lookup: FactLookup) => FactValue | undefined =
    key !== undefined
      ? (lookup) => {
          const v = lookup(fact);
          return v === undefined ? undefined : ((v as Readonly<Record<string, number>>)[key] ?? 0);
        }
      : keys !== undefined
        ? (lookup) => {
            const v = lookup(fact);
            if (v === undefined) return undefined;
            const map = v as Readonly<Record<string, number>>;
            let n = 0;
            for (const k of keys) n += map[k] ?? 0;
            return n;
          }
        : (lookup) => lookup(fact);
  if (op === 'known') {
    const known = leaf.known as boolean;
    return (lookup) => ((read(lookup) !== undefined) === known ? TRUE : FALSE);
  }
  const unknown: Truth = Object.freeze({ value: 'unknown', missing: Object.freeze([fact]) });
  const test = leafTest(op, leaf[op]);
  return (lookup) => {
    const v = read(lookup);
    if (v === undefined) return unknown;
    return test(v) ? TRUE : FALSE;
  };
}

function leafTest(op: Exclude<Operator, 'known'>, rhs: unknown): (v: FactValue) => boolean {
  switch (op) {
    case 'includes':
      return (v) => Array.isArray(v) && v.includes(rhs as string);
    case 'equals':
      return (v) => v === rhs;
    case 'in': {
      const list = rhs as readonly unknown[];
      return (v) => list.includes(v);
    }
    case 'gt':
      return (v) => typeof v === 'number' && v > (rhs as number);
    case 'gte':
      return (v) => typeof v === 'number' && v >= (rhs as number);
    case 'lt':
      return (v) => typeof v === 'number' && v < (rhs as number);
    case 'lte':
      return (v) => typeof v === 'number' && v <= (rhs as number);
  }
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

const SHORT = 120;
const MAX_ALTERNATIVES = 3;
const short = (s: string) => (s.length > SHORT ? `${s.slice(0, SHORT - 1)}…` : s);
const shownValue = (v: FactValue | undefined) => (v === undefined ? 'unknown' : Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * Which part of a false condition is false, each part short: the first false clause of an `all`,
 * every false alternative of an `any`, a `not` whose inner part holds, or a fact with the value it
 * has (`device_encrypted = false`; `subjects_total = 3 (needs > 500)`). What `irr assess` and
 * `irr status` say instead of the whole condition "is false". Empty when it is not false.
 */
export function falseParts(c: Condition, lookup: FactLookup): string[] {
  if (evaluate(c, lookup).value !== false) return [];
  const op = operatorOf(c);
  if (op === 'all') {
    const first = (c as { all: readonly Condition[] }).all.find((p) => evaluate(p, lookup).value === false);
    return first ? falseParts(first, lookup) : [];
  }
  if (op === 'any') {
    // Every alternative is false; past a few (HIPAA's 57 States), a count says the rest.
    const parts = (c as { any: readonly Condition[] }).any.flatMap((p) => falseParts(p, lookup));
    return parts.length > MAX_ALTERNATIVES ? [...parts.slice(0, MAX_ALTERNATIVES), `…and ${parts.length - MAX_ALTERNATIVES} more alternatives, none holds`] : parts;
  }
  if (op === 'not') return [short(`not ${describeCondition((c as { not: Condition }).not)} (it holds)`)];
  const leaf = c as { fact: string; key?: string; keys?: readonly string[] } & Record<Operator, unknown>;
  const subject = leaf.key ? `${leaf.fact}[${leaf.key}]` : leaf.keys ? `${leaf.fact}[${leaf.keys.length} entries]` : leaf.fact;
  let v: FactValue | undefined = lookup(leaf.fact);
  if (v !== undefined && leaf.key !== undefined) v = (v as Readonly<Record<string, number>>)[leaf.key] ?? 0;
  else if (v !== undefined && leaf.keys !== undefined) v = leaf.keys.reduce((n, k) => n + ((v as Readonly<Record<string, number>>)[k] ?? 0), 0);
  if (op === 'known') return [`${subject} is ${v === undefined ? 'unknown' : 'known'}`];
  const needs = describeCondition(c).slice(describeCondition(c).indexOf(' ') + 1);
  return [short(op === 'equals' ? `${subject} = ${shownValue(v)}` : `${subject} = ${shownValue(v)} (needs ${needs})`)];
}
