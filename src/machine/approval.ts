import type { Audience } from '../domain/regime.js';
import { own } from '../domain/own.js';
import type { IncidentContext } from './context.js';

/**
 * Four-eyes approval: a notice to an authority or to individuals is recorded as sent only after a
 * member holding one of the runbook's approver roles, other than its drafter, approved the current
 * draft. Pure, on the folded context: who holds which role is itself in the log (team.assigned).
 */

/** The audiences whose notices need a second pair of eyes: what is said to a regulator or to the people affected. */
export const FOUR_EYES_AUDIENCES: readonly Audience[] = ['authority', 'individuals'];

export const needsFourEyes = (audience: Audience): boolean => FOUR_EYES_AUDIENCES.includes(audience);

/**
 * The runbook roles a member holds on this incident. In a drill, scripts act as the roles
 * themselves (`as: dpo`), so an actor named after a runbook role holds that role.
 */
export function rolesOf(ctx: IncidentContext, member: string): readonly string[] {
  const held = own(ctx.team, member) ?? [];
  return ctx.mode === 'drill' && ctx.roles.includes(member) && !held.includes(member) ? [...held, member] : held;
}

/** Members holding an approver role, with the approver roles each holds. */
export function approvers(ctx: IncidentContext): { readonly member: string; readonly roles: readonly string[] }[] {
  const members = new Set(Object.keys(ctx.team));
  if (ctx.mode === 'drill') for (const r of ctx.approverRoles) members.add(r);
  return [...members]
    .map((member) => ({ member, roles: rolesOf(ctx, member).filter((r) => ctx.approverRoles.includes(r)) }))
    .filter((a) => a.roles.length > 0);
}

/** "who may approve: …", or how to name an approver when nobody holds the role yet. */
export function whoMayApprove(ctx: IncidentContext, except?: string): string {
  const may = approvers(ctx).filter((a) => a.member !== except);
  if (may.length > 0) return `who may approve: ${may.map((a) => `${a.member} (${a.roles.join(', ')})`).join(', ')}`;
  const others = approvers(ctx).length > 0 ? 'nobody else' : 'nobody';
  return `${others} holds an approver role (${ctx.approverRoles.join(', ')}) on ${ctx.id}: irr team assign ${ctx.id} <name> --role ${ctx.approverRoles.join('|')}`;
}

/** Why `actor` may not record `action` on a notice to `audience` yet; empty when four-eyes holds. */
export function approvalBlockers(ctx: IncidentContext, obligation: string, audience: Audience, action: string, actor: string): string[] {
  if (!needsFourEyes(audience)) return [];
  const o = own(ctx.obligations, obligation);
  if (action === 'approved') {
    if (o?.status !== 'drafted' || o.drafted_by === undefined) return [`${obligation} has no draft to approve (record it drafted first: irr obligation ${ctx.id} ${obligation} drafted)`];
    if (o.drafted_by === actor) return [`${actor} drafted ${obligation}; a notice to ${audience === 'authority' ? 'an authority' : 'individuals'} is approved by someone else (four eyes); ${whoMayApprove(ctx, actor)}`];
    if (!rolesOf(ctx, actor).some((r) => ctx.approverRoles.includes(r))) return [`${actor} holds no approver role (${ctx.approverRoles.join(', ')}) on ${ctx.id}; ${whoMayApprove(ctx, o.drafted_by)}`];
    return [];
  }
  if (action === 'sent') {
    if (o?.status === 'sent') return [];
    if (o?.status !== 'approved' || o.approved_by === undefined || o.approved_by === o.drafted_by) {
      const state = o?.status === 'drafted' ? `drafted by ${o.drafted_by ?? 'someone'} and not approved` : 'not drafted and approved';
      return [`${obligation} is ${state}; a notice to ${audience === 'authority' ? 'an authority' : 'individuals'} is sent only after someone other than its drafter approves it (irr obligation ${ctx.id} ${obligation} approved --as <approver>); ${whoMayApprove(ctx, o?.drafted_by)}`];
    }
  }
  return [];
}

/** One line for the Notifications screen: where the notice stands on four eyes, and who may approve. */
export function fourEyesLine(ctx: IncidentContext, obligation: string, actor: string): string {
  const o = own(ctx.obligations, obligation);
  const roles = ctx.approverRoles.join(', ');
  if (o?.status === 'sent') return `four eyes: sent${o.approved_by ? ` after approval by ${o.approved_by}` : ''}`;
  if (o?.status === 'approved' && o.approved_by) return `four eyes: drafted by ${o.drafted_by ?? '?'}, approved by ${o.approved_by}: it may be recorded as sent`;
  if (o?.status === 'drafted') {
    const you = o.drafted_by === actor ? ' (not you: you drafted it)' : rolesOf(ctx, actor).some((r) => ctx.approverRoles.includes(r)) ? ' (you may)' : ` (not you: you hold no approver role)`;
    return `four eyes: drafted by ${o.drafted_by ?? '?'}; to be approved by someone else holding ${roles}${you} before it is sent; ${whoMayApprove(ctx, o.drafted_by)}`;
  }
  return `four eyes: record it drafted, then someone other than the drafter holding ${roles} approves it, then it can be sent; ${whoMayApprove(ctx)}`;
}
