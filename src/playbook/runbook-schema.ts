import { z } from 'zod';
import { STEP_MARKERS } from '../domain/runbook.js';
import { WORK_PHASES } from '../domain/phases.js';

/**
 * The runbook file format. Structural rules live here (and are published as JSON Schema for
 * editors); rules that need the whole document (references between steps, roles, facts) live in
 * validate-runbook.ts, which reports them with the same file:line:col positions.
 */

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, "-" or "_"')
  .describe('Identifier: lower-case letters, digits, "-" or "_".');

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const ConditionSchema: z.ZodType = z
  .object({
    fact: z.string().optional().describe('The fact the comparison reads.'),
    key: z.string().optional().describe('For a map fact such as subjects_by_jurisdiction: the entry to read (e.g. US-CA).'),
    keys: z.array(z.string()).min(1).optional().describe('For a map fact: the total of these entries (e.g. every EEA country).'),
    includes: z.string().optional().describe('True when the list fact contains this value.'),
    equals: scalar.optional().describe('True when the fact equals this value.'),
    in: z.array(z.union([z.string(), z.number()])).optional().describe('True when the fact is one of these values.'),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    known: z.boolean().optional().describe('true: the fact has been recorded; false: it has not.'),
    get all() {
      return z.array(ConditionSchema).min(1).optional().describe('True when every condition holds.');
    },
    get any() {
      return z.array(ConditionSchema).min(1).optional().describe('True when at least one condition holds.');
    },
    get not() {
      return ConditionSchema.optional().describe('True when the condition does not hold.');
    },
  })
  .strict()
  .describe('A declarative condition on facts, e.g. {fact: data_categories, includes: payment_card}.');

const FactKindSchema = z
  .object({
    kind: z.enum(['instant', 'boolean', 'count', 'number', 'text', 'enum', 'enum_list', 'jurisdiction_counts']),
    values: z.array(z.string().min(1)).min(1).optional().describe('Allowed values, for enum and enum_list.'),
    description: z.string().min(1),
  })
  .strict();

export const StepSchema = z
  .object({
    id: slug,
    title: z.string().min(1),
    owner: slug.describe('The role that owns this step (one of the runbook roles).'),
    guidance: z.string().min(1).describe('What to do, in Markdown.'),
    required: z.boolean().default(true).describe('A required step must be done or skipped with a reason before its phase can be left.'),
    depends_on: z.array(slug).default([]).describe('Steps that must be done or skipped first.'),
    when: ConditionSchema.optional().describe('The step applies only when this condition on facts holds (unknown facts: it applies).'),
    captures: z.array(z.string()).default([]).describe('Facts this step establishes; the console asks for them.'),
    marks: z.array(z.enum(STEP_MARKERS)).default([]).describe('What completing the step means to the engine: awareness starts the legal clocks; review is the post-incident review.'),
    discharges: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a regime id (irr regime list)'))
      .min(1)
      .optional()
      .describe('The legal duties (regime ids, e.g. gdpr-art33) this step discharges: it can be done only when each of them that is required is sent or validly waived.'),
  })
  .strict();

const phaseShape = Object.fromEntries(
  WORK_PHASES.map((p) => [p, z.array(StepSchema).default([]).describe(`Steps of the ${p} phase.`)]),
) as Record<(typeof WORK_PHASES)[number], z.ZodDefault<z.ZodArray<typeof StepSchema>>>;

export const RunbookSchema = z
  .object({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
    id: slug,
    title: z.string().min(1),
    version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'must look like 1.0 or 1.2.3'),
    description: z.string().min(1),
    references: z
      .array(z.object({ title: z.string().min(1), url: z.string().url().optional() }).strict())
      .default([]),
    roles: z
      .array(z.object({ id: slug, title: z.string().min(1), description: z.string().optional() }).strict())
      .min(1),
    approvers: z
      .object({ roles: z.array(slug).min(1).describe('Role ids (from roles) whose holders may approve a notice to an authority or to individuals.') })
      .strict()
      .optional()
      .describe('Four-eyes approval: who may approve a notice before it is recorded as sent. Absent: every role may.'),
    facts: z.record(slug, FactKindSchema).default({}).describe('Facts specific to this runbook, beyond the core vocabulary (docs/facts.md).'),
    phases: z.object(phaseShape).strict(),
  })
  .strict()
  .describe('An irr incident-response runbook.');

export type RunbookInput = z.input<typeof RunbookSchema>;
export type RunbookParsed = z.output<typeof RunbookSchema>;

export function runbookJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RunbookSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://irr.invalid/schema/runbook.schema.json', title: 'irr runbook' };
}
