import type { Deadline } from '../domain/regime.js';
import { isHoliday } from './calendar.js';
import { zoneOffset } from './offsets.js';

/**
 * Deadline arithmetic: pure functions of instants (ms since epoch) and the regime's rule.
 * - hours: an exact duration, so a DST change never shifts it;
 * - calendar days: dates in the regime's zone, due at the end of the last day;
 * - business days: dates in the zone, skipping weekends and the named calendar's public holidays;
 * - DORA: a deadline on a weekend or holiday moves to noon of the next working day.
 *
 * Dates are counted on the zone's wall clock written as if it were UTC ("wall" ms: the instant plus
 * the zone's offset then), where a day is exactly 86,400,000 ms and getUTC* read the local date;
 * a wall time becomes an instant again through the zone's offsets (wallToInstant). This runs for
 * every state-law duty of every assessment, so it uses the offset table of src/clocks/offsets.ts
 * rather than TZDate arithmetic (a dozen Intl look-ups a day counted, and ICU's start-up cost).
 * test/unit/deadlines.test.ts checks the results against TZDate.
 */

export interface Due {
  /** The legal deadline, or null where the law sets no count ("without undue delay"). */
  readonly due: number | null;
  /** irr's internal target where the law has no count. */
  readonly target: number | null;
  /** How the deadline was reached, step by step, for the explanation. */
  readonly steps: readonly string[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The UTC offset of `zone` at `ms`, in milliseconds. */
const offsetAt = (zone: string, ms: number) => zoneOffset(zone, ms) * MINUTE;
/** The wall clock of `zone` at `ms`, as "wall" ms (see above). */
const wallOf = (ms: number, zone: string) => ms + offsetAt(zone, ms);
/** The local date (YYYY-MM-DD) of a wall time. */
const wallDate = (wall: number) => iso(wall).slice(0, 10);
const startOfWallDay = (wall: number) => Math.floor(wall / DAY) * DAY;

/** A working day: not Saturday or Sunday, not a public holiday of `calendar` (a wall day). */
function isBusinessWallDay(wall: number, calendar: string): boolean {
  const weekday = new Date(wall).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !isHoliday(calendar, wallDate(wall));
}

/**
 * The instant at which the wall clock of `zone` reads `wall` (a local time written as if it were
 * UTC). Used for 23:59:59.999: where clocks go back at midnight (Beirut, Santiago, Asunción) that
 * time occurs twice, and irr takes the first: notice given by then is in time on any reading, and
 * a deadline is never later than the law allows. (TZDate's endOfDay takes either, depending on the
 * zone: later in Beirut, earlier in Santiago.)
 */
function wallToInstant(wall: number, zone: string): number {
  // The offsets in force a day either side cover any one transition; each gives a candidate that
  // is right if the zone really has that offset at that instant.
  let best: number | undefined;
  for (const off of [offsetAt(zone, wall - DAY), offsetAt(zone, wall + DAY)]) {
    const t = wall - off;
    if (offsetAt(zone, t) === off && (best === undefined || t < best)) best = t;
  }
  // A wall time skipped when clocks go forward: the instant just after the gap (two-step estimate).
  return best ?? wall - offsetAt(zone, wall - offsetAt(zone, wall));
}

/** End of the day N calendar days after the start's date, in `zone`. */
export function addCalendarDays(start: number, days: number, zone: string): number {
  return wallToInstant(startOfWallDay(wallOf(start, zone)) + (days + 1) * DAY - 1, zone);
}

/** End of the Nth business day after the start's date, in `zone` (the start's own day is day 0). */
export function addBusinessDays(start: number, days: number, zone: string, calendar: string): number {
  let day = startOfWallDay(wallOf(start, zone));
  let counted = 0;
  while (counted < days) {
    day += DAY;
    if (isBusinessWallDay(day, calendar)) counted++;
  }
  return wallToInstant(day + DAY - 1, zone);
}

/** End of 31 December of the start's year, in `zone`. */
export function endOfYear(start: number, zone: string): number {
  const year = new Date(wallOf(start, zone)).getUTCFullYear();
  return wallToInstant(Date.UTC(year, 11, 31, 23, 59, 59, 999), zone);
}

/** DORA: a deadline that falls on a weekend or holiday moves to 12:00 of the next working day. */
export function nextWorkingDayNoon(due: number, zone: string, calendar: string): number {
  let day = wallOf(due, zone);
  if (isBusinessWallDay(day, calendar)) return due;
  day = startOfWallDay(day);
  do day += DAY;
  while (!isBusinessWallDay(day, calendar));
  return wallToInstant(day + 12 * 3_600_000, zone);
}

export interface DueInput {
  readonly start: number;
  readonly deadline: Deadline;
  readonly anchor?: 'end_of_year';
  readonly anchorZone?: string;
  readonly noLaterThan?: { readonly at: number; readonly hours: number; readonly fact: string };
  readonly weekendRule?: { readonly zone: string; readonly holidays: string; readonly applies: boolean; readonly why: string };
}

export function computeDue(input: DueInput): Due {
  const steps: string[] = [];
  let start = input.start;
  const d = input.deadline;
  if (input.anchor === 'end_of_year') {
    const zone = 'zone' in d ? d.zone : (input.anchorZone ?? 'UTC');
    start = endOfYear(start, zone);
    steps.push(`counted from the end of that calendar year: ${iso(start)}`);
  }
  let due: number | null = null;
  let target: number | null = null;
  if ('hours' in d) {
    due = start + d.hours * 3_600_000;
    steps.push(`${d.hours} h after ${iso(start)} (exact hours, weekends and DST included)`);
  } else if ('calendar_days' in d) {
    due = addCalendarDays(start, d.calendar_days, d.zone);
    steps.push(`${d.calendar_days} calendar days after ${wallDate(wallOf(start, d.zone))} in ${d.zone}, to the end of that day`);
  } else if ('business_days' in d) {
    due = addBusinessDays(start, d.business_days, d.zone, d.holidays);
    steps.push(`${d.business_days} business days after ${wallDate(wallOf(start, d.zone))} in ${d.zone}, skipping weekends and ${d.holidays} public holidays, to the end of that day`);
  } else if ('asap' in d) {
    target = start + d.asap.target_hours * 3_600_000;
    steps.push(`no day count in law ("without undue delay"); irr's internal target is ${d.asap.target_hours} h after ${iso(start)}`);
  } else {
    steps.push('no deadline set by law');
  }
  if (due !== null && input.noLaterThan) {
    const cap = input.noLaterThan.at + input.noLaterThan.hours * 3_600_000;
    if (cap < start) steps.push(`the ${input.noLaterThan.hours} h limit after ${input.noLaterThan.fact} had already passed when the clock started, so it does not apply`);
    else if (cap < due) {
      due = cap;
      steps.push(`capped at ${input.noLaterThan.hours} h after ${input.noLaterThan.fact}: ${iso(cap)}`);
    }
  }
  if (due !== null && input.weekendRule) {
    const w = input.weekendRule;
    const moved = nextWorkingDayNoon(due, w.zone, w.holidays);
    if (moved !== due) {
      if (w.applies) {
        steps.push(`falls on a weekend or ${w.holidays} holiday: moved to noon of the next working day in ${w.zone}: ${iso(moved)}`);
        due = moved;
      } else steps.push(`falls on a weekend or holiday, but the weekend rule does not apply (${w.why})`);
    }
  }
  return { due, target, steps };
}
