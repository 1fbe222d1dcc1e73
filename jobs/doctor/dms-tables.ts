import type { SqlClient } from '../../lib/sql/client.js';
import { asBool } from '../../lib/sql/coerce.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { fail, ok, warn, type DoctorCheck } from './check.js';

/**
 * Read access to DMS's own tables on the target, which the fixer reads: the net-changes tables
 * (`awsdms_changes…`, made per batch in batch apply) and `awsdms_apply_exceptions`, both in the
 * task's control schema (the target's default schema unless ControlSchema is set).
 */
export async function dmsTableChecks(target: SqlClient, user: string): Promise<DoctorCheck[]> {
  const name = 'target: DMS control tables';
  const r = await target.query<{ nspname: string; relname: string; readable: unknown; usable: unknown }>(
    `SELECT n.nspname, c.relname,
            has_table_privilege(quote_ident(n.nspname) || '.' || quote_ident(c.relname), 'SELECT') AS readable,
            has_schema_privilege(n.nspname, 'USAGE') AS usable
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND (c.relname = 'awsdms_apply_exceptions' OR c.relname LIKE 'awsdms\\_changes%')
      ORDER BY 1, 2`,
  );
  if (!r.rows.some((x) => x.relname === 'awsdms_apply_exceptions'))
    return [
      warn(
        name,
        'awsdms_apply_exceptions not found: DMS creates it when a task first applies changes',
        'run doctor again once the task has applied changes',
      ),
    ];
  const blocked = r.rows.filter((x) => !asBool(x.readable) || !asBool(x.usable));
  if (blocked.length === 0)
    return [ok(name, `${r.rows.length} table(s) readable (${[...new Set(r.rows.map((x) => x.nspname))].join(', ')})`)];
  const schemas = [...new Set(blocked.map((x) => x.nspname))];
  return [
    fail(
      name,
      `${user} cannot read ${blocked.map((x) => `${x.nspname}.${x.relname}`).join(', ')}`,
      schemas
        .map(
          (s) =>
            `GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${quoteIdent(user)}; GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(s)} TO ${quoteIdent(user)}; ` +
            `ALTER DEFAULT PRIVILEGES FOR USER <dms user> IN SCHEMA ${quoteIdent(s)} GRANT SELECT ON TABLES TO ${quoteIdent(user)}`,
        )
        .join('; '),
    ),
  ];
}

/** The state store's schema: usable and writable, or creatable. */
export async function stateSchemaCheck(state: SqlClient, schema: string, user: string): Promise<DoctorCheck> {
  const name = `state: schema ${schema}`;
  const r = await state.query<{ present: unknown; usage: unknown; create: unknown; db_create: unknown }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) AS present,
            CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'USAGE') END AS usage,
            CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') END AS create,
            has_database_privilege(current_database(), 'CREATE') AS db_create`,
    [schema],
  );
  const row = r.rows[0]!;
  const x = {
    present: asBool(row.present),
    usage: asBool(row.usage),
    create: asBool(row.create),
    db_create: asBool(row.db_create),
  };
  if (!x.present)
    return x.db_create
      ? ok(name, 'not created yet; the companion may create it')
      : fail(
          name,
          `does not exist and ${user} may not create it`,
          `CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION ${quoteIdent(user)}`,
        );
  if (x.usage && x.create) return ok(name, 'usable and writable');
  return fail(
    name,
    `${user} lacks ${[!x.usage && 'USAGE', !x.create && 'CREATE'].filter(Boolean).join(' and ')} on it`,
    `GRANT USAGE, CREATE ON SCHEMA ${quoteIdent(schema)} TO ${quoteIdent(user)}; ` +
      `GRANT ALL ON ALL TABLES IN SCHEMA ${quoteIdent(schema)} TO ${quoteIdent(user)}`,
  );
}
