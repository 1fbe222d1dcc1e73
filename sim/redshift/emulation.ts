import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { packageRoot } from '../../lib/paths.js';

/**
 * Installs the Redshift emulation (sim/redshift/emulation.sql — the one place Redshift behaviour is
 * emulated) into a PostgreSQL database, and sets the database options that make the server read
 * SQL as Redshift does:
 * - `standard_conforming_strings = off`: backslash is an escape in '…' (docs/aws-facts.md §7);
 * - `escape_string_warning = off`: no warning per literal;
 * - `timezone = UTC`: Redshift sessions are UTC by default;
 * - `search_path = "$user", public, redshift_system`: system views and functions resolve unqualified.
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
  await superuser.query(`ALTER DATABASE ${db} SET search_path = "$user", public, redshift_system`);
}
