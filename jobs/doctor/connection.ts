import type { SqlClient } from '../../lib/sql/client.js';
import { asBool } from '../../lib/sql/coerce.js';
import { clockSkewCheck } from './runtime-checks.js';
import { fail, ok, type DoctorCheck } from './check.js';

/**
 * Connects to one side (`source`, `target`, `state`) as the companion's user: who it is, the
 * server's clock. `undefined` in `connected` means the side is unreachable and every later check
 * of that side is skipped (one failure, not dozens).
 */
export async function connectionChecks(
  side: string,
  client: SqlClient,
): Promise<{ checks: DoctorCheck[]; connected: boolean }> {
  const before = Date.now();
  try {
    const r = await client.query<{ u: string; now: Date | string; super: unknown }>(
      'SELECT current_user AS u, now() AS now, (SELECT usesuper FROM pg_catalog.pg_user WHERE usename = current_user) AS super',
    );
    const after = Date.now();
    const row = r.rows[0]!;
    const serverNow = row.now instanceof Date ? row.now : new Date(String(row.now));
    return {
      connected: true,
      checks: [
        ok(`${side}: connect`, `connected as ${row.u}${asBool(row.super) ? ' (superuser)' : ''}`),
        clockSkewCheck(side, serverNow, before, after),
      ],
    };
  } catch (err) {
    return {
      connected: false,
      checks: [
        fail(
          `${side}: connect`,
          (err as Error).message,
          `check ${side}'s host, port, database, user and password (or auth: iam) in the config, and the network path`,
        ),
      ],
    };
  }
}
