/**
 * Times and durations as a report shows them: UTC, to the minute (seconds where the log is quoted),
 * durations in days, hours and minutes. Pure: no clock, no locale.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-03-02 09:00 UTC". */
export function utc(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** "2026-03-02 09:00:12 UTC", for entries of the log. */
export function utcSeconds(iso: string): string {
  const d = new Date(iso);
  return `${utc(iso).slice(0, 16)}:${pad(d.getUTCSeconds())} UTC`;
}

export { duration } from '../domain/duration.js';

export const between = (from: string, to: string) => Date.parse(to) - Date.parse(from);

/** "1,200". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

const FULL_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const FULL_TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/** "5 March 2026, 09:00 UTC": for pages read by people rather than checked against the log. */
export function fullDate(iso: string): string {
  const d = new Date(iso);
  return `${FULL_DATE.format(d)}, ${FULL_TIME.format(d)} UTC`;
}

/** "30 April 2026" for a YYYY-MM-DD date (an action item's due date). */
export function dayDate(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : FULL_DATE.format(d);
}
