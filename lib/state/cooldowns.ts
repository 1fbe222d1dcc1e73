import type { SqlExecutor } from '../sql/client.js';
import { Params, parseTs } from './params.js';
import type { StateTables } from './tables.js';

/** The end of the task's cool-down for `job`, if it still runs at `now` (UTC). */
export async function selectCooldownUntil(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  job: string,
  now: Date,
): Promise<Date | undefined> {
  const p = new Params();
  const r = await exec.query<{ until_at: unknown }>(
    `SELECT max(until_at) AS until_at FROM ${t.table('cooldowns')} WHERE task_arn = ${p.add(taskArn)} AND job = ${p.add(job)} AND until_at > ${p.add(now)}`,
    p.values,
  );
  return parseTs(r.rows[0]?.until_at);
}

export async function insertCooldown(
  exec: SqlExecutor,
  t: StateTables,
  taskArn: string,
  job: string,
  until: Date,
  reason: string,
): Promise<void> {
  const p = new Params();
  await exec.query(
    `INSERT INTO ${t.table('cooldowns')} (task_arn, job, until_at, reason) VALUES (${p.add(taskArn)}, ${p.add(job)}, ${p.add(until)}, ${p.add(reason)})`,
    p.values,
  );
}
