import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The UTC offset of an IANA zone at an instant, in minutes (+60 for Paris in winter).
 *
 * Intl answers this, but the first Intl.DateTimeFormat of a process costs ~15 ms (ICU loads its
 * locale and zone data), and `irr clocks` or `irr status --json` would pay it for nothing but the
 * offsets of a dozen zones. So the build writes the transitions of every zone the regime catalogue
 * counts deadlines in, 2000–2100, read from this same runtime's Intl (dist/catalogue/zones.json),
 * and this module answers from that table by binary search. The table is used only when it was
 * made from the tz data this runtime carries (`process.versions.tz`) and the instant is in its
 * range; anything else (another zone, another year, a Node upgraded since the build) asks Intl.
 * test/unit/zone-offsets.test.ts checks the table against Intl around every transition.
 */

export interface ZoneTable {
  /** The tz database version the table was read from (process.versions.tz of the build). */
  readonly tz: string | undefined;
  readonly from: number;
  readonly to: number;
  /** Per zone: [offset at `from`, then pairs of (instant of a change, offset from then on)]. */
  readonly zones: Readonly<Record<string, readonly number[]>>;
}

const TABLE = resolve(dirname(fileURLToPath(import.meta.url)), '../catalogue/zones.json');
export const TABLE_FROM = Date.UTC(2000, 0, 1);
export const TABLE_TO = Date.UTC(2100, 0, 1);

let table: ZoneTable | null | undefined;

function loaded(): ZoneTable | null {
  if (table === undefined) {
    try {
      const t = JSON.parse(readFileSync(TABLE, 'utf8')) as ZoneTable;
      table = t.tz === process.versions.tz ? t : null;
    } catch {
      table = null;
    }
  }
  return table;
}

/** Offset in minutes from one zone's table row: the last change at or before `ms`. */
function fromRow(row: readonly number[], ms: number): number {
  // row = [o0, t1, o1, t2, o2, …]; changes are at odd indexes, in time order.
  let lo = 0;
  let hi = (row.length - 1) / 2; // number of changes
  // Find the count of changes with t <= ms.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (row[2 * mid - 1]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return row[2 * lo]!;
}

const formats = new Map<string, (d: Date) => string>();

/** The offset Intl gives (NaN for a name that is not a zone). */
export function intlOffset(zone: string, ms: number): number {
  try {
    let format = formats.get(zone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).format;
      formats.set(zone, format);
    }
    // "1/2/2026, GMT+05:30", or "GMT" alone at UTC.
    const m = /GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/.exec(format(new Date(ms)));
    if (!m) return NaN;
    if (!m[1]) return 0;
    const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
    return m[1] === '-' ? -minutes : minutes;
  } catch {
    return NaN;
  }
}

/** UTC offset of `zone` at `ms`, in minutes; NaN when `zone` is not an IANA zone. */
export function zoneOffset(zone: string, ms: number): number {
  return offsetIn(loaded(), zone, ms);
}

/** zoneOffset with a given table (null: none); a table from other tz data is not used. */
export function offsetIn(t: ZoneTable | null, zone: string, ms: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const row = t && t.tz === process.versions.tz && ms >= t.from && ms < t.to ? t.zones[zone] : undefined;
  return row ? fromRow(row, ms) : intlOffset(zone, ms);
}

/** The table the build wrote, if it is there and from this runtime's tz data. */
export function shippedZoneTable(): ZoneTable | null {
  return loaded();
}

/**
 * The table for `zones`, read from Intl: offsets sampled once a week, each change located to the
 * millisecond by bisection. Sampling weekly misses a change undone within the same week, which no
 * zone the catalogue uses has had since 2000; test/unit/zone-offsets.test.ts compares the table with
 * Intl every day of 2020–2035 and on both sides of every change. Run by the build (~0.4 s).
 */
export function buildZoneTable(zones: Iterable<string>, from = TABLE_FROM, to = TABLE_TO): ZoneTable {
  const STEP = 7 * 86_400_000;
  const out: Record<string, number[]> = {};
  for (const zone of [...new Set(zones)].sort()) {
    let prev = intlOffset(zone, from);
    if (!Number.isFinite(prev)) throw new Error(`${zone}: not an IANA time zone`);
    const row = [prev];
    for (let t = from + STEP; t < to; t += STEP) {
      const o = intlOffset(zone, t);
      if (o === prev) continue;
      // The change is in (t - STEP, t]: bisect to the first millisecond with the new offset.
      let lo = t - STEP;
      let hi = t;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (intlOffset(zone, mid) === prev) lo = mid;
        else hi = mid;
      }
      row.push(hi, o);
      prev = o;
    }
    out[zone] = row;
  }
  return { tz: process.versions.tz, from, to, zones: out };
}

export const ZONE_TABLE_FILE = TABLE;
