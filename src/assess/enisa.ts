import type { FactValue } from '../domain/facts.js';
import type { RiskLevel } from '../domain/regime.js';

/**
 * ENISA, "Recommendations for a methodology of the assessment of severity of personal data
 * breaches" (2013): SE = DPC × EI + CB. Every number below comes with the sentence that explains
 * it, because a DPO must be able to show a supervisory authority why the level is what it is.
 */

/** Base data-processing-context score per category, ENISA's four classes (1 simple … 4 sensitive). */
export const DPC_BASE: Readonly<Record<string, { score: number; why: string }>> = {
  contact: { score: 1, why: 'simple data (contact details)' },
  identity: { score: 1, why: 'simple data (biographical/identity details)' },
  employment: { score: 1, why: 'simple data (employment details); adjust upwards for performance or disciplinary records' },
  behavioural: { score: 2, why: 'behavioural data (preferences, habits)' },
  location: { score: 2, why: 'behavioural data (location)' },
  communications_content: { score: 2, why: 'behavioural data (communications); irr’s mapping: raise it with dpc_adjustment when the content itself is sensitive' },
  financial: { score: 3, why: 'financial data' },
  payment_card: { score: 3, why: 'financial data (payment cards)' },
  government_id: { score: 3, why: 'irr’s mapping: ENISA has no class for identity documents; scored like financial data for the identity-theft risk' },
  health: { score: 4, why: 'sensitive data (health, GDPR Art 9)' },
  special_category: { score: 4, why: 'sensitive data (GDPR Art 9 special categories)' },
  genetic_biometric: { score: 4, why: 'sensitive data (genetic or biometric, GDPR Art 9)' },
  criminal: { score: 4, why: 'sensitive data (criminal convictions and offences, GDPR Art 10)' },
  children: { score: 1, why: 'children’s data: the category itself scores as simple data; the vulnerability adjustment below raises it' },
};

export const EI_SCORE: Readonly<Record<string, number>> = { negligible: 0.25, limited: 0.5, significant: 0.75, maximum: 1 };

export interface Severity {
  readonly method: 'ENISA 2013';
  readonly score: number;
  readonly level: RiskLevel;
  readonly dpc: number;
  readonly ei: number;
  readonly cb: number;
  readonly explanation: readonly string[];
  /** Facts that, once established, could change the result (unknowns are scored at their worst). */
  readonly unknown: readonly string[];
}

export function levelOf(score: number): RiskLevel {
  return score < 2 ? 'low' : score < 3 ? 'medium' : score < 4 ? 'high' : 'very_high';
}

type Lookup = (name: string) => FactValue | undefined;

const round = (n: number) => Math.round(n * 100) / 100;

export function enisaSeverity(fact: Lookup): Severity {
  const explanation: string[] = [];
  const unknown: string[] = [];

  // DPC: the highest category counts; credentials take the category of what they open.
  const categories = fact('data_categories') as readonly string[] | undefined;
  let dpc = 1;
  if (categories === undefined) {
    dpc = 4;
    unknown.push('data_categories');
    explanation.push('DPC 4: data_categories unknown, so scored as sensitive data (the worst case) until established');
  } else {
    let best: { cat: string; score: number; why: string } | undefined;
    for (const cat of categories) {
      let entry = DPC_BASE[cat];
      if (cat === 'credentials') {
        const opens = fact('credentials_access') as string | undefined;
        if (opens === undefined) {
          unknown.push('credentials_access');
          entry = { score: 4, why: 'credentials whose reach (credentials_access) is unknown: scored at the worst case' };
        } else entry = { score: DPC_BASE[opens]?.score ?? 1, why: `credentials, scored as the ${opens} data they open` };
      }
      if (entry && (!best || entry.score > best.score)) best = { cat, ...entry };
    }
    if (best) {
      dpc = best.score;
      explanation.push(`DPC ${dpc}: ${best.cat} — ${best.why} (the highest of ${categories.join(', ')})`);
    } else explanation.push('DPC 1: no personal data category recorded');
  }
  const vulnerable = fact('vulnerable_subjects') === true || (categories ?? []).includes('children');
  if (vulnerable && dpc < 4) {
    dpc += 1;
    explanation.push(`DPC +1 → ${dpc}: children or other vulnerable people are affected`);
  }
  const adj = fact('dpc_adjustment') as number | undefined;
  if (adj !== undefined && adj !== 0) {
    const reason = (fact('dpc_adjustment_reason') as string | undefined) ?? 'no reason recorded (record dpc_adjustment_reason)';
    const before = dpc;
    dpc = Math.min(4, Math.max(1, dpc + adj));
    explanation.push(`DPC ${adj > 0 ? '+' : ''}${adj} → ${dpc} (from ${before}): ${reason}`);
  }

  // EI: how easily the people can be identified; unintelligible data cannot identify anyone.
  let ei: number;
  const eoi = fact('ease_of_identification') as string | undefined;
  if (fact('unintelligible') === true) {
    ei = EI_SCORE.negligible!;
    explanation.push('EI 0.25: the data is unintelligible (state-of-the-art encryption or hashing, key not compromised)');
  } else if (eoi === undefined) {
    ei = 1;
    unknown.push('ease_of_identification');
    explanation.push('EI 1: ease_of_identification unknown, so scored at maximum until established');
  } else {
    ei = EI_SCORE[eoi]!;
    explanation.push(`EI ${ei}: identification is ${eoi}`);
  }

  // CB: circumstances add up.
  let cb = 0;
  const add = (name: string, table: Record<string, number>, label: (v: string) => string) => {
    const v = fact(name);
    if (v === undefined) {
      const worst = Math.max(...Object.values(table));
      cb += worst;
      unknown.push(name);
      explanation.push(`CB +${worst}: ${name} unknown, scored at its worst until established`);
      return;
    }
    const n = table[String(v)] ?? 0;
    if (n > 0) explanation.push(`CB +${n}: ${label(String(v))}`);
    cb += n;
  };
  add('confidentiality', { none: 0, known_recipients: 0.25, unknown_recipients: 0.5 }, (v) => (v === 'known_recipients' ? 'loss of confidentiality to known recipients' : 'loss of confidentiality to an unknown number of recipients'));
  add('integrity', { none: 0, recoverable: 0.25, unrecoverable: 0.5 }, (v) => (v === 'recoverable' ? 'data altered but recoverable' : 'data altered and not recoverable'));
  add('availability', { none: 0, temporary: 0.25, permanent: 0.5 }, (v) => (v === 'temporary' ? 'data temporarily unavailable' : 'data permanently lost'));
  add('malicious', { false: 0, true: 0.5 }, () => 'malicious intent');

  const score = round(dpc * ei + cb);
  const level = levelOf(score);
  explanation.push(`SE = DPC × EI + CB = ${dpc} × ${ei} + ${round(cb)} = ${score}: ${level.replace('_', ' ')} (low < 2 ≤ medium < 3 ≤ high < 4 ≤ very high)`);
  return { method: 'ENISA 2013', score, level, dpc, ei, cb: round(cb), explanation, unknown };
}
