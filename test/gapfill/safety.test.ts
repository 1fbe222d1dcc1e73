import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runGapfill } from '../../jobs/gapfill/index.js';
import type { JobDeps } from '../../jobs/runtime.js';
import { ManualClock } from '../../lib/clock.js';
import type { SqlClient } from '../../lib/sql/client.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { envDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';

/**
 * Gap-filling never makes the target worse: hand-made tables (no simulator), and "DMS" acting on
 * the target between the comparison and the repair's lock (the target client's first transaction
 * runs the race first).
 */
const env = useEnvironment('gapfill_safety');
const cw = mockClient(CloudWatchClient);
const clock = new ManualClock('2026-05-10T12:00:00Z');
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:SAFE';
const DAY = '2026-05-01';
let n = 0;

beforeEach(() => {
  cw.reset();
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [{ Id: 'm0', Timestamps: [clock.now()], Values: [30], StatusCode: 'Complete' }],
  });
});

/** A fresh table on both sides (`id`, day column `d`, version `v`, `note`), rows 1..20 on 2026-05-01. */
async function table(noteType = 'varchar(65535)'): Promise<string> {
  const name = `public.gs_${++n}`;
  for (const [admin, type, grant] of [
    [env().sourceAdmin, 'text', 'SELECT'],
    [env().targetAdmin, noteType, 'SELECT, INSERT, DELETE'],
  ] as const) {
    await admin.query(
      `CREATE TABLE ${name} (id bigint PRIMARY KEY, d timestamptz NOT NULL, v timestamptz, note ${type})`,
    );
    await admin.query(
      `INSERT INTO ${name} SELECT g, '2026-05-01 00:00:00+00'::timestamptz + g * interval '1 h', '2026-05-01 12:00:00+00', 'n' || g ` +
        `FROM generate_series(1, 20) g`,
    );
    await admin.query(`GRANT ${grant} ON ${name} TO ${COMPANION_USER}`);
  }
  return name;
}

function deps(name: string, typemap: Record<string, unknown> = {}): JobDeps {
  const config = parsedEnvConfig(env(), {
    tasks: [
      {
        name: 'safe',
        arn: ARN,
        replicationInstance: 'ri',
        tables: [{ source: name, primaryKey: ['id'], dayColumn: 'd', versionColumn: 'v' }],
      },
    ],
    typemap,
  });
  return envDeps(env(), config, clock);
}

/** The target client, with `race` run once just before its first transaction (the repair's lock). */
function beforeFirstLock(deps: JobDeps, race: () => Promise<void>): void {
  const target = deps.target;
  let fired = false;
  const raced: SqlClient = Object.create(target) as SqlClient;
  raced.transaction = async (fn) => {
    if (!fired) {
      fired = true;
      await race();
    }
    return target.transaction(fn);
  };
  deps.target = raced;
}

const rows = async (admin: 'sourceAdmin' | 'targetAdmin', name: string, id: number) =>
  (
    await env()[admin].query<{ v: Date; note: string }>(`SELECT v, note FROM ${name} WHERE id = $1 ORDER BY v`, [id])
  ).rows.map((r) => `${r.v.toISOString()} ${r.note}`);

describe('gapfill: refused rows are skipped, never blocking', () => {
  it('backfills a day holding an infinite date and a 65,536-byte text: those two reported, the other rows written', async () => {
    const name = await table();
    await env().targetAdmin.query(`DELETE FROM ${name} WHERE id BETWEEN 3 AND 12`);
    await env().sourceAdmin.query(`UPDATE ${name} SET v = 'infinity' WHERE id = 4`);
    await env().sourceAdmin.query(`UPDATE ${name} SET note = repeat('x', 65536) WHERE id = 9`);
    const r = await runGapfill(deps(name, { infinity: 'error' }), { days: [DAY], dryRun: false });
    const day = r.results[0]!;
    expect(day.error).toBeUndefined();
    expect(day.repaired.inserted).toBe(8);
    expect(day.refused!.map((x) => [x.table, x.key, x.column])).toEqual([
      [name, 'id=4', 'v'],
      [name, 'id=9', 'note'],
    ]);
    expect(day.warnings.filter((w) => w.includes('(skipped)'))).toHaveLength(2);
    const ids = await env().targetAdmin.query<{ i: string }>(`SELECT id::text AS i FROM ${name} ORDER BY id`);
    expect(ids.rows.map((x) => Number(x.i))).toEqual([1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });
});

describe('gapfill: races with DMS before the lock', () => {
  it('DMS applies a newer version before the lock: the repair never puts the older one back', async () => {
    const name = await table();
    // A missed UPDATE: the target is stale (v 12:00), the source at 13:00.
    await env().sourceAdmin.query(`UPDATE ${name} SET v = '2026-05-01 13:00:00+00', note = 'second' WHERE id = 7`);
    const d = deps(name);
    beforeFirstLock(d, async () => {
      // Meanwhile the source moves on and DMS applies that newer version to the target.
      const newer = `v = '2026-05-01 14:00:00+00', note = 'third'`;
      await env().sourceAdmin.query(`UPDATE ${name} SET ${newer} WHERE id = 7`);
      await env().targetAdmin.query(`UPDATE ${name} SET ${newer} WHERE id = 7`);
    });
    const r = await runGapfill(d, { days: [DAY], dryRun: false });
    expect(r.results[0]!.stale).toEqual([['7']]);
    expect(await rows('targetAdmin', name, 7)).toEqual(['2026-05-01T14:00:00.000Z third']);
    expect(await rows('targetAdmin', name, 7)).toEqual(await rows('sourceAdmin', name, 7));
  });

  it('--delete-extra: a row deleted and re-inserted on the source meanwhile (DMS applied both) is kept', async () => {
    const name = await table();
    await env().sourceAdmin.query(`DELETE FROM ${name} WHERE id = 11`); // a missed DELETE: extra on the target
    const d = deps(name);
    beforeFirstLock(d, async () => {
      // DMS delivers the DELETE late, then the source re-inserts the key and DMS applies that INSERT.
      await env().targetAdmin.query(`DELETE FROM ${name} WHERE id = 11`);
      const back = `(11, '2026-05-01 11:00:00+00', '2026-05-01 15:00:00+00', 'back')`;
      await env().sourceAdmin.query(`INSERT INTO ${name} VALUES ${back}`);
      await env().targetAdmin.query(`INSERT INTO ${name} VALUES ${back}`);
    });
    const r = await runGapfill(d, { days: [DAY], dryRun: false, deleteExtra: true });
    expect(r.results[0]!.extra).toEqual([['11']]);
    expect(r.results[0]!.repaired.deleted).toBe(0);
    expect(await rows('targetAdmin', name, 11)).toEqual(['2026-05-01T15:00:00.000Z back']);
  });

  it('--dedupe: exact duplicates collapse to the source row; a key the source deleted meanwhile is not re-created', async () => {
    const name = await table();
    await env().targetAdmin.query(`INSERT INTO ${name} SELECT * FROM ${name} WHERE id IN (5, 6)`);
    const d = deps(name);
    beforeFirstLock(d, async () => {
      await env().sourceAdmin.query(`DELETE FROM ${name} WHERE id = 6`);
    });
    const r = await runGapfill(d, { days: [DAY], dryRun: false, dedupe: true });
    expect(r.results[0]!.duplicated).toEqual([['5'], ['6']]);
    expect(await rows('targetAdmin', name, 5)).toEqual(['2026-05-01T12:00:00.000Z n5']);
    // Not re-inserted from a source that no longer has it; left for --delete-extra as an extra row.
    expect((await rows('targetAdmin', name, 6)).length).toBeGreaterThan(0);
    expect(r.results[0]!.repaired.deduped).toBe(1);
  });
});
