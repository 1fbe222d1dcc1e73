import type { Command } from 'commander';
import { parseQualifiedName } from '../config/schema.js';
import { CompanionError, UsageError } from '../lib/errors.js';
import { findTable, writeOptions } from '../jobs/runtime.js';
import { displayName, type QualifiedName } from '../lib/sql/quote.js';
import {
  describePlanColumns,
  describeSourceTable,
  generateDdl,
  insertStatements,
  planTable,
  readSourceRows,
  sourcePrimaryKey,
} from '../lib/typemap/index.js';
import { withRuntime } from './context.js';
import { parseKeyArg } from './key-arg.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

function tableArg(text: string): QualifiedName {
  const q = parseQualifiedName(text);
  if (!q) throw new UsageError(`--table: expected "schema.table", got ${JSON.stringify(text)}`);
  return q;
}

/** `film_id=1`, `"Key Part"="a,b"`: pairs as they could be typed back. */
function describeKey(pairs: [string, string][]): string {
  const q = (s: string) => (/^[A-Za-z0-9_.:-]+$/.test(s) ? s : `"${s.replaceAll('"', '""')}"`);
  return pairs.map(([c, v]) => `${q(c)}=${q(v)}`).join(',');
}

/** `dms-companion typemap ddl|row`: the runbook's view of the typemap. */
export function registerTypemap(program: Command): void {
  const tm = program.command('typemap').description('PostgreSQL → Redshift type translation (lib/typemap)');

  tm.command('ddl')
    .description('print the Redshift CREATE TABLE for a source table (DMS default mapping, primary key informational)')
    .requiredOption('--table <schema.table>', 'source table')
    .option('--target <schema.table>', 'target table name (default: from the config, else the source name)')
    .action(async (opts: { table: string; target?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const table = tableArg(opts.table);
          const configured = findTable(config, table);
          const target = opts.target ? tableArg(opts.target) : (configured?.table.target ?? table);
          const columns = await describeSourceTable(rt.source, table);
          const pk = configured?.table.primaryKey ?? (await sourcePrimaryKey(rt.source, table));
          const ddl = generateDdl(target, columns, pk, { mapBooleanAsBoolean: config.typemap.mapBooleanAsBoolean });
          printResult({ source: table, target, primaryKey: pk, ddl }, g.json, (r) => `${r.ddl};`);
        }),
      );
    });

  tm.command('row')
    .description(
      'print the INSERT a repair would run for one source row (reads the source, and the target column types if the table exists)',
    )
    .requiredOption('--table <schema.table>', 'source table')
    .requiredOption(
      '--key <column=value[,…]|json>',
      "the row's primary key: column=value pairs (double-quote names or values holding , = or spaces) or a JSON object",
    )
    .action(async (opts: { table: string; key: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const table = tableArg(opts.table);
          const configured = findTable(config, table);
          const pairs = parseKeyArg(opts.key);
          const keyColumns = pairs.map(([c]) => c);
          const pk = configured?.table.primaryKey ?? (await sourcePrimaryKey(rt.source, table));
          if (pk.length > 0 && (pk.length !== keyColumns.length || pk.some((c) => !keyColumns.includes(c)))) {
            throw new UsageError(`--key must name the primary key of ${displayName(table)}: ${pk.join(', ')}`);
          }
          const target = configured?.table.target ?? table;
          const plan = await planTable(rt.source, rt.target, table, target, {
            mapBooleanAsBoolean: config.typemap.mapBooleanAsBoolean,
          });
          const rows = await readSourceRows(rt.source, plan, keyColumns, [pairs.map(([, v]) => v)]);
          if (rows.length === 0)
            throw new CompanionError(`no row with ${describeKey(pairs)} in source table ${displayName(table)}`);
          const statements = insertStatements(plan, rows, keyColumns, writeOptions(config.typemap), rt.statementBudget);
          printResult(
            {
              source: table,
              target,
              targetExists: plan.targetExists,
              key: Object.fromEntries(pairs),
              columns: describePlanColumns(plan.columns),
              skipped: plan.skipped,
              statements,
            },
            g.json,
            (r) =>
              [
                `-- ${displayName(r.source)} → ${displayName(r.target)} ` +
                  `(${r.targetExists ? 'target column types' : 'target table missing: DMS default mapping'})`,
                ...r.columns.map((c) => `--   ${c}`),
                ...(r.skipped.length ? [`-- not on the target, not written: ${r.skipped.join(', ')}`] : []),
                ...r.statements.map((s) => `${s};`),
              ].join('\n'),
          );
        }),
      );
    });
}
