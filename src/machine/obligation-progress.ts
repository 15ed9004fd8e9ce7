import type { MachineEvent, ObligationProgress } from './context.js';

type ObligationEvent = Extract<MachineEvent, { type: 'obligation.triggered' | 'obligation.cleared' | 'obligation.recorded' }>;

/**
 * One duty's progress after one of its events: the fold's rule, and what a retraction recomputes
 * over the log without the withdrawn record (engine/retract.ts). Pure.
 */
export function nextObligationProgress(prior0: ObligationProgress | undefined, e: ObligationEvent): ObligationProgress {
  const prior: ObligationProgress = prior0 ?? { status: 'pending', triggered: false };
  let next: ObligationProgress;
  if (e.type === 'obligation.triggered') next = { ...prior, triggered: true, triggered_at: prior.triggered_at ?? e.at, status: prior.status === 'not_required' ? 'pending' : prior.status };
  else if (e.type === 'obligation.cleared') next = { ...prior, triggered: false, status: prior.status === 'pending' ? 'not_required' : prior.status };
  else {
    const p = e.payload;
    const extra = { ...(p.reason ? { reason: p.reason } : {}), ...(p.ref ? { ref: p.ref } : {}), ...(p.channel ? { channel: p.channel } : {}) };
    switch (p.action) {
      case 'drafted':
        {
          // A new draft needs its own approval.
          const { approved_by: _a, approved_at: _t, ...rest } = prior;
          next = { ...rest, ...extra, status: 'drafted', drafted_at: e.at, drafted_by: e.actor };
        }
        break;
      case 'approved':
        next = { ...prior, ...extra, status: 'approved', approved_at: e.at, approved_by: e.actor };
        break;
      case 'sent':
        next = { ...prior, ...extra, status: 'sent', sent_at: e.at, sent_by: e.actor };
        break;
      case 'supplemented':
        // The initial notice's time, reference and delay reason stay: a supplement names them.
        next = { ...prior, supplements: [...(prior.supplements ?? []), { at: e.at, by: e.actor, ...extra }] };
        break;
      case 'waived': {
        // A new waiver replaces the ground of an earlier one (e.g. an old waiver given an exemption).
        const { exemption: _e, override: _o, ...rest } = prior;
        next = { ...rest, ...extra, status: 'waived', decided_at: e.at, decided_by: e.actor, ...(p.exemption ? { exemption: p.exemption } : {}), ...(p.override ? { override: true } : {}) };
        break;
      }
      case 'not_applicable':
        next = { ...prior, ...extra, status: 'not_applicable', decided_at: e.at, decided_by: e.actor };
        break;
      case 'required':
        next = { ...prior, ...extra, decided_required: true, status: prior.status === 'not_required' ? 'pending' : prior.status };
        break;
    }
  }
  return next;
}
