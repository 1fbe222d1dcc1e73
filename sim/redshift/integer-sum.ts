import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { packageRoot } from '../../lib/paths.js';

/**
 * Makes the emulated target sum BIGINTs as Redshift does — a BIGINT result that fails on overflow
 * (sim/redshift/integer-sum.sql, docs/aws-facts.md §11.1, §80) — by placing the schema `redshift_sum`
 * ahead of `pg_catalog` in the database's search_path. Opt-in (tests of exact sums); connections
 * opened afterwards see it.
 * @param superuser an executor connected as a superuser to `database`
 */
export async function installRedshiftIntegerSum(superuser: SqlExecutor, database: string): Promise<void> {
  await superuser.query(readFileSync(path.join(packageRoot(), 'sim', 'redshift', 'integer-sum.sql'), 'utf8'));
  await superuser.query(
    `ALTER DATABASE ${quoteIdent(database)} SET search_path = "$user", public, redshift_sum, redshift_system, pg_catalog`,
  );
}
