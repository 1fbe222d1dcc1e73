import { execFileSync } from 'node:child_process';
import type { Environment, ServerInfo } from '../sim/embedded.js';
import type { WorkerOptions } from './gapfill-worker.js';

/**
 * Gap-filling at scale, each method in its own process (peak memory is its own):
 * the gapfill job's comparison, the floor (count(*) of the compared rows on both sides at once) and dump-and-diff
 * (every key streamed from both sides in key order and merged).
 *
 * Each measured run is paired with a floor run just before it, and its "× floor" is the ratio within the pair — the
 * median of 5 pairs when a run takes under 10 s — so that the machine's drift between runs (seconds apart, often
 * ±5% on a shared machine) cancels out of the ratio instead of landing in it. The floor's row is the median of every
 * floor run of the scenario.
 *
 * - `integer`: `events(id bigint, created_at timestamptz, payload text)`, 10,000,000 rows a side on
 *   one UTC day (the target has an index on id standing in for Redshift's sort key); identical,
 *   100 missing and 100,000 missing; gapfill also with the target behind 50 ms and 300 ms per
 *   statement (a provisioned cluster, the Data API), reporting statements and sequential rounds.
 * - `uuid`: the same day keyed by UUID (varchar(36) on the target); the floor is count(*) of the
 *   day's rows by created_at on both sides.
 * - `50m`: the integer table at 50,000,000 rows on one day.
 * Data are cached in memory (shared_buffers) where they fit.
 */

export interface GapfillBenchRow {
  scenario: string;
  method: string;
  seconds: number;
  xFloor: number;
  missingFound: number | string;
  targetStatements: number | string;
  targetRounds: number | string;
  peakMemoryMB: number;
  bytesTransferredMB: number;
}

interface WorkerResult {
  ms: number;
  missing?: number;
  bytes: number;
  maxRssMB: number;
  statements?: { target: number };
  rounds?: { target: number };
}

function run(method: string, server: ServerInfo, env: Environment, o: WorkerOptions): WorkerResult {
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
      JSON.stringify(o),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as WorkerResult;
}

/** A measured run and its ratio to the floor run just before it. */
interface Paired {
  run: WorkerResult;
  xFloor: number;
}

/**
 * Runs `once` after a floor run, five pairs when a run takes under 10 s (the machine's noise is larger than the
 * differences measured), one otherwise; returns the pair with the median ratio, and adds each floor run to `floors`.
 */
function pairedRuns(floor: () => WorkerResult, once: () => WorkerResult, floors: WorkerResult[]): Paired {
  const pair = (): Paired => {
    const f = floor();
    floors.push(f);
    const run = once();
    return { run, xFloor: run.ms / f.ms };
  };
  const first = pair();
  if (first.run.ms >= 10_000) return first;
  return [first, pair(), pair(), pair(), pair()].sort((a, b) => a.xFloor - b.xFloor)[2]!;
}

export type GapfillBench = 'integer' | 'uuid' | '50m';

interface TableSpec {
  table: string;
  rows: number;
  /** Source and target key column types. */
  keyTypes: [string, string];
  /** SQL of the n-th row's key on the source / target. */
  key: [(g: string) => string, (g: string) => string];
  stepMs: number;
  where: string;
  dump: boolean;
}

const DAY = '2026-01-01';
const DAY_WHERE = `WHERE created_at >= '${DAY} 00:00:00+00' AND created_at < '2026-01-02 00:00:00+00'`;

const SPECS: Record<GapfillBench, TableSpec> = {
  integer: {
    table: 'events',
    rows: 10_000_000,
    keyTypes: ['bigint', 'bigint'],
    key: [(g) => g, (g) => g],
    stepMs: 8,
    where: 'WHERE id > 0',
    dump: true,
  },
  uuid: {
    table: 'events_uuid',
    rows: 10_000_000,
    keyTypes: ['uuid', 'varchar(36)'],
    key: [(g) => `md5(${g}::text)::uuid`, (g) => `md5(${g}::text)::uuid::text`],
    stepMs: 8,
    where: DAY_WHERE,
    dump: false,
  },
  '50m': {
    table: 'events_50m',
    rows: 50_000_000,
    keyTypes: ['bigint', 'bigint'],
    key: [(g) => g, (g) => g],
    stepMs: 1.7,
    where: 'WHERE id > 0',
    dump: false,
  },
};

/** The table's rows on one side (0 source, 1 target), optionally only some (`WHERE g …`). */
function rowsSql(s: TableSpec, side: 0 | 1, filter = ''): string {
  const at = `'${DAY} 00:00:00+00'::timestamptz + g * interval '${s.stepMs} ms'`;
  return `SELECT ${s.key[side]('g')}, ${at}, md5(g::text) FROM generate_series(1, ${s.rows}) g ${filter}`;
}

async function generate(env: Environment, s: TableSpec): Promise<void> {
  for (const [side, c] of [env.sourceAdmin, env.targetAdmin].entries()) {
    await c.query(
      `CREATE TABLE public.${s.table} (id ${s.keyTypes[side]} NOT NULL, created_at timestamptz NOT NULL, payload text)`,
    );
    await c.query(`INSERT INTO public.${s.table} ${rowsSql(s, side as 0 | 1)}`);
    await c.query(`CREATE UNIQUE INDEX ${s.table}_id ON public.${s.table} (id)`);
    // The source's index on the day column; on the target it stands in for the sort key.
    await c.query(`CREATE INDEX ${s.table}_created_at ON public.${s.table} (created_at)`);
    await c.query(`VACUUM ANALYZE public.${s.table}`);
    await c.query(`CREATE EXTENSION IF NOT EXISTS pg_prewarm`);
    await c.query(`SELECT pg_prewarm('public.${s.table}'), pg_prewarm('public.${s.table}_id')`);
  }
}

export async function benchGapfill(
  env: Environment,
  which: GapfillBench,
  log: (line: string) => void = console.log,
): Promise<GapfillBenchRow[]> {
  // GAPFILL_BENCH_SCALE (e.g. 0.01) shrinks the tables for a quick check of the benchmark itself.
  const scale = Number(process.env.GAPFILL_BENCH_SCALE ?? 1);
  const s = { ...SPECS[which], rows: Math.round(SPECS[which].rows * scale) };
  log(`generating ${s.rows.toLocaleString()} rows on each side (${which})…`);
  await generate(env, s);
  const base: WorkerOptions = { table: `public.${s.table}`, dayColumn: 'created_at', day: DAY, where: s.where };
  const rows: GapfillBenchRow[] = [];
  const scenario = async (name: string, missing: string, latencies: number[]) => {
    const { targetAdmin } = env;
    if (missing)
      await targetAdmin.query(
        `DELETE FROM public.${s.table} WHERE id IN (SELECT ${s.key[1]('g')} FROM (${missing}) m(g))`,
      );
    await targetAdmin.query(`VACUUM public.${s.table}`);
    const floors: WorkerResult[] = [];
    const floor = () => run('count', env.server, env, base);
    const measured: [string, Paired][] = [];
    for (const ms of latencies)
      measured.push([
        ms ? `gapfill, target +${ms} ms/statement` : 'gapfill',
        pairedRuns(floor, () => run('gapfill', env.server, env, { ...base, targetLatencyMs: ms }), floors),
      ]);
    if (s.dump) measured.push(['dump-and-diff', pairedRuns(floor, () => run('dump', env.server, env, base), floors)]);
    const medianFloor = [...floors].sort((a, b) => a.ms - b.ms)[Math.floor(floors.length / 2)]!;
    measured.unshift(['count(*) floor', { run: medianFloor, xFloor: 1 }]);
    for (const [method, { run: r, xFloor }] of measured) {
      rows.push({
        scenario: name,
        method,
        seconds: Number((r.ms / 1000).toFixed(2)),
        xFloor: Number(xFloor.toFixed(2)),
        missingFound: r.missing ?? '-',
        targetStatements: r.statements?.target ?? '-',
        targetRounds: r.rounds?.target ?? '-',
        peakMemoryMB: r.maxRssMB,
        bytesTransferredMB: Number((r.bytes / 1024 / 1024).toFixed(1)),
      });
    }
    log(
      measured
        .map(([m, p]) => `${name}: ${m} ${(p.run.ms / 1000).toFixed(2)} s, ${p.xFloor.toFixed(2)}× floor`)
        .join('\n'),
    );
    if (missing) await targetAdmin.query(`INSERT INTO public.${s.table} ${rowsSql(s, 1, `WHERE g IN (${missing})`)}`);
  };
  const spread = (k: number) => Math.floor(s.rows / k);
  await scenario('identical', '', which === 'integer' ? [0, 50, 300] : [0, 300]);
  await scenario(
    '100 missing',
    `SELECT g * ${spread(100) - 9} FROM generate_series(1, 100) g`,
    which === 'integer' ? [0, 50, 300] : [0, 300],
  );
  if (which === 'integer')
    await scenario('100,000 missing', `SELECT g * 100 - 37 FROM generate_series(1, 100000) g`, [0]);
  return rows;
}
