import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { packageRoot } from '../../lib/paths.js';

/** The emulated target's search_path: redshift_system before pg_catalog (see {@link installRedshiftEmulation}). */
export const TARGET_SEARCH_PATH = '"$user", public, redshift_system, pg_catalog';

/**
 * Installs the Redshift emulation (sim/redshift/emulation.sql — the one place Redshift behaviour is
 * emulated) into a PostgreSQL database, and sets the database options that make the server read
 * SQL as Redshift does:
 * - `standard_conforming_strings = off`: backslash is an escape in '…' (docs/aws-facts.md §7);
 * - `escape_string_warning = off`: no warning per literal;
 * - `timezone = UTC`: Redshift sessions are UTC by default;
 * - `search_path = "$user", public, redshift_system, pg_catalog`: system views and functions resolve
 *   unqualified, and redshift_system's functions with Redshift's semantics (SUM of integers returning
 *   BIGINT) come before pg_catalog's of the same name and argument types.
 *
 * Options set with ALTER DATABASE apply to connections opened afterwards.
 * @param superuser an executor connected as a superuser to the database `database`.
 */
export async function installRedshiftEmulation(superuser: SqlExecutor, database: string): Promise<void> {
  const sql = readFileSync(path.join(packageRoot(), 'sim', 'redshift', 'emulation.sql'), 'utf8');
  await superuser.query(sql);
  const db = quoteIdent(database);
  await superuser.query(`ALTER DATABASE ${db} SET standard_conforming_strings = off`);
  await superuser.query(`ALTER DATABASE ${db} SET escape_string_warning = off`);
  await superuser.query(`ALTER DATABASE ${db} SET timezone = 'UTC'`);
  await superuser.query(`ALTER DATABASE ${db} SET search_path = ${TARGET_SEARCH_PATH}`);
}
