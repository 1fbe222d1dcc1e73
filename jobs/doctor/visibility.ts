import type { SqlClient } from '../../lib/sql/client.js';
import { asBool } from '../../lib/sql/coerce.js';
import { SqlError } from '../../lib/sql/client.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { utcText } from '../../lib/state/store.js';
import { fail, ok, warn, type DoctorCheck } from './check.js';

/**
 * Whether the companion's target user sees the DMS user's statements in the system views
 * (STL_QUERY, or SYS_QUERY_HISTORY where STL is absent). Without SYSLOG ACCESS UNRESTRICTED a
 * non-superuser sees only its own rows (docs/aws-facts.md §3), so the checker would count zero
 * DMS statements and report `ok` forever. The flag itself is listed in SVL_USER_INFO, which only
 * superusers can read (§54), so the evidence is, in order:
 * 1. the user is a superuser (sees everything), or SVL_USER_INFO is readable and says UNRESTRICTED;
 * 2. the DMS user's statements of the last `hours` are visible (they can only be with the access);
 * 3. none visible although DMS reported changes to apply (CDCIncomingChanges > 0) for a running
 *    task in the window: fail — the silent case; none and no such change: warn (nothing to prove
 *    it with yet: a quiet source makes no statements).
 */
export interface VisibilityEvidence {
  superuser: boolean;
  /** `UNRESTRICTED` / `RESTRICTED` from SVL_USER_INFO, when readable. */
  syslogAccess?: string | undefined;
  /** The DMS user's statements visible in the window. */
  dmsStatements: number;
  view: 'stl_query' | 'sys_query_history';
  /** Names of running tasks for which CloudWatch reported changes to apply (CDCIncomingChanges > 0) in the window. */
  busyTasks: string[];
}

/** The verdict from the evidence (pure). */
export function visibilityCheck(
  e: VisibilityEvidence,
  companionUser: string,
  dmsUser: string,
  hours: number,
): DoctorCheck {
  const name = 'target: system-view visibility';
  const fix = `as a superuser: ALTER USER ${quoteIdent(companionUser)} WITH SYSLOG ACCESS UNRESTRICTED`;
  if (e.superuser) return ok(name, `${companionUser} is a superuser`);
  if (e.syslogAccess === 'UNRESTRICTED') return ok(name, 'SYSLOG ACCESS UNRESTRICTED');
  if (e.syslogAccess === 'RESTRICTED') return fail(name, `${companionUser} has SYSLOG ACCESS RESTRICTED`, fix);
  if (e.dmsStatements > 0)
    return ok(name, `${e.dmsStatements} statement(s) of ${dmsUser} visible in ${e.view} (last ${hours} h)`);
  const none = `no statement of ${dmsUser} visible in ${e.view} in the last ${hours} h`;
  if (e.busyTasks.length > 0)
    return fail(
      name,
      `${none} although DMS had changes to apply for ${e.busyTasks.join(', ')}: the checker would never see one-by-one mode`,
      fix,
    );
  return warn(name, `${none}, and no change applied by DMS to prove it with`, `make sure of it: ${fix}`);
}

/** Reads the evidence from the target (the companion's connection). */
export async function readVisibility(
  target: SqlClient,
  dmsUser: string,
  since: Date,
): Promise<Omit<VisibilityEvidence, 'busyTasks'>> {
  const su = await target.query<{ s: unknown }>(
    'SELECT usesuper AS s FROM pg_catalog.pg_user WHERE usename = current_user',
  );
  let syslogAccess: string | undefined;
  try {
    const r = await target.query<{ a: string }>(
      'SELECT syslogaccess AS a FROM svl_user_info WHERE usename = current_user',
    );
    syslogAccess = r.rows[0]?.a?.trim().toUpperCase();
  } catch (err) {
    if (!(err instanceof SqlError)) throw err; // not readable (superusers only) or not there: no evidence
  }
  const count = async (sql: string) =>
    Number((await target.query<{ n: unknown }>(sql, [dmsUser, utcText(since)])).rows[0]?.n ?? 0);
  let view: VisibilityEvidence['view'] = 'stl_query';
  let dmsStatements: number;
  try {
    dmsStatements = await count(
      `SELECT count(*) AS n FROM stl_query q JOIN pg_user u ON u.usesysid = q.userid WHERE u.usename = $1 AND q.starttime >= $2`,
    );
  } catch (err) {
    if (!(err instanceof SqlError)) throw err;
    view = 'sys_query_history';
    dmsStatements = await count(
      `SELECT count(*) AS n FROM sys_query_history q JOIN pg_user u ON u.usesysid = q.user_id WHERE u.usename = $1 AND q.start_time >= $2`,
    );
  }
  return { superuser: asBool(su.rows[0]?.s), syslogAccess, dmsStatements, view };
}
