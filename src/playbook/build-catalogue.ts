// Build step (npm `prepare`): validate the shipped regimes, holiday calendars included, and compile
// them to dist/catalogue/regimes.json. A broken regime file fails the install loudly.
import { coveredBy } from '../assess/coverage.js';
import { formatProblem } from './problems.js';
import { calendarChecker, checkRegimeFiles } from './regime.js';
import { shippedRegimeFiles, shippedSourceFiles } from './regime-catalogue.js';
import { writeCache } from './regime-cache.js';
import { writeFileSync } from 'node:fs';
import { buildZoneTable, ZONE_TABLE_FILE } from '../clocks/offsets.js';
import { calendarsOf, zonesOf } from './regime-zones.js';
import { buildHolidayTable, HOLIDAY_TABLE_FILE } from '../clocks/calendar.js';

const files = shippedRegimeFiles();
const { regimes, problems } = checkRegimeFiles(files, await calendarChecker());
if (problems.length > 0) {
  process.stderr.write(`${problems.map(formatProblem).join('\n')}\nirr: the shipped regimes have ${problems.length} problem(s)\n`);
  process.exit(2);
}
const out = writeCache(shippedSourceFiles(), regimes, [...coveredBy(regimes)].sort());
process.stdout.write(`irr: compiled ${regimes.length} regimes to ${out}\n`);

// The offsets of every zone the catalogue counts deadlines in (src/clocks/offsets.ts says why).
const zones = zonesOf(regimes);
writeFileSync(ZONE_TABLE_FILE, JSON.stringify(buildZoneTable(zones)));
process.stdout.write(`irr: wrote the UTC offsets of ${zones.length} time zones to ${ZONE_TABLE_FILE}\n`);

// The public holidays of every calendar it counts business days in (src/clocks/calendar.ts says why).
const calendars = calendarsOf(regimes);
writeFileSync(HOLIDAY_TABLE_FILE, JSON.stringify(buildHolidayTable(calendars)));
process.stdout.write(`irr: wrote the public holidays of ${calendars.length} calendars to ${HOLIDAY_TABLE_FILE}\n`);
