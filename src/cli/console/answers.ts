import { parseFactText, parseInstant, type FactDefinition, type FactValue, type Parsed } from '../../domain/facts.js';
import type { Prompter } from './prompter.js';

/** The answer that leaves a fact unknown (recording nothing is better than recording a guess). */
export const UNKNOWN = '-';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/;

/**
 * A time typed at a prompt: "now", an ISO 8601 instant with offset, or "YYYY-MM-DD HH:MM" on this
 * machine's clock (echoed back with its offset, so nobody is surprised by the zone).
 */
export function parseTimeAnswer(raw: string, now: string): Parsed<string> {
  const t = raw.trim();
  let value: string | null;
  if (t.toLowerCase() === 'now') value = now;
  else {
    const m = LOCAL.exec(t);
    if (m) {
      const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
      const local = new Date(y, mo - 1, d, h, mi);
      value = local.getFullYear() === y && local.getMonth() === mo - 1 && local.getDate() === d ? local.toISOString() : null;
      if (!value) return { ok: false, error: `${t.slice(0, 10)} is not a date in the calendar` };
    } else value = parseInstant(t);
  }
  if (!value) return { ok: false, error: 'write "now", 2026-03-01T09:30+01:00, or 2026-03-01 09:30 (this machine’s time zone)' };
  if (Date.parse(value) - Date.parse(now) > 60_000) return { ok: false, error: `${value} is in the future (now is ${now})` };
  return { ok: true, value };
}

const problem = (r: Parsed<unknown>): string | null => (r.ok ? null : r.error);

/** For a prompt's validate: why this is not a time the console accepts, or null. */
export const timeProblem = (raw: string, now: string): string | null => problem(parseTimeAnswer(raw, now));

export function showValue(v: FactValue): string {
  if (Array.isArray(v)) return v.join(', ') || '(none)';
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, number>);
    return entries.length ? entries.map(([k, n]) => `${k}:${n}`).join(', ') : '(nobody)';
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/**
 * One typed question per kind of fact: yes/no, choices, multi-select, times with "now" as the
 * default, counts, counts per jurisdiction. Returns undefined when the answer is "not known yet".
 */
export async function askFact(p: Prompter, name: string, def: FactDefinition, current: FactValue | undefined, now: string): Promise<FactValue | undefined> {
  const message = `${name}: ${def.description}`;
  const was = current === undefined ? '' : ` [now: ${showValue(current)}]`;
  const unknownChoice = { value: UNKNOWN, name: current === undefined ? 'not known yet' : `keep ${showValue(current)}` };
  switch (def.kind) {
    case 'boolean': {
      const v = await p.select({
        message,
        choices: [{ value: 'yes', name: 'yes' }, { value: 'no', name: 'no' }, unknownChoice],
        default: current === undefined ? UNKNOWN : current ? 'yes' : 'no',
      });
      return v === UNKNOWN ? undefined : v === 'yes';
    }
    case 'enum': {
      const v = await p.select({ message, choices: [...def.values.map((x) => ({ value: x, name: x.replace(/_/g, ' ') })), unknownChoice], default: typeof current === 'string' ? current : UNKNOWN });
      return v === UNKNOWN ? undefined : v;
    }
    case 'enum_list': {
      const picked = await p.checkbox({
        message: `${message} (space to tick, enter when done; none ticked = not known yet)`,
        choices: def.values.map((x) => ({ value: x, name: x.replace(/_/g, ' '), checked: Array.isArray(current) && current.includes(x) })),
      });
      return picked.length === 0 ? undefined : [...picked].sort();
    }
    case 'instant': {
      const raw = await p.input({
        message: `${message}${was} — "now", ISO time with offset, or YYYY-MM-DD HH:MM local (${UNKNOWN} = not known)`,
        default: current === undefined ? 'now' : UNKNOWN,
        validate: (s) => (s.trim() === UNKNOWN ? null : problem(parseTimeAnswer(s, now))),
      });
      if (raw.trim() === UNKNOWN) return undefined;
      const r = parseTimeAnswer(raw, now);
      return r.ok ? r.value : undefined;
    }
    default: {
      const hint = def.kind === 'jurisdiction_counts' ? ' — e.g. US-CA:1200, DE:40' : def.kind === 'count' ? ' — a whole number' : '';
      const raw = await p.input({
        message: `${message}${was}${hint} (${UNKNOWN} or empty = ${current === undefined ? 'not known' : 'keep'})`,
        validate: (s) => {
          if (s.trim() === '' || s.trim() === UNKNOWN) return null;
          return problem(parseFactText(def, s));
        },
      });
      if (raw.trim() === '' || raw.trim() === UNKNOWN) return undefined;
      const r = parseFactText(def, raw);
      return r.ok ? r.value : undefined;
    }
  }
}
