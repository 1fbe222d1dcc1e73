import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { stringify } from 'yaml';
import { parseConfig } from '../config/load.js';
import { runGapfill } from '../jobs/gapfill/index.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/log.js';
import type { JobDeps } from '../jobs/runtime.js';
import { PgClient } from '../lib/sql/pg-client.js';
import { StateStore } from '../lib/state/store.js';
import { TaskControl } from '../lib/task-control/index.js';
import { SOURCE_SESSION_OPTIONS, sourceTypeParsers } from '../lib/typemap/pg-types.js';
import { LatencyClient } from './latency.js';

/**
 * One measured method in its own process (so its peak memory is its own):
 *   gapfill  — the gapfill job's comparison (dry run) of the day holding the table, the target (and
 *              optionally the source) behind an injected per-statement latency (bench/latency.ts)
 *   dump     — dump-and-diff: stream every key from both sides in key order and merge
 *   count    — the floor: count(*) over the same rows on both sides at once
 * The last argument is a JSON {@link WorkerOptions}. Prints one JSON line: { ms, missing, extra,
 * statements, rounds, bytes, maxRssMB }.
 */
export interface WorkerOptions {
  /** `public.<name>` */
  table: string;
  dayColumn: string;
  day: string;
  /** The rows compared, as a WHERE clause (the floor's and dump-and-diff's). */
  where: string;
  /** Milliseconds before each target / source statement. */
  targetLatencyMs?: number;
  sourceLatencyMs?: number;
}
const [method, port, sourceDb, targetDb, optionsJson] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const opts = JSON.parse(optionsJson) as WorkerOptions;
const conn = (database: string) => ({
  host: '127.0.0.1',
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  database,
  max: 4,
});
const sockets = new Set<Socket>();
const track = (p: pg.Pool) =>
  p.on('connect', (c) => sockets.add((c as unknown as { connection: { stream: Socket } }).connection.stream));
const bytes = () => [...sockets].reduce((a, s) => a + s.bytesRead, 0);
const RANGE = opts.where;

async function gapfill() {
  const source = new PgClient({
    role: 'source',
    dialect: 'postgres',
    connection: { ...conn(sourceDb), options: SOURCE_SESSION_OPTIONS },
    types: sourceTypeParsers,
  });
  const targetPg = new PgClient({ role: 'target', dialect: 'redshift', connection: conn(targetDb) });
  track(source.pool);
  track(targetPg.pool);
  const target = new LatencyClient(targetPg, opts.targetLatencyMs ?? 0);
  const sourceTimed = new LatencyClient(source, opts.sourceLatencyMs ?? 0);
  const c = { host: '127.0.0.1', port: Number(port), user: 'postgres', password: 'postgres' };
  const config = parseConfig(
    stringify({
      region: 'us-east-1',
      source: { ...c, database: sourceDb },
      target: { kind: 'direct', ...c, database: targetDb },
      dmsUser: 'dms_user',
      tasks: [
        {
          name: 'bench',
          arn: 'arn:aws:dms:us-east-1:123456789012:task:BENCH',
          replicationInstance: 'ri',
          tables: [{ source: opts.table, primaryKey: ['id'], dayColumn: opts.dayColumn }],
        },
      ],
    }),
    {},
  );
  const state = new StateStore(targetPg, 'dms_companion');
  const log = silentLogger();
  const unused = () => Promise.reject(new Error('not used in the benchmark'));
  const tasks = {
    describeTask: unused,
    describeInstance: unused,
    stopTask: unused,
    resumeTask: unused,
    waitForStatus: unused,
  };
  const deps: JobDeps = {
    config,
    source: sourceTimed,
    target,
    tasks,
    metrics: { getDmsMetrics: () => Promise.resolve([[]]) },
    clusters: { describeCluster: unused },
    clock: systemClock,
    log,
    statementBudget: 1_000_000,
    state,
    control: new TaskControl(tasks, state, systemClock, log),
  };
  const t0 = performance.now();
  const r = await runGapfill(deps, { days: [opts.day], dryRun: true });
  const ms = performance.now() - t0;
  const x = r.results[0]!;
  if (x.status === 'failed') throw new Error(x.error);
  await source.close();
  await target.close();
  return {
    ms,
    missing: x.missing.length,
    extra: x.extra.length,
    rowsCompared: x.rowsCompared,
    mode: x.mode,
    statements: { source: sourceTimed.statements, target: target.statements },
    rounds: { source: sourceTimed.rounds, target: target.rounds },
  };
}

async function dump() {
  const src = new pg.Pool(conn(sourceDb));
  const tgt = new pg.Pool(conn(targetDb));
  track(src);
  track(tgt);
  async function* keys(p: pg.Pool) {
    const c = await p.connect();
    const cur = c.query(new Cursor(`SELECT id FROM ${opts.table} ${RANGE} ORDER BY id`, [], { rowMode: 'array' }));
    for (;;) {
      const rows = (await cur.read(50_000)) as unknown[][];
      if (rows.length === 0) break;
      yield rows.map((r) => Number(r[0]));
    }
    await cur.close();
    c.release();
  }
  const t0 = performance.now();
  const a = keys(src);
  const b = keys(tgt);
  let A: number[] = [];
  let B: number[] = [];
  let i = 0;
  let j = 0;
  let doneA = false;
  let doneB = false;
  let missing = 0;
  let extra = 0;
  for (;;) {
    if (i >= A.length && !doneA) {
      const n = await a.next();
      if (n.done) doneA = true;
      else [A, i] = [n.value, 0];
    }
    if (j >= B.length && !doneB) {
      const n = await b.next();
      if (n.done) doneB = true;
      else [B, j] = [n.value, 0];
    }
    const ha = i < A.length;
    const hb = j < B.length;
    if (!ha && !hb) break;
    if (ha && (!hb || A[i]! < B[j]!)) [missing, i] = [missing + 1, i + 1];
    else if (hb && (!ha || B[j]! < A[i]!)) [extra, j] = [extra + 1, j + 1];
    else [i, j] = [i + 1, j + 1];
  }
  const ms = performance.now() - t0;
  await src.end();
  await tgt.end();
  return { ms, missing, extra };
}

async function count() {
  const src = new pg.Pool(conn(sourceDb));
  const tgt = new pg.Pool(conn(targetDb));
  track(src);
  track(tgt);
  const t0 = performance.now();
  await Promise.all([
    src.query(`SELECT count(*) FROM ${opts.table} ${RANGE}`),
    tgt.query(`SELECT count(*) FROM ${opts.table} ${RANGE}`),
  ]);
  const ms = performance.now() - t0;
  await src.end();
  await tgt.end();
  return { ms };
}

const run = { gapfill, dump, count }[method];
if (!run) throw new Error(`unknown method ${method}`);
const result = await run();
console.log(JSON.stringify({ ...result, bytes: bytes(), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
