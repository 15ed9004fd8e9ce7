import { beforeAll, describe, expect, it } from 'vitest';
import { buildZoneTable, intlOffset, offsetIn, zoneOffset, type ZoneTable } from '../../src/clocks/offsets.js';
import { loadShippedRegimes } from '../../src/playbook/regime-catalogue.js';
import { zonesOf } from '../../src/playbook/regime-zones.js';

const DAY = 86_400_000;

describe('UTC offsets from the build table (src/clocks/offsets.ts)', () => {
  // The table the build writes (build-catalogue.ts: the zones of the shipped catalogue), made here
  // the same way; test/e2e/zone-table.test.ts checks the file the build wrote.
  let table: ZoneTable;
  beforeAll(async () => {
    const zones = zonesOf((await loadShippedRegimes()).regimes);
    expect(zones).toContain('America/New_York');
    table = buildZoneTable(zones);
  });

  it('agrees with Intl every day of 2020–2035 at 03:30 and 15:30 UTC, in every zone of the table', () => {
    const wrong: string[] = [];
    for (const zone of Object.keys(table.zones)) {
      for (let t = Date.UTC(2020, 0, 1, 3, 30); t < Date.UTC(2036, 0, 1); t += DAY / 2) {
        if (offsetIn(table, zone, t) !== intlOffset(zone, t)) wrong.push(`${zone} ${new Date(t).toISOString()}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with Intl one millisecond before and at every change in the table', () => {
    let changes = 0;
    for (const [zone, row] of Object.entries(table.zones)) {
      for (let i = 1; i < row.length; i += 2) {
        const at = row[i]!;
        changes++;
        expect([zone, offsetIn(table, zone, at - 1)]).toEqual([zone, intlOffset(zone, at - 1)]);
        expect([zone, offsetIn(table, zone, at)]).toEqual([zone, intlOffset(zone, at)]);
      }
    }
    // New York, Berlin, Sydney… change twice a year for a century.
    expect(changes).toBeGreaterThan(1000);
  });

  it('knows the hand-checked offsets (EU and US DST starts of 2026)', () => {
    // Berlin: CET until 29 Mar 2026 01:00 UTC, then CEST.
    expect(zoneOffset('Europe/Berlin', Date.parse('2026-03-29T00:59:59.999Z'))).toBe(60);
    expect(zoneOffset('Europe/Berlin', Date.parse('2026-03-29T01:00:00Z'))).toBe(120);
    // New York: EST until 8 Mar 2026 07:00 UTC (02:00 local), then EDT.
    expect(zoneOffset('America/New_York', Date.parse('2026-03-08T06:59:59.999Z'))).toBe(-300);
    expect(zoneOffset('America/New_York', Date.parse('2026-03-08T07:00:00Z'))).toBe(-240);
    expect(zoneOffset('Asia/Kolkata', Date.parse('2026-03-08T07:00:00Z'))).toBe(330);
    expect(zoneOffset('UTC', Date.now())).toBe(0);
  });

  it('asks Intl outside the table: another zone, another year, a table from other tz data, a name that is no zone', () => {
    const small: ZoneTable = buildZoneTable(['Europe/Paris'], Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
    const jan1999 = Date.UTC(1999, 0, 15);
    const jul2026 = Date.UTC(2026, 6, 1);
    expect(offsetIn(small, 'Europe/Paris', jul2026)).toBe(120);
    // Out of its range: Intl (1999-01 Paris is +60).
    expect(offsetIn(small, 'Europe/Paris', jan1999)).toBe(60);
    // A zone it does not have.
    expect(offsetIn(small, 'Asia/Tokyo', jul2026)).toBe(540);
    // A table whose tz data is not this runtime's is not trusted, even where it has an answer.
    const stale: ZoneTable = { ...small, tz: 'not-this-version', zones: { 'Europe/Paris': [0] } };
    expect(offsetIn(stale, 'Europe/Paris', jul2026)).toBe(120);
    expect(Number.isNaN(zoneOffset('Not/AZone', jul2026))).toBe(true);
  });
});
