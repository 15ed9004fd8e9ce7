import { existsSync, statSync } from 'node:fs';
import { notCoveredLine, uncoveredIn } from '../../assess/coverage.js';
import pc from '../../render/colors.js';
import { InvalidInput } from '../../domain/errors.js';
import { checkText, oneLine, visible } from '../../domain/text.js';
import { refuseFutureAt, refuseImplausibleAt } from '../../engine/engine.js';
import { systemClock } from '../../clocks/wall.js';
import type { StoredEvent } from '../../domain/events.js';
// The write path (actions, decide) and verify load only for the commands that use them: `irr status` reads.
const actionsModule = () => import('../../engine/actions.js');
const decideModule = () => import('../../engine/decide.js');
import { describeEntry, isLate, statusView, withdrawals, type StatusView } from '../../engine/views.js';
import { IntegrityFailure } from '../../domain/errors.js';
import { dependencyWarnings } from '../../machine/rules.js';
import { parseAt, zoneOrExit, type GlobalOptions } from '../context.js';
import { localTime } from '../../clocks/zone.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines, table } from '../output.js';
import { renderStatus } from '../present/status.js';

interface AtOption {
  readonly at?: string;
}

function reportAppend(g: GlobalOptions, events: readonly StoredEvent[], text: string, extra: Record<string, unknown> = {}): void {
  if (g.json) printJson({ ok: true, appended: events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, hash: e.hash })), ...extra });
  else printLines(text);
}

export async function init(g: GlobalOptions, opts: { encrypt?: boolean } = {}): Promise<void> {
  const { isPostgresUrl, openStore } = await import('../../store/port.js');
  if (opts.encrypt && isPostgresUrl(g.db)) {
    throw new InvalidInput('--encrypt: applies to a SQLite file; on PostgreSQL, encryption at rest is the server\'s (and TLS is asked for with sslmode=require in the URL)');
  }
  if (isPostgresUrl(g.db)) {
    // A team server: create the schema, the triggers and the irr_* group roles on an empty database.
    const store = await openStore(g.db, { create: true });
    try {
      const v = await store.schemaVersion();
      if (g.json) printJson({ ok: true, db: store.location, schema: v, driver: 'postgres', roles: ['irr_responder', 'irr_approver', 'irr_comms', 'irr_auditor'] });
      else printLines(`irr database ready at ${store.location} (schema ${v}, PostgreSQL; roles irr_responder, irr_approver, irr_comms, irr_auditor)`);
    } finally {
      await store.close();
    }
    return;
  }
  const { databaseKey, newKey } = await import('../db-key.js');
  const { looksEncrypted } = await import('../../store/encryption.js');
  const fresh = !existsSync(g.db) || (statSync(g.db).isFile() && statSync(g.db).size === 0);
  if (opts.encrypt && !fresh && !looksEncrypted(g.db)) {
    throw new InvalidInput(`--encrypt: ${g.db} already holds a plain database; irr db encrypt converts it in place; nothing was changed`);
  }
  // A new file with --encrypt takes a new key (typed twice); any other file, the key it needs (if any).
  const key = opts.encrypt && fresh ? await newKey(g, 'init --encrypt') : await databaseKey(g);
  await withEngine(g, { create: true, key }, async (engine) => {
    const v = await engine.schemaVersion();
    const encrypted = key !== undefined;
    if (g.json) printJson({ ok: true, db: engine.location, schema: v, encrypted });
    else printLines(`irr database ready at ${engine.location} (schema ${v}, WAL, owner-only permissions${encrypted ? ', encrypted (SQLCipher 4)' : ''})`);
  });
}

export async function open(g: GlobalOptions, opts: { playbook?: string; title?: string } & AtOption): Promise<void> {
  if (!opts.playbook) throw new InvalidInput('open: --playbook <id|file> is required (irr playbook list shows the shipped runbooks)');
  if (!opts.title) throw new InvalidInput('open: --title <text> is required');
  const { resolveRunbook } = await import('../../playbook/catalogue.js');
  const loaded = await resolveRunbook(opts.playbook);
  const at = parseAt(opts.at);
  // Everything that can be refused is checked before the database file is created.
  if (opts.title.trim() === '') throw new InvalidInput('--title: the incident needs a title');
  checkText('--title', opts.title);
  refuseFutureAt(at, systemClock.now());
  refuseImplausibleAt(at, systemClock.now(), 'now', 'open');
  await withEngine(g, { create: true }, async (engine) => {
    const ev = await engine.open({ playbook: loaded, title: opts.title!, who: await engine.who(g.actor, at) });
    if (g.json) printJson({ ok: true, id: ev.incident, title: opts.title!.trim(), playbook: { id: loaded.runbook.id, version: loaded.runbook.version, hash: loaded.hash }, at: ev.at });
    else printLines(ev.incident);
  });
}

/**
 * Each incident's phase, severity (ENISA, one input; "?" while facts it rests on are unknown) and
 * next deadline: the earliest due instant of a duty required and not settled.
 */
export async function list(g: GlobalOptions, opts: { all?: boolean }): Promise<void> {
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    if (engine.readsRedacted) return (await import('./redacted.js')).redactedListCommand(g, engine, opts);
    // Each row is checked against its incident.opened first: an edited mode must not hide a real incident.
    const rows = [];
    for (const r of await engine.incidents()) if (opts.all || (await engine.incident(r.id)).mode === 'real') rows.push(r);
    const { assessContext, regimes } = await import('../../engine/obligations.js');
    const { isSettled } = await import('../../domain/obligation.js');
    const all = rows.length ? await regimes() : [];
    const items: { v: StatusView; severity: string | null; severity_provisional: boolean; next: { obligation: string; due_at: string } | null }[] = [];
    for (const r of rows) {
      const loaded = await engine.load(r.id);
      const v = statusView(loaded);
      if (v.phase === 'closed') {
        items.push({ v, severity: null, severity_provisional: false, next: null });
        continue;
      }
      const a = assessContext(loaded.ctx, all, await engine.now(r.id));
      const owed = a.obligations.filter((o) => o.required === true && o.due !== null && !o.speculative && !isSettled(o.status)).sort((x, y) => Date.parse(x.due!) - Date.parse(y.due!));
      items.push({ v, severity: a.severity.level, severity_provisional: a.severity.unknown.length > 0, next: owed[0] ? { obligation: owed[0].id, due_at: owed[0].due! } : null });
    }
    if (g.json) {
      printJson(items.map(({ v, severity, severity_provisional, next }) => ({ id: v.id, title: v.title, mode: v.mode, phase: v.phase, playbook: v.playbook.id, opened_at: v.opened_at, awareness_at: v.awareness?.at ?? null, steps_done: v.steps.filter((s) => s.status === 'done' || s.status === 'skipped').length, steps_total: v.steps.length, severity, severity_provisional, next_deadline: next })));
      return;
    }
    if (items.length === 0) {
      printLines('no incidents yet (irr open --playbook <id> --title <text>)');
      return;
    }
    const zone = zoneOrExit();
    const now = systemClock.now();
    const cells = items.map(({ v, severity, severity_provisional, next }) => [
      v.id,
      v.phase,
      severity ? `${severity.replace('_', ' ')}${severity_provisional ? '?' : ''}` : '-',
      next ? `${next.obligation} ${localTime(next.due_at, zone, now)}` : '-',
      localTime(v.opened_at, zone, now),
      oneLine(v.title),
    ]);
    const lines = table(cells, ['ID', 'PHASE', 'SEVERITY', 'NEXT DEADLINE', 'OPENED', 'TITLE']);
    if (items.some((i) => i.severity_provisional)) lines.push('', '?: provisional, some facts it rests on are unknown (scored at their worst; irr assess explains)');
    printLines(lines);
  });
}


export async function status(g: GlobalOptions, id: string, opts: { all?: boolean } = {}): Promise<void> {
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    if (engine.readsRedacted) return (await import('./redacted.js')).redactedStatusCommand(g, engine, id);
    const loaded = await engine.load(id);
    const { shippedCoverage } = await import('../../playbook/regime-catalogue.js');
    const subjects = loaded.ctx.facts.subjects_by_jurisdiction?.value;
    const uncovered = uncoveredIn(subjects === undefined ? new Set() : await shippedCoverage(), subjects);
    let v = statusView(loaded);
    // In post-incident, closing also waits on the legal duties: the regimes load only then.
    if (loaded.phase === 'post-incident') {
      const { assessContext, regimes } = await import('../../engine/obligations.js');
      const decide = await decideModule();
      const legal = decide.legalCloseBlockers(loaded.ctx.id, assessContext(loaded.ctx, await regimes(), await engine.now(id)).obligations);
      v = { ...v, holds: decide.closeRefusals(loaded.ctx, loaded.phase, legal) };
    }
    if (g.json) printJson({ ok: true, ...v, uncovered });
    else {
      const gap = notCoveredLine(uncovered);
      zoneOrExit();
      const lines = renderStatus(v, { all: opts.all === true });
      printLines(gap ? [lines[0]!, pc.bold(pc.red(gap)), ...lines.slice(1)] : lines);
    }
  });
}

export async function step(g: GlobalOptions, id: string, stepId: string, action: string, opts: { reason?: string; note?: string } & AtOption): Promise<void> {
  if (action !== 'done' && action !== 'skip') throw new InvalidInput(`step: action must be done or skip, not "${action}"`);
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const who = await engine.who(g.actor, at, id);
    // Dependencies advise: read before the append, so the warning names what was still open then.
    const warnings = action === 'done' ? dependencyWarnings((await engine.load(id)).ctx, stepId) : [];
    const actions = await actionsModule();
    const events = action === 'done' ? await actions.completeStep(engine, id, who, stepId, opts.note) : await actions.skipStep(engine, id, who, stepId, opts.reason, opts.note);
    reportAppend(g, events, [`${id}: ${action === 'done' ? 'done' : 'skipped'} ${stepId} (seq ${events[0]!.seq})`, ...warnings.map((w) => `warning: ${stepId} ${w}`)].join('\n'), { warnings: warnings.map((w) => `${stepId} ${w}`) });
  });
}

export async function fact(g: GlobalOptions, id: string, pairs: string[], opts: { step?: string } & AtOption): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const who = await engine.who(g.actor, at, id);
    const catalogue = engine.catalogue(await engine.runbookOf(await engine.incident(id)));
    const [decide, actions] = await Promise.all([decideModule(), actionsModule()]);
    const { set, clear } = decide.splitClears(catalogue, pairs);
    const facts = set.length > 0 || clear.length === 0 ? decide.parseFactArgs(catalogue, set) : {};
    const events = await actions.recordFacts(engine, id, who, facts, opts.step, clear);
    const first = events[0];
    if (first?.type !== 'facts.recorded') reportAppend(g, events, `${id}: unchanged (${[...Object.keys(facts), ...clear].join(', ')} already recorded with these values${clear.length ? ' or not known' : ''})`, { unchanged: true });
    else {
      const what = [Object.keys(first.payload.facts).length ? `recorded ${Object.keys(first.payload.facts).join(', ')}` : '', first.payload.cleared?.length ? `cleared ${first.payload.cleared.join(', ')} (unknown again)` : ''].filter(Boolean).join('; ');
      reportAppend(g, events, `${id}: ${what} (seq ${first.seq})`);
    }
  });
}

export async function retract(g: GlobalOptions, id: string, seqText: string, opts: { reason?: string } & AtOption): Promise<void> {
  if (!/^#?\d+$/.test(seqText.trim())) throw new InvalidInput(`<seq>: "${visible(seqText)}" is not an entry number (irr log ${id} shows them, e.g. 5)`);
  const seq = Number(seqText.trim().replace('#', ''));
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const actions = await actionsModule();
    const events = await actions.retract(engine, id, await engine.who(g.actor, at, id), seq, opts.reason);
    const e = events[0] as Extract<StoredEvent, { type: 'entry.retracted' }>;
    reportAppend(g, events, `${id}: withdrew #${seq} (${e.payload.of}) as #${e.seq}: ${oneLine(e.payload.reason)}`, { retracted: seq });
  });
}

export async function note(g: GlobalOptions, id: string, words: string[], opts: { step?: string; again?: boolean } & AtOption): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const actions = await actionsModule();
    const events = await actions.addNote(engine, id, await engine.who(g.actor, at, id), words.join(' '), opts.step, { once: !opts.again });
    reportAppend(g, events, `${id}: note added (seq ${events[0]!.seq})`);
  });
}

export async function action(g: GlobalOptions, id: string, words: string[], opts: { owner?: string; due?: string } & AtOption): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const actions = await actionsModule();
    const events = await actions.recordAction(engine, id, await engine.who(g.actor, at, id), { text: words.join(' '), owner: opts.owner, due: opts.due });
    const e = events[0] as Extract<StoredEvent, { type: 'action.recorded' }>;
    reportAppend(g, events, `${id}: action ${e.payload.id} for ${e.payload.owner}, due ${e.payload.due} (seq ${e.seq})`, { action: e.payload.id });
  });
}

export async function advance(g: GlobalOptions, id: string, opts: AtOption): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const actions = await actionsModule();
    const events = await actions.advance(engine, id, await engine.who(g.actor, at, id));
    const e = events[0] as Extract<StoredEvent, { type: 'phase.advanced' }>;
    reportAppend(g, events, `${id}: ${e.payload.from} → ${e.payload.to}`, { phase: e.payload.to });
  });
}

export async function reopen(g: GlobalOptions, id: string, phase: string, opts: { reason?: string } & AtOption): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const actions = await actionsModule();
    const events = await actions.reopen(engine, id, await engine.who(g.actor, at, id), phase, opts.reason);
    const e = events[0] as Extract<StoredEvent, { type: 'phase.reopened' }>;
    reportAppend(g, events, `${id}: back from ${e.payload.from} to ${e.payload.to}`, { phase: e.payload.to });
  });
}

export async function close(g: GlobalOptions, id: string, opts: AtOption): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const actions = await actionsModule();
    const events = await actions.close(engine, id, await engine.who(g.actor, at, id));
    reportAppend(g, events, `${id}: closed (head ${events[0]!.hash.slice(0, 16)}…)`, { phase: 'closed' });
  });
}

export async function log(g: GlobalOptions, id: string): Promise<void> {
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    if (engine.readsRedacted) return (await import('./redacted.js')).redactedLogCommand(g, engine, id);
    const row = await engine.incident(id);
    const runbook = await engine.runbookOf(row);
    const events = await engine.events(id);
    const withdrawn = withdrawals(events);
    if (g.json) {
      printJson(events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, actor: e.actor, late: isLate(e), what: describeEntry(e, runbook, withdrawn), payload: e.payload, hash: e.hash, withdrawn_by: withdrawn.get(e.seq)?.seq ?? null })));
      return;
    }
    const zone = zoneOrExit();
    const now = systemClock.now();
    const local = (iso: string) => localTime(iso, zone, now);
    const rows = events.map((e) => [String(e.seq), local(e.at), `${local(e.recorded_at)}${isLate(e) ? ' LATE' : ''}`, e.actor, oneLine(describeEntry(e, runbook, withdrawn, local))]);
    const legend = events.some(isLate) ? ['', 'LATE: recorded more than 15 minutes after it happened (backdated with --at)'] : [];
    printLines([...table(rows, ['SEQ', 'AT', 'RECORDED', 'ACTOR', 'WHAT']), ...legend]);
  });
}

export async function verify(g: GlobalOptions, id: string | undefined, opts: { expectHead?: string; checkpoint?: string; bundle?: string } = {}): Promise<void> {
  if (opts.bundle !== undefined) {
    // A bundle stands alone: --db is never opened.
    const { verifyBundleCommand } = await import('./export.js');
    return verifyBundleCommand(g, opts.bundle, id);
  }
  const { parseExpectedHead, verifyDatabase, verifyIncident } = await import('../../engine/verify.js');
  const expectHead = parseExpectedHead(opts.expectHead);
  const { checkpointArg } = await import('./keys.js');
  const checkpoint = opts.checkpoint !== undefined ? checkpointArg(opts.checkpoint, '--checkpoint') : undefined;
  if (checkpoint && id !== undefined && checkpoint.incident !== id) throw new InvalidInput(`--checkpoint: the checkpoint is for ${checkpoint.incident}, not ${id}`);
  if (checkpoint) id = checkpoint.incident;
  if (expectHead !== undefined && id === undefined) throw new InvalidInput('--expect-head: name the incident whose head it is (irr verify <incident> --expect-head <sha256>)');
  if (id !== undefined && id.trim() === '') throw new InvalidInput('<incident>: empty incident id (omit it to verify every incident)');
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const results = id !== undefined ? [await verifyIncident(engine, id, { expectHead, ...(checkpoint ? { checkpoint } : {}) })] : await verifyDatabase(engine);
    reportVerify(g, results, expectHead, checkpoint ? `checkpoint of seq ${checkpoint.seq} signed by ${checkpoint.signatures.map((s) => s.actor).join(', ')}: the log still holds it` : undefined);
  });
}

function reportVerify(g: GlobalOptions, results: readonly { incident: string; ok: boolean; events: number; head_hash: string; first_bad_seq?: number; problem?: string; problems?: readonly string[] }[], expectHead: string | undefined, also?: string): void {
  {
    if (g.json) printJson(results);
    else {
      for (const r of results) {
        if (r.ok) printLines(`ok ${r.incident}: ${r.events} events, head ${r.head_hash}${expectHead ? ' (matches --expect-head)' : ''}${also ? `; ${also}` : ''}`);
        else printLines([`FAILED ${r.incident}: first bad seq ${r.first_bad_seq}: ${r.problem}`, ...(r.problems ?? []).slice(1).map((p) => `  also: ${p}`)]);
      }
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      const f = failed[0]!;
      throw new IntegrityFailure(`integrity failure in ${f.incident}${f.first_bad_seq ? ` at seq ${f.first_bad_seq}` : ''}: ${f.problem}${failed.length > 1 ? ` (and ${failed.length - 1} more incident${failed.length > 2 ? 's' : ''})` : ''}`);
    }
    if (!g.json && results.length === 0) printLines('no incidents to verify');
  }
}
