import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveNotice, irr, json, tempDir } from '../helpers.js';
import { pgBackend, sharedDb, sqliteBackend, type Backend } from '../pg/backend.js';
import { pgAvailable } from '../pg/pg.js';

/**
 * Letters in the reader's language (issue 14, problem 5): --locale picks the template or is exit 2,
 * the mail merge picks each recipient's by the language column and counts per language, dates,
 * numbers and lists are formatted for the locale, a recorded delay reason is reused, and GDPR
 * Art 33(4) phased notification (an initial notice with what is to follow, then supplements).
 */

interface LogEntry { seq: number; type: string; payload: Record<string, unknown> }
const log = (db: string, id: string) => json<LogEntry[]>(irr(['log', id, '--json'], { db }));

/** A GDPR Art 33 incident (Germany and France), aware 2 March 2026 11:00 UTC, due 5 March 11:00 UTC. */
function incident(db: string, omit: string[] = []): string {
  const id = irr(['open', '--playbook', 'misdirected-communication', '--title', 'Payslips emailed to the wrong team', '--at', '2026-03-02T09:00:00Z'], { db }).stdout.trim();
  const facts: Record<string, string> = {
    detected_at: '2026-03-02T09:00:00Z',
    aware_at: '2026-03-02T11:00:00Z',
    entity_role: 'controller',
    subjects_by_jurisdiction: 'DE:1180,FR:20',
    data_categories: 'financial,contact',
    subjects_total: '1200',
    records_total: '1200',
    confidentiality: 'known_recipients',
    breach_description: 'Payslips were emailed to the wrong internal list.',
    dpo_contact: 'Jane Roe, DPO, dpo@example.com',
    organisation_name: 'Example GmbH',
    likely_consequences: 'Colleagues could learn salaries.',
    measures_taken: 'Recipients confirmed deletion in writing.',
  };
  for (const k of omit) delete facts[k];
  const r = irr(['fact', id, ...Object.entries(facts).map(([k, v]) => `${k}=${v}`), '--at', '2026-03-02T11:00:00Z'], { db });
  expect(r.code, r.stderr).toBe(0);
  return id;
}

const NOW = '2026-03-03T10:00:00Z';

/** The Markdown letter as read: values arrive escaped ("2\\. März" cannot start a list), shown without the backslashes. */
const plain = (md: string) => md.replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1');

/**
 * On both backends (issue 15). One database per backend: each test opens its own incident and
 * reads only that one's log; files go to a temp folder of the test's own.
 */
function localeFlows(backend: Backend): void {
  const database = sharedDb(backend);
describe(`irr letter --locale (${backend.name})`, () => {
  it('writes the notice in the language asked for, with dates, numbers and lists formatted for it', () => {
    const db = database();
    const id = incident(db);
    const de = irr(['letter', id, 'gdpr-art33', '--locale', 'de', '--now', NOW], { db });
    expect(de.code, de.stderr).toBe(0);
    expect(plain(de.stdout)).toContain('# Meldung einer Verletzung des Schutzes personenbezogener Daten');
    expect(plain(de.stdout)).toContain('2. März 2026 um 11:00 UTC'); // the clock start, Intl de
    expect(plain(de.stdout)).toContain('Ungefähre Zahl der betroffenen Personen: 1.200');
    expect(plain(de.stdout)).toContain('Kontaktdaten (z. B. Namen, E-Mail- oder Postanschriften, Telefonnummern) und Bank- und Kontoinformationen');
    expect(plain(de.stdout)).toContain('**Datum:** 3. März 2026');
    expect(de.stdout).not.toContain('Nature of the breach');

    // A regional tag takes the language's template; the HTML says which language it is.
    const fr = irr(['letter', id, 'gdpr-art33', '--locale', 'fr-BE', '--format', 'html', '--now', NOW], { db });
    expect(fr.code, fr.stderr).toBe(0);
    expect(fr.stdout).toContain('<html lang="fr">');
    expect(fr.stdout).toContain('Nombre approximatif de personnes concernées : 1\u202f200');
    expect(fr.stdout).toContain('2 mars 2026 à 11:00 UTC');

    const rendered = log(db, id).filter((e) => e.type === 'document.rendered').map((e) => e.payload.template);
    expect(rendered).toEqual(['gdpr-art33-authority-de', 'gdpr-art33-authority-fr']);
  });

  it('refuses (exit 2) a language with no template, naming those that exist, and records nothing: never English in its place', () => {
    const db = database();
    const id = incident(db);
    const before = log(db, id).length;
    const r = irr(['letter', id, 'gdpr-art33', '--locale', 'pl', '--now', NOW], { db });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('irr: --locale: no template in pl for gdpr-art33; available: en, de, fr (irr template list)');
    const bad = irr(['letter', id, 'gdpr-art33', '--locale', 'fr_FR!', '--now', NOW], { db });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--locale: "fr_FR!" is not a language tag');
    expect(log(db, id).length).toBe(before);
  });

});

describe(`irr letters: each recipient in their language (${backend.name})`, () => {
  const CSV = [
    'name,email,postal_address,jurisdiction,language',
    'Anna Schmidt,anna@example.de,,DE,de',
    'Bernd Meyer,bernd@example.de,,DE,de-AT',
    'Claire Martin,claire@example.fr,,FR,fr',
    'Dario Rossi,dario@example.it,,DE,it',
    'Eve Adams,eve@example.com,,DE,',
  ].join('\n') + '\n';

  it('picks the template by the language column, falls back to --locale then en, and counts letters per language in the event and the summary', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const csv = join(dir, 'recipients.csv');
    writeFileSync(csv, CSV);
    const out = join(dir, 'letters.ndjson');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out, '--now', NOW], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('by language: de 2, en 2, fr 1 (no template in it 1: written in en)');
    const letters = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string; template: string; content: string });
    expect(letters.map((l) => [l.name, l.template])).toEqual([
      ['Anna Schmidt', 'gdpr-art33-authority-de'],
      ['Bernd Meyer', 'gdpr-art33-authority-de'],
      ['Claire Martin', 'gdpr-art33-authority-fr'],
      ['Dario Rossi', 'gdpr-art33-authority'],
      ['Eve Adams', 'gdpr-art33-authority'],
    ]);
    expect(plain(letters[0]!.content)).toContain('2. März 2026 um 11:00 UTC');
    const event = log(db, id).filter((e) => e.type === 'document.rendered').at(-1)!;
    expect(event.payload).toMatchObject({ kind: 'mail_merge', letters: 5, by_language: { de: 2, en: 2, fr: 1 }, language_fallbacks: { it: 1 }, templates: ['gdpr-art33-authority', 'gdpr-art33-authority-de', 'gdpr-art33-authority-fr'] });

    // Configured: the letter's language is German, and a language without a template falls back to it.
    const out2 = join(dir, 'letters-de.ndjson');
    const r2 = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out2, '--locale', 'de', '--now', NOW], { db });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain('by language: de 4, fr 1 (no template in it 1: written in de)');
    const r3 = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'x.ndjson'), '--fallback', 'fr,en', '--now', NOW], { db });
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toContain('by language: de 2, fr 2, en 1 (no template in it 1: written in fr)');
  });
});

describe(`delay reasons and phased notification (GDPR Art 33(1) and 33(4)) (${backend.name})`, () => {
  it('a late letter reuses the reasons typed when the late sent was recorded', () => {
    const db = database();
    const id = incident(db);
    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-06T09:00:00Z' });
    const sent = irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'BfDI-4711', '--reason', 'The scope was confirmed only on 6 March by the forensic report.', '--at', '2026-03-06T10:00:00Z'], { db });
    expect(sent.code, sent.stderr).toBe(0);
    const r = irr(['letter', id, 'gdpr-art33', '--now', '2026-03-06T11:00:00Z'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('## Reasons for the delay');
    expect(r.stdout).toContain('The reasons for the delay: The scope was confirmed only on 6 March by the forensic report.');
    const de = irr(['letter', id, 'gdpr-art33', '--locale', 'de', '--now', '2026-03-06T11:00:00Z'], { db });
    expect(de.code, de.stderr).toBe(0);
    expect(plain(de.stdout)).toContain('die am\n5. März 2026 um 11:00 UTC endete. Die Gründe für die Verzögerung: The scope was confirmed only on 6 March');
  });

  it('a reason recorded with another decision is not taken as the reasons for a delay', () => {
    const db = database();
    const id = incident(db);
    expect(irr(['obligation', id, 'gdpr-art33', 'required', '--reason', 'DPO: notify whatever the risk', '--at', '2026-03-02T12:00:00Z'], { db }).code).toBe(0);
    const r = irr(['letter', id, 'gdpr-art33', '--now', '2026-03-06T11:00:00Z'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('delay-reasons missing: set fact delay_reasons');
  });

  it('an initial notice says what is still to follow; a supplement names the initial notice\'s date and reference and is recorded as such', () => {
    const db = database();
    const id = incident(db, ['likely_consequences', 'measures_taken']);
    const full = irr(['letter', id, 'gdpr-art33', '--now', NOW], { db });
    expect(full.code).toBe(2); // without --phased, a missing item still refuses

    const initial = irr(['letter', id, 'gdpr-art33', '--phased', '--now', NOW], { db });
    expect(initial.code, initial.stderr).toBe(0);
    expect(initial.stdout).toContain('## Information to follow');
    expect(initial.stdout).toMatch(/without undue further delay:\n\n- Likely consequences\n- Measures taken or proposed\n/);
    expect(initial.stdout).toMatch(/## Likely consequences\n\n\(to follow\)\n/);
    const rendered = log(db, id).filter((e) => e.type === 'document.rendered').at(-1)!;
    expect(rendered.payload).toMatchObject({ phase: 'initial', to_follow: ['consequences', 'measures'] });

    // The same in French: the items to follow are named by the French letter's headings.
    const fr = irr(['letter', id, 'gdpr-art33', '--phased', '--locale', 'fr', '--now', NOW], { db });
    expect(fr.code, fr.stderr).toBe(0);
    expect(fr.stdout).toContain('- Conséquences probables de la violation');

    // A supplement needs the initial notice sent; so does recording one.
    const early = irr(['letter', id, 'gdpr-art33', '--supplement', '--now', NOW], { db });
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('--supplement: gdpr-art33 has not been sent yet');
    const earlyRecord = irr(['obligation', id, 'gdpr-art33', 'supplemented', '--at', NOW], { db });
    expect(earlyRecord.code).toBe(3);
    expect(earlyRecord.stderr).toContain('gdpr-art33 has not been sent yet; a supplement (GDPR Art 33(4))');

    approveNotice(db, id, 'gdpr-art33', { at: '2026-03-03T10:30:00Z' });
    expect(irr(['obligation', id, 'gdpr-art33', 'sent', '--channel', 'portal', '--ref', 'LfD-2026-0815', '--at', '2026-03-03T11:00:00Z'], { db }).code).toBe(0);
    const noPhase = irr(['letter', id, 'gdpr-art33', '--phased', '--now', '2026-03-04T09:00:00Z'], { db });
    expect(noPhase.code).toBe(2);
    expect(noPhase.stderr).toContain('--phased: gdpr-art33 was already sent; further information is a supplement (--supplement)');

    expect(irr(['fact', id, 'likely_consequences=Colleagues could learn salaries.', 'measures_taken=Deletion confirmed.', '--at', '2026-03-04T08:00:00Z'], { db }).code).toBe(0);
    const supplement = irr(['letter', id, 'gdpr-art33', '--supplement', '--now', '2026-03-04T09:00:00Z'], { db });
    expect(supplement.code, supplement.stderr).toBe(0);
    expect(supplement.stdout).toContain('to our notification of\n3 March 2026, 11:00 UTC (reference LfD-2026-0815)');
    expect(supplement.stdout).not.toContain('Information to follow');
    const de = irr(['letter', id, 'gdpr-art33', '--supplement', '--locale', 'de', '--now', '2026-03-04T09:00:00Z'], { db });
    expect(de.code, de.stderr).toBe(0);
    expect(plain(de.stdout)).toContain('Meldung vom 3. März 2026 um 11:00 UTC (Zeichen LfD-2026-0815)');

    const rec = irr(['obligation', id, 'gdpr-art33', 'supplemented', '--channel', 'portal', '--reason', 'consequences and measures', '--at', '2026-03-04T09:30:00Z'], { db });
    expect(rec.code, rec.stderr).toBe(0);
    const entries = log(db, id);
    expect(entries.filter((e) => e.type === 'document.rendered').at(-1)!.payload).toMatchObject({ phase: 'supplement' });
    expect(entries.at(-1)!.payload).toMatchObject({ obligation: 'gdpr-art33', action: 'supplemented', channel: 'portal' });
    // The initial notice stays sent, on time, with its reference: a supplement does not change that.
    const again = irr(['letter', id, 'gdpr-art33', '--supplement', '--now', '2026-03-04T10:00:00Z'], { db });
    expect(again.stdout).toContain('(reference LfD-2026-0815)');
    expect(again.stdout).not.toContain('Reasons for the delay');
  });
});

describe(`e-mail drafts (--format eml) (${backend.name})`, () => {
  const header = (eml: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(eml.split('\r\n\r\n')[0]!)?.[1];

  it('writes a letter as an RFC 5322 draft marked X-Unsent, with text and HTML parts, recorded like any letter; no clobber without --force', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const out = join(dir, 'notice.eml');
    const r = irr(['letter', id, 'gdpr-art33', '--locale', 'de', '--format', 'eml', '--out', out, '--now', NOW], { db });
    expect(r.code, r.stderr).toBe(0);
    const eml = readFileSync(out, 'utf8');
    expect(header(eml, 'X-Unsent')).toBe('1');
    expect(header(eml, 'Content-Language')).toBe('de');
    expect(header(eml, 'Date')).toBe('Tue, 03 Mar 2026 10:00:00 +0000');
    expect(header(eml, 'Subject')).toMatch(/^=\?UTF-8\?/); // the German title, encoded (RFC 2047)
    expect(header(eml, 'MIME-Version')).toBe('1.0');
    expect(eml).toMatch(/Content-Type: multipart\/alternative/);
    expect(eml).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(eml).toMatch(/Content-Type: text\/html; charset=utf-8/);
    expect(eml.split('\r\n').every((l) => l.length <= 998)).toBe(true); // RFC 5322 line limit
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const event = log(db, id).filter((e) => e.type === 'document.rendered').at(-1)!;
    expect(event.payload).toMatchObject({ kind: 'letter', template: 'gdpr-art33-authority-de', format: 'eml' });
    const again = irr(['letter', id, 'gdpr-art33', '--format', 'eml', '--out', out, '--now', NOW], { db });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(out, 'utf8')).toBe(eml);
  });

  it('the mail merge writes one draft per recipient with an email, addressed to them; a recipient with only a postal address goes to the rejects', () => {
    const dir = tempDir();
    const db = database();
    const id = incident(db);
    const csv = join(dir, 'recipients.csv');
    writeFileSync(csv, 'name,email,postal_address,jurisdiction,language\nAnna Schmidt,anna@example.de,,DE,de\nClaire Martin,claire@example.fr,,FR,fr\nBo Post,,"1 Rue X, Paris",FR,fr\n');
    const out = join(dir, 'drafts');
    const r = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', out, '--format', 'eml', '--now', NOW], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 letters for gdpr-art33');
    expect(r.stdout).toContain('1 rows rejected (lines 4)');
    const files = readdirSync(out).sort();
    expect(files).toEqual(['letter-0000002.eml', 'letter-0000003.eml']);
    const anna = readFileSync(join(out, files[0]!), 'utf8');
    expect(header(anna, 'To')).toBe('Anna Schmidt <anna@example.de>');
    expect(header(anna, 'X-Unsent')).toBe('1');
    expect(header(readFileSync(join(out, files[1]!), 'utf8'), 'Content-Language')).toBe('fr');
    for (const f of files) expect(statSync(join(out, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'drafts.rejects.csv'), 'utf8')).toContain('column email: empty; --format eml writes drafts only for recipients with an email address');
    const ndjson = irr(['letters', id, 'gdpr-art33', '--recipients', csv, '--out', join(dir, 'x.ndjson'), '--format', 'eml', '--now', NOW], { db });
    expect(ndjson.code).toBe(2);
    expect(ndjson.stderr).toContain('--out: --format eml writes one .eml draft per recipient into a folder');
  });
});
}

localeFlows(sqliteBackend);
if (pgAvailable(import.meta.filename, 8)) localeFlows(pgBackend);

/** The shipped templates: no store involved. */
describe('translated templates', () => {
  it('ships Art 34 notices in fr, de, es, it, nl, pl and Art 33 notices in fr, de, each passing irr template check', () => {
    const r = irr(['template', 'check', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ids = json<{ templates: { id: string; obligations: string[] }[] }>(r).templates.map((t) => t.id);
    for (const l of ['fr', 'de', 'es', 'it', 'nl', 'pl']) expect(ids).toContain(`gdpr-art34-individuals-${l}`);
    for (const l of ['fr', 'de']) expect(ids).toContain(`gdpr-art33-authority-${l}`);
    const list = json<{ id: string; locale: string }[]>(irr(['template', 'list', '--json']));
    expect(list.filter((t) => t.id.startsWith('gdpr-art34-individuals')).map((t) => t.locale).sort()).toEqual(['de', 'en', 'es', 'fr', 'it', 'nl', 'pl']);
  });
});
