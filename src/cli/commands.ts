import type { Command } from 'commander';
import { systemClock } from '../clocks/wall.js';
import { globalOptions, incidentId, type GlobalOptions } from './context.js';

type Handler = (g: GlobalOptions, ...args: never[]) => unknown;

/** Wraps an action so that its module is imported only when that command runs. */
function lazy<M extends Record<string, unknown>>(load: () => Promise<M>, fn: keyof M & string) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const g = globalOptions(cmd.optsWithGlobals());
    const mod = await load();
    // <incident> is case-insensitive, and a bare number is this year's incident (1 → INC-2026-0001).
    const positional = args.slice(0, -2).map((a, i) => (cmd.registeredArguments[i]?.name() === 'incident' && typeof a === 'string' ? incidentId(a, new Date(systemClock.now()).getUTCFullYear()) : a));
    const opts = args[args.length - 2] as Record<string, unknown>;
    await (mod[fn] as unknown as Handler)(g, ...(positional as never[]), opts as never);
  };
}

const AT = ['--at <iso>', 'when it happened, ISO 8601 with offset (backdating; default now)'] as const;

/** One example per command, shown at the end of its --help (`irr <command> --help`). */
const EXAMPLES: Readonly<Record<string, string>> = {
  push: 'irr push INC-2026-0001 --to postgres://irr@team-server/irr',
  pull: 'irr pull INC-2026-0001 --from postgres://irr@team-server/irr --db copy.db',
  init: 'irr init --db ./irr.db',
  'playbook list': 'irr playbook list',
  'playbook show': 'irr playbook show lost-stolen-device',
  'playbook validate': 'irr playbook validate my-runbook.yaml',
  'playbook schema': 'irr playbook schema > runbook.schema.json',
  'regime list': 'irr regime list',
  'regime show': 'irr regime show gdpr-art33',
  'regime validate': 'irr regime validate my-regime.yaml',
  'regime schema': 'irr regime schema > regime.schema.json',
  open: 'irr open --playbook lost-stolen-device --title "Laptop stolen" --at "2026-12-01 10:00"',
  list: 'irr list --all',
  status: 'irr status 1      (this year\'s INC-…-0001; add --all to list every step)',
  step: 'irr step 1 triage done --at "2026-12-01 10:30"',
  fact: 'irr fact 1 subjects_total=1200 data_categories=contact,payment_card   (subjects_total=- clears it)',
  retract: 'irr retract 1 7 --reason "typed the wrong count"',
  note: 'irr note 1 "called the insurer, claim 4711"',
  action: 'irr action 1 "rotate the VPN keys" --owner it_operations --due 2026-12-31',
  advance: 'irr advance 1',
  reopen: 'irr reopen 1 containment --reason "reinfection found on host X"',
  close: 'irr close 1',
  assess: 'irr assess 1      (or: irr assess --facts facts.json)',
  clocks: 'irr clocks 1 --ics deadlines.ics',
  obligation: 'irr obligation 1 gdpr-art33 sent --channel portal --ref CNIL-2026-123',
  'team assign': 'irr team assign 1 alice --role dpo',
  'team show': 'irr team show 1',
  run: 'irr run 1',
  'template list': 'irr template list',
  'template check': 'irr template check',
  letter: 'irr letter 1 gdpr-art33 --format html --out notice.html',
  letters: 'irr letters 1 gdpr-art34 --recipients people.csv --out letters/',
  report: 'irr report 1 --kind executive --format html --out board.html',
  'drill list': 'irr drill list',
  'drill validate': 'irr drill validate my-drill.yaml',
  'drill run': 'irr drill run ransomware-eu-us --script playbooks/drills/scripts/ransomware-eu-us.meets-all.yaml',
  'drill report': 'irr drill report DRL-2026-0001 --format html --out aar.html',
  'drill history': 'irr drill history',
  'drill schema': 'irr drill schema',
  log: 'irr log 1',
  verify: 'irr verify 1 --expect-head <sha256>',
};

function addExamples(cmd: Command, prefix = ''): void {
  for (const sub of cmd.commands) {
    const name = `${prefix}${sub.name()}`;
    const example = EXAMPLES[name];
    if (example) sub.addHelpText('after', `\nExample:\n  $ ${example}\n`);
    addExamples(sub, `${name} `);
  }
}

/**
 * Registers the commands on `program`. Building ~60 commander commands with their options costs
 * more than some commands' own work, and a run invokes one: given the arguments, only the commands
 * named in them are built (a name given as an option's value as well is harmless: commander still
 * dispatches on the real one). With no command named, or help asked for, every command is built,
 * so `irr --help`, `irr help x` and "did you mean" see them all.
 */
export function registerCommands(program: Command, argv?: readonly string[]): void {
  const tokens = new Set(argv?.slice(2) ?? []);
  const helpAsked = ['-h', '--help', 'help'].some((t) => tokens.has(t));
  const names: string[] = [];
  registerAll(nameRecorder(names));
  if (argv === undefined || helpAsked || !names.some((n) => tokens.has(n))) registerAll(program);
  else registerAll(only(program, tokens));
  addExamples(program);
}

/** What registerAll uses of a commander Command; a real one, or a stand-in that builds nothing. */
interface Registrar {
  command(nameAndArgs: string): Registrar;
  description(text: string): Registrar;
  option(flags: string, description?: string, defaultValue?: string | boolean): Registrar;
  requiredOption(flags: string, description?: string, defaultValue?: string | boolean): Registrar;
  action(fn: (...args: any[]) => void | Promise<void>): Registrar; // eslint-disable-line @typescript-eslint/no-explicit-any -- commander's own signature
}

/** A command nobody invoked: every call is accepted and nothing is built. */
const UNBUILT: Registrar = {
  command: () => UNBUILT,
  description: () => UNBUILT,
  option: () => UNBUILT,
  requiredOption: () => UNBUILT,
  action: () => UNBUILT,
};

const nameOf = (nameAndArgs: string) => nameAndArgs.split(' ')[0]!;

function nameRecorder(names: string[]): Registrar {
  return { ...UNBUILT, command: (spec) => (names.push(nameOf(spec)), UNBUILT) };
}

function only(program: Command, wanted: ReadonlySet<string>): Registrar {
  return { ...UNBUILT, command: (spec) => (wanted.has(nameOf(spec)) ? program.command(spec) : UNBUILT) };
}

function registerAll(program: Registrar): void {
  const pb = () => import('./commands/playbook.js');
  const inc = () => import('./commands/incident.js');

  const tr = () => import('./commands/transfer.js');
  program
    .command('push <incident>')
    .description('move an incident from this file to a team server: verified, copied with its playbook and hashes, verified there')
    .option('--to <postgres-url>', 'the team server (postgres://user@host:port/dbname)')
    .action(lazy(tr, 'push'));
  program
    .command('pull <incident>')
    .description('a verified, read-only local copy (--db <file>) of an incident on a team server')
    .option('--from <postgres-url>', 'the team server (postgres://user@host:port/dbname)')
    .action(lazy(tr, 'pull'));
  program
    .command('init')
    .description('create the database (WAL, owner-only permissions) and apply migrations')
    .option('--encrypt', 'encrypted at rest (SQLCipher 4): the passphrase from --key-file / IRR_KEY_FILE, or typed twice at a prompt')
    .action(lazy(inc, 'init'));
  const dbc = () => import('./commands/db.js');
  const database = program.command('db').description('the database file itself: encrypt or decrypt it in place (verified, atomic)');
  database.command('encrypt').description('encrypt --db in place: copied, keyed, verified like irr verify, then renamed over it; refused while another process has it open').action(lazy(dbc, 'encrypt'));
  database.command('decrypt').description('decrypt --db in place (the key from --key-file / IRR_KEY_FILE or the prompt), verified, then renamed over it').action(lazy(dbc, 'decrypt'));

  const playbook = program.command('playbook').description('list, show, validate runbooks; print their JSON Schema');
  playbook.command('list').description('the shipped runbooks').action(lazy(pb, 'list'));
  playbook.command('show <id>').description('a runbook with every step and its guidance (id or .yaml path)').action(lazy(pb, 'show'));
  playbook.command('validate <file...>').description('check runbook files; every problem as file:line:col').action(lazy(pb, 'validate'));
  playbook.command('schema').description('the runbook JSON Schema, for editor completion').action(lazy(pb, 'schema'));

  const rg = () => import('./commands/regime.js');
  const regime = program.command('regime').description('notification regimes: list, show, validate; print their JSON Schema');
  regime.command('list').description('every shipped regime with its deadline').action(lazy(rg, 'list'));
  regime.command('show <id>').description('a regime: who, when it applies, the clock, required contents, sources').action(lazy(rg, 'show'));
  regime.command('validate <file...>').description('check regime files; every problem as file:line:col').action(lazy(rg, 'validate'));
  regime.command('schema').description('the regime JSON Schema, for editor completion (--base: the family base schema)').option('--base', 'the schema of a family base (playbooks/regimes/bases/*.yaml)').action(lazy(rg, 'schema'));

  program
    .command('open')
    .description('open an incident on a runbook; prints its id (e.g. INC-2026-0001)')
    .option('--playbook <id|file>', 'shipped runbook id or path to a runbook .yaml')
    .option('--title <text>', 'short title of the incident')
    .option(...AT)
    .action(lazy(inc, 'open'));
  program.command('list').description('open and closed incidents').option('--all', 'include drills').action(lazy(inc, 'list'));
  program
    .command('status <incident>')
    .description('phase, what to do first, facts, what holds the next move (--all: every step with status and owner)')
    .option('--all', 'every step of every phase, not only what to do first')
    .action(lazy(inc, 'status'));
  program
    .command('step <incident> <step-id> <action>')
    .description('mark a step done, or skip it with --reason (action: done | skip)')
    .option('--reason <text>', 'why the step is skipped (required for skip)')
    .option('--note <text>', 'a note kept with the step')
    .option(...AT)
    .action(lazy(inc, 'step'));
  program
    .command('fact <incident> <key=value...>')
    .description('record typed facts: lists as JSON or a,b; maps as JSON or US-CA:1200,DE:40; key=- makes a fact unknown again')
    .option('--step <step-id>', 'the step these facts come from')
    .option(...AT)
    .action(lazy(inc, 'fact'));
  program
    .command('retract <incident> <seq>')
    .description('withdraw a mistaken entry (a fact, note, step done or skipped, obligation record), with a reason; nothing is deleted')
    .option('--reason <text>', 'why it is withdrawn (required; kept in the record)')
    .option(...AT)
    .action(lazy(inc, 'retract'));
  program
    .command('note <incident> <text...>')
    .description('add a note to the timeline')
    .option('--step <step-id>', 'attach to a step')
    .option('--again', 'add it even if it repeats, word for word, your last note on this incident')
    .option(...AT)
    .action(lazy(inc, 'note'));
  program
    .command('action <incident> <text...>')
    .description('record a follow-up action (A1, A2, …) with its owner and due date, for the post-incident review')
    .option('--owner <who>', 'the person or team who owns it (required)')
    .option('--due <YYYY-MM-DD>', 'the date it is due (required)')
    .option(...AT)
    .action(lazy(inc, 'action'));
  program.command('advance <incident>').description('move to the next phase, or be told which steps hold it').option(...AT).action(lazy(inc, 'advance'));
  program
    .command('reopen <incident> <phase>')
    .description('go back to an earlier phase (e.g. reinfection → containment), with a reason')
    .option('--reason <text>', 'why (required)')
    .option(...AT)
    .action(lazy(inc, 'reopen'));
  program.command('close <incident>').description('close after the post-incident review (and every obligation resolved)').option(...AT).action(lazy(inc, 'close'));
  const ck = () => import('./commands/clocks.js');
  const as = () => import('./commands/assess.js');
  program
    .command('assess [incident]')
    .description('risk (ENISA severity, explained) and every regime: applies or not, required or not, why, by when')
    .option('--facts <file>', 'stateless: assess a JSON object of facts (- for stdin); no database')
    .option('--now <iso>', 'evaluate the clocks at this instant (default now)')
    .action(lazy(as, 'assess'));
  program
    .command('clocks <incident>')
    .description('the legal clocks, most urgent first, in local time and UTC')
    .option('--now <iso>', 'evaluate at this instant (default now)')
    .option('--ics <file>', 'also write an RFC 5545 calendar with one event per deadline and alarms')
    .option('--force', 'replace an existing file (never a link, a device, a folder, the database or an input)')
    .option('--all', 'also list the leads (duties undetermined with nothing yet pointing to them), one line per jurisdiction')
    .action(lazy(ck, 'clocks'));
  program
    .command('obligation <incident> <obligation-id> <action>')
    .description('record a notification: drafted | approved | sent | supplemented | waived | required | not-applicable (supplemented: further information to a sent notice, GDPR Art 33(4); decisions need --reason; a notice to an authority or individuals is sent only after an approver other than its drafter approved it)')
    .option('--reason <text>', 'why (required for waived, required and not-applicable, and for a late sent)')
    .option('--exemption <id>', 'waived: the exemption of the law it rests on (irr regime show <id> lists them); checked against the facts')
    .option('--override', 'waived: a deliberate decision against the assessment (shown as an override in the reports)')
    .option('--ref <text>', 'reference given by the recipient (case number, portal receipt)')
    .option('--channel <text>', 'how it was sent (portal, email, post, phone)')
    .option(...AT)
    .action(lazy(ck, 'obligation'));
  const roster = () => import('./commands/roster.js');
  const team = program.command('team').description('named responders and the runbook roles they hold on an incident (four-eyes approval reads them)');
  team
    .command('assign <incident> <member>')
    .description('record that <member> holds a runbook role on the incident (e.g. --role dpo); approvers are the runbook\'s approvers.roles')
    .option('--role <role>', 'a role id of the incident\'s runbook (irr playbook show lists them)')
    .option(...AT)
    .action(lazy(roster, 'teamAssign'));
  team.command('show <incident>').description('who holds which role on the incident, and who may approve a notice').action(lazy(roster, 'teamShow'));
  team
    .command('add <name>')
    .description('team server (--db postgres://…): a login role for a responder, in the irr role given; prints the SQL it runs')
    .option('--role <role>', 'responder, approver, comms or auditor')
    .action(lazy(roster, 'teamAdd'));
  team.command('list').description('team server (--db postgres://…): who holds which irr role; prints the SQL it runs').action(lazy(roster, 'teamList'));
  program
    .command('run [incident]')
    .description('the responder console: a guided, resumable walkthrough of the incident (pick or open one)')
    .option('--answers <file>', 'drive the console from a YAML or JSON list of answers (rehearsals, tests); - for stdin')
    .action(lazy(() => import('./commands/run.js'), 'run'));
  const lt = () => import('./commands/letter.js');
  const template = program.command('template').description('letter templates: list them; check each covers its regimes\' required contents');
  template.command('list').description('the shipped letter templates: id, obligations, audience, locale').action(lazy(lt, 'templateList'));
  template.command('check [file...]').description('prove templates cover every required item of their regimes (default: all shipped)').action(lazy(lt, 'templateCheck'));
  const NOW = ['--now <iso>', 'render as of this instant: today\'s date, late or not (default now)'] as const;
  program
    .command('letter <incident> <obligation-id>')
    .description('write the notice for an obligation from the incident\'s facts; refuses (exit 2) when a required item is missing')
    .option('--format <format>', 'md | html | txt | eml (an e-mail draft, RFC 5322, marked X-Unsent so a mail client opens it ready to send)', 'md')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--force', 'replace an existing file (never a link, a device, a folder, the database or an input)')
    .option('--template <id>', 'a specific template (default: the one for the obligation in --locale)')
    .option('--locale <tag>', 'language of the letter (default en); exit 2 when no template exists in it')
    .option('--phased', 'an initial notice with what is known; each required item not yet known is listed as to follow (GDPR Art 33(4))')
    .option('--supplement', 'further information to the notice already sent, naming its date and reference (GDPR Art 33(4))')
    .option(...NOW)
    .action(lazy(lt, 'letter'));
  program
    .command('letters <incident> <obligation-id>')
    .description('mail merge: one letter per CSV row (name,email,postal_address,jurisdiction,language), streamed')
    .requiredOption('--recipients <file.csv>', 'CSV with a header row; extra columns pass through as recipient.fields.<column>')
    .requiredOption('--out <dir|file.ndjson>', 'a directory (one file per letter) or an .ndjson file (one JSON object per line)')
    .option('--format <format>', 'md | html | txt | eml (for each letter; eml: one draft per recipient with an email address)', 'md')
    .option('--rejects <file>', 'where rows with problems go (default: next to --out, .rejects.csv)')
    .option('--locale <tag>', 'the letter\'s language, for recipients whose language column is empty (default en)')
    .option('--fallback <tags>', 'languages to try, in order, for a recipient whose language has no template (default: --locale, then en)')
    .option('--force', 'replace an existing .ndjson or rejects file (a folder of letters is never replaced)')
    .option(...NOW)
    .action(lazy(lt, 'letters'));
  program
    .command('report <incident>')
    .description('timeline, post-incident review or executive one-pager, with the audit log\'s head hash (records nothing)')
    .requiredOption('--kind <kind>', 'timeline | post-incident | executive')
    .option('--format <format>', 'md | html', 'md')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--force', 'replace an existing file (never a link, a device, a folder, the database or an input)')
    .option('--now <iso>', 'report as of this instant: time left, overdue or not (default now)')
    .action(lazy(() => import('./commands/report.js'), 'report'));
  const dr = () => import('./commands/drill.js');
  const drill = program.command('drill').description('tabletop drills: scenarios on the real engine with a simulated clock, scored, with after-action reports');
  drill.command('list').description('the shipped scenarios and their scripts').action(lazy(dr, 'list'));
  drill.command('validate <file...>').description('check scenario or script files; every problem as file:line:col').action(lazy(dr, 'validate'));
  drill
    .command('run <scenario>')
    .description('run a drill: a scenario id or .yaml file (interactive), with --script (unattended); a DRL-… id resumes one')
    .option('--script <file>', 'the responders\' actions at drill times: the whole drill runs unattended and deterministically')
    .option('--speed <n>', 'drill time runs n times faster than real time (3600: an hour a second); default: as fast as possible when scripted')
    .option('--report <file>', 'write the after-action report when a scripted run ends (.html or .md)')
    .option('--force', 'replace an existing file (never a link, a device, a folder, the database or an input)')
    .option('--answers <file>', 'drive the facilitator\'s and responders\' questions from a YAML or JSON list of answers')
    .action(lazy(dr, 'run'));
  drill
    .command('report <incident>')
    .description('the after-action report (HSEEP AAR/IP): objectives, deadlines, strengths, improvements, plan')
    .option('--format <format>', 'md | html', 'md')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--force', 'replace an existing file (never a link, a device, a folder, the database or an input)')
    .action(lazy(dr, 'report'));
  drill.command('due').description('practice on schedule: when each scenario was last run; warns when one is more than 12 months old or never run').action(lazy(dr, 'due'));
  drill.command('history [scenario]').description('runs of each scenario over time: objectives met, late, missed; time to contain and notify').action(lazy(dr, 'history'));
  drill.command('schema').description('the scenario JSON Schema (--script: the script schema), for editor completion').option('--script', 'the drill script schema').action(lazy(dr, 'schema'));
  const keys = () => import('./commands/keys.js');
  const key = program.command('key').description('signing keys (Ed25519): create one, list yours, register it in an incident so that your entries are signed');
  key.command('create').description('a new key pair in your config folder; the private key encrypted with a passphrase, mode 0600').option('--name <name>', 'the key\'s name', 'default').action(lazy(keys, 'keyCreate'));
  key.command('list').description('your keys: name and fingerprint').action(lazy(keys, 'keyList'));
  key
    .command('register <incident>')
    .description('record your public key in the incident: from then on every event you append to it is signed')
    .option('--key <name>', 'which of your keys', 'default')
    .action(lazy(keys, 'keyRegister'));
  program
    .command('checkpoint <incident>')
    .description('sign the incident\'s head with your registered key: a form to read over the phone and a block to paste (irr verify --checkpoint checks it)')
    .option('--cosign <file|text>', 'add your signature to a checkpoint another responder signed')
    .option('--key <name>', 'which of your keys (default: the one registered in the incident)')
    .action(lazy(keys, 'checkpoint'));
  const ev = () => import('./commands/evidence.js');
  const evidence = program.command('evidence').description('evidence files with chain of custody: SHA-256, size, who, when; re-hashed on verify');
  evidence
    .command('add <incident> <file>')
    .description('record an evidence file (SHA-256 streamed, size, name, who, when); the file stays where it is unless --copy')
    .option('--description <text>', 'what the file is: where it came from, what it shows (required)')
    .option('--copy <dir>', 'copy the file into this evidence folder first (mode 0600) and record the copy')
    .option('--force', 'with --copy: replace an existing file of that name (never a link, a device, a folder, the database or an input)')
    .option(...AT)
    .action(lazy(ev, 'add'));
  evidence
    .command('transfer <incident> <evidence-id>')
    .description('record that the evidence changes hands (chain of custody)')
    .option('--to <name>', 'who takes it (required)')
    .option('--reason <text>', 'why (required)')
    .option(...AT)
    .action(lazy(ev, 'transfer'));
  evidence.command('list <incident>').description('the evidence of an incident: id, name, size, SHA-256, who holds it, where').action(lazy(ev, 'list'));
  evidence.command('verify <incident>').description('re-hash every evidence file; changed or missing ones fail (exit 5)').action(lazy(ev, 'verify'));
  program
    .command('export <incident>')
    .description('one self-contained JSON Lines bundle for counsel or a regulator: events, hashes, signatures, keys, playbook, evidence (irr verify --bundle checks it)')
    .option('--out <file>', 'the bundle file (required)')
    .option('--redact <kinds>', 'leave out these payloads, keeping every hash: facts, notes (comma-separated)')
    .option('--force', 'replace an existing file (never a link, a device, a folder, the database or an input)')
    .action(lazy(() => import('./commands/export.js'), 'exportBundle'));
  program.command('log <incident>').description('the timeline: seq, at, recorded_at, actor, what').action(lazy(inc, 'log'));
  program
    .command('verify [incident]')
    .description('check the hash chain, every table against the log, the triggers and replay == snapshot (exit 5 on failure)')
    .option('--expect-head <sha256>', 'also fail unless the head is this hash (as printed by a report or an earlier verify)')
    .option('--checkpoint <file|text>', 'also check a signed checkpoint (irr checkpoint): its signatures, and that the log still holds its head')
    .option('--bundle <file>', 'verify an exported bundle (irr export) on its own: no database is opened')
    .action(lazy(inc, 'verify'));
}
