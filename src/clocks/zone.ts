import { machineZone } from './local-time.js';
import { zoneOffset } from './offsets.js';
import { systemClock } from './wall.js';

/**
 * The zone people read and type times in: `IRR_TZ` when set (an IANA name such as Europe/Paris),
 * else this machine's zone. `--json` stays in UTC.
 */
export function userZone(): string {
  const named = process.env.IRR_TZ?.trim();
  if (named) {
    if (!isZone(named)) throw new ZoneError(`IRR_TZ: "${named}" is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)`);
    return named;
  }
  return machineZone();
}

export function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return Number.isFinite(zoneOffset(zone, Date.now()));
  } catch {
    return false;
  }
}

/** Thrown by userZone; the CLI maps it to exit 2 (clocks/ imports nothing of domain errors' consumers). */
export class ZoneError extends Error {}

const cache = new Map<string, { parts: Intl.DateTimeFormat; name: Intl.DateTimeFormat; nameGb: Intl.DateTimeFormat }>();

function formatters(zone: string) {
  let f = cache.get(zone);
  if (!f) {
    f = {
      parts: new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      name: new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }),
      nameGb: new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' }),
    };
    cache.set(zone, f);
  }
  return f;
}

/** "CET", "EST", "UTC", else "GMT+5:30": the abbreviation a reader knows, from whichever English locale has one. */
export function zoneName(iso: string, zone: string): string {
  const d = new Date(iso);
  const f = formatters(zone);
  const pick = (fmt: Intl.DateTimeFormat) => fmt.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? zone;
  const us = pick(f.name);
  if (!/^GMT[+-]/.test(us)) return us;
  const gb = pick(f.nameGb);
  return /^GMT[+-]/.test(gb) ? us : gb;
}

/**
 * "Mon 2 Mar 10:30 CET" in `zone`; the year is added when it is not the year of `now`
 * ("Mon 2 Mar 2025 10:30 CET"). For people; machines get the UTC ISO text.
 */
export function localTime(iso: string, zone: string = userZone(), now: string = systemClock.now()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = Object.fromEntries(formatters(zone).parts.formatToParts(d).map((p) => [p.type, p.value]));
  const nowYear = Object.fromEntries(formatters(zone).parts.formatToParts(new Date(now)).map((p) => [p.type, p.value])).year;
  const year = parts.year === nowYear ? '' : ` ${parts.year}`;
  return `${parts.weekday} ${parts.day} ${parts.month}${year} ${parts.hour}:${parts.minute} ${zoneName(iso, zone)}`;
}

/** localTime, and UTC beside it unless the zone is at UTC then ("Thu 5 Mar 09:00 CET (08:00 UTC)"): for deadlines. */
export function localWithUtc(iso: string, zone: string = userZone(), now: string = systemClock.now()): string {
  const text = localTime(iso, zone, now);
  return zoneOffset(zone, Date.parse(iso)) === 0 ? text : `${text} (${iso.slice(11, 16)} UTC)`;
}
