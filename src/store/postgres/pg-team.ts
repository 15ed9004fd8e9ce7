import { InvalidInput } from '../../domain/errors.js';

/** The team roles `irr team add --role` knows, and the group role (created by `irr init`) each grants. */
export const TEAM_ROLES = { responder: 'irr_responder', approver: 'irr_approver', comms: 'irr_comms', auditor: 'irr_auditor' } as const;
export type TeamRole = keyof typeof TEAM_ROLES;

export function isTeamRole(v: string): v is TeamRole {
  return Object.hasOwn(TEAM_ROLES, v);
}

/**
 * A responder's login name: what PostgreSQL will show as `current_user`, hence the actor of every
 * event they write. Kept to a plain identifier (quoted anyway) so the printed SQL is the SQL run.
 */
export function checkMemberName(name: string): string {
  const n = name.trim();
  if (!/^[a-z_][a-z0-9_.-]{0,62}$/.test(n)) {
    throw new InvalidInput(`<name>: "${name.slice(0, 80)}" is not a usable login name (lower-case letters, digits, _ . -; start with a letter or _; at most 63 characters)`, [], { flag: '<name>' });
  }
  if (n.startsWith('pg_') || n.startsWith('irr_')) throw new InvalidInput(`<name>: "${n}" is reserved (pg_… and irr_… are PostgreSQL's and irr's own roles)`, [], { flag: '<name>' });
  return n;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The statement `irr team add` runs: a new login role in the group, or the group granted to an existing role. */
export function teamAddSql(name: string, role: TeamRole, exists: boolean): string {
  return exists ? `GRANT ${TEAM_ROLES[role]} TO ${quoteIdent(name)};` : `CREATE ROLE ${quoteIdent(name)} LOGIN IN ROLE ${TEAM_ROLES[role]};`;
}

export const TEAM_LIST_SQL = `SELECT r.rolname AS member, g.rolname AS role FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname IN ('irr_responder', 'irr_approver', 'irr_comms', 'irr_auditor') ORDER BY r.rolname, g.rolname;`;
