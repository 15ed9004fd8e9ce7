import { InvalidInput } from '../../domain/errors.js';
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
    const events = await actions.assignRole(engine, id, await engine.who(g.actor, at, id), member, opts.role);
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

const PER_INCIDENT = 'on a SQLite file, roles are per incident: irr team assign <incident> <name> --role <role> (team add/list manage the database roles of a team server: --db postgres://…)';

async function teamServer(g: GlobalOptions, readonly: boolean) {
  const { isPostgresUrl } = await import('../../store/port.js');
  if (!isPostgresUrl(g.db)) throw new InvalidInput(`--db: ${PER_INCIDENT}`);
  const { PgStore } = await import('../../store/postgres/pg-store.js');
  return PgStore.connect(g.db, { create: false, readonly });
}

/** irr team add <name> --role <role>: a responder's own login role on the team server (prints the SQL it runs). */
export async function teamAdd(g: GlobalOptions, name: string, opts: { role?: string }): Promise<void> {
  const { checkMemberName, isTeamRole, TEAM_ROLES } = await import('../../store/postgres/pg-team.js');
  const role = opts.role?.trim();
  if (!role) throw new InvalidInput(`--role: required, one of ${Object.keys(TEAM_ROLES).join(', ')}`, [], { flag: '--role' });
  if (!isTeamRole(role)) throw new InvalidInput(`--role: "${role.slice(0, 40)}" is not a team role (${Object.keys(TEAM_ROLES).join(', ')})`, [], { flag: '--role' });
  const member = checkMemberName(name);
  const store = await teamServer(g, false);
  try {
    const r = await store.teamAdd(member, role);
    if (g.json) printJson({ ok: true, member, role, db_role: TEAM_ROLES[role], created: r.created, sql: [r.sql] });
    else {
      printLines([
        r.sql,
        `${member} ${r.created ? 'may now log in' : 'now holds'} as ${role} (${TEAM_ROLES[role]}) on ${store.location}`,
        ...(r.created ? [`set their password: psql -c "\\password ${member}" (or ALTER ROLE ${member} PASSWORD '…'); they connect with --db postgres://${member}@host/db`] : []),
      ]);
    }
  } finally {
    await store.close();
  }
}

/** irr team list: the members of the team server's irr roles (prints the SQL it runs). */
export async function teamList(g: GlobalOptions): Promise<void> {
  const store = await teamServer(g, true);
  try {
    const r = await store.teamList();
    if (g.json) printJson({ members: r.members, sql: [r.sql] });
    else printLines([r.sql, ...(r.members.length === 0 ? ['nobody yet (irr team add <name> --role responder)'] : r.members.map((m) => `  ${m.member}: ${m.roles.join(', ')}`))]);
  } finally {
    await store.close();
  }
}
