import { instantProblem, parseInstant } from '../domain/facts.js';
import { machineZone, resolveLocalTime, type Reading } from './local-time.js';

/**
 * The one parser of a time a person types (`--at`, and the console's time prompts): "now", an ISO
 * 8601 instant with offset, or a wall time without offset ("2026-12-01T10:00", "2026-12-01 10:00")
 * read in `zone`. A wall time the zone skips is refused; one it repeats is refused with both
 * readings attached, never resolved silently. Pure: `now` and `zone` are given.
 */
export type TimeInput =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly error: string; readonly ambiguous?: { readonly local: string; readonly zone: string; readonly earlier: Reading; readonly later: Reading } };

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const LOOKS_ISO = /^\d{4}-\d{2}-\d{2}T/;
const hhmm = (iso: string) => iso.slice(11, 16);

export function parseTimeInput(raw: string, now: string, zone: string = machineZone()): TimeInput {
  const t = raw.trim();
  if (t.toLowerCase() === 'now') return { ok: true, value: now };
  const m = LOCAL.exec(t);
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
    if (second > 59) return { ok: false, error: `"${t}": :${m[6]} is not a second of a minute` };
    const r = resolveLocalTime({ year, month, day, hour, minute }, zone);
    const local = `${t.slice(0, 10)} ${t.slice(11, 16)}`;
    switch (r.kind) {
      case 'invalid':
        return { ok: false, error: `"${t}": ${r.reason}` };
      case 'nonexistent':
        return { ok: false, error: `${local} does not exist in ${zone}: the clocks skip that hour; give a time outside it, or an ISO time with its offset` };
      case 'ambiguous': {
        const { earlier, later } = r;
        const error = `${local} happens twice in ${zone} (the clocks go back): write ${t.slice(0, 10)}T${t.slice(11, 16)}${earlier.offset} (= ${hhmm(earlier.instant)} UTC) or ${t.slice(0, 10)}T${t.slice(11, 16)}${later.offset} (= ${hhmm(later.instant)} UTC)`;
        return { ok: false, error, ambiguous: { local, zone, earlier, later } };
      }
      case 'exact':
        return { ok: true, value: new Date(Date.parse(r.instant) + second * 1000).toISOString() };
    }
  }
  if (LOOKS_ISO.test(t)) {
    const why = instantProblem(t);
    return why ? { ok: false, error: why } : { ok: true, value: parseInstant(t)! };
  }
  const shown = t.length > 40 ? `${t.slice(0, 40)}…` : t;
  return { ok: false, error: `"${shown}" is not a time: write "now", 2026-03-01T09:30+01:00, or 2026-03-01 09:30 (local time in ${zone})` };
}
