import { z } from 'zod';
import { DATA_CATEGORIES } from '../domain/facts.js';
import { AUDIENCES, RISK_LEVELS, RISK_MODELS, RISK_THRESHOLDS } from '../domain/regime.js';
import { ConditionSchema } from './runbook-schema.js';

/**
 * The regime file format: one notification duty of one law (a staged law has one file per stage).
 * Published as JSON Schema (`irr regime schema`) for editors.
 */
const BASE_NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "-" or "_"');

// Bounds on every count, so that a typo (hours: 1000000000000) is refused here with its position
// instead of validating and then crashing date arithmetic later. No notification law counts
// beyond a few years; ten years leaves room for any that does.
const MAX_HOURS = 87_600; // 10 years
const MAX_DAYS = 3_653; // 10 years of calendar days
const MAX_BUSINESS_DAYS = 2_610; // 10 years of working days
const hours = z.number().positive().max(MAX_HOURS, `must be at most ${MAX_HOURS} hours (10 years)`);

const DeadlineSchema = z
  .object({
    hours: hours.optional().describe('An exact duration from the clock start (a DST change never shifts it).'),
    calendar_days: z.number().int().positive().max(MAX_DAYS, `must be at most ${MAX_DAYS} days (10 years)`).optional().describe('Calendar days, counted as dates in `zone`; due at the end of the last day.'),
    business_days: z.number().int().positive().max(MAX_BUSINESS_DAYS, `must be at most ${MAX_BUSINESS_DAYS} business days (10 years)`).optional().describe('Business days in `zone`, skipping weekends and `holidays`; due at the end of the last day.'),
    asap: z.object({ target_hours: hours }).strict().optional().describe('"Without undue delay" / "as soon as practicable": no legal day count; irr runs an internal target.'),
    none: z.literal(true).optional().describe('No deadline (e.g. on request).'),
    zone: z.string().optional().describe('IANA time zone for day counts, e.g. America/New_York.'),
    holidays: z.string().optional().describe('Holiday calendar for business days (date-holidays country or subdivision, e.g. US, BR, DE-BY).'),
  })
  .strict();

const code = z.string().regex(/^([A-Z]{2}(-[A-Z0-9]{1,3})?|EU|EEA|INTL)$/, 'must be an ISO 3166 code such as DE or US-GA (or EU, INTL)');

const AuthoritySchema = z
  .object({
    name: z.string().min(1).describe('Who receives the notice, e.g. "Georgia Attorney General, Consumer Protection Division".'),
    portal: z.string().url().optional().describe('Web page or online form where the notice is filed.'),
    address: z.string().min(1).optional().describe('Postal address, where published.'),
    email: z.string().min(1).optional(),
    phone: z.string().min(1).optional(),
    form: z.string().min(1).optional().describe('The form to use, where there is one (name, and how to get it).'),
    notes: z.string().optional(),
  })
  .strict();

const PersonalInformationSchema = z
  .object({
    categories: z.array(z.enum(DATA_CATEGORIES)).min(1).describe('The irr data categories that the law\'s definition of personal information reaches (any one of them triggers it).'),
    encryption_safe_harbour: z.boolean().describe('true: encrypted (unintelligible) data is outside the law unless the key went with it; irr adds not unintelligible to applies_when.'),
    paper_records: z.boolean().describe('true: the law also reaches paper records; false: computerised data only (irr does not test the medium: it says so).'),
    detail: z.string().min(1).describe('The law\'s own list of data elements, in your words (irr\'s categories approximate it).'),
  })
  .strict();

const RiskOfHarmSchema = z
  .object({
    ref: z.string().min(1),
    text: z.string().min(1).describe('The law\'s test, in your words: when no notice is needed.'),
    ag_notice_required: z.boolean().default(false).describe('true: the exception holds only once the attorney general (or regulator) has been told in writing of the determination (fact no_harm_ag_notified).'),
  })
  .strict();

export const RegimeSchema = z
  .object({
    $schema: z.string().optional(),
    extends: z.string().regex(BASE_NAME_RE).optional().describe('A family base this file extends: playbooks/regimes/bases/<name>.yaml. Objects are merged key by key (this file wins), arrays and scalars are replaced.'),
    id,
    name: z.string().min(1),
    jurisdiction: z.string().min(2).describe('ISO 3166 code (DE, US-CA), or a group such as EU.'),
    citation: z.string().min(1),
    source: z.string().url().describe('The primary text.'),
    covers: z.array(code).optional().describe('The jurisdictions whose residents this duty covers (subjects_by_jurisdiction keys); default: [jurisdiction]; [] for a sector law that covers nobody by residence (HIPAA, SEC). The GDPR regimes cover the EEA countries.'),
    audience: z.enum(AUDIENCES),
    authority: AuthoritySchema.optional().describe('Who to tell: the authority (or recipient) of this notice, with its portal, address, email, phone and form where published.'),
    personal_information: PersonalInformationSchema.optional().describe('The law\'s definition of personal information: irr adds it to applies_when (any category; not unintelligible where there is an encryption safe harbour).'),
    risk_of_harm_exception: RiskOfHarmSchema.optional().describe('The law\'s risk-of-harm exception: irr makes it the exemption no-harm-determination, which holds only when a documented determination (no_harm_determined, no_harm_determination_reason, and no_harm_ag_notified where required) is recorded.'),
    notice_paragraphs: z
      .array(z.object({ id, heading: z.string().min(1), text: z.string().min(1) }).strict())
      .default([])
      .describe('Paragraphs the notice letter must carry for this law (e.g. a US state\'s AG contact, residents\' rights, the consumer reporting agencies); the letter templates print them.'),
    in_force: z.boolean().default(true),
    voluntary: z
      .boolean()
      .optional()
      .describe('true: the law sets no duty to notify and the authority only recommends it (e.g. Hong Kong PDPO, PCPD guidance). irr reports the duty as "recommended (voluntary)", never as required, and the jurisdiction counts as covered.'),
    family: id.optional().describe('Groups the stages of one law (e.g. nis2).'),
    stage: z.object({ order: z.number().int().positive().max(99), name: z.string().min(1) }).strict().optional(),
    applies_when: ConditionSchema.describe('The law reaches this incident (where the people are, what the entity is, what data).'),
    threshold: z
      .object({
        model: z.enum(RISK_MODELS).optional().describe('The risk model (docs/risk.md): gdpr = the EDPB factors; hipaa = the four-factor assessment of 45 CFR 164.402(2).'),
        at_least: z.enum(RISK_THRESHOLDS).optional().describe('risk = required unless an exemption establishes that no risk is likely; high_risk = required when the model finds high risk (unless exempt).'),
        enisa_at_least: z.enum(RISK_LEVELS).optional().describe('Older form, still accepted: required at or above this ENISA 2013 severity level. Give either this or model + at_least.'),
        also_required_when: ConditionSchema.optional().describe('Required whatever the risk when this holds (e.g. Singapore: 500 or more people).'),
        exemptions: z
          .array(
            z
              .object({
                id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab case, e.g. art34-3a').describe('Names the exemption in `irr obligation … waived --exemption <id>`.'),
                when: ConditionSchema,
                ref: z.string().min(1),
                text: z.string().min(1),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .refine((t) => !(t.enisa_at_least !== undefined && t.model !== undefined) && (t.model === undefined) === (t.at_least === undefined), {
        message: 'give either model and at_least (e.g. {model: gdpr, at_least: high_risk}) or the older enisa_at_least, not both (or neither: required when it applies, unless an exemption holds)',
      })
      .optional()
      .describe('Risk-based laws: the risk model and level at which a notice is owed, and the exemptions that remove it.'),
    clock: z
      .object({
        starts: z
          .object({ fact: z.string().optional(), obligation: id.optional() })
          .strict()
          .describe('A fact (instant) or another obligation (counted from when it was sent).'),
        anchor: z.literal('end_of_year').optional(),
        deadline: DeadlineSchema,
        no_later_than: z.object({ fact: z.string(), hours }).strict().optional(),
        weekend_rule: z
          .object({ kind: z.literal('dora'), holidays: z.string(), zone: z.string(), unless: ConditionSchema.optional() })
          .strict()
          .optional(),
      })
      .strict(),
    required_contents: z
      .array(z.object({ id, ref: z.string().min(1), text: z.string().min(1), facts: z.array(z.string()).default([]) }).strict())
      .default([]),
    notes: z.string().default(''),
    unconfirmed: z.array(z.string().min(1)).default([]).describe('Facts in this file not confirmed from the primary source.'),
  })
  .strict()
  .describe('An irr notification regime: one notification duty of one law.');

/** A family base (playbooks/regimes/bases/<name>.yaml): any part of a regime, which a law's file extends. */
export const BASE_NAME = BASE_NAME_RE;

export function regimeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RegimeSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://irr.invalid/schema/regime.schema.json', title: 'irr notification regime' };
}

/** A family base is any part of a regime (no id, no extends): checked again, whole, in each law that extends it. */
export function regimeBaseJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RegimeSchema.omit({ id: true, extends: true }).partial(), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://irr.invalid/schema/regime-base.schema.json', title: 'irr regime family base' };
}
