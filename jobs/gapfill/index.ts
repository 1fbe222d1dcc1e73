import { performance } from 'node:perf_hooks';
import type { TableConfig, TaskConfig } from '../../config/schema.js';
import { readTargetLatency } from '../../lib/repair/pipeline-window.js';
import { checkpoint, errorMessage, UsageError } from '../../lib/errors.js';
import { jobLogger, newRunId, type Logger } from '../../lib/log.js';
import { leaseSeconds, withJobRun } from '../job-run.js';
import { recentRunsOf } from '../run-summaries.js';
import type { JobDeps } from '../runtime.js';
import { displayName } from '../../lib/sql/quote.js';
import { planTable } from '../../lib/typemap/index.js';
import { DEFAULT_COMPARE, type Progress } from './compare.js';
import { emptyDiff } from './diff.js';
import { mapLimit } from './concurrency.js';
import { compareDay, compareTable, type CompareMode } from './mode.js';
import { repairGaps, type GapRepairs } from './repair.js';
import { describeRefused, type RefusedRow } from '../../lib/repair/refused-rows.js';
import type { Meter } from './segments.js';
import { describeGapTable } from './table.js';

/**
 * Gap-filling: for each configured table with a day column and each UTC day, reconcile the day's
 * rows between source and target, classify the differences — missing, extra (a missed DELETE),
 * duplicated (Redshift does not enforce keys), stale (the version column differs: a missed
 * UPDATE) — and repair (repair.ts). With `all`, each table is compared whole instead (day `all`).
 *
 * How a day is compared depends on the key (mode.ts): when keys grow with the day column the day
 * owns one key range (`key-range`, checked at its edges); otherwise the day's rows are selected by
 * the day column and bucketed by a hash of the key (`day-hash`). Each result names its mode and why.
 *
 * A settle lag (default 1 h, plus the task's current CDCLatencyTarget) keeps the comparison off
 * rows DMS may still be applying: an explicit day is compared up to `now − lag` only.
 * Days: `days` when given; otherwise (catch-up, the schedule) every day after the last one
 * compared completely (from the state store) up to yesterday, at most `catchUpDays`; yesterday
 * when there is no history. Catch-up skips a day until all of it has settled, so that a day is
 * never marked done with its last `lag` unchecked.
 */

export type GapfillStatus = 'ok' | 'repaired' | 'differences' | 'planned' | 'skipped' | 'failed';

export interface GapfillResult {
  table: string;
  /** UTC day `YYYY-MM-DD`, or `all` for the whole table. */
  day: string;
  /** How the rows were compared (mode.ts), and why. */
  mode?: CompareMode;
  modeReason?: string;
  status: GapfillStatus;
  rowsCompared: number;
  segmentsQueried: number;
  queries: number;
  bytesRead: number;
  missing: string[][];
  extra: string[][];
  duplicated: string[][];
  stale: string[][];
  repaired: { inserted: number; replaced: number; deleted: number; deduped: number };
  /** The comparison covered rows up to this time (UTC; the day's end, or the settle cutoff). */
  comparedUntil?: string;
  durationMs: number;
  warnings: string[];
  /** Source rows the typemap refuses (table, key, column, reason): reported and skipped (repair.ts). */
  refused?: RefusedRow[];
  error?: string;
}

export interface GapfillReport {
  job: 'gapfill';
  runId: string;
  dryRun: boolean;
  results: GapfillResult[];
  /** (table, day) pairs that failed or left differences unrepaired (a dry run repairs nothing). */
  problems: number;
  /** One line per table: its days added up. */
  tables: GapfillTableSummary[];
}

/** A table's days added up (counts of keys, rows, statements; milliseconds summed over its days). */
export interface GapfillTableSummary {
  table: string;
  days: number;
  /** Days that failed or left differences unrepaired. */
  problems: number;
  rowsCompared: number;
  missing: number;
  extra: number;
  duplicated: number;
  stale: number;
  repaired: number;
  queries: number;
  bytesRead: number;
  durationMs: number;
}

function isProblem(r: GapfillResult): boolean {
  return r.status === 'failed' || r.status === 'differences' || r.status === 'planned';
}

/** Per-table totals of a run's results, in the order the tables first appear. */
export function tableSummaries(results: readonly GapfillResult[]): GapfillTableSummary[] {
  const by = new Map<string, GapfillTableSummary>();
  for (const r of results) {
    const t = by.get(r.table) ?? {
      table: r.table,
      days: 0,
      problems: 0,
      rowsCompared: 0,
      missing: 0,
      extra: 0,
      duplicated: 0,
      stale: 0,
      repaired: 0,
      queries: 0,
      bytesRead: 0,
      durationMs: 0,
    };
    t.days++;
    t.problems += isProblem(r) ? 1 : 0;
    t.rowsCompared += r.rowsCompared;
    t.missing += r.missing.length;
    t.extra += r.extra.length;
    t.duplicated += r.duplicated.length;
    t.stale += r.stale.length;
    t.repaired += r.repaired.inserted + r.repaired.replaced + r.repaired.deleted + r.repaired.deduped;
    t.queries += r.queries;
    t.bytesRead += r.bytesRead;
    t.durationMs += r.durationMs;
    by.set(r.table, t);
  }
  return [...by.values()];
}

export interface GapfillOptions {
  /** Only this table (`schema.table`, source or target name). */
  table?: string | undefined;
  /** Explicit UTC days (`YYYY-MM-DD`); otherwise catch-up. */
  days?: string[] | undefined;
  /** Compare each table whole (every configured table, with or without a day column), not by day. */
  all?: boolean | undefined;
  dryRun: boolean;
  deleteExtra?: boolean;
  dedupe?: boolean;
  runId?: string;
  /** Progress callback; a returned promise is awaited before the run goes on. */
  onProgress?: (table: string, day: string, p: Progress) => void | Promise<void>;
}

const DAY_MS = 86_400_000;
/** The `day` of a whole-table comparison. */
export const ALL = 'all';

/** `YYYY-MM-DD` → its UTC midnight. @throws UsageError for anything else. */
export function parseDay(day: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day)
    throw new UsageError(`expected a day like 2026-03-10, got ${JSON.stringify(day)}`);
  return d;
}

/** Every day from `from` to `to` inclusive. @throws UsageError when `to` is before `from` or the span exceeds 366 days. */
export function dayList(from: string, to: string): string[] {
  const a = parseDay(from).getTime();
  const b = parseDay(to).getTime();
  if (b < a) throw new UsageError(`--to ${to} is before --from ${from}`);
  if ((b - a) / DAY_MS > 366) throw new UsageError('at most 366 days at once');
  const out: string[] = [];
  for (let t = a; t <= b; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

interface TableRef {
  task: TaskConfig;
  table: TableConfig;
}

function selectTables(deps: JobDeps, name: string | undefined, whole: boolean): TableRef[] {
  const all = deps.config.tasks.flatMap((task) =>
    task.tables.filter((t) => whole || t.dayColumn).map((table) => ({ task, table })),
  );
  if (name === undefined) return all;
  const hit = all.filter(({ table }) =>
    [table.source, table.target].some((q) => `${q.schema}.${q.name}` === name || q.name === name),
  );
  if (hit.length === 0)
    throw new UsageError(
      `no table ${JSON.stringify(name)}${whole ? '' : ' with a dayColumn'} in the config (tables: ${all.map((x) => displayName(x.table.source)).join(', ')})`,
    );
  return hit;
}

/** Days to process for a table when none are given: after the last processed one, up to yesterday. */
async function catchUpDays(deps: JobDeps, ref: TableRef, now: Date): Promise<string[]> {
  const yesterday = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
  const runs = await recentRunsOf(deps.state, 'gapfill', ref.task.arn, 500);
  const name = displayName(ref.table.target);
  const done = runs
    .filter((r) => r.status === 'ok' || r.status === 'problem')
    // A day compared only in part (up to the settle cutoff) is not done.
    .filter((r) => r.summary.table === name && r.summary.complete && r.summary.day !== ALL)
    .map((r) => r.summary.day)
    .sort();
  const last = done[done.length - 1];
  if (!last) return [yesterday];
  if (last >= yesterday) return [];
  const days = dayList(new Date(parseDay(last).getTime() + DAY_MS).toISOString().slice(0, 10), yesterday);
  return days.slice(-Math.max(1, deps.config.jobs.gapfill.catchUpDays));
}

export async function runGapfill(deps: JobDeps, o: GapfillOptions): Promise<GapfillReport> {
  const runId = o.runId ?? newRunId();
  const now = deps.clock.now();
  // Tables run side by side (at most `parallelTables`); a table's days one after another, under its lease.
  const perTable = await mapLimit(
    selectTables(deps, o.table, o.all === true),
    deps.config.jobs.gapfill.parallelTables,
    async (ref, t) => {
      const days = o.all ? [ALL] : (o.days ?? (await catchUpDays(deps, ref, now)));
      const out: GapfillResult[] = [];
      // One run record per table and day, so catch-up knows exactly which days are done.
      for (const [d, day] of days.entries()) {
        checkpoint(deps.signal, `gap-filling ${displayName(ref.table.target)} ${day}`);
        // Catch-up (scheduled) waits until the whole day has settled; explicit days may be compared in part.
        const id = `${runId}.${t + 1}.${d + 1}`;
        out.push(await gapfillDay(deps, ref, day, id, o, o.days === undefined));
      }
      return out;
    },
  );
  const results = perTable.flat();
  return {
    job: 'gapfill',
    runId,
    dryRun: o.dryRun,
    results,
    tables: tableSummaries(results),
    problems: results.filter(isProblem).length,
  };
}

async function currentLatencySeconds(
  deps: JobDeps,
  task: TaskConfig,
  now: Date,
): Promise<{ seconds: number; warning?: string }> {
  const read = await readTargetLatency(deps.metrics, task, now);
  if (read.warning !== undefined) return { seconds: 0, warning: `${read.warning}: settle lag without latency` };
  return { seconds: read.series[read.series.length - 1]!.value };
}

async function gapfillDay(
  deps: JobDeps,
  ref: TableRef,
  day: string,
  runId: string,
  o: GapfillOptions,
  wholeDay: boolean,
): Promise<GapfillResult> {
  const started = performance.now();
  const table = displayName(ref.table.target);
  const log = jobLogger(deps.log, 'gapfill', runId, ref.task.name).child({ table, day });
  const cfg = deps.config.jobs.gapfill;
  const meter: Meter = { queries: 0, bytesRead: 0, segmentsQueried: 0 };
  const result: GapfillResult = {
    table,
    day,
    status: 'failed',
    rowsCompared: 0,
    segmentsQueried: 0,
    queries: 0,
    bytesRead: 0,
    ...emptyDiff(),
    repaired: { inserted: 0, replaced: 0, deleted: 0, deduped: 0 },
    durationMs: 0,
    warnings: [],
  };
  const finish = (r: GapfillResult): GapfillResult => ({
    ...r,
    queries: meter.queries,
    bytesRead: meter.bytesRead,
    segmentsQueried: meter.segmentsQueried,
    durationMs: Math.round(performance.now() - started),
  });
  const whole = day === ALL;
  const dayStart = whole ? new Date(0) : parseDay(day);
  const dayEnd = new Date(dayStart.getTime() + DAY_MS);
  const now = deps.clock.now();
  let until = dayEnd;
  // The settle rule of every repair needs the replication's latency, whole-table runs included.
  const latency = await currentLatencySeconds(deps, ref.task, now);
  if (latency.warning) result.warnings.push(latency.warning);
  if (!whole) {
    const cutoff = new Date(now.getTime() - (cfg.settleLag + latency.seconds) * 1000);
    if (cutoff <= dayStart || (wholeDay && cutoff < dayEnd)) {
      return finish({
        ...result,
        status: 'skipped',
        warnings: [
          ...result.warnings,
          `not settled yet: rows after ${cutoff.toISOString()} may still be applied by DMS`,
        ],
      });
    }
    until = cutoff < dayEnd ? cutoff : dayEnd;
    result.comparedUntil = until.toISOString();
  }
  const complete = until.getTime() === dayEnd.getTime();
  const run = await withJobRun(
    deps,
    {
      kind: 'gapfill',
      runId,
      taskArn: ref.task.arn,
      lease: { name: `gapfill:${ref.task.arn}:${table}`, seconds: leaseSeconds.gapfill() },
      dryRun: o.dryRun,
      log,
      record: (f: GapfillResult) => ({
        status: f.status === 'failed' ? 'failed' : f.status === 'differences' ? 'problem' : 'ok',
        summary: {
          table,
          day,
          complete,
          status: f.status,
          missing: f.missing.length,
          extra: f.extra.length,
          duplicated: f.duplicated.length,
          stale: f.stale.length,
          repaired: f.repaired,
        },
      }),
      onError: (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'gap-filling failed');
        return { ...result, status: 'failed' as const, error: errorMessage(err) };
      },
    },
    () =>
      compareAndRepair(
        deps,
        o,
        ref,
        result,
        meter,
        { table, day, dayStart, until, runId, latency: latency.seconds },
        log,
      ),
  );
  if (!run.ran) return finish({ ...result, status: 'skipped', error: 'another companion is gap-filling this table' });
  return finish(run.result);
}

/** Compares one table-day up to `until` and, unless dry, repairs what differs. */
async function compareAndRepair(
  deps: JobDeps,
  o: GapfillOptions,
  ref: TableRef,
  result: GapfillResult,
  meter: Meter,
  at: { table: string; day: string; dayStart: Date; until: Date; runId: string; latency: number },
  log: Logger,
): Promise<GapfillResult> {
  const cfg = deps.config.jobs.gapfill;
  const { table, day, dayStart, until, runId } = at;
  let final: GapfillResult;
  const whole = day === ALL;
  const t = await describeGapTable(deps.source, deps.target, ref.task, ref.table, !whole);
  const sides = { source: deps.source, target: deps.target };
  const options = {
    ...DEFAULT_COMPARE,
    leafRows: cfg.leafRows,
    targetQueryMs: cfg.targetQueryTime * 1000,
    concurrency: cfg.concurrency,
  };
  const progress = (p: Progress) => o.onProgress?.(table, day, p);
  const run = whole
    ? await compareTable(sides, t, options, meter, progress)
    : await compareDay(sides, t, dayStart, until, options, meter, progress);
  const compared = run.compared;
  result.warnings.push(...run.warnings);
  const d = compared.diff;
  Object.assign(result, {
    mode: run.mode,
    modeReason: run.reason,
    rowsCompared: compared.rowsCompared,
    missing: d.missing,
    extra: d.extra,
    duplicated: d.duplicated,
    stale: d.stale,
  });
  const differences = d.missing.length + d.extra.length + d.duplicated.length + d.stale.length;
  log.info(
    {
      rowsCompared: compared.rowsCompared,
      missing: d.missing.length,
      extra: d.extra.length,
      duplicated: d.duplicated.length,
      stale: d.stale.length,
      mode: run.mode,
      levels: compared.levels,
      queries: meter.queries,
    },
    'compared',
  );
  if (differences === 0) {
    final = { ...result, status: 'ok' };
  } else if (o.dryRun) {
    final = { ...result, status: 'planned' };
  } else {
    checkpoint(deps.signal, 'the repairs');
    const plan = await planTable(deps.source, deps.target, ref.table.source, ref.table.target, {
      mapBooleanAsBoolean: deps.config.typemap.mapBooleanAsBoolean,
    });
    const deleteExtra = o.deleteExtra ?? cfg.deleteExtra;
    const dedupe = o.dedupe ?? cfg.dedupe;
    const settleSeconds = cfg.settleLag + at.latency;
    const r: GapRepairs = await repairGaps(deps, t, plan, d, { deleteExtra, dedupe, runId, day, settleSeconds });
    result.warnings.push(...r.warnings);
    result.repaired = {
      inserted: r.inserted.length,
      replaced: r.replaced.length,
      deleted: r.deleted.length,
      deduped: r.deduped.length,
    };
    if (r.refused.length > 0) {
      result.refused = r.refused;
      result.warnings.push(...r.refused.map(describeRefused));
    }
    if (r.unsettled.length > 0)
      result.warnings.push(
        `${r.unsettled.length} key(s) not repaired yet: changed on the source too recently (DMS may still deliver them)`,
      );
    if (r.skipped.length > 0)
      result.warnings.push(
        `${r.skipped.length} key(s) not repaired: gone from the source or fixed since the comparison`,
      );
    const left = (deleteExtra ? 0 : d.extra.length) + (dedupe ? 0 : d.duplicated.length);
    if (left > 0)
      result.warnings.push(
        `${left} key(s) reported only: extra rows are removed with --delete-extra, duplicates with --dedupe`,
      );
    log.info({ repaired: result.repaired }, 'repaired');
    final = { ...result, status: left > 0 ? 'differences' : 'repaired' };
  }
  return final;
}
