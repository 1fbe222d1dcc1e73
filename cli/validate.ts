import type { Command } from 'commander';
import { runValidate, type ValidateReport } from '../jobs/gapfill/validate.js';
import { EXIT_OK, EXIT_PROBLEM } from '../lib/errors.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

export function renderValidate(r: ValidateReport): string {
  const head =
    `${'table'.padEnd(22)} ${'status'.padEnd(11)} ${'mode'.padEnd(11)} ${'rows'.padStart(10)} ${'missing'.padStart(7)} ` +
    `${'extra'.padStart(6)} ${'dup'.padStart(5)} ${'stale'.padStart(6)} ${'time'.padStart(7)}`;
  const lines = [head];
  for (const x of r.tables) {
    const d = x.differences;
    lines.push(
      `${x.table.padEnd(22)} ${x.status.padEnd(11)} ${(x.mode ?? '-').padEnd(11)} ${String(x.rowsCompared).padStart(10)} ` +
        `${String(d.missing).padStart(7)} ${String(d.extra).padStart(6)} ${String(d.duplicated).padStart(5)} ${String(d.stale).padStart(6)} ` +
        `${`${(x.durationMs / 1000).toFixed(1)} s`.padStart(7)}`,
    );
  }
  for (const x of r.tables) {
    const detail = [
      x.modeReason ? `  mode: ${x.modeReason}` : '',
      ...(['missing', 'extra', 'duplicated', 'stale'] as const).map((c) =>
        x.samples[c].length ? `  ${c}: ${x.samples[c].map((k) => k.join(',')).join(' ')}` : '',
      ),
      ...x.warnings.map((w) => `  warning: ${w}`),
      x.error ? `  error: ${x.error}` : '',
    ].filter(Boolean);
    if (detail.length) lines.push('', `${x.table}:`, ...detail);
  }
  return lines.join('\n');
}

/** `dms-companion validate`: every configured table compared whole, read only. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'compare every configured table whole between source and target (rows compared, differences by class); writes nothing',
    )
    .option('--table <schema.table>', 'only this table')
    .addHelpText('after', '\nExit codes: 0 every table identical, 1 differences or a failure, 2 usage/config error.')
    .action(async (opts: { table?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt) => {
          const report = await runValidate(rt, { table: opts.table });
          printResult(report, g.json, renderValidate);
          return report.problems > 0 ? EXIT_PROBLEM : EXIT_OK;
        }),
      );
    });
}
