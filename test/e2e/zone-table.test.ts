import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import type { ZoneTable } from '../../src/clocks/offsets.js';

/** The offset table `npm run build` writes beside the compiled catalogue (src/clocks/offsets.ts). */
describe('the build’s time-zone table', () => {
  it('is from this runtime’s tz data and has every zone a shipped regime counts deadlines in', () => {
    const table = JSON.parse(readFileSync(join(ROOT, 'dist/catalogue/zones.json'), 'utf8')) as ZoneTable;
    const catalogue = JSON.parse(readFileSync(join(ROOT, 'dist/catalogue/regimes.json'), 'utf8')) as { regimes: { clock: unknown }[] };
    const named = new Set<string>();
    JSON.stringify(catalogue.regimes.map((r) => r.clock), (k, v: unknown) => {
      if (k === 'zone' && typeof v === 'string') named.add(v);
      return v;
    });
    expect(table.tz).toBe(process.versions.tz);
    expect(named.size).toBeGreaterThan(5);
    for (const z of named) if (z !== 'UTC') expect(Object.keys(table.zones)).toContain(z);
    // New York changes twice a year over the table's century.
    expect((table.zones['America/New_York']!.length - 1) / 2).toBeGreaterThan(150);
  });
});
