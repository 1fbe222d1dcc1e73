import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../config/units.js';
import { historyView, type HistoryView } from '../jobs/history/model.js';
import { readStateHistory, taskNames } from '../jobs/history/read.js';
import { renderHistory } from '../jobs/history/render.js';
import { readSnapshot, snapshotSince } from '../jobs/history/snapshot.js';
import { selectTasks } from '../jobs/runtime.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

function duration(v: string): number {
  const s = parseDuration(v);
  if (s === undefined || s <= 0) throw new InvalidArgumentError('--since expects a duration like "24h", "90m" or "7d"');
  return s;
}

interface HistoryOptions {
  since: number;
  task?: string;
  markdown?: boolean;
  stateFile?: string;
}

/**
 * `dms-companion history`: what the companion did — runs per job, a timeline of holds, repairs (table, keys,
 * evidence) and runs that did not end ok, and gap-filling's result per table and day — read from the state store
 * (or from a state snapshot the demo wrote).
 */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description(
      'what the companion did: runs, holds, repairs with their evidence, gap-filling per day (from the state store)',
    )
    .option('--since <duration>', 'how far back (e.g. 24h, 90m, 7d)', duration, 24 * 3600)
    .option('--task <name>', 'only this task (name or ARN)')
    .option('--markdown', 'print Markdown (for a ticket or a post-mortem)')
    .option(
      '--state-file <file>',
      'read a state snapshot (the demo prints its path) instead of the state store; no config needed',
    )
    .addHelpText(
      'after',
      '\nExample: dms-companion history --since 24h --task app-to-redshift --markdown\nExit codes: 0 ok, 2 usage/config error.',
    )
    .action(async (opts: HistoryOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, async () => {
        let view: HistoryView;
        let note: string | undefined;
        if (opts.stateFile) {
          const s = readSnapshot(opts.stateFile);
          const since = snapshotSince(s, opts.since, new Date());
          const arn = opts.task
            ? Object.entries(s.tasks).find(([a, n]) => n === opts.task || a === opts.task)?.[0]
            : undefined;
          if (opts.task && !arn) throw new InvalidArgumentError(`--task ${opts.task}: no such task in the snapshot`);
          const h = s.history;
          view = historyView(
            {
              since: since > h.since ? since : h.since,
              runs: h.runs.filter((r) => r.startedAt >= since && (!arn || !r.taskArn || r.taskArn === arn)),
              holds: h.holds.filter(
                (x) => (!arn || x.taskArn === arn) && (x.createdAt >= since || !x.releasedAt || x.releasedAt >= since),
              ),
              repairs: h.repairs.filter((r) => r.at >= since && (!arn || r.taskArn === arn)),
            },
            new Map(Object.entries(s.tasks)),
            new Date(s.takenAt),
          );
          if (s.clock.speed !== 1)
            note = `state snapshot ${opts.stateFile}: simulated times (the demo's clock ran ${s.clock.speed}× real time; --since is real time)`;
        } else {
          view = await withRuntime(g, async (rt, config) => {
            const task = opts.task ? selectTasks(config, opts.task)[0] : undefined;
            const now = rt.clock.now();
            const h = await readStateHistory(rt.state, new Date(now.getTime() - opts.since * 1000), task?.arn);
            return historyView(h, taskNames(config), now);
          });
        }
        printResult(view, g.json, (v) => renderHistory(v, { markdown: opts.markdown ?? false, note }));
      });
    });
}
