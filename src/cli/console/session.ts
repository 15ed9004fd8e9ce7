import { existsSync } from 'node:fs';
import pc from '../../render/colors.js';
import type { Obligation } from '../../assess/obligations.js';
import { systemClock } from '../../clocks/wall.js';
import { isPostgresUrl } from '../../store/port.js';
import { IntegrityFailure, IrrError } from '../../domain/errors.js';
import type { StoredEvent } from '../../domain/events.js';
import type { FactValue } from '../../domain/facts.js';
import { WORK_PHASES, phaseIndex } from '../../domain/phases.js';
import type { Regime } from '../../domain/regime.js';
import { oneLine, visible } from '../../domain/text.js';
import * as actions from '../../engine/actions.js';
import type { Engine } from '../../engine/engine.js';
import type { Actor } from '../../engine/decide.js';
import { openEngine } from '../engine-access.js';
import { assessContext, factLookup, regimes } from '../../engine/obligations.js';
import { checkExemption } from '../../assess/obligations.js';
import { isSent } from '../../domain/obligation.js';
import { statusView, type StatusView, type StepView } from '../../engine/views.js';
import { changesSince, describeChanges } from '../../engine/changes.js';
import { renderMarkdown } from '../../render/terminal-markdown.js';
import { truncate, visibleLength, wrap } from '../../render/terminal-text.js';
import type { Uncovered } from '../../assess/coverage.js';
import { board as clocksBoard, localAndUtc, localShort, remaining, statusLabel } from '../present/obligations.js';
import { renderStatus } from '../present/status.js';
import type { GlobalOptions } from '../context.js';
import { askFact, askTime, showValue } from './answers.js';
import { BadAnswer, GoBack, type Choice, type Prompter, type SelectQuestion } from './prompter.js';
import { chosen, closeHolds, header, mainChoices, type MainAction } from './screens.js';
import { fourEyesLine, needsFourEyes } from '../../machine/approval.js';

const BACK = 'back' as const;

/**
 * The responder console: a loop of screens over one incident. Every answer that changes the
 * incident goes through the same engine actions as the one-shot commands and is stored before the
 * next question is put, so a closed lid or a killed process loses nothing already answered. Each
 * screen reloads the incident, so another responder's progress shows on the next screen.
 */
export class ConsoleSession {
  private engineRef?: Engine;
  private flash: string[] = [];
  /** The practice warning is for the first screen of a session only, however many screens follow. */
  private practiceTold = false;
  private all: readonly Regime[] = [];
  /** The incident on screen, for the "resume with" hint when the session is interrupted. */
  current?: string;

  constructor(
    private readonly g: GlobalOptions,
    private readonly p: Prompter,
    private readonly write: (text: string) => void,
  ) {}

  async run(id?: string): Promise<void> {
    this.all = await regimes();
    try {
      if (id !== undefined) await (await this.engine(false)).incident(id);
      await this.practiceNotice(id);
      const chosen = id ?? (await this.pick());
      if (chosen) {
        this.current = chosen;
        await this.incidentLoop(chosen);
      }
    } finally {
      await this.engineRef?.close();
    }
  }

  /**
   * Practice on schedule, once per session (a process): a response plan not exercised for more
   * than 12 months, or never, is said on the first screen. Not inside a drill, which is practice.
   */
  private async practiceNotice(id: string | undefined): Promise<void> {
    if (this.practiceTold) return;
    this.practiceTold = true;
    if (id !== undefined && (await (await this.engine(false)).incident(id)).mode === 'drill') return;
    const { practiceOf, practiceWarning } = await import('../../drill/practice.js');
    const warning = practiceWarning(await practiceOf(this.storeExists() ? await this.engine(false) : undefined, systemClock.now()));
    if (warning) this.flash.push(pc.yellow(warning));
  }

  /**
   * Whether there is a store to read without creating one: a SQLite file that exists, or a server
   * (its database exists before irr is pointed at it; a URL is never a path on disk, so existsSync
   * alone made the practice notice ignore every drill run on a team server).
   */
  private storeExists(): boolean {
    return isPostgresUrl(this.g.db) || existsSync(this.g.db);
  }

  /** The store opens on first need: quitting the picker on a fresh machine leaves no empty database. */
  private async engine(create: boolean): Promise<Engine> {
    // Signing keys as for one-shot commands (openEngine): asked for (once) only if the actor registered one.
    if (!this.engineRef) this.engineRef = await openEngine(this.g, { create });
    return this.engineRef;
  }

  /**
   * When the entries recorded on the current screen happened, if earlier than now ("When?" on the
   * step screen and the main menu); it lasts until that screen is left, so a backdate never leaks
   * into later work.
   */
  private stamp?: string;

  private async who(): Promise<Actor> {
    return (await this.engine(false)).who(this.g.actor, this.stamp, this.current);
  }

  private async askWhen(now: string): Promise<void> {
    const at = (await askTime(this.p, { message: 'When? (Enter = now; e.g. 10:30, yesterday 18:00, 2026-12-01 09:15)', now, default: 'now' }))!;
    this.stamp = at === now ? undefined : at;
    this.flash.push(this.stamp ? `what you record on this screen is stamped ${localAndUtc(this.stamp)}` : 'what you record is stamped now');
  }

  private show(lines: readonly string[]): void {
    const text = `${lines.join('\n')}\n`;
    // A person gets a fresh screen each time; a transcript (answers file, pipe) just runs on.
    this.write(this.p.interactive ? `\u001b[H\u001b[2J${text}` : text);
  }

  /**
   * Run one change. A refusal (a guard, a conflict with another responder, a bad value) becomes a
   * message on the next screen; an integrity failure or a bad answers file stops the session.
   */
  private async attempt(what: () => Promise<readonly StoredEvent[]>, success: (events: readonly StoredEvent[]) => string, asked: Readonly<Record<string, string>> = {}): Promise<boolean> {
    try {
      const events = await what();
      this.flash.push(pc.green(`saved: ${success(events)}${this.stamp ? ` · backdated to ${localAndUtc(this.stamp)}` : ''}`));
      return true;
    } catch (err) {
      if (err instanceof IrrError && !(err instanceof IntegrityFailure) && !(err instanceof BadAnswer)) {
        // The engine says which input was wrong as data (a flag on the command line); here that
        // input is the answer to a question, named as the responder saw it.
        const flag = err.field?.flag;
        const question = err.field?.question ?? (flag !== undefined && Object.hasOwn(asked, flag) ? asked[flag] : undefined);
        this.flash.push(pc.yellow(`not saved: ${visible(err.message)}${question ? ` (your answer to "${question}")` : ''}`));
        return false;
      }
      throw err;
    }
  }

  /**
   * Whether the incident changed since a screen was drawn at `seq` (another responder, another
   * process); if so, the next screen says what changed, so nobody acts on a stale screen unawares.
   */
  private async changedSince(id: string, seq: number): Promise<boolean> {
    const c = await changesSince(await this.engine(false), id, seq);
    if (c) this.flash.push(pc.cyan(describeChanges(c)));
    return c !== null;
  }

  /** A menu where Esc (or "back" in an answers file) means its Back choice. */
  private async menu<V extends string>(q: SelectQuestion<V>): Promise<V | typeof BACK> {
    try {
      return await this.p.select(q);
    } catch (err) {
      if (err instanceof GoBack) return BACK;
      throw err;
    }
  }

  /**
   * The questions that follow a menu choice: Esc or "back" at any of them returns to the menu's
   * screen, and nothing asked since the choice is stored (each screen stores only once it is answered).
   */
  private async backable(what: () => Promise<void>): Promise<boolean> {
    try {
      await what();
      return true;
    } catch (err) {
      if (!(err instanceof GoBack)) throw err;
      this.flash.push(pc.dim('back: nothing from that question was saved'));
      return false;
    }
  }

  // ---------------------------------------------------------------- choosing an incident

  private async pick(): Promise<string | undefined> {
    const rows = this.storeExists() ? (await (await this.engine(false)).incidents()).filter((r) => r.mode === 'real') : [];
    const choices: Choice[] = [];
    for (const r of rows) {
      const v = statusView(await (await this.engine(false)).load(r.id));
      if (v.phase !== 'closed') choices.push({ value: v.id, name: `${v.id}  ${oneLine(v.title)}  (${v.phase}, ${v.playbook.id})` });
    }
    choices.push({ value: 'new', name: 'Open a new incident' }, { value: 'quit', name: 'Quit' });
    const lines = [pc.bold('irr — breach response console'), `database: ${this.g.db} · acting as ${this.g.actor}`, ...this.flash.splice(0).flatMap((l) => wrap(l, this.p.columns - 1)), ''];
    lines.push(choices.length > 2 ? `${choices.length - 2} open incident${choices.length === 3 ? '' : 's'}:` : 'No open incident.');
    this.show(lines);
    for (;;) {
      const picked = await this.menu({ message: 'Which incident?', choices, default: choices.length > 2 ? choices[0]!.value : 'new', above: lines.length });
      // Esc on the first screen has nowhere further back to go: the question stays.
      if (picked === BACK) continue;
      if (picked === 'quit') return undefined;
      if (picked !== 'new') return picked;
      try {
        return await this.openNew();
      } catch (err) {
        if (!(err instanceof GoBack)) throw err;
        this.show([...lines, pc.dim('back: no incident was opened')]);
      }
    }
  }

  private async openNew(): Promise<string | undefined> {
    const { listShippedRunbooks } = await import('../../playbook/catalogue.js');
    const shipped = await listShippedRunbooks();
    const playbook = await this.p.select({
      message: 'Which runbook fits?',
      choices: shipped.map((l) => ({ value: l.runbook.id, name: `${l.runbook.id}: ${l.runbook.title}`, description: oneLine(l.runbook.description).slice(0, 160) })),
    });
    const title = await this.p.input({
      message: 'Title (what happened, in a few words)',
      validate: (s) => (s.trim() === '' ? 'the incident needs a title' : /[\u0000-\u001f\u007f-\u009f]/.test(s) ? 'plain text only' : null),
    });
    const now = systemClock.now();
    const detectedAt = (await askTime(this.p, { message: 'When was it detected? "now", ISO time with offset, or YYYY-MM-DD HH:MM local', now, default: 'now' }))!;
    const engine = (await this.engine(true));
    const loaded = shipped.find((l) => l.runbook.id === playbook)!;
    const opened = await engine.open({ playbook: loaded, title, who: await engine.who(this.g.actor) });
    this.current = opened.incident;
    this.flash.push(pc.green(`saved: opened ${opened.incident} on runbook ${playbook}`));
    await this.attempt(
      async () => actions.recordFacts(engine, opened.incident, await engine.who(this.g.actor), { detected_at: detectedAt }),
      () => `detected_at = ${localAndUtc(detectedAt)}`,
    );
    return opened.incident;
  }

  // ---------------------------------------------------------------- the incident

  private async view(id: string): Promise<{ v: StatusView; board: Obligation[]; listed: Obligation[]; now: string; ctx: Awaited<ReturnType<Engine['load']>> }> {
    const engine = (await this.engine(false));
    const l = await engine.load(id);
    const now = await engine.now(id);
    const assessment = assessContext(l.ctx, this.all, now);
    const all = assessment.obligations;
    this.uncovered = assessment.uncovered;
    const board = clocksBoard(all);
    // The Notifications screen also lists laws that reach the incident but require nothing (an
    // exemption holds, the risk is below the threshold): the decision not to notify is recorded there too.
    const listed = [...board, ...all.filter((o) => o.applies === true && o.status === 'not_required')];
    return { v: statusView(l), board, listed, now, ctx: l };
  }

  /** Jurisdictions with people that no regime covers, as of the last view: every header says so. */
  private uncovered: readonly Uncovered[] = [];

  private screen(v: StatusView, board: readonly Obligation[], now: string, body: readonly string[] = [], clocksShown = 3): number {
    // Long lines are wrapped here rather than by the terminal, so the row count below is true.
    const width = this.p.columns - 1;
    const fit = (l: string) => (visibleLength(l) <= width ? [l] : wrap(l, width, /^ */.exec(l)![0], `${/^ */.exec(l)![0]}    `));
    const lines = [...header(v, board, now, this.g.actor, this.p.columns, clocksShown, this.uncovered), ...[...this.flash, ...body].flatMap(fit)];
    this.flash = [];
    this.show(lines);
    return lines.length;
  }

  /**
   * Called when another console wrote to the incident on screen (a team server notifies it). The
   * screen is rebuilt from fresh state on the next redraw; a prompter that can redraw while it
   * waits for an answer sets this hook.
   */
  redraw?: () => void;
  private remoteLine?: string;

  private onRemoteChange(id: string, seq: number): void {
    if (this.remoteLine !== undefined) this.flash = this.flash.filter((l) => l !== this.remoteLine);
    this.remoteLine = pc.yellow(`another responder wrote to ${id} (its log is now at seq ${seq}): shown from fresh state`);
    this.flash.push(this.remoteLine);
    this.redraw?.();
  }

  private async incidentLoop(id: string): Promise<void> {
    const engine = await this.engine(false);
    // Live on a team server (LISTEN/NOTIFY, ids only); a file has no other consoles to hear from.
    const unsubscribe = engine.driver === 'postgres' ? await engine.subscribe(id, (seq) => this.onRemoteChange(id, seq)) : undefined;
    try {
      await this.incidentScreens(id);
    } finally {
      await unsubscribe?.();
    }
  }

  private async incidentScreens(id: string): Promise<void> {
    for (;;) {
      const { v, board, now, ctx } = await this.view(id);
      const drawn = ctx.head.seq;
      const open = v.steps.filter((s) => s.phase === v.phase && s.status === 'pending').length;
      const above = this.screen(v, board, now);
      const message = v.phase === 'closed' ? 'The incident is closed. What now?' : `What next? (${open} open step${open === 1 ? '' : 's'} in ${v.phase})`;
      const menu = mainChoices(v, board, this.stamp);
      const key = await this.menu({ message, choices: menu, above });
      if (key === BACK) {
        this.flash.push(pc.dim('This is the incident\'s main screen: choose Quit to leave (everything answered is saved).'));
        continue;
      }
      const choice = chosen(menu, key);
      if (choice.kind === 'step') {
        const kept = this.stamp;
        this.stamp = undefined;
        await this.stepScreen(id, choice.id);
        // The main menu's own "When?" stays for the main menu; the step screen's ends with it.
        this.stamp = kept;
        continue;
      }
      const name = choice.name;
      if (name === 'quit') {
        this.write(`Everything is saved. Resume with: irr run ${id}\n`);
        return;
      }
      // The choice was made on the screen as drawn: if anyone wrote since, decide on what is true now.
      if (await this.changedSince(id, drawn)) {
        const fresh = await this.view(id);
        if ((name === 'advance' || name === 'close') && fresh.v.phase !== v.phase) {
          // The move was made by someone else already: making it again would skip a phase.
          this.flash.push(`not done: the incident is now in ${fresh.v.phase}, so "${name}" from ${v.phase} no longer applies`);
          continue;
        }
        if (name === 'advance' || name === 'close') this.flash.push(readiness(fresh.v, fresh.board, name));
        await this.backable(() => this.mainAction(id, fresh.v, fresh.board, name));
      } else await this.backable(() => this.mainAction(id, v, board, name));
    }
  }

  private async mainAction(id: string, v: StatusView, board: readonly Obligation[], action: Exclude<MainAction, 'quit'>): Promise<void> {
    {
      switch (action) {
        case 'advance':
        case 'close':
          await this.move(id, v, board, action);
          break;
        case 'facts':
          await this.factsMenu(id);
          break;
        case 'notifications':
          await this.notifications(id);
          break;
        case 'note': {
          const text = await this.p.input({ message: 'Note for the timeline (empty to cancel)' });
          if (text.trim()) await this.attempt(async () => actions.addNote((await this.engine(false)), id, await this.who(), text), (e) => `note (seq ${e[0]!.seq})`, { '<text>': 'Note for the timeline' });
          break;
        }
        case 'status':
          await this.statusScreen(id);
          break;
        case 'reopen':
          await this.reopen(id, v);
          break;
        case 'when':
          await this.askWhen(await (await this.engine(false)).now(id));
          return;
      }
      // A backdate chosen on the main menu is for the one entry (or facts screen) that follows it.
      this.stamp = undefined;
    }
  }

  private async move(id: string, v: StatusView, board: readonly Obligation[], kind: 'advance' | 'close'): Promise<void> {
    const holds = closeHolds(v, board);
    if (holds.length > 0) {
      this.flash.push(pc.yellow(`Cannot ${kind} yet; held by:`), ...holds.map((h) => `  - ${h}`));
      return;
    }
    const engine = (await this.engine(false));
    if (kind === 'close') await this.attempt(async () => actions.close(engine, id, await this.who()), (e) => `closed ${id} (log head ${e[0]!.hash.slice(0, 16)}…)`);
    else await this.attempt(async () => actions.advance(engine, id, await this.who()), (e) => `phase ${(e[0] as Extract<StoredEvent, { type: 'phase.advanced' }>).payload.to} begins`);
  }

  // ---------------------------------------------------------------- a step

  private async stepScreen(id: string, stepId: string): Promise<void> {
    let offset = 0;
    for (;;) {
      const { v, board, now, ctx } = await this.view(id);
      const s = v.steps.find((x) => x.id === stepId)!;
      if (s.status !== 'pending') {
        // Another responder may have resolved it while this one was reading.
        if (!this.flash.some((f) => f.includes('saved'))) this.flash.push(`step ${stepId} is already ${s.status === 'done' ? 'done' : s.status.replace('_', ' ')}${s.by ? ` (by ${s.by})` : ''}`);
        return;
      }
      const step = ctx.runbook.phases[s.phase].find((x) => x.id === stepId)!;
      const info = this.stepInfo(s, v.facts);
      const guidance = renderMarkdown(step.guidance, Math.min(this.p.columns, 100) - 1);
      // Header, messages, step facts, blank lines, "more" marker, then the question with up to
      // seven choices, its description and key hints: the guidance gets what is left of the rows.
      const headLines = 4 + this.flash.length;
      const room = this.p.interactive ? Math.max(3, this.p.rows - headLines - info.length - 3 - 10) : guidance.length;
      if (offset >= guidance.length) offset = 0;
      const page = guidance.slice(offset, offset + room);
      const rest = guidance.length - offset - page.length;
      const above = this.screen(v, board, now, [...info, '', ...page, ...(rest > 0 ? [pc.dim(`… ${rest} more line${rest === 1 ? '' : 's'} of guidance`)] : []), ''], 1);
      const missing = s.captures.filter((f) => !Object.hasOwn(v.facts, f));
      const choices: Choice[] = [
        { value: 'done', name: `Mark done${missing.length ? ` (asks first for ${missing.join(', ')})` : ''}` },
        ...(s.captures.length ? [{ value: 'facts', name: `Record what this step found (${s.captures.join(', ')})` }] : []),
        { value: 'skip', name: 'Skip, with a reason' },
        { value: 'note', name: 'Add a note on this step' },
        // A step that discharges legal duties leads to their notices.
        ...(step.discharges ?? []).filter((d) => board.some((o) => o.id === d)).map((d) => ({ value: `notice:${d}`, name: `Go to the notice ${d} (${statusLabel(board.find((o) => o.id === d)!)})` })),
        ...(rest > 0 ? [{ value: 'more', name: `Read on (${rest} more lines)` }] : offset > 0 ? [{ value: 'more', name: 'Back to the start of the guidance' }] : []),
        { value: 'when', name: this.stamp ? `When: ${localAndUtc(this.stamp)} (backdated; choose to change)` : 'When: now (choose to backdate what you record here)' },
        { value: BACK, name: 'Back to the phase' },
      ];
      const action = await this.menu({ message: `${s.id}: what now?`, choices, above });
      if (action === BACK) return;
      if (action.startsWith('notice:')) {
        await this.obligationScreen(id, action.slice('notice:'.length));
        continue;
      }
      let at = { s, missing, now, facts: v.facts };
      if (action !== 'more' && (await this.changedSince(id, ctx.head.seq))) {
        // Decide on the step as it stands now; one resolved meanwhile is reported at the top of the loop.
        const fresh = await this.view(id);
        const f = fresh.v.steps.find((x) => x.id === stepId)!;
        if (f.status !== 'pending') continue;
        at = { s: f, missing: f.captures.filter((k) => !Object.hasOwn(fresh.v.facts, k)), now: fresh.now, facts: fresh.v.facts };
      }
      let resolved = false;
      await this.backable(async () => {
        resolved = await this.stepAction(id, action, at);
      });
      if (resolved) return;
      if (action === 'more') offset = rest > 0 ? offset + page.length : 0;
    }
  }

  /** One choice of a step's screen; true when the step is resolved and the screen should close. */
  private async stepAction(id: string, action: string, at: { s: StepView; missing: readonly string[]; now: string; facts: Readonly<Record<string, FactValue>> }): Promise<boolean> {
    const { s, missing, now } = at;
    const stepId = s.id;
    const engine = await this.engine(false);
    {
      switch (action) {
        case 'more':
          break;
        case 'when':
          await this.askWhen(now);
          break;
        case 'done':
          // Dependencies advise, phases decide (as on the CLI): real work runs in parallel.
          if (s.blocked_by.length > 0) this.flash.push(pc.yellow(`${stepId}: done before ${s.blocked_by.join(', ')} (its depends_on; record ${s.blocked_by.length > 1 ? 'them' : 'it'} when done)`));
          await this.askFacts(id, missing, at.facts, now, stepId);
          if (await this.attempt(async () => actions.completeStep(engine, id, await this.who(), stepId), (e) => `done ${stepId} (seq ${e[0]!.seq})${e.some((x) => x.type === 'obligation.triggered') ? '; legal clocks started' : ''}`)) return true;
          break;
        case 'facts':
          await this.askFacts(id, s.captures, at.facts, now, stepId);
          break;
        case 'skip': {
          const reason = await this.p.input({ message: `Why skip ${stepId}? (kept in the record; empty to cancel; Esc or "back" = back)` });
          if (reason.trim() && (await this.attempt(async () => actions.skipStep(engine, id, await this.who(), stepId, reason), (e) => `skipped ${stepId} (seq ${e[0]!.seq})`, { '--reason': `Why skip ${stepId}?` }))) return true;
          break;
        }
        case 'note': {
          const text = await this.p.input({ message: `Note on ${stepId} (empty to cancel)` });
          if (text.trim()) await this.attempt(async () => actions.addNote(engine, id, await this.who(), text, stepId), (e) => `note on ${stepId} (seq ${e[0]!.seq})`, { '<text>': `Note on ${stepId}` });
          break;
        }
      }
    }
    return false;
  }

  private stepInfo(s: StepView, facts: Readonly<Record<string, FactValue>>): string[] {
    const lines = [pc.bold(s.title), `step ${s.id} · ${s.phase} · owner: ${s.owner}${s.required ? ' · required' : ' · optional'}`];
    if (s.blocked_by.length) lines.push(pc.yellow(`depends on: ${s.blocked_by.join(', ')} (not yet done; it can still be marked done)`));
    if (s.condition) lines.push(`applies when ${s.condition}${s.unknown_facts?.length ? ` (not yet known: ${s.unknown_facts.join(', ')})` : ''}`);
    if (s.captures.length) lines.push(`records: ${s.captures.map((f) => (Object.hasOwn(facts, f) ? `${f} = ${showValue(facts[f]!)}` : `${f} (not known)`)).join('; ')}`);
    if (s.marks.includes('awareness')) lines.push('marking it done establishes awareness: the legal clocks start then');
    if (s.discharges.length) lines.push(`discharges: ${s.discharges.join(', ')} (done once each that is required is sent or validly waived)`);
    return lines.map((l) => oneLine(l));
  }

  /** Ask each fact in turn and store each answer before the next question. */
  private async askFacts(id: string, names: readonly string[], facts: Readonly<Record<string, FactValue>>, now: string, step?: string): Promise<void> {
    const engine = (await this.engine(false));
    const catalogue = engine.catalogue(await engine.runbookOf(await engine.incident(id)));
    for (const name of names) {
      const answer = await askFact(this.p, name, catalogue[name]!, Object.hasOwn(facts, name) ? facts[name] : undefined, now);
      if (answer.kind === 'keep') continue;
      if (answer.kind === 'clear') {
        await this.attempt(
          async () => actions.recordFacts(engine, id, await this.who(), {}, step, [name]),
          (e) => (e.length === 0 ? `${name} unchanged (not known)` : `${name} cleared: not known any more`),
        );
        continue;
      }
      const value = answer.value;
      await this.attempt(
        async () => actions.recordFacts(engine, id, await this.who(), { [name]: value }, step),
        (e) => (e.length === 0 ? `${name} unchanged` : `${name} = ${showValue(value)}${e.some((x) => x.type === 'obligation.triggered') ? ` (now required: ${e.filter((x) => x.type === 'obligation.triggered').map((x) => (x.payload as { obligation: string }).obligation).join(', ')})` : ''}`),
      );
    }
  }

  // ---------------------------------------------------------------- facts, notifications, phases

  private async factsMenu(id: string): Promise<void> {
    for (;;) {
      const { v, board, now } = await this.view(id);
      const engine = (await this.engine(false));
      const catalogue = engine.catalogue(await engine.runbookOf(await engine.incident(id)));
      const above = this.screen(v, board, now, ['Facts drive which steps apply and which notifications are owed.']);
      const choices: Choice[] = [
        { value: BACK, name: 'Back' },
        ...Object.keys(catalogue).map((k) => ({ value: k, name: Object.hasOwn(v.facts, k) ? `${k} = ${oneLine(showValue(v.facts[k]!))}` : `${k} (not known)`, description: catalogue[k]!.description })),
      ];
      const name = await this.menu({ message: 'Which fact?', choices, above });
      if (name === BACK) return;
      await this.backable(() => this.askFacts(id, [name], v.facts, now));
    }
  }

  private async notifications(id: string): Promise<void> {
    for (;;) {
      const { v, board, listed, now } = await this.view(id);
      if (listed.length === 0) {
        this.flash.push('No notification is required or undetermined yet: record the facts (data categories, people per jurisdiction, entity) to find out.');
        return;
      }
      const above = this.screen(v, board, now, ['Notifications, most urgent first:']);
      const choices: Choice[] = [
        { value: BACK, name: 'Back' },
        // The deadline right after the id, so a narrow terminal cuts the audience, never the time.
        ...listed.map((o) => ({ value: o.id, name: oneLine(`${o.id} [${statusLabel(o)}] ${this.when(o, now, true)}`), wrap: true, description: oneLine(`${o.id}: to ${o.audience.replace('_', ' ')} (${o.jurisdiction}) · ${this.when(o, now)}`) })),
      ];
      const picked = await this.menu({ message: 'Which notification?', choices, above });
      if (picked === BACK) return;
      await this.obligationScreen(id, picked);
    }
  }

  /** `short`: the local time only (its UTC equivalent is in the description), so a list line fits. */
  private when(o: Obligation, now: string, short = false): string {
    const at = o.due;
    const time = (iso: string) => (short ? localShort(iso) : localAndUtc(iso));
    if (isSent(o.status)) return `sent ${o.sent_at ? time(o.sent_at) : ''}`;
    if (o.status === 'waived') return o.waiver?.override ? 'waived by override' : `waived under ${o.waiver?.exemption ?? '?'}`;
    if (o.status === 'not_applicable') return 'decided not applicable';
    if (!at) return o.status === 'undetermined' ? `establish ${o.unknown_facts.join(', ')}` : '';
    const left = Date.parse(at) - Date.parse(now);
    return `${o.due_at ? 'due' : 'target'} ${time(at)} (${left < 0 ? `${remaining(-left)} ago` : `${remaining(left)} left`})`;
  }

  /** A notification's screen; Esc at one of its questions comes back to it, Esc at its menu leaves it. */
  private async obligationScreen(id: string, obligationId: string): Promise<void> {
    while (!(await this.backable(() => this.obligationOnce(id, obligationId))));
  }

  private async obligationOnce(id: string, obligationId: string): Promise<void> {
    const { v, board, listed, now, ctx } = await this.view(id);
    const o = listed.find((x) => x.id === obligationId);
    if (!o) return;
    const regime = this.all.find((r) => r.id === o.id)!;
    const fact = factLookup(ctx.ctx);
    const exemptions = (regime.threshold?.exemptions ?? []).map((e) => ({ ...e, check: checkExemption(regime, e.id, fact) }));
    const body = [
      pc.bold(`${regime.name}`),
      `to ${o.audience.replace('_', ' ')} (${o.jurisdiction}) · ${statusLabel(o)} · ${this.when(o, now) || 'no deadline yet'}`,
      this.p.interactive ? truncate(`why: ${o.reason}`, this.p.columns * 2 - 6) : `why: ${o.reason}`,
      // Four eyes: say where the notice stands and who may approve it, before anyone picks "Approved".
      ...(needsFourEyes(o.audience) ? [this.p.interactive ? truncate(fourEyesLine(ctx.ctx, o.id, this.g.actor), this.p.columns * 2 - 6) : fourEyesLine(ctx.ctx, o.id, this.g.actor)] : []),
      ...(o.record && o.record.status !== 'pending' ? [`recorded: ${o.record.status}${o.record.sent_at ? ` ${o.record.sent_at}` : ''}${o.record.channel ? ` via ${o.record.channel}` : ''}${o.record.ref ? `, ref ${o.record.ref}` : ''}`] : []),
      // Each exemption of the law, checked against the facts: only those that hold are offered.
      ...exemptions.map((e) => `exemption ${e.id} (${e.ref}): ${e.check.holds === true ? 'holds on the recorded facts' : e.check.holds === false ? `does not hold: ${e.check.contradicted.join(', ')}` : e.check.holds === 'unknown' ? `establish ${e.check.missing.join(', ')}` : 'unknown'}`),
      `must contain (irr regime show ${o.id} has the full text):`,
      // One line per item on a terminal, so the whole screen fits 24 rows.
      ...regime.required_contents.map((c) => (this.p.interactive ? truncate(`  - ${c.ref}: ${c.text}`, this.p.columns - 1) : `  - ${c.ref}: ${c.text}`)),
      '',
    ].map((l) => oneLine(l));
    const above = this.screen(v, board, now, body, 1);
    const action = await this.menu({
      message: `${o.id}: record what?`,
      // Back and the notice first: at 80×24 the list is cut at the bottom, never these two.
      choices: [
        { value: BACK, name: 'Back' },
        { value: 'letter', name: 'Write the notice (letter) to a file' },
        { value: 'drafted', name: 'Drafted' },
        { value: 'approved', name: needsFourEyes(o.audience) ? `Approved for sending (by you, ${this.g.actor}: only someone other than the drafter holding ${ctx.ctx.approverRoles.join(', ')})` : 'Approved for sending' },
        { value: 'sent', name: 'Sent (time, channel, reference)' },
        { value: 'waived', name: `Not to be sent: waived under an exemption that holds (${exemptions.filter((e) => e.check.holds === true).length}) or as an override, with the reason` },
        { value: 'not_applicable', name: 'Not applicable to this incident: a decision, with the reason' },
        { value: 'required', name: 'Required by decision, with the reason' },
      ],
      default: 'drafted',
      above,
    });
    if (action === BACK) return;
    if (action === 'letter') return this.writeLetter(id, o.id, now);
    const engine = (await this.engine(false));
    let who = await this.who();
    let channel: string | undefined;
    let ref: string | undefined;
    let reason: string | undefined;
    if (action === 'sent') {
      const at = (await askTime(this.p, { message: 'When was it sent? "now", ISO time with offset, or YYYY-MM-DD HH:MM local', now, default: 'now' }))!;
      who = await engine.who(this.g.actor, at, id);
      channel = (await this.p.input({ message: 'Channel (portal, email, post, phone…)' })).trim() || undefined;
      ref = (await this.p.input({ message: 'Reference given by the recipient (empty if none)' })).trim() || undefined;
      if (o.due_at && Date.parse(who.at) > Date.parse(o.due_at)) {
        reason = await this.p.input({ message: `Sent after the deadline (${localAndUtc(o.due_at)}): the reasons for the delay`, validate: (s) => (s.trim() ? null : 'a late notice must give the reasons for the delay') });
      }
    }
    let exemption: string | undefined;
    let override = false;
    if (action === 'waived') {
      const ground = await this.p.select({
        message: `On what ground is ${o.id} not to be sent?`,
        choices: [
          ...exemptions.filter((e) => e.check.holds === true).map((e) => ({ value: `exemption:${e.id}`, name: oneLine(`Exempt under ${e.ref} (${e.id}): ${e.text}`) })),
          { value: 'override', name: 'Override: a deliberate decision against the assessment (shown as an override in the reports)' },
          { value: BACK, name: 'Cancel' },
        ],
      });
      if (ground === BACK) return;
      if (ground === 'override') override = true;
      else exemption = ground.slice('exemption:'.length);
    }
    if (action === 'waived' || action === 'required' || action === 'not_applicable') {
      const what = action === 'waived' ? 'not to be sent' : action === 'required' ? 'required' : 'not applicable';
      reason = await this.p.input({ message: `Why is ${o.id} ${what}? (kept in the record)`, validate: (s) => (s.trim() ? null : 'a decision needs its reason') });
    }
    const update = { obligation: o.id, action, reason, channel, ref, ...(exemption ? { exemption } : {}), ...(override ? { override } : {}) };
    const what = action === 'waived' ? 'not to be sent' : action === 'required' ? 'required' : 'not applicable';
    await this.attempt(async () => actions.recordObligation(engine, id, who, update), (e) => `${o.id} ${action}${exemption ? ` under ${exemption}` : override ? ' by override' : ''} (seq ${e[0]!.seq})`, {
      '--reason': action === 'sent' ? 'the reasons for the delay' : `Why is ${o.id} ${what}?`,
      '--channel': 'Channel',
      '--ref': 'Reference given by the recipient',
    });
  }

  /** The notice from the incident's facts, to a file; a refusal lists every missing item and fact. */
  private async writeLetter(id: string, obligationId: string, now: string): Promise<void> {
    const file = (await this.p.input({ message: 'Write to which file? (.html, .md or .txt)', default: `${id}-${obligationId}.html` })).trim();
    if (!file) return;
    const ext = /\.(md|html|txt)$/.exec(file)?.[1] as 'md' | 'html' | 'txt' | undefined;
    const { produceLetter } = await import('../commands/letter.js');
    const { LetterFactsMissing } = await import('../../render/letter.js');
    // Refused for missing facts: ask for exactly those, one question each, then try once more.
    for (let asked = false; ; asked = true) {
      try {
        const r = await produceLetter((await this.engine(false)), this.g.actor, id, obligationId, { format: ext ?? 'html', out: file, now });
        this.flash.push(pc.green(`saved: letter ${r.template.id} written to ${file}${r.draft ? ' (DRAFT until approved)' : ''}, sha256 ${r.sha256.slice(0, 12)}… (seq ${r.event.seq})`));
        return;
      } catch (err) {
        if (!(err instanceof IrrError) || err instanceof IntegrityFailure) throw err;
        if (!asked && err instanceof LetterFactsMissing && err.facts.length > 0) {
          if (await this.askMissingFacts(id, err.facts, now)) continue;
          this.flash.push(pc.yellow(`not written: the letter still needs ${err.facts.join(', ')}`));
          return;
        }
        this.flash.push(pc.yellow(`not written: ${visible(err.message)}`), ...err.details.slice(0, 8).map((d) => pc.yellow(`  ${visible(d)}`)));
        return;
      }
    }
  }

  /**
   * The facts a refused letter needs, asked on the spot in the order the letter needs them, each
   * stored as it is answered. Esc at one returns to the notice with nothing from that question
   * stored (false: the letter is not tried again).
   */
  private async askMissingFacts(id: string, needed: readonly string[], now: string): Promise<boolean> {
    const { v } = await this.view(id);
    const engine = await this.engine(false);
    const catalogue = engine.catalogue(await engine.runbookOf(await engine.incident(id)));
    const facts = needed.filter((f) => Object.hasOwn(catalogue, f));
    if (facts.length === 0) return false;
    this.show([pc.yellow(`The letter needs ${facts.length === 1 ? 'one fact' : `${facts.length} facts`} not recorded yet: ${facts.join(', ')}.`), 'Answer each (Esc: back to the notice, nothing from that question stored); the letter is then written.', '']);
    return this.backable(() => this.askFacts(id, facts, v.facts, now));
  }

  private async statusScreen(id: string): Promise<void> {
    const { ctx } = await this.view(id);
    await this.pager(renderStatus(statusView(ctx)));
  }

  /**
   * A long view, a page at a time in a terminal (Enter: next page, Esc: back); an answers file or a
   * pipe gets every line at once, so nothing is lost where nobody can page.
   */
  private async pager(text: readonly string[]): Promise<void> {
    if (!this.p.interactive) {
      this.show(text);
      await this.menu({ message: 'Done reading?', choices: [{ value: BACK, name: 'Back' }] });
      return;
    }
    const width = this.p.columns - 1;
    const lines = text.flatMap((l) => (visibleLength(l) <= width ? [l] : wrap(l, width, /^ */.exec(l)![0], `${/^ */.exec(l)![0]}    `)));
    // The question under the page takes its line, two choices and the key hints.
    const room = Math.max(5, this.p.rows - 5);
    for (let at = 0; ; ) {
      const page = lines.slice(at, at + room);
      const end = at + page.length;
      this.show(page);
      const last = end >= lines.length;
      const pick = await this.menu({
        message: last ? `-- end: lines ${at + 1}–${end} of ${lines.length} --` : `-- more: lines ${at + 1}–${end} of ${lines.length} --`,
        choices: last ? [{ value: BACK, name: 'Back' }, ...(at > 0 ? [{ value: 'top', name: 'Back to the top' }] : [])] : [{ value: 'next', name: 'Next page' }, { value: BACK, name: 'Back' }],
      });
      if (pick === BACK) return;
      at = pick === 'next' ? end : 0;
    }
  }

  private async reopen(id: string, v: StatusView): Promise<void> {
    const earlier = v.phase === 'closed' ? [...WORK_PHASES] : WORK_PHASES.filter((p) => phaseIndex(p) < phaseIndex(v.phase));
    const to = await this.menu({ message: 'Back to which phase?', choices: [...earlier.map((p) => ({ value: p, name: p })), { value: BACK, name: 'Cancel' }] });
    if (to === BACK) return;
    const reason = await this.p.input({ message: `Why go back to ${to}? (e.g. "reinfection found on host X"; empty to cancel)` });
    if (!reason.trim()) return;
    await this.attempt(async () => actions.reopen((await this.engine(false)), id, await this.who(), to, reason), () => `back to ${to}`, { '--reason': `Why go back to ${to}?` });
  }
}

/** After a change by someone else: whether the move just chosen can now be made. */
function readiness(v: StatusView, board: readonly Obligation[], move: 'advance' | 'close'): string {
  const holds = closeHolds(v, board);
  const what = move === 'close' ? 'Close' : 'Advance';
  return holds.length === 0 ? `${what} is now ready` : `${what} is still held by ${holds.length} thing${holds.length === 1 ? '' : 's'}`;
}
