import { zoneOffset } from './offsets.js';

/**
 * The one place a wall-clock time without an offset ("2026-03-29 02:30") becomes an instant.
 * In a zone with daylight saving such a time can name no instant (the hour skipped in spring)
 * or two (the hour repeated in autumn); irr never picks one silently.
 */
export type LocalTime =
  | { readonly kind: 'exact'; readonly instant: string }
  | { readonly kind: 'nonexistent'; readonly zone: string }
  | { readonly kind: 'ambiguous'; readonly zone: string; readonly earlier: Reading; readonly later: Reading }
  | { readonly kind: 'invalid'; readonly reason: string };

/** One reading of an ambiguous local time: its offset ("+02:00") and the UTC instant. */
export interface Reading {
  readonly offset: string;
  readonly instant: string;
}

export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const MINUTE = 60_000;

/** The zone this machine runs in (honours TZ), as IANA name. */
export function machineZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function offsetLabel(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function calendarProblem(w: WallTime): string | null {
  const probe = new Date(Date.UTC(w.year, w.month - 1, w.day));
  const ymd = `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  if (w.year < 1900 || w.year > 9999) return `year ${w.year} is not plausible for an incident`;
  if (probe.getUTCFullYear() !== w.year || probe.getUTCMonth() !== w.month - 1 || probe.getUTCDate() !== w.day) return `${ymd} is not a date in the calendar`;
  if (w.hour > 23 || w.minute > 59) return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')} is not a time of day (00:00 to 23:59)`;
  return null;
}

/**
 * Every instant whose wall time in `zone` is `w`. Offsets change at most once within a day or
 * so, so the candidates are `w` read with the offset in force 14 h before and 14 h after; a
 * candidate counts only when it shows `w` again in the zone.
 */
export function resolveLocalTime(w: WallTime, zone: string): LocalTime {
  const problem = calendarProblem(w);
  if (problem) return { kind: 'invalid', reason: problem };
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const offsets = [...new Set([zoneOffset(zone, asUtc - 14 * 60 * MINUTE), zoneOffset(zone, asUtc + 14 * 60 * MINUTE)])];
  if (offsets.some((o) => !Number.isFinite(o))) return { kind: 'invalid', reason: `"${zone}" is not an IANA time zone` };
  const readings: Reading[] = offsets
    .map((off) => ({ off, ms: asUtc - off * MINUTE }))
    .filter(({ off, ms }) => zoneOffset(zone, ms) === off)
    .sort((a, b) => a.ms - b.ms)
    .map(({ off, ms }) => ({ offset: offsetLabel(off), instant: new Date(ms).toISOString() }));
  if (readings.length === 0) return { kind: 'nonexistent', zone };
  if (readings.length === 1) return { kind: 'exact', instant: readings[0]!.instant };
  return { kind: 'ambiguous', zone, earlier: readings[0]!, later: readings[1]! };
}
