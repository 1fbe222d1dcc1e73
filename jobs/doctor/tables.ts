import type { Config, TableConfig } from '../../config/schema.js';
import { asBool } from '../../lib/sql/coerce.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { displayName, quoteIdent, quoteQualified, type QualifiedName } from '../../lib/sql/quote.js';
import { describeSourceTable, describeTargetTable, planTable } from '../../lib/typemap/index.js';
import { errorMessage } from '../../lib/errors.js';
import { fail, ok, type DoctorCheck } from './check.js';

/**
 * Every configured table on both sides: it exists, its key columns exist, the typemap can write
 * each source column into its target column, and the companion's user holds the privileges the
 * enabled jobs use on it.
 */

/** Privileges on the target table the enabled jobs use, with the job that needs each. */
export function targetPrivileges(config: Config): { privilege: string; why: string }[] {
  const { fixer, gapfill } = config.jobs;
  const out = [{ privilege: 'SELECT', why: 'the fixer and gap-filling read it' }];
  if (fixer.enabled || gapfill.enabled) {
    out.push({ privilege: 'INSERT', why: 'repairs insert missing rows' });
    // LOCK in ACCESS EXCLUSIVE mode (the repair's lock) needs UPDATE or DELETE (docs/aws-facts.md §54).
    out.push({ privilege: 'LOCK', why: 'a repair locks the table while it re-checks and inserts' });
  }
  if (gapfill.enabled && (gapfill.deleteExtra || gapfill.dedupe))
    out.push({ privilege: 'DELETE', why: 'gapfill.deleteExtra/dedupe delete rows' });
  return out;
}

async function hasPrivilege(client: SqlClient, table: QualifiedName, privilege: string): Promise<boolean> {
  const wanted = privilege === 'LOCK' ? ['UPDATE', 'DELETE'] : [privilege];
  const r = await client.query<{ p: unknown }>(
    `SELECT ${wanted.map((_, i) => `has_table_privilege($1, $${i + 2})`).join(' OR ')} AS p`,
    [quoteQualified(table), ...wanted],
  );
  return asBool(r.rows[0]?.p);
}

function grantFix(table: QualifiedName, privilege: string, user: string): string {
  const what = privilege === 'LOCK' ? 'UPDATE' : privilege;
  return `GRANT ${what} ON ${quoteQualified(table)} TO ${quoteIdent(user)}`;
}

/** The source table: exists, key columns exist, SELECT. */
export async function sourceTableChecks(source: SqlClient, table: TableConfig, user: string): Promise<DoctorCheck[]> {
  const name = `source: table ${displayName(table.source)}`;
  let columns;
  try {
    columns = await describeSourceTable(source, table.source);
  } catch (err) {
    return [fail(name, errorMessage(err), 'fix tasks[].tables[].source in the config, or create the table')];
  }
  const names = new Set(columns.map((c) => c.name));
  const missing = table.primaryKey.filter((k) => !names.has(k));
  const out: DoctorCheck[] = [
    missing.length > 0
      ? fail(
          `${name} key`,
          `key column(s) ${missing.join(', ')} do not exist (columns: ${[...names].join(', ')})`,
          'fix tasks[].tables[].primaryKey in the config',
        )
      : ok(`${name} key`, `key (${table.primaryKey.join(', ')}) exists`),
  ];
  out.push(
    (await hasPrivilege(source, table.source, 'SELECT'))
      ? ok(`${name} SELECT`, 'readable')
      : fail(`${name} SELECT`, `${user} cannot read it`, grantFix(table.source, 'SELECT', user)),
  );
  return out;
}

/** The target table: exists, key columns exist, types compatible (lib/typemap), privileges. */
export async function targetTableChecks(
  source: SqlClient,
  target: SqlClient,
  config: Config,
  table: TableConfig,
  user: string,
): Promise<DoctorCheck[]> {
  const name = `target: table ${displayName(table.target)}`;
  const columns = await describeTargetTable(target, table.target);
  if (!columns)
    return [
      fail(
        name,
        'does not exist',
        'let the DMS task create it (full load), or fix tasks[].tables[].target in the config',
      ),
    ];
  const names = new Set(columns.map((c) => c.name));
  const missing = table.primaryKey.filter((k) => !names.has(k) && !names.has(k.toLowerCase()));
  const out: DoctorCheck[] = [
    missing.length > 0
      ? fail(
          `${name} key`,
          `key column(s) ${missing.join(', ')} do not exist`,
          'fix tasks[].tables[].primaryKey in the config',
        )
      : ok(`${name} key`, `key (${table.primaryKey.join(', ')}) exists`),
  ];
  try {
    const plan = await planTable(source, target, table.source, table.target, {
      mapBooleanAsBoolean: config.typemap.mapBooleanAsBoolean,
    });
    out.push(
      ok(
        `${name} types`,
        `${plan.columns.length} column(s) writable${plan.skipped.length ? `; not on the target: ${plan.skipped.join(', ')}` : ''}`,
      ),
    );
  } catch (err) {
    out.push(
      fail(`${name} types`, errorMessage(err), 'align the target column type with the source (see `typemap ddl`)'),
    );
  }
  for (const { privilege, why } of targetPrivileges(config)) {
    out.push(
      (await hasPrivilege(target, table.target, privilege))
        ? ok(`${name} ${privilege}`, 'granted')
        : fail(`${name} ${privilege}`, `${user} lacks it (${why})`, grantFix(table.target, privilege, user)),
    );
  }
  return out;
}
