import { beforeEach, describe, expect, it } from 'vitest';
import { findRolledBackUpdates } from '../../lib/dms/rollback-evidence.js';
import { taskIdentityOf, type TaskIdentity } from '../../lib/dms/task-attribution.js';
import { DMS_USER } from '../../sim/embedded.js';
import { useEnvironment } from '../helpers/env.js';
import { clearSystemTables, recordRolledBack } from '../helpers/sim.js';

/**
 * Which rolled-back DMS UPDATEs are a task's evidence (lib/dms/rollback-evidence.ts), on statements recorded in the
 * emulated target's system tables as Redshift logs them: by `"TaskId"` when DMS's comment carries one, else by the
 * task's table names as whole tokens.
 */

const env = useEnvironment('rollback_evidence');
const RENTAL: TaskIdentity = taskIdentityOf({
  name: 'pagila',
  arn: 'arn:aws:dms:us-east-1:123456789012:task:PAGILA',
  tables: [{ target: { schema: 'public', name: 'rental' } }],
});
const SINCE = new Date('2026-05-01T11:00:00Z');
let at = new Date('2026-05-01T12:00:00Z').getTime();

const update = (table: string, comment = '') =>
  `${comment}UPDATE ${table} SET "x" = "public"."awsdms_changes1"."col2" WHERE ${table}."rental_id" = 5`;

/** Records a rolled-back UPDATE by the DMS user, one second after the previous one. */
async function rolledBack(text: string): Promise<void> {
  await recordRolledBack(env().targetAdmin, text, new Date((at += 1000)));
}

async function texts(task?: TaskIdentity, limit = 20): Promise<string[]> {
  const r = await findRolledBackUpdates(env().target, DMS_USER, SINCE, limit, task);
  return r.updates.map((u) => u.text);
}

beforeEach(async () => {
  await clearSystemTables(env().targetAdmin);
});

describe('rolled-back UPDATEs attributed to a task', () => {
  it.each<[string, string, boolean]>([
    ['its table, no TaskId', update('public.rental'), true],
    ['its table, quoted', update('"public"."rental"'), true],
    ['another task on a longer table name', update('public.rental_archive'), false],
    ['a quoted longer table name', update('"public"."rental_archive"'), false],
    ['its TaskId (the identifier)', update('public.rental', '/* {"TaskId":"pagila"} */ '), true],
    ['its TaskId (the ARN resource id)', update('public.rental', '/* {"TaskId":"PAGILA"} */ '), true],
    ["another task's TaskId on its table", update('public.rental', '/* {"TaskId":"archive"} */ '), false],
    ["another task's TaskId on rental_archive", update('public.rental_archive', '/* {"TaskId":"archive"} */ '), false],
  ])('%s', async (_name, text, ours) => {
    await rolledBack(text);
    expect(await texts(RENTAL)).toEqual(ours ? [text] : []);
    expect(await texts()).toEqual([text]);
  });

  it("other tasks' newer rollbacks do not use up the limit", async () => {
    const mine = update('public.rental');
    await rolledBack(mine);
    for (let i = 0; i < 5; i++) await rolledBack(update('public.rental_archive'));
    expect(await texts(RENTAL, 3)).toEqual([mine]);
    expect(await texts(undefined, 3)).not.toContain(mine);
  });

  it('keeps newest first among several of its own', async () => {
    const first = update('public.rental', '/* {"TaskId":"PAGILA"} */ ');
    const second = update('"public"."rental"');
    await rolledBack(first);
    await rolledBack(update('public.rental_archive'));
    await rolledBack(second);
    expect(await texts(RENTAL)).toEqual([second, first]);
  });
});
