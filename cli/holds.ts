import type { Command } from 'commander';
import type { Hold } from '../lib/state/store.js';
import { selectTasks } from '../jobs/runtime.js';
import { withRuntime } from './context.js';
import { printResult, runCommand, type GlobalOptions } from './output.js';

/** `dms-companion holds` and `holds release`. */
export function registerHolds(program: Command): void {
  const holds = program
    .command('holds')
    .description(
      'list the holds on replication tasks: who stopped which task, why, until when, its state (stop-requested, stopping, held, ' +
        'resume-pending) and the last transition',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const list = await rt.control.holds();
          const names = new Map(config.tasks.map((t) => [t.arn, t.name]));
          printResult({ holds: list.map((h) => ({ ...h, task: names.get(h.taskArn) ?? h.taskArn })) }, g.json, (r) =>
            r.holds.length === 0
              ? 'no holds'
              : r.holds
                  .map(
                    (h: Hold & { task: string }) =>
                      `${h.task}  ${h.owner}  ${h.state}  since ${h.createdAt.toISOString()}${h.until ? `  until ${h.until.toISOString()}` : ''}  ` +
                      `${h.reason}\n    last transition ${h.stateAt?.toISOString() ?? '?'}: ${h.stateDetail ?? h.state}`,
                  )
                  .join('\n'),
          );
        }),
      );
    });

  holds
    .command('release')
    .description(
      'release a hold (a person clearing one); the task is resumed only when no other hold remains and it was running before the first hold',
    )
    .requiredOption('--task <name>', 'task name or ARN')
    .requiredOption('--owner <owner>', "the hold's owner (fixer, maintenance, memory, person, …)")
    .action(async (opts: { task: string; owner: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await runCommand(g.json, () =>
        withRuntime(g, async (rt, config) => {
          const [task] = selectTasks(config, opts.task);
          const r = await rt.control.release(task!.arn, opts.owner, 'released by a person (holds release)');
          printResult({ task: task!.name, owner: opts.owner, ...r }, g.json, (x) =>
            !x.released
              ? `no hold by ${x.owner} on ${x.task}`
              : `released ${x.owner}'s hold on ${x.task}; ${x.resumed ? 'task resumed' : `task not resumed: ${x.reason}`}`,
          );
          return r.released ? 0 : 1;
        }),
      );
    });
}
