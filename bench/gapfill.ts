import { execFileSync } from 'node:child_process';
import type { Environment, ServerInfo } from '../sim/embedded.js';

/**
 * Gap-filling at scale: a generated table `events(id bigint primary key, created_at timestamptz,
 * payload text)` of 10,000,000 rows on each side (one UTC day), cached in memory; the target has an
 * index on id standing in for Redshift's sort key. For identical data, 100 missing rows and
 * 100,000 missing rows spread over the range, each method runs in its own process (peak memory is
 * its own): the gapfill job's comparison, the floor (count(*) over the range on both sides at
 * once, median of 3) and dump-and-diff (every key streamed from both sides in key order and merged).
 */

export interface GapfillBenchRow {
  scenario: string;
  method: string;
  seconds: number;
  xFloor: number;
  missingFound: number | string;
  peakMemoryMB: number;
  bytesTransferredMB: number;
}

const N = 10_000_000;

function run(
  method: string,
  server: ServerInfo,
  env: Environment,
): { ms: number; missing?: number; bytes: number; maxRssMB: number } {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/gapfill-worker.ts',
      method,
      String(server.port),
      env.databases.source,
      env.databases.target,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as {
    ms: number;
    missing?: number;
    bytes: number;
    maxRssMB: number;
  };
}

export async function benchGapfill(
  env: Environment,
  log: (line: string) => void = console.log,
): Promise<GapfillBenchRow[]> {
  const { sourceAdmin, targetAdmin } = env;
  log(`generating ${N.toLocaleString()} rows on each side…`);
  for (const c of [sourceAdmin, targetAdmin]) {
    await c.query(`CREATE TABLE public.events (id bigint NOT NULL, created_at timestamptz NOT NULL, payload text)`);
    await c.query(
      `INSERT INTO public.events SELECT g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '8 ms', md5(g::text) FROM generate_series(1, ${N}) g`,
    );
    await c.query(`CREATE UNIQUE INDEX events_id ON public.events (id)`);
    await c.query(`VACUUM ANALYZE public.events`);
    await c.query(`CREATE EXTENSION IF NOT EXISTS pg_prewarm`);
    await c.query(`SELECT pg_prewarm('public.events'), pg_prewarm('public.events_id')`);
  }
  await sourceAdmin.query(`CREATE INDEX events_created_at ON public.events (created_at)`);
  const rows: GapfillBenchRow[] = [];
  const scenario = async (name: string, missingIds: string) => {
    if (missingIds) await targetAdmin.query(`DELETE FROM public.events WHERE id IN (${missingIds})`);
    await targetAdmin.query(`VACUUM public.events`);
    const floors = [run('count', env.server, env), run('count', env.server, env), run('count', env.server, env)].sort(
      (a, b) => a.ms - b.ms,
    );
    const floor = floors[1]!;
    const g = run('gapfill', env.server, env);
    const d = run('dump', env.server, env);
    for (const [method, r] of [
      ['count(*) floor', floor],
      ['gapfill', g],
      ['dump-and-diff', d],
    ] as const) {
      rows.push({
        scenario: name,
        method,
        seconds: Number((r.ms / 1000).toFixed(2)),
        xFloor: Number((r.ms / floor.ms).toFixed(2)),
        missingFound: r.missing ?? '-',
        peakMemoryMB: r.maxRssMB,
        bytesTransferredMB: Number((r.bytes / 1024 / 1024).toFixed(1)),
      });
    }
    log(
      `${name}: floor ${(floor.ms / 1000).toFixed(2)} s, gapfill ${(g.ms / 1000).toFixed(2)} s, dump-and-diff ${(d.ms / 1000).toFixed(2)} s`,
    );
    if (missingIds) {
      await targetAdmin.query(
        `INSERT INTO public.events SELECT g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '8 ms', md5(g::text) FROM generate_series(1, ${N}) g ` +
          `WHERE g IN (${missingIds})`,
      );
    }
  };
  await scenario('identical', '');
  await scenario('100 missing', `SELECT g * 99991 FROM generate_series(1, 100) g`);
  await scenario('100,000 missing', `SELECT g * 100 - 37 FROM generate_series(1, 100000) g`);
  return rows;
}
