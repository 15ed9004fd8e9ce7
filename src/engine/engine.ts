import { readerTime } from '../clocks/zone.js';
import { canonicalJson } from '../domain/canonical.js';
import { IntegrityFailure, InvalidInput, Refused, WriteConflict } from '../domain/errors.js';
import type { DrillPin } from '../domain/drill.js';
import type { IncidentMode, NewEvent, StoredEvent } from '../domain/events.js';
import { CORE_FACTS, type FactCatalogue } from '../domain/facts.js';
import type { Phase } from '../domain/phases.js';
import type { Runbook } from '../domain/runbook.js';
import type { Clock } from '../clocks/wall.js';
import type { Fold, IncidentState } from '../machine/fold.js';
import { planOf, type IncidentContext, type PlanStep } from '../machine/context.js';
import { MACHINE_VERSION } from '../machine/version.js';
import type { Head, IncidentRow, IntegrityRead, PlaybookRow, StorePort } from '../store/port.js';
import { StaleHead } from '../store/stale-head.js';
import type { Actor } from './decide.js';
import { checkText } from '../domain/text.js';
import { registeredKeys, type RegisteredKey, type SignatureRow, type Signer } from '../store/signature.js';
import type { EventRow } from '../store/integrity.js';
import type { RedactedLog } from './redacted-log.js';

/**
 * Where signing keys come from (the CLI: this account's keys folder and a passphrase). Asked only
 * when the actor has registered a key in the incident; throws when it cannot sign.
 */
export interface SigningProvider {
  signer(actor: string, fingerprints: ReadonlySet<string>): Promise<Signer>;
}

/** Everything a command needs to decide: the incident, its pinned runbook, and its current state. */
export interface Loaded {
  readonly row: IncidentRow;
  readonly runbook: Runbook;
  readonly state: IncidentState;
  /** The state's context with the runbook's plan: what the lifecycle rules read. */
  readonly ctx: IncidentContext;
  readonly phase: Phase;
  readonly head: Head;
}

type Executed = { events: StoredEvent[]; state: IncidentState; loaded: Loaded };

export interface PlaybookToPin {
  readonly runbook: Runbook;
  readonly hash: string;
  readonly source: string;
}

const MAX_ATTEMPTS = 8;
/** Backdating is fine; an `at` in the future is a typo, beyond a laptop's clock skew of a few minutes. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * How far back a backdated time may lie: an action up to 30 days before its incident was opened
 * (work often starts before the incident is entered), an opening up to 365 days before now (a
 * late entry of an old incident). `IRR_BACKDATE_DAYS` sets both.
 */
export const DEFAULT_BACKDATE_DAYS = { action: 30, open: 365 } as const;

export function refuseFutureAt(at: string | undefined, now: string): void {
  if (at !== undefined && Date.parse(at) - Date.parse(now) > FUTURE_TOLERANCE_MS) {
    throw new InvalidInput(`${readerTime(at)} is in the future (now is ${readerTime(now)}); a time can be backdated, never postdated (5 minutes of clock skew are allowed)`, [], { flag: '--at' });
  }
}

/**
 * `IRR_BACKDATE_DAYS`: how many days before `reference` (the incident's opening, or now for a new
 * one) a backdated time may lie (DEFAULT_BACKDATE_DAYS unless set). A positive whole number, else exit 2.
 */
export function backdateDays(kind: keyof typeof DEFAULT_BACKDATE_DAYS, raw: string | undefined = process.env.IRR_BACKDATE_DAYS): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_BACKDATE_DAYS[kind];
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new InvalidInput(`IRR_BACKDATE_DAYS: "${raw}" is not a whole number of days (1 or more)`);
  return Number(raw);
}

/**
 * A backdated time from before the incident could have occurred is a typo (1999 for 2026, a
 * wrong month), never accepted silently: exit 2 naming `--at`.
 */
export function refuseImplausibleAt(at: string | undefined, reference: string, what: string, kind: keyof typeof DEFAULT_BACKDATE_DAYS = 'action'): void {
  if (at === undefined) return;
  const days = backdateDays(kind);
  const earliest = Date.parse(reference) - days * 86_400_000;
  if (Date.parse(at) < earliest) {
    throw new InvalidInput(`${readerTime(at)} is implausible: more than ${days} days before ${what} (${readerTime(reference)}); check the date, or set IRR_BACKDATE_DAYS to allow more`, [], { flag: '--at' });
  }
}

function phaseOf(value: unknown): Phase {
  const lifecycle = (value as { lifecycle: unknown }).lifecycle;
  return lifecycle === 'closed' ? 'closed' : (lifecycle as { open: Phase }).open;
}

/**
 * How far the stored snapshot may fall behind the head before an append writes it too. The snapshot
 * is a derivable cache: writing it with every append cost more than the append itself (the state's
 * JSON, its seal and a second row in every commit), so a long-lived writer (the console, a drill, a
 * script) refreshes it every SNAPSHOT_EVERY events and when the engine closes; a one-shot command
 * closes right after its append, so a read after it is still served from a snapshot at the head. A
 * snapshot left behind by a crash costs the next read a fold of at most this many events.
 */
export const SNAPSHOT_EVERY = 32;

/** What a long-lived engine holds of an incident (see Engine.live). */
interface Live {
  readonly head: Head;
  readonly state: IncidentState;
  /** Set once this engine has appended: its fold runs on from here. */
  readonly fold?: Fold;
  readonly loaded: Loaded;
  /** The seq of the stored snapshot, as far as this engine knows (0: none). */
  readonly cachedSeq: number;
}

/**
 * Application services: load events → fold through the machine → decide → append in ONE
 * transaction. The statechart module (and xstate) is imported only when something must be folded,
 * so a read served from an up-to-date snapshot stays cheap.
 */
export class Engine {
  private readonly runbooks = new Map<string, Runbook>();
  private readonly plans = new Map<Runbook, PlanStep[]>();
  private readonly rows = new Map<string, IncidentRow>();
  private foldMod?: typeof import('../machine/fold.js');
  /** The append under way per incident, so a subscriber hears of our own append only after it. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Incidents on which this engine lost a race: it appends to them under the store's lock. */
  private readonly contended = new Set<string>();
  /** The store's own approvers (a server's irr_approver members), read once per engine. */
  private approvers?: readonly string[];
  /**
   * For long-lived callers (the console, drills): the state at a known head, and the fold that
   * produced it. Trusted only while the stored head is exactly this one.
   */
  private readonly live = new Map<string, Live>();
  /** Per incident, the registered signing keys as of a head (see keysAt). */
  private readonly keyCache = new Map<string, { head: Head; keys: ReadonlyMap<string, ReadonlySet<string>> }>();

  constructor(
    /** The store port (SQLite file or PostgreSQL server): only the engine speaks to it. */
    private readonly store: StorePort,
    private readonly clock: Clock,
    /** Told of every committed append (the CLI names them if it cannot print its confirmation). */
    private readonly onCommit: (events: readonly StoredEvent[]) => void = () => undefined,
    /** Signing keys (issue 13); without it, an actor who registered a key cannot append. */
    private readonly signing?: SigningProvider,
  ) {}

  /**
   * The signers these events need: for each actor who registered a key in the incident (or is
   * registering one in this batch), a signer holding one of their keys. Checked again by the store
   * inside the append's transaction, where the signatures are made.
   */
  private async signersFor(id: string, head: Head, events: readonly NewEvent[]): Promise<Signer[]> {
    const actors = new Set(events.map((e) => e.actor));
    const all = await this.keysAt(id, head);
    const registered = new Map<string, Set<string>>();
    for (const [actor, fps] of all) if (actors.has(actor)) registered.set(actor, new Set(fps));
    for (const e of events) {
      if (e.type !== 'key.registered') continue;
      registered.set(e.actor, new Set([...(registered.get(e.actor) ?? []), e.payload.fingerprint]));
    }
    const out: Signer[] = [];
    for (const [actor, fps] of registered) {
      if (fps.size === 0) continue;
      if (!this.signing) throw new Refused(`${actor} registered a signing key in ${id}: every event they append must be signed, and this command cannot sign; nothing was written`);
      out.push(await this.signing.signer(actor, fps));
    }
    return out;
  }

  /**
   * Every actor's registered key fingerprints in an incident, as of `head`: read from the store
   * once, then kept with the head it holds for (a command decided against that head asks nothing
   * more; the keys can change only by an event, so an unchanged head means unchanged keys). Read
   * after `head` was, so it may hold keys registered later than `head`: a superset only makes the
   * engine ask for a signer it might not need. The store checks again inside the append's
   * transaction, so this cache never lets an unsigned event through.
   */
  private async keysAt(id: string, head: Head): Promise<ReadonlyMap<string, ReadonlySet<string>>> {
    const hit = this.keyCache.get(id);
    if (hit && hit.head.seq === head.seq && hit.head.hash === head.hash) return hit.keys;
    const keys = await this.store.registeredKeys(id);
    this.keyCache.set(id, { head, keys });
    return keys;
  }

  /** After our own append from `from` to `to`: the keys it registered join the cache (see keysAt). */
  private keysAppended(id: string, from: Head, to: Head, events: readonly NewEvent[]): void {
    const hit = this.keyCache.get(id);
    if (!hit || hit.head.seq !== from.seq || hit.head.hash !== from.hash) return void this.keyCache.delete(id);
    const keys = new Map([...hit.keys].map(([a, fps]) => [a, new Set(fps)]));
    for (const e of events) if (e.type === 'key.registered') keys.set(e.actor, new Set([...(keys.get(e.actor) ?? []), e.payload.fingerprint]));
    this.keyCache.set(id, { head: to, keys });
  }

  /** The playbook an incident pinned, as stored. */
  async pinnedPlaybook(id: string): Promise<PlaybookRow> {
    const row = await this.incident(id);
    const pb = await this.store.playbook(row.playbook_hash);
    if (!pb) throw new IntegrityFailure(`incident ${id}: its pinned playbook ${row.playbook_hash} is missing from the database (irr verify ${id})`);
    return pb;
  }

  /** The keys registered in an incident's log (checked: Ed25519, fingerprint matches), in seq order. */
  async keys(id: string): Promise<RegisteredKey[]> {
    await this.incident(id);
    return registeredKeys((await this.store.rawEvents(id)).filter((r) => r.type === 'key.registered'));
  }

  /** An incident's rows as stored and their signatures, read together (what verify and export use). */
  async signedLog(id: string): Promise<{ rows: EventRow[]; signatures: SignatureRow[] }> {
    await this.incident(id);
    return this.store.signedLog(id);
  }

  /**
   * Now, for an incident: the wall clock, except in a drill, whose clock lives in its events (the
   * latest `at`: the facilitator's last advance). So a responder in another terminal acts at the
   * drill's time, and a drill looked at tomorrow still shows the clocks as they stood in the room.
   */
  async now(incident?: string): Promise<string> {
    if (incident !== undefined && (await this.incident(incident)).mode === 'drill') return (await this.store.latestAt(incident)) ?? this.clock.now();
    return this.clock.now();
  }

  /** Resolve who acts and when, refusing an `at` in the future (of the drill clock, in a drill). */
  async who(actor: string, at?: string, incident?: string): Promise<Actor> {
    const now = await this.now(incident);
    refuseFutureAt(at, now);
    if (incident !== undefined) refuseImplausibleAt(at, (await this.incident(incident)).opened_at, `${incident} was opened`);
    return { actor, at: at ?? now };
  }

  /** The events stored after `seq`, oldest first: what another responder or process wrote since. */
  async eventsAfter(id: string, seq: number): Promise<StoredEvent[]> {
    return this.store.events(id, seq);
  }

  async open(args: { readonly playbook: PlaybookToPin; readonly title: string; readonly who: Actor; readonly mode?: IncidentMode; readonly drill?: DrillPin }): Promise<StoredEvent> {
    const title = args.title.trim();
    if (title === '') throw new InvalidInput('the incident needs a title', [], { flag: '--title' });
    checkText('--title', title);
    const mode = args.mode ?? 'real';
    const { runbook, hash, source } = args.playbook;
    const fold = await this.foldModule();
    // A drill is written in drill time from its first event on.
    const recordedAt = args.drill ? args.who.at : this.clock.now();
    const body = (sourceSha256: string) => ({
      type: 'incident.opened' as const,
      at: args.who.at,
      actor: args.who.actor,
      payload: { title, mode, playbook: { id: runbook.id, version: runbook.version, hash, source_sha256: sourceSha256 }, ...(args.drill ? { drill: args.drill } : {}) },
    });
    this.refuseReadOnly();
    const opened = await this.store.openIncident({
        prefix: mode === 'drill' ? 'DRL' : 'INC',
        year: new Date(recordedAt).getUTCFullYear(),
        title,
        mode,
        playbook: { hash, id: runbook.id, version: runbook.version, content: canonicalJson(runbook), source },
        // A server writes its own clock (a drill its drill time).
        recordedAt: args.drill || this.store.driver !== 'postgres' ? recordedAt : undefined,
        opened: (_id, sourceSha256) => body(sourceSha256),
        snapshot: (id, sourceSha256) => JSON.stringify(fold.Fold.start(id, body(sourceSha256), runbook).state(1)),
      });
    this.onCommit([opened]);
    return opened;
  }

  async runbookOf(row: IncidentRow): Promise<Runbook> {
    let rb = this.runbooks.get(row.playbook_hash);
    if (!rb) {
      const pb = await this.store.playbook(row.playbook_hash);
      if (!pb) throw new IntegrityFailure(`incident ${row.id}: its pinned playbook ${row.playbook_hash} is missing from the database (irr verify ${row.id})`);
      rb = JSON.parse(pb.content) as Runbook;
      this.runbooks.set(row.playbook_hash, rb);
    }
    return rb;
  }

  /**
   * Incident rows never change (a trigger refuses UPDATE), so one read per process is enough. The
   * row and its pinned playbook are checked against the hashed incident.opened before first use:
   * an edited title, mode, opening time or playbook pointer is never shown as if true.
   */
  async incident(id: string): Promise<IncidentRow> {
    let row = this.rows.get(id);
    if (!row) {
      row = await this.store.incident(id);
      if (!row) {
        if ((await this.store.head(id)).seq > 0) throw new IntegrityFailure(`integrity failure in ${id}: its events exist but its incidents row was deleted (irr verify)`);
        throw new InvalidInput(`no incident "${id}" in ${this.store.location} (irr list shows them)`, [], { flag: '<incident>' });
      }
      const bad = (await this.store.bindingProblems(id))[0];
      if (bad) throw new IntegrityFailure(`integrity failure in ${id}${bad.seq > 0 ? ` at seq ${bad.seq}` : ''}: ${bad.problem} (irr verify ${id})`);
      this.rows.set(id, row);
    }
    return row;
  }

  catalogue(runbook: Runbook): FactCatalogue {
    return { ...CORE_FACTS, ...runbook.facts };
  }

  /**
   * Current state: the cached snapshot when it is at the head, else a fold of the missing events.
   * Head, snapshot and tail are read in one read transaction, so a writer in another terminal can
   * never make them disagree.
   */
  async load(id: string): Promise<Loaded> {
    const row = await this.incident(id);
    const runbook = await this.runbookOf(row);
    this.approvers ??= await this.store.serverApprovers();
    const hit = this.live.get(id);
    let from: IncidentState | undefined;
    const read = await this.store.readState(id, hit?.head, (cached, head) => {
      if (cached && cached.seq > head.seq) {
        throw new IntegrityFailure(`integrity failure in ${id}: its snapshot is at seq ${cached.seq} but the log ends at seq ${head.seq}; events are missing (irr verify ${id})`);
      }
      // Only a snapshot sealed to the hash of the event at its seq is served; any other is replayed.
      if (cached?.bound) {
        const parsed = JSON.parse(cached.state) as IncidentState;
        if (parsed.machine === MACHINE_VERSION && parsed.seq === cached.seq) from = parsed;
      }
      return from?.seq ?? 0;
    });
    if (read.unchanged) return hit!.loaded;
    let state = from;
    let cachedSeq = read.snapshot?.seq ?? 0;
    if (read.tail.length > 0 || !state) {
      state = await this.fold(id, runbook, from, read.tail);
      // The cache is derivable: refresh it so the next read is cheap (never moves it backwards),
      // except over a snapshot that fails its seal: that is evidence for irr verify.
      if (this.store.canWrite && read.snapshot?.problem === undefined) {
        await this.store.putSnapshot(id, state.seq, JSON.stringify(state), read.head.hash);
        cachedSeq = state.seq;
      }
    }
    const loaded = this.loadedFrom(row, runbook, state, read.head);
    this.live.set(id, { head: read.head, state, loaded, cachedSeq });
    return loaded;
  }

  private loadedFrom(row: IncidentRow, runbook: Runbook, state: IncidentState, head: Head): Loaded {
    let plan = this.plans.get(runbook);
    if (!plan) this.plans.set(runbook, (plan = planOf(runbook)));
    return { row, runbook, state, ctx: { ...state.context, plan, team: this.withServerApprovers(state.context) }, phase: phaseOf(state.value), head };
  }

  /**
   * On a team server, the members of irr_approver hold the runbook's approver roles on every
   * incident (the server's word, beside the incident's own team.assigned roster).
   */
  private withServerApprovers(ctx: IncidentState['context']): IncidentContext['team'] {
    if (!this.approvers || this.approvers.length === 0) return ctx.team;
    const team: Record<string, readonly string[]> = { ...ctx.team };
    for (const member of this.approvers) team[member] = [...new Set([...(team[member] ?? []), ...ctx.approverRoles])];
    return team;
  }

  /** The statechart is imported on first need only: a read served from the snapshot never loads xstate. */
  private async foldModule(): Promise<typeof import('../machine/fold.js')> {
    this.foldMod ??= await import('../machine/fold.js');
    return this.foldMod;
  }

  /** Replay every event of an incident from scratch (what verify compares the snapshot with). */
  async replay(id: string, runbook: Runbook, events?: readonly StoredEvent[]): Promise<IncidentState> {
    return this.fold(id, runbook, undefined, events ?? (await this.store.events(id)));
  }

  // ---- reads for commands, reports, drills and verify: the port's, through the engine ---------

  /** Where the data lives, for messages: a file path, or a server URL without its password. */
  get location(): string {
    return this.store.location;
  }

  get driver(): StorePort['driver'] {
    return this.store.driver;
  }

  /** On a team server as the comms role: only part of each log is readable (see redactedLog). */
  get readsRedacted(): boolean {
    return this.store.readsRedacted === true;
  }

  /** The log as a reader who may not see every payload sees it, its chain checked as far as it can be. */
  async redactedLog(id: string): Promise<RedactedLog> {
    await this.incident(id);
    if (!this.store.redactedLog) throw new Error(`${this.store.driver} store has no redacted log (only a team server's comms role reads one)`);
    const { headers, rows } = await this.store.redactedLog(id);
    // Loaded here: only the comms role on a team server reads a redacted log.
    const { redactedChain } = await import('./redacted-log.js');
    return redactedChain(headers, rows);
  }

  async close(): Promise<void> {
    try {
      await this.flushSnapshots();
    } finally {
      await this.store.close();
    }
  }

  /**
   * Before closing: the snapshot of every incident this engine appended to and left behind its
   * head (SNAPSHOT_EVERY). A cache write that fails is not the command's failure — the command's
   * events are committed, and the next read folds the few events after the stored snapshot.
   */
  private async flushSnapshots(): Promise<void> {
    if (!this.store.canWrite) return;
    for (const [id, l] of this.live) {
      if (!l.fold || l.cachedSeq >= l.head.seq) continue;
      try {
        await this.store.putSnapshot(id, l.state.seq, JSON.stringify(l.state), l.head.hash);
      } catch {
        // the cache stays behind; see above
      }
    }
  }

  schemaVersion(): Promise<number> {
    return this.store.schemaVersion();
  }

  incidents(): Promise<IncidentRow[]> {
    return this.store.incidents();
  }

  /** Every event of an incident, in order (checked to exist first). */
  async events(id: string): Promise<StoredEvent[]> {
    await this.incident(id);
    return this.store.events(id);
  }

  firstEvent(id: string): Promise<StoredEvent | undefined> {
    return this.store.firstEvent(id);
  }

  hasEvent(id: string, type: string): Promise<boolean> {
    return this.store.hasEvent(id, type);
  }

  playbookRow(hash: string): Promise<PlaybookRow | undefined> {
    return this.store.playbook(hash);
  }

  /** What verify reads, in one consistent read (see StorePort.integrityRead). */
  integrityRead(id: string, expectHead?: string): Promise<IntegrityRead | undefined> {
    return this.store.integrityRead(id, expectHead);
  }

  databaseRead(): Promise<{ ids: string[]; problems: { incident: string; problem: string }[] }> {
    return this.store.databaseRead();
  }

  /**
   * Call `onChange` when the incident's head moves past the one this engine holds (another
   * console appended); the callback reloads. Returns the unsubscribe function.
   */
  subscribe(id: string, onChange: (seq: number) => void): Promise<() => Promise<void>> {
    const check = (seq: number) => {
      const held = this.live.get(id)?.head.seq;
      if (held === undefined || seq > held) onChange(seq);
    };
    return this.store.subscribe(id, (change) => {
      // The notice of our own append may arrive before the append's reply: decide after it.
      const flight = this.inFlight.get(id);
      if (flight) void flight.then(() => check(change.seq), () => check(change.seq));
      else check(change.seq);
    });
  }

  /** Fold events through the statechart, from a cached state or from the first event. */
  private async fold(id: string, runbook: Runbook, from: IncidentState | undefined, events: readonly StoredEvent[]): Promise<IncidentState> {
    const { Fold } = await this.foldModule();
    let fold = from ? Fold.restore(from, runbook) : undefined;
    let seq = from?.seq ?? 0;
    for (const e of events) {
      if (!fold) {
        if (e.type !== 'incident.opened') throw new IntegrityFailure(`incident ${id}: first event is ${e.type}, not incident.opened (irr verify ${id})`);
        fold = Fold.start(id, e, runbook);
      } else if (!fold.apply(e)) {
        throw new IntegrityFailure(`incident ${id}: replay failed: event ${e.seq} (${e.type}) is not accepted by the lifecycle (irr verify ${id})`);
      }
      seq = e.seq;
    }
    if (!fold) throw new IntegrityFailure(`incident ${id} has no events (irr verify ${id})`);
    return fold.state(seq);
  }

  /**
   * Decide against the current state and append, optimistically: if another terminal appended in
   * between, reload and decide again. A command that is no longer valid against the new state is a
   * write conflict (exit 4), never a silent double entry.
   */
  async execute(id: string, decide: (l: Loaded) => NewEvent[]): Promise<{ events: StoredEvent[]; state: IncidentState; loaded: Loaded }> {
    const { Fold } = this.foldMod ?? (await this.foldModule());
    let lastStale: StaleHead | undefined;
    // A long-lived caller decides first against the state it holds, without reading the head: the
    // append re-checks the head under the write lock, which is what makes this safe.
    let trustCache = true;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const once = async (): Promise<Executed | 'stale' | 'recheck'> => {
        // Under the lock the head is read: the remembered state is likely behind another writer's.
        const cached = trustCache && !this.contended.has(id) ? this.live.get(id)?.loaded : undefined;
        const loaded = cached ?? (await this.load(id));
        let events: NewEvent[];
        try {
          events = decide(loaded);
        } catch (err) {
          // Refuse only against a state read from the store, never against a remembered one.
          if (cached && err instanceof Refused) return 'recheck';
          if (attempt > 0 && err instanceof Refused) {
            throw new WriteConflict(`another responder changed ${id} while this command ran, and it no longer applies: ${err.message}`, err.details);
          }
          throw err;
        }
        if (events.length === 0) return { events: [], state: loaded.state, loaded };
        const live = this.live.get(id);
        const fold = live?.fold && live.state === loaded.state ? live.fold : Fold.restore(loaded.state, loaded.runbook);
        const cachedSeq = live?.cachedSeq ?? 0;
        // From here the fold runs ahead of the store until the append commits.
        this.live.delete(id);
        for (const e of events) {
          if (!fold.apply(e)) throw new Refused(`${e.type} is not allowed in phase ${loaded.phase}`);
        }
        // Serialised before taking the write lock: the lock is held for the inserts only.
        const finalState = fold.state(loaded.head.seq + events.length);
        const writeSnapshot = finalState.seq - cachedSeq >= SNAPSHOT_EVERY;
        const snapshot = writeSnapshot ? JSON.stringify(finalState) : undefined;
        const signers = await this.signersFor(id, loaded.head, events);
        try {
          this.refuseReadOnly();
          const appending = this.store.append(id, loaded.head, events, { recordedAt: await this.recordedAt(loaded.row, events), snapshot, signers });
          const flight = appending.then(
            () => undefined,
            () => undefined,
          );
          this.inFlight.set(id, flight);
          let stored: StoredEvent[];
          try {
            stored = await appending;
            this.onCommit(stored);
            const last = stored[stored.length - 1]!;
            const head = { seq: last.seq, hash: last.hash };
            this.keysAppended(id, loaded.head, head, events);
            const next = this.loadedFrom(loaded.row, loaded.runbook, finalState, head);
            this.live.set(id, { head, state: finalState, fold, loaded: next, cachedSeq: writeSnapshot ? head.seq : cachedSeq });
          } finally {
            if (this.inFlight.get(id) === flight) this.inFlight.delete(id);
          }
          return { events: stored, state: finalState, loaded };
        } catch (err) {
          if (err instanceof StaleHead) {
            lastStale = err;
            return 'stale';
          }
          throw err;
        }
      };
      // After a lost race, this engine re-reads, re-decides and appends to the incident holding
      // the store's lock on it (PostgreSQL: an advisory lock), so contending writers queue
      // instead of spinning. It stays queued for that incident: contention comes in bursts.
      const r = this.contended.has(id) ? await this.store.exclusive(id, once) : await once();
      if (r === 'recheck') {
        trustCache = false;
        attempt--;
        continue;
      }
      if (r === 'stale') {
        trustCache = false;
        this.contended.add(id);
        continue;
      }
      return r;
    }
    throw new WriteConflict(`gave up appending to ${id} after ${MAX_ATTEMPTS} attempts: other writers keep changing it (${lastStale?.message ?? 'busy'})`);
  }

  /**
   * Written now; in a drill, at the drill's time (never before the events it writes). On a
   * server, "now" is the server's clock (undefined: the driver writes it).
   */
  private async recordedAt(row: IncidentRow, events: readonly NewEvent[]): Promise<string | undefined> {
    if (row.mode !== 'drill') return this.store.driver === 'postgres' ? undefined : this.clock.now();
    let t = (await this.store.latestAt(row.id)) ?? events[0]!.at;
    for (const e of events) if (e.at > t) t = e.at;
    return t;
  }

  /** Each driver translates its own errors (busy → WriteConflict, read-only, full…); this only refuses early on a read-only store. */
  private refuseReadOnly(): void {
    if (!this.store.canWrite) throw new InvalidInput(`--db: ${this.store.location} is read-only (file or folder not writable); nothing was written`);
  }
}
