import { expandDayWords } from '../../clocks/day-words.js';
import { machineZone, resolveLocalTime, type Reading } from '../../clocks/local-time.js';
import { instantProblem, parseFactText, parseInstant, type FactDefinition, type FactValue, type Parsed } from '../../domain/facts.js';
import type { Prompter } from './prompter.js';

/** The answer that leaves a fact unknown (recording nothing is better than recording a guess). */
export const UNKNOWN = '-';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/;
const LOOKS_ISO = /^\d{4}-\d{2}-\d{2}T/;

/** A local time that names two instants (clocks went back): both readings, for the responder to pick. */
export interface AmbiguousTime {
  readonly local: string;
  readonly zone: string;
  readonly earlier: Reading;
  readonly later: Reading;
}

export type TimeAnswer = Parsed<string> | { readonly ok: false; readonly error: string; readonly ambiguous: AmbiguousTime };

const hhmm = (iso: string) => iso.slice(11, 16);

/**
 * A time typed at a prompt: "now", an ISO 8601 instant with offset, or "YYYY-MM-DD HH:MM" on this
 * machine's clock (echoed back with its offset, so nobody is surprised by the zone). A local time
 * the zone skips is refused; one it repeats is refused with both readings attached (the console
 * asks which; an answers file must give the offset).
 */
export function parseTimeAnswer(raw: string, now: string, zone: string = machineZone()): TimeAnswer {
  const t = expandDayWords(raw.trim(), now, zone);
  let value: string | null;
  if (t.toLowerCase() === 'now') value = now;
  else {
    const m = LOCAL.exec(t);
    if (m) {
      const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
      const r = resolveLocalTime({ year, month, day, hour, minute }, zone);
      const local = `${t.slice(0, 10)} ${t.slice(11)}`;
      switch (r.kind) {
        case 'invalid':
          return { ok: false, error: r.reason };
        case 'nonexistent':
          return { ok: false, error: `${local} does not exist in ${zone}: the clocks skip that hour; give a time outside it, or an ISO time with its offset` };
        case 'ambiguous': {
          const { earlier, later } = r;
          const error = `${local} happens twice in ${zone} (the clocks go back): write ${t.slice(0, 10)}T${t.slice(11)}${earlier.offset} (= ${hhmm(earlier.instant)} UTC) or ${t.slice(0, 10)}T${t.slice(11)}${later.offset} (= ${hhmm(later.instant)} UTC)`;
          return { ok: false, error, ambiguous: { local, zone, earlier, later } };
        }
        case 'exact':
          value = r.instant;
      }
    } else if (LOOKS_ISO.test(t)) {
      const why = instantProblem(t);
      if (why) return { ok: false, error: why };
      value = parseInstant(t);
    } else value = null;
  }
  if (!value) return { ok: false, error: 'write "now", 10:30 (today), yesterday 18:00, 2026-03-01 09:30 (this machine’s time zone), or 2026-03-01T09:30+01:00' };
  if (Date.parse(value) - Date.parse(now) > 60_000) return { ok: false, error: `${value} is in the future (now is ${now})${/^\d{1,2}:\d{2}$/.test(raw.trim()) ? `; for last night write "yesterday ${raw.trim()}"` : ''}` };
  return { ok: true, value };
}

/**
 * Ask for a time. In a terminal, a local time that happens twice is followed by a question
 * showing both readings as UTC instants; from an answers file it is refused (give the offset).
 * Returns undefined when the responder answers "-" and `unknown` is allowed.
 */
export async function askTime(p: Prompter, q: { message: string; now: string; default?: string; unknown?: boolean; zone?: string }): Promise<string | undefined> {
  const zone = q.zone ?? machineZone();
  const verdict = (s: string): string | null => {
    if (q.unknown && s.trim() === UNKNOWN) return null;
    const r = parseTimeAnswer(s, q.now, zone);
    if (r.ok) return null;
    if (!('ambiguous' in r) || !p.interactive) return r.error;
    return Date.parse(r.ambiguous.earlier.instant) - Date.parse(q.now) > 60_000 ? `${r.ambiguous.earlier.instant} is in the future (now is ${q.now})` : null;
  };
  const raw = await p.input({ message: q.message, ...(q.default !== undefined ? { default: q.default } : {}), validate: verdict });
  if (q.unknown && raw.trim() === UNKNOWN) return undefined;
  const r = parseTimeAnswer(raw, q.now, zone);
  if (r.ok) return r.value;
  if (!('ambiguous' in r)) return undefined; // validate refused it already
  const { local, earlier, later } = r.ambiguous;
  const future = (iso: string) => Date.parse(iso) - Date.parse(q.now) > 60_000;
  const choices = [
    { value: 'earlier', name: `the earlier one: ${local} ${earlier.offset} = ${hhmm(earlier.instant)} UTC (${earlier.instant})` },
    { value: 'later', name: `the later one: ${local} ${later.offset} = ${hhmm(later.instant)} UTC (${later.instant})` },
  ].filter((c) => !future(c.value === 'earlier' ? earlier.instant : later.instant));
  const pick = await p.select({ message: `${local} happens twice in ${zone} (the clocks go back). Which one?`, choices });
  return pick === 'earlier' ? earlier.instant : later.instant;
}

const problem = (r: Parsed<unknown>): string | null => (r.ok ? null : r.error);

export function showValue(v: FactValue): string {
  if (Array.isArray(v)) return v.join(', ') || '(none)';
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, number>);
    return entries.length ? entries.map(([k, n]) => `${k}:${n}`).join(', ') : '(nobody)';
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** The choice that makes a recorded fact unknown again, as `key=-` does on the command line. */
export const CLEAR = 'clear';

/** What the responder answered about one fact: a value, keep what is recorded (or still not known), or clear it. */
export type FactAnswer = { readonly kind: 'set'; readonly value: FactValue } | { readonly kind: 'keep' } | { readonly kind: 'clear' };

const KEEP: FactAnswer = { kind: 'keep' };
const CLEARED: FactAnswer = { kind: 'clear' };
const set = (value: FactValue | undefined): FactAnswer => (value === undefined ? KEEP : { kind: 'set', value });
const clearChoice = { value: CLEAR, name: 'clear it: not known any more', description: 'the fact becomes unknown again (recorded, as key=- on the command line); nothing is guessed' };

/**
 * One typed question per kind of fact: yes/no, choices, multi-select, times with "now" as the
 * default, counts, counts per jurisdiction. A fact already recorded can also be cleared, by a
 * visible choice: in the list itself for yes/no and choices, else in a first question (change it,
 * keep it, clear it) before the typed one.
 */
export async function askFact(p: Prompter, name: string, def: FactDefinition, current: FactValue | undefined, now: string): Promise<FactAnswer> {
  const message = `${name}: ${def.description}`;
  const was = current === undefined ? '' : ` [now: ${showValue(current)}]`;
  const unknownChoice = { value: UNKNOWN, name: current === undefined ? 'not known yet' : `keep ${showValue(current)}` };
  // Yes/no and a choice list carry "clear" among their choices, unless a runbook's own value is spelt so.
  const inline = def.kind === 'boolean' || (def.kind === 'enum' && !def.values.includes(CLEAR));
  const clearing = current === undefined || !inline ? [] : [clearChoice];
  if (current !== undefined && !inline) {
    const what = await p.select({
      message: `${name} = ${showValue(current)}: change it, keep it, or clear it?`,
      choices: [{ value: 'change', name: 'change it' }, unknownChoice, clearChoice],
      default: 'change',
    });
    if (what === CLEAR) return CLEARED;
    if (what === UNKNOWN) return KEEP;
  }
  switch (def.kind) {
    case 'boolean': {
      const v = await p.select({
        message,
        choices: [{ value: 'yes', name: 'yes' }, { value: 'no', name: 'no' }, unknownChoice, ...clearing],
        default: current === undefined ? UNKNOWN : current ? 'yes' : 'no',
      });
      return v === CLEAR ? CLEARED : v === UNKNOWN ? KEEP : set(v === 'yes');
    }
    case 'enum': {
      const v = await p.select({ message, choices: [...def.values.map((x) => ({ value: x, name: x.replace(/_/g, ' ') })), unknownChoice, ...clearing], default: typeof current === 'string' ? current : UNKNOWN });
      return v === CLEAR ? CLEARED : v === UNKNOWN ? KEEP : set(v);
    }
    case 'enum_list': {
      const picked = await p.checkbox({
        message: `${message} (space to tick, enter when done; none ticked = ${current === undefined ? 'not known yet' : 'keep'})`,
        choices: def.values.map((x) => ({ value: x, name: x.replace(/_/g, ' '), checked: Array.isArray(current) && current.includes(x) })),
      });
      return picked.length === 0 ? KEEP : set([...picked].sort());
    }
    case 'instant':
      return set(
        await askTime(p, {
          message: `${message}${was} — "now", ISO time with offset, or YYYY-MM-DD HH:MM local (${UNKNOWN} = ${current === undefined ? 'not known' : 'keep'})`,
          now,
          default: current === undefined ? 'now' : UNKNOWN,
          unknown: true,
        }),
      );
    default: {
      const hint = def.kind === 'jurisdiction_counts' ? ' — e.g. US-CA:1200, DE:40' : def.kind === 'count' ? ' — a whole number' : '';
      const raw = await p.input({
        message: `${message}${was}${hint} (${UNKNOWN} or empty = ${current === undefined ? 'not known' : 'keep'})`,
        validate: (s) => {
          if (s.trim() === '' || s.trim() === UNKNOWN) return null;
          return problem(parseFactText(def, s));
        },
      });
      if (raw.trim() === '' || raw.trim() === UNKNOWN) return KEEP;
      const r = parseFactText(def, raw);
      return r.ok ? set(r.value) : KEEP;
    }
  }
}
