import { z } from 'zod';
import { AUDIENCES } from '../domain/regime.js';
import { ConditionSchema } from './runbook-schema.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "-" or "_"');

/** The front matter of a letter template (docs/authoring-templates.md). */
export const TemplateFrontMatterSchema = z
  .object({
    id,
    kind: z.literal('letter'),
    obligations: z.array(id).default([]).describe('Regime ids (irr regime list) this letter serves.'),
    families: z.array(id).default([]).describe('Regime families (e.g. us-state-breach) this letter serves: every regime of the family with the letter\'s audience.'),
    audience: z.enum(AUDIENCES),
    locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en or en-GB'),
    title: z.string().min(1),
    covers: z.record(
      z.string(),
      z
        .object({
          section: z.string().min(1).describe('A heading of the body under which the item is written.'),
          facts: z.array(z.string()).default([]),
          only_if_late: z.boolean().default(false),
          when: ConditionSchema.optional(),
        })
        .strict(),
    ),
  })
  .strict()
  .refine((t) => t.obligations.length + t.families.length > 0, { message: 'name the regimes served: obligations (ids) or families', path: ['obligations'] });
