// `irr letter` uses the templates as the build checked them (dist/catalogue/templates.json) only
// while neither the templates nor the regimes they serve have changed: an edited template is
// checked and used as edited, a broken one is reported, and a regime that asks for an item the
// template does not cover makes the letter refuse, exactly as without the cache.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installCopy, irr, irrIn, tempDir } from '../helpers.js';

const NOW = '2026-12-01T09:00:00Z';

const run = (install: string, args: readonly string[], db: string) => irrIn(install, args, { db });

/**
 * An incident with everything GDPR Art 33's notice needs, in a new SQLite file. Made by the
 * checkout's irr: what each test is about is what the install's binary serves (its letter, its
 * refusal), and two launches of that binary per test only to open and fill the incident were a
 * third of this file's time.
 */
function incident(): { db: string; id: string } {
  const db = join(tempDir(), 'irr.db');
  const id = irr(['open', '--playbook', 'ransomware-exfiltration', '--title', 'Template cache'], { db }).stdout.trim();
  const facts = ['aware_at=2026-11-30T10:00:00Z', 'entity_role=controller', 'data_categories=contact,financial', 'subjects_total=1200', 'records_total=1500',
    'subjects_by_jurisdiction=DE:1200', 'breach_description=A copy of the customer table left the network', 'organisation_name=Example GmbH',
    'dpo_contact=dpo@example.com', 'likely_consequences=Phishing', 'measures_taken=Passwords reset'];
  const r = irr(['fact', id, ...facts, '--at', '2026-11-30T10:00:00Z'], { db });
  expect(r.code, r.stderr).toBe(0);
  return { db, id };
}

/** The incident's log as stored: what "nothing was recorded" compares. */
const logOf = (id: string, db: string) => irr(['log', id, '--json'], { db }).stdout;

describe('the checked templates of the build', () => {
  it('are what an unchanged install serves (a body changed in the build\'s file shows in the letter)', () => {
    const install = installCopy({ copy: ['catalogue'] });
    const cache = join(install, 'dist', 'catalogue', 'templates.json');
    const built = JSON.parse(readFileSync(cache, 'utf8')) as { templates: { id: string; body: string }[] };
    const t = built.templates.find((x) => x.id === 'gdpr-art33-authority')!;
    expect(t.body).toContain('# Notification of a personal data breach\n');
    t.body = t.body.replace('# Notification of a personal data breach\n', "# Served from the build's check\n");
    writeFileSync(cache, JSON.stringify(built));
    const { db, id } = incident();
    const r = run(install, ['letter', id, 'gdpr-art33', '--now', NOW], db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# Served from the build\'s check');
  });

  it('an unchanged install serves the same letter as the checkout', () => {
    const install = installCopy({ copy: ['templates'] });
    const { db, id } = incident();
    const copied = run(install, ['letter', id, 'gdpr-art33', '--now', NOW], db);
    expect(copied.code, copied.stderr).toBe(0);
    const here = irr(['letter', id, 'gdpr-art33', '--now', NOW], { db });
    expect(here.stdout).toBe(copied.stdout);
    expect(copied.stdout).toContain('# Notification of a personal data breach');
  });

  it('an edited template is used as edited', () => {
    const install = installCopy({ copy: ['templates'] });
    const file = join(install, 'templates', 'letters', 'gdpr-art33-authority.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('# Notification of a personal data breach', '# Notification of a personal data breach (edited after the build)'));
    const { db, id } = incident();
    const r = run(install, ['letter', id, 'gdpr-art33', '--now', NOW], db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('# Notification of a personal data breach (edited after the build)');
  });

  it('a template broken after the build is reported with its file and line, and nothing is written', () => {
    const install = installCopy({ copy: ['templates'] });
    const file = join(install, 'templates', 'letters', 'gdpr-art33-authority.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    section: Contact point\n', '    section: Contact desk\n'));
    const { db, id } = incident();
    const before = logOf(id, db);
    const r = run(install, ['letter', id, 'gdpr-art33', '--now', NOW], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gdpr-art33-authority\.md:\d+:\d+: covers\.contact\.section: no heading "Contact desk" in the body/);
    expect(logOf(id, db)).toBe(before);
  });

  it('a broken template in another language of another notice: irr letter says no template exists in the language asked for', () => {
    const install = installCopy({ copy: ['templates'] });
    const file = join(install, 'templates', 'letters', 'gdpr-art34-individuals-pl.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    section: Co się stało\n', '    section: Co się wydarzyło\n'));
    const { db, id } = incident();
    const r = run(install, ['letter', id, 'gdpr-art33', '--locale', 'ja', '--now', NOW], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^irr: --locale: no template in ja for gdpr-art33; available: en, /);
    expect(r.stderr).not.toContain('gdpr-art34-individuals-pl.md');
  });

  it('the mail merge refuses (exit 2, nothing written or recorded) while a template of its notice is broken: its recipients would get another language', () => {
    const install = installCopy({ copy: ['templates'] });
    const file = join(install, 'templates', 'letters', 'gdpr-art34-individuals-pl.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    section: Co się stało\n', '    section: Co się wydarzyło\n'));
    const { db, id } = incident();
    const dir = tempDir();
    const csv = join(dir, 'recipients.csv');
    writeFileSync(csv, 'name,email,postal_address,jurisdiction,language\nJan Kowalski,jan@example.pl,,DE,pl\nEve Adams,eve@example.com,,DE,en\n');
    const before = logOf(id, db);
    const r = run(install, ['letters', id, 'gdpr-art34', '--recipients', csv, '--out', join(dir, 'out.ndjson'), '--now', NOW], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gdpr-art34-individuals-pl\.md:\d+:\d+: covers\.[a-z-]+\.section: no heading "Co się wydarzyło" in the body/);
    expect(readdirSync(dir)).toEqual(['recipients.csv']);
    expect(logOf(id, db)).toBe(before);
  });

  it('a regime edited after the build to require an item the template does not cover: the letter is refused', () => {
    const install = installCopy({ copy: ['templates', 'playbooks'] });
    const file = join(install, 'playbooks', 'regimes', 'gdpr-art33.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('required_contents:\n', 'required_contents:\n  - id: insurer\n    ref: Test\n    text: The name of the insurer.\n    facts: [organisation_name]\n'));
    const { db, id } = incident();
    const r = run(install, ['letter', id, 'gdpr-art33', '--now', NOW], db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not cover gdpr-art33 item "insurer" (Test)');
  });
});
