import { z } from 'zod';

/**
 * The `obligation.recorded` payload as a discriminated union on `action`: the domain types are
 * derived from it, and `irr obligation` builds every new payload through it. Old logs (before
 * `exemption`, `override` and `not_applicable`) are instances of the same union: fields were only
 * added. Kept apart from domain/obligation.ts so that reading state never loads zod.
 */

const text = z.string().min(1);
const common = { obligation: text, ref: text.optional(), channel: text.optional() };

export const ObligationRecordedSchema = z.discriminatedUnion('action', [
  z.object({ ...common, action: z.literal('drafted'), reason: text.optional() }).strict(),
  z.object({ ...common, action: z.literal('approved'), reason: text.optional() }).strict(),
  /** `reason`: the reasons for a delay (GDPR Art 33(1)). */
  z.object({ ...common, action: z.literal('sent'), reason: text.optional() }).strict(),
  /**
   * Not to be sent. `exemption`: the id of the regime's exemption whose condition held on the
   * recorded facts; `override`: a deliberate decision against the assessment (a DPO's call).
   * Old waivers carry neither: they are shown as "no ground recorded" and hold closing.
   */
  z.object({ ...common, action: z.literal('waived'), reason: text, exemption: text.optional(), override: z.literal(true).optional() }).strict(),
  z.object({ ...common, action: z.literal('required'), reason: text }).strict(),
  /** A recorded decision that the law does not reach this incident (resolves an undetermined duty). */
  z.object({ ...common, action: z.literal('not_applicable'), reason: text }).strict(),
  /**
   * Further information to a sent notice, given in phases (GDPR Art 33(4)); `reason`: what it adds.
   * The sent record (its time and reference) is kept: the supplement names it.
   */
  z.object({ ...common, action: z.literal('supplemented'), reason: text.optional() }).strict(),
]);

export type ObligationRecordedPayload = z.infer<typeof ObligationRecordedSchema>;
