import * as actions from '../../engine/actions.js';
import { approvers, rolesOf } from '../../machine/approval.js';
import { parseAt, type GlobalOptions } from '../context.js';
import { withEngine } from '../engine-access.js';
import { printJson, printLines } from '../output.js';

/**
 * Who holds which runbook role on an incident (SQLite's side of issue 15: named responders).
 * The roster is events in the incident's own log, so it is hashed, verified and exported with it.
 */

export async function teamAssign(g: GlobalOptions, id: string, member: string, opts: { role?: string; at?: string }): Promise<void> {
  const at = parseAt(opts.at);
  await withEngine(g, { create: false }, async (engine) => {
    const events = await actions.assignRole(engine, id, engine.who(g.actor, at, id), member, opts.role);
    const role = opts.role!.trim();
    const text = events.length === 0 ? `${id}: ${member.trim()} already holds ${role} (nothing recorded)` : `${id}: ${member.trim()} holds ${role} (seq ${events[0]!.seq})`;
    if (g.json) printJson({ ok: true, unchanged: events.length === 0, appended: events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, recorded_at: e.recorded_at, hash: e.hash })) });
    else printLines(text);
  });
}

export async function teamShow(g: GlobalOptions, id: string): Promise<void> {
  await withEngine(g, { create: false, readonly: true }, async (engine) => {
    const { ctx } = await engine.load(id);
    const members = Object.keys(ctx.team).map((member) => ({ member, roles: rolesOf(ctx, member) }));
    const may = approvers(ctx).map((a) => a.member);
    if (g.json) {
      printJson({ ok: true, incident: id, approver_roles: ctx.approverRoles, members, approvers: may });
      return;
    }
    const lines = [`${id}: approver roles ${ctx.approverRoles.join(', ')}`];
    if (members.length === 0) lines.push('  nobody named yet (irr team assign <incident> <name> --role <role>)');
    for (const m of members) lines.push(`  ${m.member}: ${m.roles.join(', ')}${may.includes(m.member) ? ' (may approve)' : ''}`);
    printLines(lines);
  });
}
