import { z } from 'zod';
import { DRILL_MAX_LABEL, OBLIGATION_MILESTONES, parseDuration, parseOffset } from '../domain/drill.js';
import { CONTROL_CHARS } from '../domain/text.js';
import { PHASES } from '../domain/phases.js';
import { ConditionSchema } from './runbook-schema.js';

/**
 * The drill scenario and drill script file formats. Structure here (published as JSON Schema for
 * editors); references to the runbook, the regimes and the facts are checked in drill.ts with the
 * same file:line:col positions.
 */

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, ".", "-" or "_"')
  .describe('Identifier: lower-case letters, digits, ".", "-" or "_".');

// Text shown in a terminal and written into reports: no control characters (an ESC could repaint
// the facilitator's screen).
const plain = z
  .string()
  .min(1)
  .refine((v) => !CONTROL_CHARS.test(v), 'contains control characters; write plain text')
  .refine((v) => !/\p{Cs}/u.test(v), 'is not well-formed Unicode (a lone surrogate); write plain text');

const OFFSET = /^T([+-](0|(\d+d)?(\d+h)?(\d+m)?))?$/;
const DURATION = /^(\d+d)?(\d+h)?(\d+m)?$/;

const offset = z
  .string()
  .regex(OFFSET, 'must be a drill time such as T+0, T+45m, T+4h30m or T+2d')
  .refine((s) => !OFFSET.test(s) || parseOffset(s) !== null, `must be at most ${DRILL_MAX_LABEL} from the start`)
  .describe(`A drill time: an offset from the start, e.g. T+0, T+45m, T+4h30m, T+2d; at most ${DRILL_MAX_LABEL}.`);

const duration = z
  .string()
  .regex(DURATION, 'must be a duration such as 30m, 4h, 72h or 1d12h')
  .refine((s) => s !== '', 'must be a duration such as 30m, 4h, 72h or 1d12h')
  .refine((s) => s === '' || !DURATION.test(s) || parseDuration(s) !== null, `must be at most ${DRILL_MAX_LABEL}`)
  .describe(`A duration: 30m, 4h, 72h, 1d12h; at most ${DRILL_MAX_LABEL}.`);

/** YYYY-MM-DD that exists (2026-02-30 is refused here, not when the script reaches it). */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const probe = new Date(Date.UTC(y, m - 1, d));
    return !/^\d{4}-\d{2}-\d{2}$/.test(s) || (probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d);
  }, 'is not a date in the calendar');

export const TargetSchema = z
  .object({
    step: z.string().optional().describe('A runbook step marked done.'),
    phase: z.enum(PHASES as unknown as [string, ...string[]]).optional().describe('A phase reached (advanced into).'),
    fact: z.string().optional().describe('A fact recorded (an instant fact counts at its value, e.g. contained_at).'),
    obligation: z.string().optional().describe('A regime id (an obligation); with action.'),
    action: z.enum(OBLIGATION_MILESTONES).optional().describe('decided (any record), drafted, approved or sent.'),
    inject: z.string().optional().describe('An inject of this scenario, when it fired.'),
  })
  .strict()
  .describe('A moment in the drill: {step}, {phase}, {fact}, {obligation, action} or {inject}.');

const ObjectiveSchema = z
  .object({
    id: slug,
    title: plain,
    capability: plain.describe('The capability exercised, e.g. Operational Coordination, Public Information and Warning.'),
    from: z.union([z.literal('start'), TargetSchema]).default('start').describe('Where the objective’s clock starts: start, or a moment in the drill.'),
    to: TargetSchema.describe('The moment that meets the objective.'),
    within: duration,
    owner: z.string().optional().describe('Runbook role that owns the improvement if the objective is not met.'),
    corrective_action: plain.optional().describe('What the improvement plan proposes if it is late or missed.'),
  })
  .strict();

const InjectWhenSchema = z
  .object({
    done: TargetSchema.optional(),
    not_done: TargetSchema.optional(),
    facts: ConditionSchema.optional(),
  })
  .strict()
  .describe('Fire only if: {done: target}, {not_done: target} or {facts: condition}.');

const InjectSchema = z
  .object({
    id: slug,
    at: offset,
    message: plain.describe('What the facilitator tells the room (Markdown).'),
    facts: z.record(z.string(), z.unknown()).default({}).describe('Facts the inject reveals; instants may be written T+5h.'),
    when: InjectWhenSchema.optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    $schema: z.string().optional(),
    id: slug,
    title: plain,
    narrative: plain.describe('The situation as the room hears it at the start (Markdown).'),
    runbook: slug.describe('The shipped runbook the team rehearses.'),
    start: z.string().describe('Drill time at T+0: ISO 8601 date-time with offset.'),
    zone: plain.describe('IANA time zone of the room, e.g. Europe/Berlin.'),
    duration: offset.describe('When the drill ends, e.g. T+5d.'),
    participants: z
      .array(z.object({ role: plain, name: plain.optional() }).strict())
      .min(1)
      .describe('Who is in the room, by runbook role.'),
    objectives: z.array(ObjectiveSchema).min(1),
    injects: z.array(InjectSchema).min(1),
  })
  .strict()
  .describe('An irr tabletop drill scenario.');

const ObligationActionSchema = z
  .object({
    id: z.string(),
    action: z.enum(['drafted', 'approved', 'sent', 'waived', 'required', 'not_applicable']),
    reason: plain.optional(),
    channel: plain.optional(),
    ref: plain.optional(),
    exemption: plain.optional().describe('waived: the id of the exemption it rests on (checked against the facts, as irr obligation --exemption).'),
    override: z.literal(true).optional().describe('waived: a deliberate decision against the assessment (irr obligation --override).'),
  })
  .strict();

const ScriptActionSchema = z
  .object({
    at: offset,
    as: plain.optional().describe('Who acts (a role or a name); default drill-script.'),
    complete: z.array(z.string()).min(1).optional().describe('Steps marked done, in this order.'),
    skip: z.object({ step: z.string(), reason: plain }).strict().optional(),
    facts: z.record(z.string(), z.unknown()).optional().describe('Facts recorded; instants may be written T+5h.'),
    advance: z.literal(true).optional().describe('Move to the next phase.'),
    finish_phase: z.literal(true).optional().describe('Mark every pending applicable step of the current phase done, then advance.'),
    obligation: ObligationActionSchema.optional(),
    note: plain.optional(),
    action_item: z.object({ text: plain, owner: plain, due: calendarDate }).strict().optional(),
    close: z.literal(true).optional(),
  })
  .strict();

export const SCRIPT_KINDS = ['complete', 'skip', 'facts', 'advance', 'finish_phase', 'obligation', 'note', 'action_item', 'close'] as const;

export const ScriptSchema = z
  .object({
    $schema: z.string().optional(),
    scenario: slug,
    title: plain,
    description: plain,
    actions: z.array(ScriptActionSchema).min(1),
  })
  .strict()
  .describe('The responders’ actions for an unattended irr drill run.');

export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://irr.invalid/schema/drill.schema.json', title: 'irr drill scenario' };
}

export function scriptJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScriptSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://irr.invalid/schema/drill-script.schema.json', title: 'irr drill script' };
}
