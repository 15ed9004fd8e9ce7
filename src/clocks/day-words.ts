/**
 * The short forms a person types for a recent time at 3 a.m.: "10:30" (today), "yesterday 18:00",
 * "today 9:15". They become "YYYY-MM-DD HH:MM" on the wall clock of `zone`, which
 * ./local-time.ts then reads as an instant (refusing a skipped or repeated hour as it always does).
 * Anything else is returned unchanged for the caller's own parser.
 */

const SHORT = /^(?:(today|yesterday)\s+)?(\d{1,2}):(\d{2})$/i;

/** The calendar date `days` before `now` on the wall clock of `zone`, as YYYY-MM-DD. */
export function wallDate(now: string, zone: string, daysBefore = 0): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(now));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const d = new Date(Date.UTC(get('year'), get('month') - 1, get('day') - daysBefore));
  return d.toISOString().slice(0, 10);
}

export function expandDayWords(text: string, now: string, zone: string): string {
  const m = SHORT.exec(text.trim());
  if (!m) return text;
  const [, word, hour, minute] = m;
  const date = wallDate(now, zone, word?.toLowerCase() === 'yesterday' ? 1 : 0);
  return `${date} ${hour!.padStart(2, '0')}:${minute}`;
}
