import { jobs } from '../jobs/registry.js';
import type { Command } from 'commander';
import { formatBytes } from '../config/units.js';
import { runMaintenanceTick, type MaintenanceTickReport } from '../jobs/maintenance-guard/index.js';
import { runMemoryTick, type MemoryTickReport } from '../jobs/memory-guard/index.js';
import { EXIT_OK, EXIT_PROBLEM } from '../lib/errors.js';
import { selectTasks } from '../jobs/runtime.js';
import type { Hold } from '../lib/state/store.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';
import { notifyOutcome } from './notify.js';

/** A UTC instant with the machine's local time beside it. */
function both(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  return `${iso.replace('.000Z', 'Z')} (local ${d.toLocaleString()})`;
}

function renderMaintenance(r: MaintenanceTickReport & { holds?: Hold[] }): string {
  const lines: string[] = [];
  if (r.phase === 'no-cluster')
    return 'no cluster in the config (cluster.identifier): the maintenance guard has nothing to watch';
  if (r.cluster) {
    lines.push(
      `cluster ${r.cluster.identifier}: ${r.cluster.status}${r.cluster.availability ? ` / ${r.cluster.availability}` : ''}; preferred window ` +
        `${r.cluster.preferredMaintenanceWindow ?? '-'}`,
    );
    if (r.cluster.deferred.length)
      lines.push(`deferred: ${r.cluster.deferred.map((d) => `${d.start} → ${d.end}`).join(', ')}`);
  }
  if (r.window) {
    lines.push(
      `window:         ${both(r.window.start)} → ${both(r.window.end)} [${r.window.source}]`,
      `planned stop:   ${both(r.window.plannedStop)}`,
      `planned resume: ${both(r.window.plannedResume)}`,
    );
  } else lines.push('no maintenance window ahead');
  lines.push(`guard: ${r.phase}`);
  for (const a of r.actions)
    if (a.action !== 'none' || a.error)
      lines.push(`  ${a.task}: ${a.action} — ${a.result}${a.error ? ` (${a.error})` : ''}`);
  for (const a of r.alerts) lines.push(`ALERT: ${a}`);
  if (r.holds)
    lines.push(
      r.holds.length ? 'holds:' : 'holds: none',
      ...r.holds.map((h) => `  ${h.taskArn}  ${h.owner}  since ${h.createdAt.toISOString()}  ${h.reason}`),
    );
  return lines.join('\n');
}

function renderMemory(r: MemoryTickReport): string {
  const lines: string[] = [];
  for (const i of r.instances) {
    const mb = (v: number | null) => (v === null ? 'no data' : formatBytes(v));
    lines.push(
      `${i.instance}: FreeableMemory ${mb(i.freeableMemory)} (minimum ${mb(i.minimum)}, threshold ${formatBytes(i.threshold)}), SwapUsage ` +
        `${mb(i.swapUsage)}, latest datapoint ${i.latestDatapoint ?? '-'}`,
      `  restarts in the window: ${i.restartsInWindow}${i.lastRestart ? `, last at ${i.lastRestart}` : ''}; decision: ${i.decision}`,
      ...i.restarted.map((x) => `  ${x.task}: ${x.result}${x.error ? ` (${x.error})` : ''}`),
      ...i.skipped.map((x) => `  ${x.task}: skipped — ${x.reason}`),
      ...i.warnings.map((w) => `  warning: ${w}`),
    );
  }
  return lines.join('\n');
}

/** `dms-companion maintenance status|tick|stop|resume` and `memory status|tick`. */
export function registerGuards(program: Command): void {
  const m = program
    .command('maintenance')
    .description('the maintenance guard: tasks stopped around Redshift maintenance');
  m.command('status')
    .description(
      'show the next maintenance window, the planned stop and resume (UTC and local), what the guard would do now, and the holds',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt) => {
          const r = await runMaintenanceTick(rt, { dryRun: true });
          printResult({ ...r, holds: await rt.control.holds() }, g.json, renderMaintenance);
        }),
      );
    });
  m.command('tick')
    .description('run one maintenance-guard tick now (what the daemon runs every minute)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt) => {
          const r = await runMaintenanceTick(rt, { dryRun: g.dryRun ?? false });
          printResult(r, g.json, renderMaintenance);
          await notifyOutcome(rt, { job: 'maintenance-guard', report: r });
          return jobs['maintenance-guard'].isProblem(r) ? EXIT_PROBLEM : EXIT_OK;
        }),
      );
    });
  m.command('stop')
    .description('a person stops a task (or all): a hold with owner "person", never released by the toolkit')
    .option('--task <name>', 'task name or ARN (default: every task)')
    .option('--reason <text>', 'why (shown by holds)', 'stopped by a person')
    .action(async (o: { task?: string; reason: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const out = [];
          for (const t of selectTasks(config, o.task))
            out.push({
              task: t.name,
              ...(await rt.control.hold(t.arn, 'person', o.reason, { stopTimeout: config.jobs.fixer.stopTimeout })),
            });
          printResult({ stopped: out }, g.json, (r) =>
            r.stopped
              .map(
                (x) =>
                  `${x.task}: ${x.alreadyHeld ? 'already held' : x.stopped ? 'stopped' : `held (task ${x.status})`}`,
              )
              .join('\n'),
          );
        }),
      );
    });
  m.command('resume')
    .description('release the "person" hold (the task resumes only if no other hold remains and it was running before)')
    .option('--task <name>', 'task name or ARN (default: every task)')
    .action(async (o: { task?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const out = [];
          for (const t of selectTasks(config, o.task))
            out.push({ task: t.name, ...(await rt.control.release(t.arn, 'person', 'resumed by a person')) });
          printResult({ resumed: out }, g.json, (r) =>
            r.resumed.map((x) => `${x.task}: ${x.resumed ? 'resumed' : `not resumed: ${x.reason ?? ''}`}`).join('\n'),
          );
        }),
      );
    });

  const mem = program
    .command('memory')
    .description('the memory guard: tasks stopped and resumed when the replication instance runs out of memory');
  mem
    .command('status')
    .description(
      'per replication instance: FreeableMemory now, the threshold, recent restarts, and what the guard would do now',
    )
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt) => {
          printResult(await runMemoryTick(rt, { dryRun: true }), g.json, renderMemory);
        }),
      );
    });
  mem
    .command('tick')
    .description('run one memory-guard tick now (what the daemon runs every minute)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt) => {
          const r = await runMemoryTick(rt, { dryRun: g.dryRun ?? false });
          printResult(r, g.json, renderMemory);
          await notifyOutcome(rt, { job: 'memory-guard', report: r });
          return jobs['memory-guard'].isProblem(r) ? EXIT_PROBLEM : EXIT_OK;
        }),
      );
    });
}
