// `irr open` takes a shipped runbook as the build checked it (dist/catalogue/runbooks.json, keyed by
// the SHA-256 of the file's text) without loading the YAML parser or zod: src/playbook/runbook-cache.ts.
// What it serves must be exactly what parsing gives, and any other text, an edited or broken copy,
// or a runbook whose duties the installed catalogue no longer has, must be checked as before.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, installCopy, irrIn, json, ROOT, tempDir } from '../helpers.js';

const built = async <T>(module: string): Promise<T> => (await import(pathToFileURL(join(ROOT, 'dist', module)).href)) as T;

describe('the checked runbooks of the build', () => {
  it('serve every shipped runbook exactly as parsing and checking its file gives it, with the same pinned hash', async () => {
    const { shippedRunbookFiles } = await built<typeof import('../../src/playbook/catalogue.js')>('playbook/catalogue.js');
    const { cachedRunbook } = await built<typeof import('../../src/playbook/runbook-cache.js')>('playbook/runbook-cache.js');
    const { loadRunbookSource } = await built<typeof import('../../src/playbook/runbook.js')>('playbook/runbook.js');
    const { YamlSource } = await built<typeof import('../../src/playbook/yaml-source.js')>('playbook/yaml-source.js');
    const files = shippedRunbookFiles();
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const served = cachedRunbook(file, text);
      expect(served, `${file} is not in the build's cache`).toBeDefined();
      const parsed = loadRunbookSource(YamlSource.fromText(file, text));
      expect(served!.runbook).toEqual(parsed.runbook);
      expect(served!.hash).toBe(parsed.hash);
      expect(served!.source).toBe(text);
      // Any other text misses: one character more.
      expect(cachedRunbook(file, `${text}\n`)).toBeUndefined();
    }
  });

  it('an edited shipped runbook is opened as edited: its own hash pinned, not the shipped one', () => {
    const install = installCopy({ copy: ['playbooks'] });
    const db = join(tempDir(), 'irr.db');
    const shipped = json<{ hash: string }>(irrIn(install, ['playbook', 'show', 'ransomware-exfiltration', '--json'], { db })).hash;
    const file = join(install, 'playbooks', 'runbooks', 'ransomware-exfiltration.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: Ransomware (our edition)'));
    const r = irrIn(install, ['open', '--playbook', 'ransomware-exfiltration', '--title', 'Edited runbook', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const opened = json<{ playbook: { hash: string } }>(r).playbook.hash;
    expect(opened).not.toBe(shipped);
    expect(json<{ hash: string; title: string }>(irrIn(install, ['playbook', 'show', 'ransomware-exfiltration', '--json'], { db }))).toMatchObject({ hash: opened, title: 'Ransomware (our edition)' });
  });

  it('a shipped runbook broken after the build is refused with its file and line, and nothing is opened', () => {
    const install = installCopy({ copy: ['playbooks'] });
    const db = join(tempDir(), 'irr.db');
    const file = join(install, 'playbooks', 'runbooks', 'credential-compromise.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('depends_on: [decide-notification]', 'depends_on: [no-such-step]'));
    const line = text.split('\n').findIndex((l) => l.includes('depends_on: [decide-notification]')) + 1;
    const r = irrIn(install, ['open', '--playbook', 'credential-compromise', '--title', 'Broken runbook'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:${line}:`);
    expect(r.stderr).toContain('depends on "no-such-step", which is not a step of this runbook');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Refused before the database is created: there is none.
    expect(existsSync(db)).toBe(false);
  });

  it('a runbook discharging a duty the installed catalogue no longer has is refused, though its text is the shipped one', () => {
    const install = installCopy({ copy: ['playbooks'] });
    const db = join(tempDir(), 'irr.db');
    // A regime file taken out of the install (a trimmed catalogue): the runbook's own text is unchanged.
    renameSync(join(install, 'playbooks', 'regimes', 'gdpr-art34.yaml'), join(install, 'gdpr-art34.yaml.removed'));
    const r = irrIn(install, ['open', '--playbook', 'credential-compromise', '--title', 'Trimmed catalogue'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('discharges "gdpr-art34", which is not a duty in the regime catalogue');
  });
});

/**
 * The packages a launched command loads, as its require() calls name them (a preloaded hook on
 * Module._load writes them at exit). The build's caches exist so that these starts load neither the
 * YAML parser nor zod (~100 ms of each); a static import added on their way would bring them back.
 */
function packagesLoaded(args: readonly string[], db: string, bin = BIN): { code: number; stdout: string; stderr: string; packages: Set<string> } {
  const dir = tempDir();
  const hook = join(dir, 'hook.cjs');
  const out = join(dir, 'loaded.txt');
  writeFileSync(hook, [
    "const Module = require('node:module');",
    'const seen = new Set();',
    'const load = Module._load;',
    "Module._load = function (request, ...rest) { if (!/^(node:|\\.|\\/)/.test(request)) seen.add(request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0]); return load.call(this, request, ...rest); };",
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, [...seen].join('\\n')));`,
  ].join('\n'));
  const r = spawnSync(process.execPath, ['--require', hook, bin, ...args], { env: { ...process.env, IRR_DB: db, IRR_ACTOR: 'tester', IRR_DEBUG: '' }, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, packages: new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean)) };
}

describe('what a start served by the build loads', () => {
  it('irr open on a shipped runbook, irr letter, a mail merge and the practice check load neither yaml nor zod; an edited runbook does', () => {
    const dir = tempDir();
    const db = join(dir, 'irr.db');
    const open = packagesLoaded(['open', '--playbook', 'misdirected-communication', '--title', 'What loads', '--at', '2026-03-02T09:00:00Z'], db);
    expect(open.code, open.stderr).toBe(0);
    expect(open.packages).toContain('better-sqlite3'); // the hook sees the packages
    expect([...open.packages].filter((p) => p === 'yaml' || p === 'zod')).toEqual([]);
    const id = 'INC-2026-0001';
    const facts = ['aware_at=2026-03-02T11:00:00Z', 'entity_role=controller', 'subjects_by_jurisdiction=DE:40', 'data_categories=financial', 'subjects_total=40', 'records_total=40',
      'confidentiality=known_recipients', 'breach_description=Payslips sent to the wrong list.', 'dpo_contact=Jane Roe, DPO', 'organisation_name=Example GmbH', 'likely_consequences=Salaries seen.', 'measures_taken=Deleted.'];
    expect(packagesLoaded(['fact', id, ...facts, '--at', '2026-03-02T11:00:00Z'], db).code).toBe(0);
    const letter = packagesLoaded(['letter', id, 'gdpr-art33', '--out', join(dir, 'a.md'), '--now', '2026-03-03T10:00:00Z'], db);
    expect(letter.code, letter.stderr).toBe(0);
    expect(letter.packages).toContain('handlebars');
    expect([...letter.packages].filter((p) => p === 'yaml' || p === 'zod')).toEqual([]);
    const csv = join(dir, 'r.csv');
    writeFileSync(csv, 'name,email,postal_address,jurisdiction,language\nAnn Lee,ann@example.com,,DE,en\n');
    const merge = packagesLoaded(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'm.ndjson'), '--now', '2026-03-03T10:00:00Z'], db);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.packages).toContain('csv-parse');
    expect([...merge.packages].filter((p) => p === 'yaml' || p === 'zod')).toEqual([]);

    // The practice check the console makes on every start (irr drill due, on a database with no drill).
    const due = packagesLoaded(['drill', 'due'], db);
    expect(due.stdout).toContain('never run');
    expect([...due.packages].filter((p) => p === 'yaml' || p === 'zod')).toEqual([]);

    // The control: a runbook the build did not check is parsed and checked.
    const edited = join(dir, 'edited.yaml');
    writeFileSync(edited, readFileSync(join(ROOT, 'playbooks', 'runbooks', 'misdirected-communication.yaml'), 'utf8').replace(/^title: .*$/m, 'title: Edited'));
    const other = packagesLoaded(['open', '--playbook', edited, '--title', 'Edited runbook'], db);
    expect(other.code, other.stderr).toBe(0);
    expect(other.packages).toContain('yaml');
    expect(other.packages).toContain('zod');
  });
});
