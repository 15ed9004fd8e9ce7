// Build step (npm `prepare`): validate the shipped regimes, holiday calendars included, and compile
// them to dist/catalogue/regimes.json. A broken regime file fails the install loudly.
import { coveredBy } from '../assess/coverage.js';
import { formatProblem } from './problems.js';
import { calendarChecker, checkRegimeFiles } from './regime.js';
import { shippedRegimeFiles, shippedSourceFiles } from './regime-catalogue.js';
import { writeCache } from './regime-cache.js';
import { shippedTemplateFiles } from './template.js';
import { writeTemplateCache } from './template-cache.js';
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
process.stdout.write(`irr: compiled ${regimes.length} regimes to ${out.path}\n`);

// The shipped letter templates, checked against them (playbook/template-cache.ts says why). A broken
// template is not cached: `irr letter` then checks the templates itself and reports it, as
// `irr template check` and the tests do.
const { checkTemplateFiles } = await import('../render/template-check.js');
const templateFiles = shippedTemplateFiles();
const checked = checkTemplateFiles(templateFiles, new Map(regimes.map((r) => [r.id, r])));
if (checked.problems.length === 0) {
  process.stdout.write(`irr: checked ${checked.templates.length} letter templates to ${writeTemplateCache(templateFiles, out.hash, checked.templates)}\n`);
} else {
  process.stderr.write(`${checked.problems.map(formatProblem).join('\n')}\nirr: the shipped letter templates have ${checked.problems.length} problem(s); not cached\n`);
}

// The shipped runbooks, checked against them (playbook/runbook-cache.ts says why). A broken one
// fails the build: the runbooks are irr's own files.
{
  const { checkRunbook, hashRunbook } = await import('./runbook.js');
  const { YamlSource } = await import('./yaml-source.js');
  const { shippedRunbookFiles } = await import('./catalogue.js');
  const { writeRunbookCache } = await import('./runbook-cache.js');
  const loaded = [];
  for (const file of shippedRunbookFiles()) {
    const src = YamlSource.fromFile(file);
    const { runbook, problems } = checkRunbook(src);
    if (!runbook || problems.length > 0) {
      process.stderr.write(`${problems.map(formatProblem).join('\n')}\nirr: the shipped runbook ${file} has ${problems.length} problem(s)\n`);
      process.exit(2);
    }
    const hash = hashRunbook(runbook);
    // What the cache serves is the JSON of the checked runbook: it must pin the same hash.
    if (hashRunbook(JSON.parse(JSON.stringify(runbook)) as typeof runbook) !== hash) throw new Error(`${file}: the checked runbook does not survive JSON`);
    loaded.push({ runbook, hash, source: src.text, file });
  }
  process.stdout.write(`irr: checked ${loaded.length} runbooks to ${writeRunbookCache(loaded)}\n`);
}

// The shipped drill scenarios' names, for the console's practice warning (drill/practice.ts).
{
  const { writeScenarioNames } = await import('../drill/practice.js');
  process.stdout.write(`irr: wrote the names of the shipped drill scenarios to ${await writeScenarioNames()}\n`);
}

// The offsets of every zone the catalogue counts deadlines in (src/clocks/offsets.ts says why).
const zones = zonesOf(regimes);
writeFileSync(ZONE_TABLE_FILE, JSON.stringify(buildZoneTable(zones)));
process.stdout.write(`irr: wrote the UTC offsets of ${zones.length} time zones to ${ZONE_TABLE_FILE}\n`);

// The public holidays of every calendar it counts business days in (src/clocks/calendar.ts says why).
const calendars = calendarsOf(regimes);
writeFileSync(HOLIDAY_TABLE_FILE, JSON.stringify(buildHolidayTable(calendars)));
process.stdout.write(`irr: wrote the public holidays of ${calendars.length} calendars to ${HOLIDAY_TABLE_FILE}\n`);
