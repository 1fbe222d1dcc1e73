import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FixerReport } from '../jobs/fixer/index.js';
import { jobs } from '../jobs/registry.js';
import { explainJson, parseApplyUpdate } from '../lib/dms/apply-update.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../lib/errors.js';
import { selectTasks } from '../jobs/runtime.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';
import { notifyOutcome } from './notify.js';

const keyList = (keys: string[][], max = 10) =>
  `${keys
    .slice(0, max)
    .map((k) => k.join(','))
    .join('; ')}${keys.length > max ? ` … (${keys.length} in all)` : ''}`;

export function renderFix(r: FixerReport): string {
  const lines = [`fixer ${r.task}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}${r.dryRun ? ' (dry run)' : ''}`];
  if (r.attempts && !r.evidence)
    lines.push(`  evidence sources: ${r.attempts.map((a) => `${a.source} ${a.outcome}`).join(', ')}`);
  if (r.evidence?.kind === 'apply-exceptions')
    lines.push(
      `  evidence: ${r.evidence.rows} apply exception row(s) since ${r.evidence.since} (${r.evidence.schemas.join(', ')}); ` +
        `${r.evidence.refused.length} not used; the changes table was not: ${r.evidence.changesTable}`,
    );
  if (r.evidence?.kind === 'changes-table') {
    const s = r.evidence.statement as {
      seqColumn: string;
      seqFrom: number;
      seqTo: number;
      changesTable: { schema: string; name: string };
    };
    lines.push(
      `  rolled-back UPDATE: query ${r.evidence.queryId}, xid ${r.evidence.xid}, ${r.evidence.startTime} [from ${r.evidence.source}]`,
      `  ${r.table ?? ''} ← ${s.changesTable.schema}.${s.changesTable.name}, ${s.seqColumn} ${s.seqFrom}–${s.seqTo}, ${r.changesRows ?? 0} change row(s)`,
    );
  }
  if (r.missing.length) lines.push(`  missing on the target: ${keyList(r.missing)}`);
  if (r.duplicated.length) lines.push(`  present more than once on the target: ${keyList(r.duplicated)}`);
  if (r.missingAtSource.length) lines.push(`  missing on the source too (not invented): ${keyList(r.missingAtSource)}`);
  if (r.plannedStatements)
    lines.push('  would run:', ...r.plannedStatements.map((s) => `    ${s.length > 400 ? `${s.slice(0, 400)}…` : s};`));
  if (r.inserted.length) lines.push(`  inserted: ${keyList(r.inserted)}`);
  if (r.alreadyPresent.length)
    lines.push(`  already present at the re-check (not written): ${keyList(r.alreadyPresent)}`);
  if (r.hold.stopped || r.hold.resumed)
    lines.push(
      `  task ${r.hold.stopped ? 'stopped' : 'not stopped'}, ${r.hold.resumed ? 'resumed' : `not resumed${r.hold.note ? ` (${r.hold.note})` : ''}`}`,
    );
  if (r.cooldownUntil) lines.push(`  cool-down until ${r.cooldownUntil}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** `dms-companion fix` and `fix explain`. */
export function registerFix(program: Command): void {
  const fix = program
    .command('fix')
    .description(
      'repair the rows missing behind the latest rolled-back DMS UPDATE (stops and resumes the task); --dry-run prints the plan',
    )
    .option('--task <name>', 'only this task (name or ARN)')
    .addHelpText(
      'after',
      '\nExit codes: 0 repaired or nothing to repair, 1 a problem it could not fix, 2 usage/config error.',
    )
    .action(async (opts: { task?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const report = await jobs.fixer.run(rt, { tasks: selectTasks(config, opts.task), dryRun: g.dryRun ?? false });
          printResult({ results: report.runs }, g.json, (r) => r.results.map(renderFix).join('\n\n'));
          await notifyOutcome(rt, { job: 'fixer', report });
          return jobs.fixer.isProblem(report) ? EXIT_PROBLEM : EXIT_OK;
        }),
      );
    });

  fix
    .command('explain')
    .description(
      'parse a DMS apply UPDATE (as copied from stl_query or a log) and print its target table, changes table, seq range and key pairs',
    )
    .requiredOption('--statement-file <file>', 'file holding the statement text ("-" for standard input)')
    .addHelpText(
      'after',
      '\nNeeds no config and no database. Exit codes: 0 parsed, 1 refused: not an apply UPDATE whose every condition it understands (the reason is printed).',
    )
    .action(async (opts: { statementFile: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () => {
        let text: string;
        try {
          text = readFileSync(opts.statementFile === '-' ? 0 : opts.statementFile, 'utf8');
        } catch (err) {
          throw new UsageError(`--statement-file: cannot read ${opts.statementFile}: ${(err as Error).message}`);
        }
        const p = explainJson(parseApplyUpdate(text.replace(/\\n/g, '\n')));
        printResult(p, g.json, (x) => {
          const e = x as {
            targetTable: { schema: string; name: string };
            changesTable: { schema: string; name: string };
            seqColumn: string;
            seqFrom: number;
            seqTo: number;
            keyPairs: { targetColumn: string; changesColumn: string }[];
            filters: { changesColumn: string; value: string }[];
            conditions: number;
            comment?: string;
          };
          return [
            `target table   ${e.targetTable.schema}.${e.targetTable.name}`,
            `changes table  ${e.changesTable.schema}.${e.changesTable.name}`,
            `seq range      ${e.seqColumn} ${e.seqFrom}–${e.seqTo}`,
            `key pairs      ${e.keyPairs.map((k) => `${k.targetColumn} = ${k.changesColumn}`).join(', ')}`,
            ...(e.filters.length
              ? [`filters        ${e.filters.map((f) => `${f.changesColumn} = '${f.value}'`).join(', ')}`]
              : []),
            `conditions     ${e.conditions}, every one understood`,
            ...(e.comment
              ? [`comment        ${e.comment.length > 120 ? `${e.comment.slice(0, 120)}…` : e.comment}`]
              : []),
          ].join('\n');
        });
      });
    });
}
