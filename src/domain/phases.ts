/** The lifecycle phases in order (NIST SP 800-61 style); `closed` is terminal until reopened. */
export const WORK_PHASES = ['detection', 'analysis', 'containment', 'eradication', 'recovery', 'post-incident'] as const;
export type WorkPhase = (typeof WORK_PHASES)[number];
export type Phase = WorkPhase | 'closed';
export const PHASES: readonly Phase[] = [...WORK_PHASES, 'closed'];

export function isWorkPhase(s: string): s is WorkPhase {
  return (WORK_PHASES as readonly string[]).includes(s);
}

/** Accepts `post_incident` and `post-incident` alike: people type both. */
export function parsePhase(s: string): Phase | null {
  const norm = s.trim().toLowerCase().replace(/_/g, '-');
  return (PHASES as readonly string[]).includes(norm) ? (norm as Phase) : null;
}

export function phaseIndex(p: Phase): number {
  return PHASES.indexOf(p);
}

export function nextPhase(p: WorkPhase): Phase {
  return PHASES[phaseIndex(p) + 1]!;
}
