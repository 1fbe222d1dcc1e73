import { describeGapTable, type GapTable } from '../../jobs/gapfill/table.js';
import type { SqlClient } from '../../lib/sql/client.js';
import type { Environment } from '../../sim/embedded.js';
import { parsedEnvConfig } from './config.js';

/**
 * `public.<name>` (key `id`, day column `d`) as gap-filling describes it, in a config of one task on `env`.
 * @param o.target the target client (default: the environment's); o.needDay as `describeGapTable`'s (default true)
 */
export function gapTable(
  env: Environment,
  name: string,
  o: { target?: SqlClient; needDay?: boolean } = {},
): Promise<GapTable> {
  const tables = [{ source: `public.${name}`, primaryKey: ['id'], dayColumn: 'd' }];
  const arn = 'arn:aws:dms:us-east-1:123456789012:task:GAPTABLE';
  const config = parsedEnvConfig(env, { tasks: [{ name: 'gt', arn, replicationInstance: 'ri', tables }] });
  const task = config.tasks[0]!;
  return describeGapTable(env.source, o.target ?? env.target, task, task.tables[0]!, o.needDay ?? true);
}
