import type { TableConfig, TaskConfig } from '../../config/schema.js';
import { taskResourceId } from '../../lib/aws/dms.js';
import { parseExceptionStatement } from '../../lib/dms/apply-exceptions.js';
import { RefusedError } from '../../lib/errors.js';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { displayName, quoteIdent } from '../../lib/sql/quote.js';
import { utcText } from '../../lib/state/store.js';

/**
 * `awsdms_apply_exceptions` as evidence in its own right (docs/aws-facts.md §16.2, §75.1–§75.3): in
 * one-by-one mode DMS logs a single-row UPDATE that touched nothing; its key is a row the target
 * lacks. Read are this task's rows only (`TASK_NAME` = the task's resource id, the last part of its
 * ARN) with `ERROR_TIME` (UTC) at or after `since`, from every schema holding the table (the control
 * schema is a task setting the companion is not told; rows of other tasks are excluded by
 * `TASK_NAME`). Each row is refused, with the reason, unless all of this holds: its table
 * (`TABLE_OWNER`.`TABLE_NAME`) is one of the task's configured target tables; its `ERROR` says
 * the statement touched 0 rows (any other error may concern a row that is there); its `STATEMENT`
 * parses fail-closed (lib/dms/apply-exceptions.ts) as an UPDATE of that same table whose WHERE is
 * exactly the configured primary key. A DELETE that touched nothing is set aside, never a missing
 * key: the source deleted that row too, and a later re-insert of the key may still be in DMS's
 * pipeline (writing it would make a duplicate).
 */

export const APPLY_EXCEPTIONS_TABLE = 'awsdms_apply_exceptions';

export interface ExceptionTableKeys {
  table: TableConfig;
  /** Missing keys as text, in primary-key order, each once, in ERROR_TIME order. */
  keys: string[][];
}

export interface ApplyExceptionsEvidence {
  /** Schemas holding `awsdms_apply_exceptions` that were read. */
  schemas: string[];
  /** This task's rows since `since`. */
  rows: number;
  /** Configured tables with at least one missing key, in config order. */
  tables: ExceptionTableKeys[];
  /** Rows not used, each with the reason (refused or set aside). */
  refused: string[];
}

/** One row as read (varchar columns: text or NULL). */
interface ExceptionRow {
  owner: string | null;
  name: string | null;
  error_time: string | null;
  statement: string | null;
  error: string | null;
}

/** What the ERROR of a statement that touched nothing says (docs/aws-facts.md §75.2). */
const TOUCHED_NOTHING = /(^|[^0-9])0 rows affected/i;

/**
 * @param since UTC; rows logged before it are not read.
 * @throws SqlError when the table cannot be read (the caller reports it as unusable evidence).
 */
export async function readApplyExceptionKeys(
  target: SqlExecutor,
  task: TaskConfig,
  since: Date,
): Promise<ApplyExceptionsEvidence> {
  const located = await target.query<{ schema: unknown }>(
    `SELECT n.nspname AS schema FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relname = $1 ORDER BY 1`,
    [APPLY_EXCEPTIONS_TABLE],
  );
  const schemas = located.rows.map((r) => String(r.schema));
  const out: ApplyExceptionsEvidence = { schemas, rows: 0, tables: [], refused: [] };
  const found = new Map<TableConfig, Map<string, string[]>>();
  for (const schema of schemas) {
    const r = await target.query<ExceptionRow>(
      `SELECT "TABLE_OWNER" AS owner, "TABLE_NAME" AS name, CAST("ERROR_TIME" AS VARCHAR(64)) AS error_time,
              "STATEMENT" AS statement, "ERROR" AS error
         FROM ${quoteIdent(schema)}.${quoteIdent(APPLY_EXCEPTIONS_TABLE)}
        WHERE "TASK_NAME" = $1 AND "ERROR_TIME" >= CAST($2 AS TIMESTAMP)
        ORDER BY "ERROR_TIME"`,
      [taskResourceId(task.arn), utcText(since)],
    );
    out.rows += r.rows.length;
    for (const row of r.rows) {
      const where = `${schema}.${APPLY_EXCEPTIONS_TABLE} row of ${row.error_time ?? '(no ERROR_TIME)'}`;
      try {
        const { table, key } = judgeRow(task, row);
        const keys = found.get(table) ?? new Map<string, string[]>();
        found.set(table, keys);
        keys.set(JSON.stringify(key), key);
      } catch (err) {
        if (!(err instanceof RefusedError)) throw err;
        out.refused.push(`${where}: ${err.message}`);
      }
    }
  }
  out.tables = task.tables.filter((t) => found.has(t)).map((t) => ({ table: t, keys: [...found.get(t)!.values()] }));
  return out;
}

/** @throws RefusedError naming why the row is not a missing key of a configured table. */
function judgeRow(task: TaskConfig, row: ExceptionRow): { table: TableConfig; key: string[] } {
  const named = { schema: row.owner ?? '', name: row.name ?? '' };
  const table = task.tables.find((t) => t.target.schema === named.schema && t.target.name === named.name);
  if (!table)
    throw new RefusedError(
      `table ${displayName(named)} is not a target table of task ${task.name} in the config (its tables: ` +
        `${task.tables.map((t) => displayName(t.target)).join(', ')})`,
    );
  if (typeof row.error !== 'string' || !TOUCHED_NOTHING.test(row.error))
    throw new RefusedError(
      `its ERROR (${(row.error ?? 'NULL').slice(0, 80)}) does not say the statement touched 0 rows: the row may be on the target`,
    );
  if (typeof row.statement !== 'string') throw new RefusedError('its STATEMENT is empty');
  const parsed = parseExceptionStatement(row.statement, table.primaryKey);
  if (parsed.table.schema !== named.schema || parsed.table.name !== named.name)
    throw new RefusedError(
      `its STATEMENT names ${displayName(parsed.table)}, not ${displayName(named)} of TABLE_OWNER/TABLE_NAME`,
    );
  if (parsed.verb !== 'UPDATE')
    throw new RefusedError(
      'a DELETE that touched nothing: the source deleted the row too (set aside, never repaired: a re-insert may still be in DMS)',
    );
  return { table, key: parsed.key };
}
