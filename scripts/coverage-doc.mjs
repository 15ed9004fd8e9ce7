// Regenerates docs/coverage.md from the compiled catalogue (npm run build first) and docs/research/*.yaml:
// node scripts/coverage-doc.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
const cat = JSON.parse(readFileSync('dist/catalogue/regimes.json','utf8'));
const regimes = cat.regimes ?? cat;
const walk = (o, acc) => { if (Array.isArray(o)) o.forEach((x) => walk(x, acc)); else if (o && typeof o === 'object') { if (typeof o.confirmed === 'boolean') acc[o.confirmed ? 't' : 'f']++; Object.values(o).forEach((x) => walk(x, acc)); } return acc; };
const research = {};
for (const f of ['countries.yaml','us-states-1.yaml','us-states-2.yaml']) for (const e of parse(readFileSync('docs/research/'+f,'utf8'))) research[e.jurisdiction] = { ...walk(e,{t:0,f:0}), name: e.name };
const countries = ['NZ','KR','CN','ZA','KE','NG','MX','AR','CL','CO','PE','PH','TH','MY','ID','VN','AE','SA','IL','TR','HK','TW','CA-QC'];
const mine = (j) => regimes.filter((r) => r.jurisdiction === j && r.family !== 'pipeda');
const usJ = [...new Set(regimes.filter((r) => /^US-/.test(r.jurisdiction)).map((r) => r.jurisdiction))].sort();
const sum = (js, k) => js.reduce((n, j) => n + (research[j]?.[k] ?? 0), 0);
const items = (rs) => rs.reduce((n, r) => n + r.unconfirmed.length, 0);
const cRegs = countries.flatMap(mine), uRegs = usJ.flatMap((j) => regimes.filter((r) => r.jurisdiction === j));
const covered = [...new Set(regimes.filter((r) => r.in_force).flatMap((r) => r.covers))].sort();
let md = `# Coverage: which jurisdictions irr has rules for, and what stays unconfirmed

Generated from the compiled catalogue (${regimes.length} regimes) and the research files
(docs/research/*.yaml) for issue 12 by \`node scripts/coverage-doc.mjs\` (after \`npm run build\`); regenerate it when regimes change. "Confirmed" means read in a
primary text (the statute, regulation or the regulator's own page, or a verbatim reproduction), as
recorded in the research (\`confirmed: true\`); everything else is listed in each regime's
\`unconfirmed:\` and below. A jurisdiction with affected people that no regime in force covers is
reported \`NOT COVERED\` (src/assess/coverage.ts), never "not required".

## Covered jurisdictions (${covered.length} codes)

${covered.join(' ')}

(EEA countries through the GDPR regimes; Canada's provinces through PIPEDA, and Québec also through its
own Law 25 regimes; every US state, DC, PR, GU and VI through their state laws. \`US\` alone is not a
jurisdiction of residence: split it by state.)

## The closing note (issue 12)

- **US (54 jurisdictions):** ${uRegs.length} regimes; research facts confirmed from primary text:
  ${sum(usJ,'t')}, not confirmed: ${sum(usJ,'f')}; ${items(uRegs)} unconfirmed items in the regime files;
  ${uRegs.filter((r) => r.unconfirmed.length === 0).length} regime(s) with nothing unconfirmed.
- **23 other jurisdictions and Québec:** ${cRegs.length} regimes (${cRegs.filter((r) => !r.in_force).length} not in force:
  ${cRegs.filter((r) => !r.in_force).map((r) => r.id).join(', ')}; ${cRegs.filter((r) => r.voluntary).length} voluntary:
  ${cRegs.filter((r) => r.voluntary).map((r) => r.id).join(', ')}); research facts confirmed: ${sum(countries,'t')},
  not confirmed: ${sum(countries,'f')}; ${items(cRegs)} unconfirmed items in the regime files; no country
  regime is free of unconfirmed items.

| Jurisdiction | Regimes | Research facts confirmed | not confirmed | Unconfirmed items in the regimes |
|---|---|---|---|---|
`;
for (const j of countries) { const rs = mine(j); md += `| ${j} ${research[j]?.name ?? ''} | ${rs.map((r) => '`' + r.id + '`' + (r.in_force ? '' : ' (not in force)') + (r.voluntary ? ' (voluntary)' : '')).join(', ')} | ${research[j]?.t ?? 0} | ${research[j]?.f ?? 0} | ${items(rs)} |\n`; }
md += `\n| US jurisdiction | Regimes | Research facts confirmed | not confirmed | Unconfirmed items |\n|---|---|---|---|---|\n`;
for (const j of usJ) { const rs = regimes.filter((r) => r.jurisdiction === j); md += `| ${j} | ${rs.length} | ${research[j]?.t ?? '—'} | ${research[j]?.f ?? '—'} | ${items(rs)} |\n`; }
md += `\n## What stays unconfirmed, per jurisdiction\n`;
for (const j of [...countries, ...usJ]) {
  const rs = (countries.includes(j) ? mine(j) : regimes.filter((r) => r.jurisdiction === j)).filter((r) => r.unconfirmed.length);
  if (!rs.length) continue;
  md += `\n### ${j}${research[j]?.name ? ` — ${research[j].name}` : ''}\n\n`;
  for (const r of rs) { md += `- \`${r.id}\`:\n`; for (const u of r.unconfirmed) md += `  - ${u.replace(/\s+/g, ' ')}\n`; }
}
writeFileSync('docs/coverage.md', md);
console.log(md.split('\n').length, 'lines');
