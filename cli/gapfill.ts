import { jobs } from '../jobs/registry.js';
import type { Command } from 'commander';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { dayList, parseDay, runGapfill, type GapfillReport } from '../jobs/gapfill/index.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError } from '../lib/errors.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';
import { notifyOutcome } from './notify.js';

const keys = (ks: string[][], max = 8) =>
  ks.length === 0
    ? '-'
    : `${ks
        .slice(0, max)
        .map((k) => k.join(','))
        .join(' ')}${ks.length > max ? ` … (${ks.length})` : ''}`;

export function renderGapfill(r: GapfillReport): string {
  if (r.results.length === 0) return 'nothing to do: every day up to yesterday has been reconciled';
  const head =
    `${'table'.padEnd(20)} ${'day'.padEnd(10)} ${'status'.padEnd(11)} ${'rows'.padStart(10)} ${'missing'.padStart(7)} ` +
    `${'extra'.padStart(6)} ${'dup'.padStart(5)} ${'stale'.padStart(6)} ${'repaired'.padStart(8)} ${'queries'.padStart(7)} ${'read'.padStart(9)} ` +
    `${'time'.padStart(7)}`;
  const lines = [head];
  for (const x of r.results) {
    const repaired = x.repaired.inserted + x.repaired.replaced + x.repaired.deleted + x.repaired.deduped;
    lines.push(
      `${x.table.padEnd(20)} ${x.day.padEnd(10)} ${x.status.padEnd(11)} ${String(x.rowsCompared).padStart(10)} ${String(x.missing.length).padStart(7)} ` +
        `${String(x.extra.length).padStart(6)} ${String(x.duplicated.length).padStart(5)} ${String(x.stale.length).padStart(6)} ` +
        `${String(repaired).padStart(8)} ${String(x.queries).padStart(7)} ${`${(x.bytesRead / 1024).toFixed(0)} KiB`.padStart(9)} ` +
        `${`${(x.durationMs / 1000).toFixed(1)} s`.padStart(7)}`,
    );
  }
  lines.push('');
  for (const t of r.tables) {
    lines.push(
      `${t.table}: ${t.days} day(s), ${t.rowsCompared} rows compared, ${t.missing} missing, ${t.extra} extra, ${t.duplicated} duplicated, ` +
        `${t.stale} stale, ${t.repaired} repaired, ${t.problems} problem day(s), ${t.queries} queries, ${(t.durationMs / 1000).toFixed(1)} s`,
    );
  }
  for (const x of r.results) {
    const detail = [
      x.modeReason ? `  mode ${x.mode ?? ''}: ${x.modeReason}` : '',
      x.missing.length ? `  missing: ${keys(x.missing)}` : '',
      x.extra.length ? `  extra: ${keys(x.extra)}` : '',
      x.duplicated.length ? `  duplicated: ${keys(x.duplicated)}` : '',
      x.stale.length ? `  stale: ${keys(x.stale)}` : '',
      ...x.warnings.map((w) => `  warning: ${w}`),
      x.error ? `  error: ${x.error}` : '',
    ].filter(Boolean);
    if (detail.length) lines.push('', `${x.table} ${x.day}:`, ...detail);
  }
  return lines.join('\n');
}

/** `dms-companion gapfill`: reconcile each UTC day's primary-key range and backfill. */
export function registerGapfill(program: Command): void {
  program
    .command('gapfill')
    .description(
      "reconcile each UTC day's primary-key range between source and target and backfill what is missing (default: the days since the last run, up to " +
        'yesterday)',
    )
    .option('--table <schema.table>', 'only this table')
    .option('--day <YYYY-MM-DD>', 'only this UTC day')
    .option('--from <YYYY-MM-DD>', 'first UTC day of a span (with --to)')
    .option('--to <YYYY-MM-DD>', 'last UTC day of a span (with --from)')
    .option(
      '--all',
      'compare each table whole (every row, any key; every configured table, or --table only), not by day',
    )
    .option('--delete-extra', 'delete target rows the source does not have (default: report them)')
    .option('--dedupe', 'replace keys present more than once on the target by the source row (default: report them)')
    .addHelpText(
      'after',
      '\nA day is compared as one key range when keys grow with the day column, else by the day column and a hash of the key (the report ' +
        'says which mode ran and why). Exit codes: 0 no difference left, 1 differences left or a failure, 2 usage/config ' +
        'error.\n--dry-run compares and prints the plan without writing.',
    )
    .action(
      async (
        opts: {
          table?: string;
          day?: string;
          from?: string;
          to?: string;
          all?: boolean;
          deleteExtra?: boolean;
          dedupe?: boolean;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        await runCommand(g.json, () =>
          withRuntime(g, async (rt) => {
            if (opts.day && (opts.from || opts.to)) throw new UsageError('use either --day or --from/--to');
            if (opts.all && (opts.day || opts.from))
              throw new UsageError('--all compares whole tables: no --day or --from/--to');
            if (Boolean(opts.from) !== Boolean(opts.to)) throw new UsageError('--from and --to go together');
            if (opts.day) parseDay(opts.day);
            const days = opts.day ? [opts.day] : opts.from && opts.to ? dayList(opts.from, opts.to) : undefined;
            // One display: a bar per table being compared (tables run side by side).
            const bars =
              process.stderr.isTTY && !g.json
                ? new MultiBar(
                    {
                      format: '{table} {day} {phase} [{bar}] {value}/{total}',
                      stream: process.stderr,
                      clearOnComplete: true,
                    },
                    Presets.shades_classic,
                  )
                : undefined;
            const running = new Map<string, SingleBar>();
            const report = await runGapfill(rt, {
              table: opts.table,
              days,
              all: opts.all,
              dryRun: g.dryRun ?? false,
              deleteExtra: opts.deleteExtra,
              dedupe: opts.dedupe,
              onProgress: bars
                ? (table, day, p) => {
                    const bar = running.get(table) ?? bars.create(p.total, 0);
                    running.set(table, bar);
                    bar.setTotal(p.total);
                    bar.update(p.done, { table, day, phase: p.phase });
                  }
                : undefined,
            });
            bars?.stop();
            printResult(report, g.json, renderGapfill);
            await notifyOutcome(rt, { job: 'gapfill', report });
            return jobs.gapfill.isProblem(report) ? EXIT_PROBLEM : EXIT_OK;
          }),
        );
      },
    );
}
