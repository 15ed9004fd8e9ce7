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
  const leaf = c as Leaf;
  const read = leafReader(leaf);
  if (op === 'known') {
    const known = leaf.known as boolean;
    return (lookup) => ((read(lookup) !== undefined) === known ? TRUE : FALSE);
  }
  let unknown: Truth | undefined;
  const test = leafTest(op, leaf[op]);
  return (lookup) => {
    const v = read(lookup);
    if (v === undefined) return (unknown ??= unknownLeaf(leaf));
    return test(v) ? TRUE : FALSE;
  };
}

type Leaf = { fact: string; key?: string; keys?: readonly string[] } & Record<Operator, unknown>;
const unknownLeaf = (leaf: Leaf): Truth => Object.freeze({ value: 'unknown', missing: Object.freeze([leaf.fact]) });

/**
 * How a leaf reads its fact. A map such as subjects_by_jurisdiction: a known map without the key
 * means zero people there; a group of entries (e.g. the EEA countries) reads as their total.
 */
function leafReader(leaf: Leaf): (lookup: FactLookup) => FactValue | undefined {
  const { fact, key, keys } = leaf;
  if (key !== undefined) {
    return (lookup) => {
      const v = lookup(fact);
      return v === undefined ? undefined : ((v as Readonly<Record<string, number>>)[key] ?? 0);
    };
  }
  if (keys !== undefined) {
    return (lookup) => {
      const v = lookup(fact);
      if (v === undefined) return undefined;
      const map = v as Readonly<Record<string, number>>;
      let n = 0;
      for (const k of keys) n += map[k] ?? 0;
      return n;
    };
  }
  return (lookup) => lookup(fact);
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

/**
 * Human form for explanations: `data_categories includes payment_card`. Conditions are immutable
 * catalogue objects and their text is asked for in every assessment (HIPAA's lists 57 States):
 * each is written once.
 */
export function describeCondition(c: Condition): string {
  let text = described.get(c);
  if (text === undefined) described.set(c, (text = describe(c)));
  return text;
}
const described = new WeakMap<Condition, string>();

function describe(c: Condition): string {
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
// A fact's value as shown in an explanation. Lists and maps are the same objects for every regime
// of one assessment: each is written once.
const shownObjects = new WeakMap<object, string>();
function shownValue(v: FactValue | undefined): string {
  if (v === undefined) return 'unknown';
  if (typeof v !== 'object' || v === null) return String(v);
  let text = shownObjects.get(v);
  if (text === undefined) shownObjects.set(v, (text = Array.isArray(v) ? `[${v.join(', ')}]` : JSON.stringify(v)));
  return text;
}

/**
 * Which part of a false condition is false, each part short: the first false clause of an `all`,
 * every false alternative of an `any`, a `not` whose inner part holds, or a fact with the value it
 * has (`device_encrypted = false`; `subjects_total = 3 (needs > 500)`). What `irr assess` and
 * `irr status` say instead of the whole condition "is false". Empty when it is not false.
 *
 * Compiled once per condition, like `evaluate`: an assessment explains why each of ~200 regimes
 * does not apply, so the fixed text of each part is written at compile time and a call only reads
 * the facts and formats their values.
 */
export function falseParts(c: Condition, lookup: FactLookup, knownFalse = false): readonly string[] {
  // `knownFalse`: the caller has just evaluated it (the assessment does, for every regime).
  if (!knownFalse && evaluate(c, lookup).value !== false) return [];
  return shortened(explainer(c)(lookup, MAX_ALTERNATIVES));
}

/**
 * Explains a condition known to be false: its first `limit` parts, and how many there are in all.
 * It is also that condition's Truth (false, nothing missing), so `judge` can return it as its result.
 */
interface Explanation {
  readonly value: false;
  readonly missing: readonly [];
  readonly parts: readonly string[];
  readonly total: number;
  /** One frozen object for every equal explanation (see memoByValue): a caller may key its own text on it. */
  readonly shared: boolean;
}
const NO_MISSING = Object.freeze([]) as readonly [];
const explanation = (parts: readonly string[], total: number, shared = false): Explanation => ({ value: false, missing: NO_MISSING, parts, total, shared });
type Explainer = (lookup: FactLookup, limit: number) => Explanation;
const explainers = new WeakMap<Condition, Explainer>();
const NO_PARTS: Explanation = Object.freeze(explanation(Object.freeze([]), 0, true));

const shortenedParts = new WeakMap<Explanation, readonly string[]>();
function shortened(e: Explanation): readonly string[] {
  if (e.total <= MAX_ALTERNATIVES) return e.parts;
  let parts = shortenedParts.get(e);
  if (parts === undefined) shortenedParts.set(e, (parts = Object.freeze([...e.parts.slice(0, MAX_ALTERNATIVES), `…and ${e.total - MAX_ALTERNATIVES} more alternatives, none holds`])));
  return parts;
}

/**
 * The same explanation for the same false part and value, as one shared frozen object: most laws
 * of an assessment fail on the same few leaves with the same values (no people in that state), so
 * callers can key their own text on it (see `notApplyingText` in assess/obligations.ts).
 */
function memoByValue(make: (v: FactValue | undefined) => string): (v: FactValue | undefined) => Explanation {
  const byValue = new Map<unknown, Explanation>();
  // Most calls repeat the last value (no people in that state: 0), answered without the map.
  let lastValue: FactValue | undefined = NaN;
  let last: Explanation | undefined;
  return (v) => {
    if (v === lastValue && last !== undefined) return last;
    // Lists and maps are keyed by their text (the same for equal values).
    const key = typeof v === 'object' && v !== null ? shownValue(v) : v;
    let e = byValue.get(key);
    if (e === undefined) {
      if (byValue.size > 256) byValue.clear();
      byValue.set(key, (e = Object.freeze(explanation(Object.freeze([make(v)]), 1, true))));
    }
    // (Only a primitive: a list or map may be the same object with other contents next time.)
    if (typeof v !== 'object') {
      lastValue = v;
      last = e;
    }
    return e;
  };
}

function explainer(c: Condition): Explainer {
  let e = explainers.get(c);
  if (e === undefined) explainers.set(c, (e = compileExplainer(c)));
  return e;
}

function compileExplainer(c: Condition): Explainer {
  const op = operatorOf(c);
  if (op === 'all') {
    // The first false clause.
    const parts = (c as { all: readonly Condition[] }).all.map((p) => ({ truth: compiled(p), explain: explainer(p) }));
    return (lookup, limit) => {
      for (const p of parts) if (p.truth(lookup).value === false) return p.explain(lookup, limit);
      return NO_PARTS;
    };
  }
  if (op === 'any') {
    // Every alternative is false; past a few (HIPAA's 57 States), only counted.
    const alternatives = (c as { any: readonly Condition[] }).any.map(explainer);
    if (alternatives.length === 1) return alternatives[0]!;
    return (lookup, limit) => {
      const parts: string[] = [];
      let total = 0;
      for (const explain of alternatives) {
        const r = explain(lookup, Math.max(limit - parts.length, 0));
        for (const p of r.parts) if (parts.length < limit) parts.push(p);
        total += r.total;
      }
      return explanation(parts, total);
    };
  }
  if (op === 'not') {
    const only: Explanation = Object.freeze(explanation(Object.freeze([short(`not ${describeCondition((c as { not: Condition }).not)} (it holds)`)]), 1, true));
    return () => only;
  }
  const read = leafReader(c as Leaf);
  const explain = leafExplanation(c as Leaf);
  if (op === 'known') return (lookup) => explain(read(lookup) === undefined ? undefined : true);
  return (lookup) => explain(read(lookup));
}

/**
 * A false leaf's explanation for the value read (for `known`: undefined, or true for any value),
 * one per condition, so `falseExplanation` and `judge` share the same objects.
 */
const leafExplanations = new WeakMap<Condition, (v: FactValue | undefined) => Explanation>();
function leafExplanation(leaf: Leaf): (v: FactValue | undefined) => Explanation {
  let explain = leafExplanations.get(leaf as Condition);
  if (explain === undefined) {
    const { fact, key, keys } = leaf;
    const subject = key ? `${fact}[${key}]` : keys ? `${fact}[${keys.length} entries]` : fact;
    if (operatorOf(leaf as Condition) === 'known') explain = memoByValue((v) => `${subject} is ${v === undefined ? 'unknown' : 'known'}`);
    else {
      const text = describeCondition(leaf as Condition);
      const needs = ` (needs ${text.slice(text.indexOf(' ') + 1)})`;
      explain = memoByValue((v) => short(operatorOf(leaf as Condition) === 'equals' ? `${subject} = ${shownValue(v)}` : `${subject} = ${shownValue(v)}${needs}`));
    }
    leafExplanations.set(leaf as Condition, explain);
  }
  return explain;
}

/** The explanation object itself (shared for equal parts; see memoByValue), for callers that cache text on it. */
export function falseExplanation(c: Condition, lookup: FactLookup): Explanation {
  return explainer(c)(lookup, MAX_ALTERNATIVES);
}
export { shortened as shownParts, type Explanation };

/** A condition's truth, and when it is false, why: the Explanation `falseExplanation` would give. */
export type Judgement = (Truth & { readonly value: true | 'unknown' }) | Explanation;
type Judge = (lookup: FactLookup) => Judgement;

/**
 * `evaluate` and `falseExplanation` in one pass: an assessment explains why each of the ~190 laws
 * that do not apply does not, and finding the false part again after evaluating walked each
 * condition twice. Compiled once per condition; the explanation objects are the shared ones.
 */
export function judge(c: Condition, lookup: FactLookup): Judgement {
  return judged(c)(lookup);
}
/** The compiled evaluator itself, for a caller that keeps it. */
export function evaluatorOf(c: Condition): (lookup: FactLookup) => Truth {
  return compiled(c);
}
/** The compiled judge itself, for a caller that keeps it (an assessment's per-law plan). */
export function judgeOf(c: Condition): (lookup: FactLookup) => Judgement {
  return judged(c);
}
const judges = new WeakMap<Condition, Judge>();
function judged(c: Condition): Judge {
  let j = judges.get(c);
  if (j === undefined) judges.set(c, (j = compileJudge(c)));
  return j;
}
/**
 * The undetermined judgement of a condition with several undetermined parts: the same object as
 * last time when they are the same parts' judgements (most assessments of one law miss the same
 * facts: NIS2's entity facts until established), so callers may key on it, and nothing is allocated
 * then. One per compiled condition; never mutated.
 */
function unknownMemo(): (unknowns: readonly Judgement[], n: number) => Judgement {
  let lastParts: readonly Judgement[] = [];
  let last: Judgement | undefined;
  return (unknowns, n) => {
    if (last !== undefined && n === lastParts.length) {
      let same = true;
      for (let i = 0; i < n && same; i++) same = unknowns[i] === lastParts[i];
      if (same) return last;
    }
    lastParts = unknowns.slice(0, n);
    const missing = Object.freeze([...new Set(lastParts.flatMap((t) => t.missing))]);
    return (last = Object.freeze({ value: 'unknown', missing }) as Judgement);
  };
}

/**
 * Collects a condition's undetermined parts and answers their judgement: the part's own when only
 * one is undetermined, else the memo's. The scratch list is the closure's own and reused: a
 * condition is a tree, so no call of a condition runs inside another call of the same one.
 */
function undetermined(): { add(t: Judgement): void; reset(): void; readonly any: boolean; result(): Judgement } {
  const scratch: Judgement[] = [];
  let n = 0;
  const memo = unknownMemo();
  return {
    add(t) {
      scratch[n++] = t;
    },
    reset() {
      n = 0;
    },
    get any() {
      return n > 0;
    },
    result() {
      return n === 1 ? scratch[0]! : memo(scratch, n);
    },
  };
}

function compileJudge(c: Condition): Judge {
  const op = operatorOf(c);
  if (op === 'all') {
    // The first false part decides, and explains (as the explainer's first false clause).
    const parts = (c as { all: readonly Condition[] }).all.map(judged);
    const unknowns = undetermined();
    return (lookup) => {
      unknowns.reset();
      for (const part of parts) {
        const t = part(lookup);
        if (t.value === false) return t;
        if (t.value === 'unknown') unknowns.add(t);
      }
      return unknowns.any ? unknowns.result() : (TRUE as Judgement);
    };
  }
  if (op === 'any') {
    const alternatives = (c as { any: readonly Condition[] }).any.map(judged);
    if (alternatives.length === 1) return alternatives[0]!;
    const unknowns = undetermined();
    return (lookup) => {
      unknowns.reset();
      let falses: Explanation[] | undefined;
      for (const alternative of alternatives) {
        const t = alternative(lookup);
        if (t.value === true) return t;
        if (t.value === 'unknown') unknowns.add(t);
        else if (!unknowns.any) (falses ??= []).push(t as Explanation); // (false: the other two are excluded above)
      }
      if (unknowns.any) return unknowns.result();
      // Every alternative is false: the first few parts, and how many in all (as the explainer).
      const parts: string[] = [];
      let total = 0;
      for (const f of falses ?? []) {
        for (const p of f.parts) if (parts.length < MAX_ALTERNATIVES) parts.push(p);
        total += f.total;
      }
      return explanation(parts, total);
    };
  }
  if (op === 'not') {
    const inner = judged((c as { not: Condition }).not);
    const explain = explainer(c);
    return (lookup) => {
      const t = inner(lookup);
      return t.value === 'unknown' ? t : t.value === true ? explain(lookup, MAX_ALTERNATIVES) : (TRUE as Judgement);
    };
  }
  // A leaf: read once; explained from the value read. Its explanation and unknown answer are made on
  // first use: a command assesses once, and describing every leaf of 200 laws up front cost more
  // than the assessment (`irr clocks`).
  const leaf = c as Leaf;
  const read = leafReader(leaf);
  let explain: ((v: FactValue | undefined) => Explanation) | undefined;
  if (op === 'known') {
    const known = leaf.known as boolean;
    return (lookup) => {
      const v = read(lookup);
      return (v !== undefined) === known ? (TRUE as Judgement) : (explain ??= leafExplanation(leaf))(v === undefined ? undefined : true);
    };
  }
  let unknown: Judgement | undefined;
  const test = leafTest(op, leaf[op]);
  return (lookup) => {
    const v = read(lookup);
    if (v === undefined) return (unknown ??= unknownLeaf(leaf) as Judgement);
    return test(v) ? (TRUE as Judgement) : (explain ??= leafExplanation(leaf))(v);
  };
}
