import type { Condition } from './runbook.js';

/** Who receives the notice. */
export const AUDIENCES = ['authority', 'individuals', 'media', 'card_brands', 'investors', 'other_party', 'internal'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** ENISA severity levels (SE < 2 low; < 3 medium; < 4 high; ≥ 4 very high). */
export const RISK_LEVELS = ['low', 'medium', 'high', 'very_high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * When the clock starts: a fact (an instant), or the moment another obligation was sent (NIS2's final
 * report counts from the 72-hour notification; California's AG copy from the consumer notices).
 */
export type ClockStart = { readonly fact: string } | { readonly obligation: string };

/** Exactly one way of counting. Hours are exact durations; days are calendar dates in `zone`. */
export type Deadline =
  | { readonly hours: number }
  | { readonly calendar_days: number; readonly zone: string }
  | { readonly business_days: number; readonly zone: string; readonly holidays: string }
  | { readonly asap: { readonly target_hours: number } }
  | { readonly none: true };

export interface Exemption {
  /** Kebab case, unique within the regime: what `--exemption` names when a duty is waived. */
  readonly id: string;
  readonly when: Condition;
  readonly ref: string;
  readonly text: string;
}

export interface RequiredContent {
  readonly id: string;
  readonly ref: string;
  readonly text: string;
  /** The facts that supply this item in a letter (the letters capability checks them). */
  readonly facts: readonly string[];
}

export interface Regime {
  readonly id: string;
  readonly name: string;
  readonly jurisdiction: string;
  readonly citation: string;
  readonly source: string;
  readonly audience: Audience;
  readonly in_force: boolean;
  readonly family?: string;
  readonly stage?: { readonly order: number; readonly name: string };
  /** The law reaches this incident: where the people are, what the entity is, what data. */
  readonly applies_when: Condition;
  /** Risk-based laws: required only at or above this ENISA level, unless an exemption holds. */
  readonly threshold?: { readonly enisa_at_least: RiskLevel; readonly also_required_when?: Condition; readonly exemptions: readonly Exemption[] };
  readonly clock: {
    readonly starts: ClockStart;
    /** Count from the end of the calendar year of the start (HIPAA's annual log of small breaches). */
    readonly anchor?: 'end_of_year';
    readonly deadline: Deadline;
    /** And in any case no later than this many hours after that fact (DORA initial: 24 h from awareness). */
    readonly no_later_than?: { readonly fact: string; readonly hours: number };
    /** DORA Art 5(3)-(6): a deadline on a weekend or holiday moves to noon of the next working day. */
    readonly weekend_rule?: { readonly kind: 'dora'; readonly holidays: string; readonly zone: string; readonly unless?: Condition };
  };
  readonly required_contents: readonly RequiredContent[];
  readonly notes: string;
  /** Facts in this file that could not be confirmed from the primary source. */
  readonly unconfirmed: readonly string[];
}
