import { describe, expect, it } from 'vitest';
import { taskCondition, type TaskIdentity } from '../../lib/dms/task-attribution.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * Which task a DMS statement is attributed to (lib/dms/task-attribution.ts), evaluated by the emulated
 * target itself (the condition is Redshift SQL, behind the dialect gate).
 */

const env = useEnvironment('task_attribution');

const RENTAL: TaskIdentity = { ids: ['pagila', 'PAGILA'], tables: [{ schema: 'public', name: 'rental' }] };
const ODD: TaskIdentity = { ids: ['t.1'], tables: [{ schema: 'sales', name: 'order$lines' }] };

async function matches(task: TaskIdentity, text: string): Promise<boolean> {
  const c = taskCondition('t.text', task, 2);
  const r = await env().target.query<{ hit: boolean }>(
    `SELECT ${c.sql} AS hit FROM (SELECT CAST($1 AS VARCHAR(4000)) AS text) t`,
    [text, ...c.params],
  );
  return r.rows[0]!.hit;
}

describe('task attribution of DMS statement text', () => {
  it.each<[string, TaskIdentity, string, boolean]>([
    ['unquoted name', RENTAL, 'UPDATE public.rental SET x = 1 WHERE rental_id = 5', true],
    ['quoted name', RENTAL, 'UPDATE "public"."rental" SET "x" = 1', true],
    ['upper case', RENTAL, 'DELETE FROM PUBLIC.RENTAL WHERE rental_id = 5', true],
    ['a longer table name is another table', RENTAL, 'UPDATE public.rental_archive SET x = 1', false],
    ['a quoted longer name too', RENTAL, 'UPDATE "public"."rental_archive" SET x = 1', false],
    ['a prefix is another table', RENTAL, 'UPDATE public.old_rental SET x = 1', false],
    ['another schema', RENTAL, 'UPDATE archive.rental SET x = 1', false],
    ['at the very end', RENTAL, 'TRUNCATE public.rental', true],
    ['followed by a parenthesis', RENTAL, 'INSERT INTO public.rental(rental_id) VALUES (1)', true],
    [
      'TaskId of this task wins over table names',
      RENTAL,
      '/* {"TaskId":"PAGILA"} */ UPDATE public.other SET x = 1',
      true,
    ],
    [
      'TaskId of another task wins over table names',
      RENTAL,
      '/* {"TaskId": "OTHER"} */ UPDATE public.rental SET x = 1',
      false,
    ],
    ['regex characters in names are literal', ODD, 'UPDATE sales.order$lines SET x = 1', true],
    ['a dot is not any character', ODD, 'UPDATE salesXorder$lines SET x = 1', false],
    ['regex characters in task ids are literal', ODD, '/* "TaskId":"t.1" */ UPDATE x.y SET a = 1', true],
    ['the task id dot is literal', ODD, '/* "TaskId":"tX1" */ UPDATE sales.order$lines SET a = 1', false],
  ])('%s', async (_name, task, text, expected) => {
    expect(await matches(task, text)).toBe(expected);
  });
});
