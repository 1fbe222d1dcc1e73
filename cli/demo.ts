import { InvalidArgumentError, type Command } from 'commander';
import type { ReplicationDemoReport } from '../sim/demo.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

function positiveNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function render(r: ReplicationDemoReport): string {
  const lines = [
    '',
    `replicated ${r.changesApplied} of ${r.changesCaptured} captured changes in ${r.batches} batches${r.oneByOneStatements ? ` and ${r.oneByOneStatements} one-by-one statements` : ''} (seed ${r.seed}, ${r.durationSeconds} s)`,
  ];
  if (r.faults.length) lines.push('', 'faults injected:', ...r.faults.map((f) => `  ${f.injectedAt.toISOString()}  ${f.kind}${f.table ? ` ${f.table}` : ''}${f.key ? ` key ${f.key.join(',')}` : ''}${f.detail ? ` (${f.detail})` : ''}`));
  lines.push('', 'source vs target (through the typemap):', `  ${'table'.padEnd(18)} ${'source'.padStart(7)} ${'target'.padStart(7)} ${'missing'.padStart(8)} ${'extra'.padStart(6)}`);
  for (const t of r.tables) lines.push(`  ${t.table.padEnd(18)} ${String(t.sourceRows).padStart(7)} ${String(t.targetRows).padStart(7)} ${String(t.missing).padStart(8)} ${String(t.extra).padStart(6)}`);
  lines.push('', r.targetEqualsSource ? 'target equals source' : 'target DIFFERS from source');
  return lines.join('\n');
}

/**
 * `dms-companion demo`: the embedded environment (Pagila source, emulated Redshift target), the
 * simulated replication task with a seeded workload, a live status line, and at the end the
 * source-vs-target difference per table.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the simulated replication on the embedded environment (Pagila → emulated Redshift) with a live status, then compare source and target')
    .option('--duration <seconds>', 'how long the workload runs', positiveNumber('--duration'), 60)
    .option('--seed <n>', 'seed of the workload', positiveNumber('--seed'), 1)
    .option('--rate <changes/s>', 'changes per second', positiveNumber('--rate'), 50)
    .addHelpText('after', '\nExit codes: 0 target equals source at the end, 1 it does not, 2 usage error.')
    .action(async (opts: { duration: number; seed: number; rate: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const tty = process.stderr.isTTY;
      let lastPrinted = 0;
      const onStatus = (line: string) => {
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (Date.now() - lastPrinted >= 5000) {
          lastPrinted = Date.now();
          process.stderr.write(`${line}\n`);
        }
      };
      await runCommand(g.json, async () => {
        if (!g.json) process.stderr.write(`starting the embedded environment and the simulated task (${opts.duration} s at ${opts.rate} changes/s)…\n`);
        const { runReplicationDemo } = await import('../sim/demo.js');
        const report = await runReplicationDemo({ duration: opts.duration, seed: opts.seed, rate: opts.rate, onStatus: g.json ? undefined : onStatus });
        if (tty && !g.json) process.stderr.write('\n');
        printResult(report, g.json, render);
        return report.targetEqualsSource ? 0 : 1;
      });
    });
}
