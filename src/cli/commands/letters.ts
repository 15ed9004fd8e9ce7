import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { parse, type Options as CsvOptions } from 'csv-parse';
import { InvalidInput } from '../../domain/errors.js';
import type { LetterTemplate } from '../../domain/template.js';
import { recordDocument } from '../../engine/documents.js';
import { assessIncident, regimes } from '../../engine/obligations.js';
import { alsoInforming, isLetterLate, letterFacts, letterView, placeholderRecipient, recipientView, type RecipientValues } from '../../render/letter-view.js';
import { primaryLanguage } from '../../render/letter-locale.js';
import { DRAFT_BANNER, letterOutput, missingItems, refuseMissing, renderLetterMarkdown } from '../../render/letter.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { checkOutput, dbGuard, StagedFile, StagedFolder, type Placed } from '../output-file.js';
import { printJson, printLines } from '../output.js';
import { chooseTemplate, isApproved, parseFormat, templateForLocale } from './letter.js';
import { brokenFor, shippedTemplates } from '../../render/shipped-templates.js';
import { ValidationFailed } from '../../playbook/problems.js';

/** The columns every recipients file has (tests outside the project rely on these names). */
export const RECIPIENT_COLUMNS = ['name', 'email', 'postal_address', 'jurisdiction', 'language'] as const;

const JURISDICTION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
 
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** What is wrong with a row, or null: one reason, in words a person fixing the file can act on. */
function rowProblem(header: readonly string[], cells: readonly string[]): string | null {
  if (cells.length !== header.length) return `has ${cells.length} fields, the header has ${header.length}`;
  const get = (c: string) => cells[header.indexOf(c)]!.trim();
  for (let i = 0; i < cells.length; i++) if (CONTROL.test(cells[i]!)) return `column ${header[i]}: contains control characters`;
  if (get('name') === '') return 'column name: empty';
  const j = get('jurisdiction');
  if (!JURISDICTION.test(j)) return `column jurisdiction: "${j}" is not an ISO 3166 code such as US-CA or DE`;
  const email = get('email');
  if (email === '' && get('postal_address') === '') return 'columns email and postal_address: both empty, the letter cannot be delivered';
  if (email !== '' && !EMAIL.test(email)) return `column email: "${email}" is not an email address`;
  const lang = get('language');
  if (lang !== '' && !LANGUAGE.test(lang)) return `column language: "${lang}" is not a language tag such as en or de`;
  return null;
}

/**
 * One cell of the rejects file, safe to open in a spreadsheet (OWASP "CSV injection"): a cell that
 * starts with = + - @ tab or CR is prefixed with ' so it is never read as a formula, and control
 * characters (ESC, BEL, …; not the line breaks of an address) are written as visible \xNN text, so
 * that neither a spreadsheet nor a terminal showing the file obeys them.
 */
export function csvCell(raw: string): string {
   
  let s = raw.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r\t']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** What a path given as --recipients is, when it is not a regular file. */
function readableCsv(path: string): void {
  let kind: string;
  try {
    const st = statSync(path);
    if (st.isFile()) return;
    kind = st.isDirectory() ? 'a directory' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'not a regular file';
  } catch {
    throw new InvalidInput(`--recipients: cannot read ${path} (no such file)`);
  }
  throw new InvalidInput(`--recipients: ${path} is ${kind}, not a CSV file`);
}

interface Summary {
  letters: number;
  rejected: number;
  rejectedLines: number[];
  byJurisdiction: Map<string, number>;
  /** Letters written per language (the template's locale). */
  byLanguage: Map<string, number>;
  /** Recipients whose language had no template, per language asked for. */
  fellBack: Map<string, number>;
  templates: Set<string>;
}

const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
const largestFirst = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
const countsLine = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ');

/** --fallback "de,en" → ["de", "en"]; default: the letter's --locale, then en. */
export function fallbackChain(raw: string | undefined, locale: string): string[] {
  const given = raw === undefined ? [locale, 'en'] : raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const tag of given) if (!LANGUAGE.test(tag)) throw new InvalidInput(`--fallback: "${tag}" is not a language tag such as en or de`);
  if (given.length === 0) throw new InvalidInput('--fallback: name at least one language, such as en');
  return [...new Set(given)];
}

export async function letters(
  g: GlobalOptions,
  id: string,
  obligationId: string,
  opts: { recipients: string; out: string; format: string; rejects?: string; now?: string; force?: boolean; locale?: string; fallback?: string },
): Promise<void> {
  const format = parseFormat(opts.format);
  const nowOption = parseAt(opts.now, '--now');
  readableCsv(opts.recipients);
  const byId = new Map((await regimes()).map((r) => [r.id, r]));
  const regime = byId.get(obligationId);
  if (!regime) throw new InvalidInput(`<obligation-id>: no obligation "${obligationId}" (irr regime list)`);
  // The letter's language (--locale, default en) is the language of a recipient with none; a
  // recipient whose language has no template gets the first of --fallback that has one.
  const fallback = await chooseTemplate(obligationId, byId, opts.locale !== undefined ? { locale: opts.locale } : {});
  const { templates: candidates, broken } = await shippedTemplates(byId, (t) => t.obligations.includes(obligationId));
  // A broken template of this notice would have its recipients written in another language: refuse.
  const inTheWay = brokenFor(broken, obligationId);
  if (inTheWay.length > 0) throw new ValidationFailed(inTheWay.flatMap((b) => b.problems));
  const chain = fallbackChain(opts.fallback, fallback.locale);
  const fallbackTemplate = chain.map((tag) => templateForLocale(candidates, tag)).find((t) => t !== undefined) ?? fallback;
  const templateFor = (language: string) => templateForLocale(candidates, language) ?? fallbackTemplate;
  const toNdjson = opts.out.endsWith('.ndjson');
  if (toNdjson && format === 'eml') throw new InvalidInput('--out: --format eml writes one .eml draft per recipient into a folder, not an .ndjson file');
  const outPath = opts.out.replace(/(.)[\\/]+$/, '$1');
  const rejectsPath = opts.rejects ?? `${outPath.replace(/\.ndjson$/, '')}.rejects.csv`;
  // Both outputs are checked before the CSV is read or anything is recorded; neither may land on
  // the database, the recipients file or the other output.
  const inputs = [dbGuard(g.db), { flag: '--recipients', path: opts.recipients }];
  const outTarget = checkOutput({ flag: '--out', path: outPath, force: opts.force, kind: toNdjson ? 'file' : 'directory', guard: inputs });
  const rejectsTarget = checkOutput({ flag: '--rejects', path: rejectsPath, force: opts.force, guard: [...inputs, { flag: '--out', path: outPath }] });

  await withEngine(g, { create: false }, async (engine) => {
    const now = nowOption ?? await engine.now(id);
    const { loaded, assessment } = await assessIncident(engine, id, now);
    const o = assessment.obligations.find((x) => x.id === obligationId)!;
    const late = isLetterLate(o, now);
    const facts = letterFacts(o, Object.fromEntries(Object.entries(loaded.ctx.facts).map(([k, v]) => [k, v.value])));
    const lookup = (n: string) => (Object.hasOwn(facts, n) ? facts[n] : undefined);
    // One view per language (dates, numbers and lists in it), built once.
    const viewCache = new Map<string, Record<string, unknown>>();
    const views = (t: LetterTemplate) => {
      let v = viewCache.get(t.locale);
      if (!v) viewCache.set(t.locale, (v = letterView({ incident: { id: loaded.ctx.id, title: loaded.ctx.title }, facts, catalogue: engine.catalogue(loaded.runbook), regime, obligation: o, now, late, locale: t.locale, alsoInforming: alsoInforming(o, assessment.obligations), obligations: assessment.obligations })));
      return v;
    };
    // Refuse before writing anything: the incident's own facts must supply every required item.
    for (const t of new Set([fallback, fallbackTemplate, ...candidates])) {
      const r = renderLetterMarkdown(t, { ...views(t), recipient: recipientView(placeholderRecipient(t.locale)) }, missingItems(t, regime, lookup, late));
      if (r.missing.length > 0) refuseMissing(t, obligationId, r.missing);
    }
    const draft = isApproved(o) ? null : `${DRAFT_BANNER} (${obligationId} is ${o.record?.status ?? 'not drafted'})`;

    let header: string[] | null = null;
    // Line numbers are counted inside the parser (it runs ahead of this loop): each record's first
    // line is one after the previous record's last, so a multi-line quoted address counts right.
    let parsedTo = 0;
    const skipped: { line: number; reason: string }[] = [];
    const parser = createReadStream(opts.recipients).pipe(
      parse({
        bom: true, relax_column_count: true, skip_empty_lines: false, skip_records_with_error: true,
        on_record: (record: string[], context: { lines: number; bytes: number }) => {
          const line = parsedTo + 1;
          parsedTo = context.lines;
          return { record, line, bytes: context.bytes };
        },
        // A malformed record (an unclosed quote) is reported with its first line, never dropped silently.
        on_skip: (err: Error | undefined) => {
          skipped.push({ line: parsedTo + 1, reason: `malformed CSV: ${err?.message ?? 'unreadable record'}` });
          parsedTo = (err as { lines?: number } | undefined)?.lines ?? parsedTo;
          return undefined;
        },
      } as unknown as CsvOptions),
    );
    const summary: Summary = { letters: 0, rejected: 0, rejectedLines: [], byJurisdiction: new Map(), byLanguage: new Map(), fellBack: new Map(), templates: new Set() };
    const hash = createHash('sha256');
    // Written under recognisable temporary names in the target folders (output-file.ts), placed
    // only when the whole merge is written: a failed or killed merge leaves no output that looks finished.
    let out: StagedFile | StagedFolder | null = null;
    const staged: { rejects: StagedFile | null } = { rejects: null };
    const progress = await progressBar(opts.recipients);

    const reject = (line: number, reason: string, cells: readonly string[] | null) => {
      const rejects = (staged.rejects ??= StagedFile.open(rejectsTarget));
      if (summary.rejected === 0) rejects.write(`line,reason${header ? `,${header.map(csvCell).join(',')}` : ',raw'}\n`);
      summary.rejected++;
      if (summary.rejectedLines.length < 20) summary.rejectedLines.push(line);
      rejects.write(`${line},${csvCell(reason)},${(cells ?? []).map(csvCell).join(',')}\n`);
    };

    try {
      for await (const { record, line, bytes } of parser as AsyncIterable<{ record: string[]; line: number; bytes: number }>) {
        while (skipped.length > 0 && skipped[0]!.line < line) {
          const s = skipped.shift()!;
          reject(s.line, s.reason, null);
        }
        if (header === null) {
          header = record.map((h) => h.trim());
          const lacking = RECIPIENT_COLUMNS.filter((c) => !header!.includes(c));
          if (lacking.length > 0) throw new InvalidInput(`${opts.recipients}:1: header lacks column${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')} (needs ${RECIPIENT_COLUMNS.join(', ')})`);
          const dup = header.find((h, i) => header!.indexOf(h) !== i);
          if (dup) throw new InvalidInput(`${opts.recipients}:1: column "${dup}" appears twice in the header`);
          out = toNdjson ? StagedFile.open(outTarget) : StagedFolder.open(outTarget);
          continue;
        }
        if (record.length === 1 && record[0]!.trim() === '') continue; // a blank line is not a row
        // An e-mail draft needs an address: a recipient with only a postal address goes to the rejects, said why.
        const problem = rowProblem(header, record) ?? (format === 'eml' && record[header.indexOf('email')]!.trim() === '' ? 'column email: empty; --format eml writes drafts only for recipients with an email address (send this one by post)' : null);
        if (problem) {
          reject(line, problem, record);
          continue;
        }
        const cell = (c: string) => record[header!.indexOf(c)]!.trim();
        const fields: Record<string, string> = {};
        header.forEach((h, i) => {
          if (!(RECIPIENT_COLUMNS as readonly string[]).includes(h)) fields[h] = record[i]!;
        });
        const recipient: RecipientValues = { name: cell('name'), email: cell('email'), postal_address: cell('postal_address'), jurisdiction: cell('jurisdiction'), language: cell('language') || fallback.locale, fields };
        const t = templateFor(recipient.language);
        if (primaryLanguage(t.locale) !== primaryLanguage(recipient.language)) count(summary.fellBack, primaryLanguage(recipient.language));
        count(summary.byLanguage, t.locale);
        summary.templates.add(t.id);
        const { markdown } = renderLetterMarkdown(t, { ...views(t), recipient: recipientView(recipient) });
        const content = await letterOutput(markdown, format, { title: t.title, lang: t.locale, draft, date: now, ...(recipient.email ? { to: { name: recipient.name, address: recipient.email } } : {}) });
        if (out instanceof StagedFile) {
          const obj = JSON.stringify({ line, template: t.id, format, jurisdiction: recipient.jurisdiction, language: recipient.language, name: recipient.name, email: recipient.email, postal_address: recipient.postal_address, fields, content });
          hash.update(obj).update('\n');
          out.write(`${obj}\n`);
        } else if (out) {
          const name = `letter-${String(line).padStart(7, '0')}.${format}`;
          out.writeFile(name, content);
          hash.update(`${name}\n`).update(content);
        }
        summary.letters++;
        summary.byJurisdiction.set(recipient.jurisdiction, (summary.byJurisdiction.get(recipient.jurisdiction) ?? 0) + 1);
        if (summary.letters % 2000 === 0) progress?.update(bytes);
      }
      for (const s of skipped.splice(0)) reject(s.line, s.reason, null);
      if (header === null) throw new InvalidInput(`${opts.recipients}:1: empty file; the first line is the header (${RECIPIENT_COLUMNS.join(', ')})`);
    } catch (err) {
      out?.abort();
      staged.rejects?.abort();
      throw err;
    } finally {
      progress?.stop();
    }

    const byJurisdiction = largestFirst(summary.byJurisdiction);
    const byLanguage = largestFirst(summary.byLanguage);
    const fellBack = largestFirst(summary.fellBack);
    const digest = hash.digest('hex');
    // Everything in place and checked first (the letters, then the rejects), recorded after: the
    // log never acknowledges a merge whose files are not there. A failed record takes them back.
    const placed = await placeAll(out, staged.rejects, summary.letters);
    // Counts only: the recipients' names and addresses never enter the database.
    let e;
    try {
      e = await recordDocument(engine, id, await engine.who(g.actor, undefined, id), {
        kind: 'mail_merge', template: fallback.id, obligation: obligationId, format: toNdjson ? `ndjson/${format}` : format, sha256: digest, draft: draft !== null,
        letters: summary.letters, rejected: summary.rejected, by_jurisdiction: byJurisdiction,
        by_language: byLanguage, language_fallbacks: fellBack, templates: [...summary.templates].sort(),
      });
    } catch (err) {
      for (const p of placed) p.undo();
      throw err;
    }
    for (const p of placed) p.done();
    if (g.json) {
      printJson({ ok: true, incident: id, obligation: obligationId, letters: summary.letters, rejected: summary.rejected, rejects: summary.rejected > 0 ? rejectsPath : null, by_jurisdiction: byJurisdiction, by_language: byLanguage, language_fallbacks: fellBack, sha256: digest, draft: draft !== null, seq: e.seq });
      return;
    }
    const lines = [
      `${id}: ${summary.letters.toLocaleString('en-US')} letters for ${obligationId}${draft ? ' (DRAFT)' : ''} written to ${opts.out}`,
      `by jurisdiction: ${countsLine(byJurisdiction) || 'none'}`,
      `by language: ${countsLine(byLanguage) || 'none'}${summary.fellBack.size > 0 ? ` (no template in ${countsLine(fellBack)}: written in ${fallbackTemplate.locale})` : ''}`,
    ];
    if (summary.rejected > 0) lines.push(`${summary.rejected.toLocaleString('en-US')} rows rejected (lines ${summary.rejectedLines.join(', ')}${summary.rejected > summary.rejectedLines.length ? ', …' : ''}): see ${rejectsPath}`);
    lines.push(`recorded on ${id} as counts only (seq ${e.seq}), sha256 ${digest}`);
    printLines(lines);
  });
}

/**
 * Place the merge's outputs: the letters (an empty merge writes no letters file), then the rejects.
 * A directory must hold exactly the letters counted; if the rejects cannot be placed, the letters
 * are taken back too.
 */
async function placeAll(out: StagedFile | StagedFolder | null, rejects: StagedFile | null, letters: number): Promise<Placed[]> {
  const placed: Placed[] = [];
  try {
    if (out) {
      const p = await out.place();
      placed.push(p);
      if (out instanceof StagedFolder && p.size !== letters) throw new InvalidInput(`--out: ${out.target.path} holds ${p.size} letters of ${letters}; nothing was recorded`);
    }
    if (rejects) placed.push(await rejects.place());
  } catch (err) {
    for (const p of placed) p.undo();
    rejects?.abort();
    throw err;
  }
  return placed;
}

/** A progress bar on a terminal only (stderr), by bytes of the CSV read. */
async function progressBar(file: string): Promise<{ update(n: number): void; stop(): void } | null> {
  if (!process.stderr.isTTY) return null;
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar({ stream: process.stderr, format: 'merging [{bar}] {percentage}% | {value}/{total} bytes | eta {eta}s', hideCursor: true, clearOnComplete: true }, Presets.legacy);
  bar.start(statSync(file).size, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}
