import type { Command } from 'commander';
import { checkAndFix, jobs, type CheckAndFixReport } from '../jobs/registry.js';
import { EXIT_OK, EXIT_PROBLEM } from '../lib/errors.js';
import { selectTasks } from '../jobs/runtime.js';
import { withRuntime } from './context.js';
import { renderFix } from './fix.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';
import { notifyOutcome } from './notify.js';

export function renderCheck(r: CheckAndFixReport): string {
  const lines: string[] = [];
  for (const t of r.tasks) {
    const e = t.evidence;
    lines.push(
      `${t.task}: ${t.status.toUpperCase()}${t.error ? ` (check failed: ${t.error})` : ''}`,
      `  window ${e.windowStart} → ${e.windowEnd}; task ${e.taskStatus}${e.heldBy.length ? ` (held by ${e.heldBy.join(', ')})` : ''}`,
      `  DMS UPDATEs ${e.dmsUpdates}, single-row ${e.singleRowUpdates} (threshold ` +
        `${e.threshold}${e.historyMedian !== undefined ? `, history median ${e.historyMedian}` : ''}), DMS statements ${e.dmsStatements} ` +
        `[${e.statementSource}]`,
      `  rolled-back DMS UPDATEs ${e.rolledBackUpdates}${e.rolledBackSource ? ` [${e.rolledBackSource}]` : ''}; CDCLatencyTarget ` +
        `${e.cdcLatencyTarget === null ? 'no datapoints' : `${e.cdcLatencyTarget.toFixed(0)} s`}`,
    );
    if (t.action === 'cooldown') lines.push(`  fixer not started: cool-down until ${t.cooldownUntil}`);
    if (t.action === 'fixer-disabled') lines.push('  fixer disabled in the config: repair by hand (dms-companion fix)');
    if (t.fix)
      lines.push(
        ...renderFix(t.fix)
          .split('\n')
          .map((l) => `  ${l}`),
      );
  }
  lines.push('', r.problems === 0 ? 'no problem left' : `${r.problems} task(s) need attention`);
  return lines.join('\n');
}

/** `dms-companion check`: one checker run now. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('look for one-by-one mode (and stalled tasks) now; start the fixer on one-by-one unless in cool-down')
    .option('--task <name>', 'only this task (name or ARN)')
    .addHelpText(
      'after',
      '\nExit codes: 0 every task ok (or repaired), 1 a task needs attention, 2 usage/config error.\nWith --dry-run the fixer only plans.',
    )
    .action(async (opts: { task?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const report = await checkAndFix(rt, { tasks: selectTasks(config, opts.task), dryRun: g.dryRun ?? false });
          printResult(report, g.json, renderCheck);
          await notifyOutcome(rt, { job: 'checker', report });
          return jobs.checker.isProblem(report) ? EXIT_PROBLEM : EXIT_OK;
        }),
      );
    });
}
