import type { Condition } from './runbook.js';

/** Who receives the notice. */
export const AUDIENCES = ['authority', 'individuals', 'media', 'card_brands', 'investors', 'other_party', 'internal'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** ENISA severity levels (SE < 2 low; < 3 medium; < 4 high; ≥ 4 very high). */
export const RISK_LEVELS = ['low', 'medium', 'high', 'very_high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * The risk models a regime's threshold can name (src/assess/risk.ts, docs/risk.md): `gdpr` is the
 * EDPB method (Guidelines 9/2022 section IV, WP250, the worked cases of Guidelines 01/2021); `hipaa`
 * is the presumption of 45 CFR 164.402(2) rebutted only by a documented four-factor assessment.
 */
export const RISK_MODELS = ['gdpr', 'hipaa'] as const;
export type RiskModel = (typeof RISK_MODELS)[number];
/** `risk`: required unless an exemption establishes that no risk is likely; `high_risk`: required when the model finds high risk. */
export const RISK_THRESHOLDS = ['risk', 'high_risk'] as const;
export type RiskThreshold = (typeof RISK_THRESHOLDS)[number];

export interface Threshold {
  /** The older form: required at or above this ENISA level (still accepted; shipped regimes use `model`). */
  readonly enisa_at_least?: RiskLevel;
  readonly model?: RiskModel;
  readonly at_least?: RiskThreshold;
  readonly also_required_when?: Condition;
  readonly exemptions: readonly Exemption[];
}

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

/** Who to tell: the authority (or recipient) of a notice, as published. */
export interface Authority {
  readonly name: string;
  readonly portal?: string;
  readonly address?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly form?: string;
  readonly notes?: string;
}

/** A law's definition of personal information (irr's categories approximate its elements). */
export interface PersonalInformation {
  readonly categories: readonly string[];
  readonly encryption_safe_harbour: boolean;
  readonly paper_records: boolean;
  readonly detail: string;
}

/** The exemption id a risk-of-harm exception compiles to. */
export const NO_HARM_EXEMPTION = 'no-harm-determination';

export interface Regime {
  readonly id: string;
  readonly name: string;
  readonly jurisdiction: string;
  readonly citation: string;
  readonly source: string;
  /** The jurisdictions (subjects_by_jurisdiction keys) whose people this duty covers; compiled: never empty. */
  readonly covers: readonly string[];
  readonly audience: Audience;
  readonly authority?: Authority;
  readonly personal_information?: PersonalInformation;
  /** The risk-of-harm exception as written (compiled into threshold.exemptions as no-harm-determination). */
  readonly risk_of_harm_exception?: { readonly ref: string; readonly text: string; readonly ag_notice_required: boolean };
  /** Law-specific paragraphs for the notice letter (AG contact, rights, consumer reporting agencies). */
  readonly notice_paragraphs: readonly { readonly id: string; readonly heading: string; readonly text: string }[];
  readonly in_force: boolean;
  /**
   * No legal duty: the authority only recommends notifying (Hong Kong's PCPD guidance, Argentina's AAIP).
   * The jurisdiction is covered, and the duty is reported as a recommendation, never as required.
   */
  readonly voluntary?: boolean;
  readonly family?: string;
  readonly stage?: { readonly order: number; readonly name: string };
  /** The law reaches this incident: where the people are, what the entity is, what data. */
  readonly applies_when: Condition;
  /** Risk-based laws: the risk model and level at which a notice is owed, and the exemptions (with ids). */
  readonly threshold?: Threshold;
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
