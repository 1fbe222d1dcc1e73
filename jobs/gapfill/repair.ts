import { checkpoint } from '../../lib/errors.js';
import { repairWaits, writeOptions, type JobDeps } from '../runtime.js';
import { boundWaits } from '../../lib/sql/bounded-waits.js';
import { asText } from '../../lib/sql/coerce.js';
import type { SqlExecutor, SqlParam } from '../../lib/sql/client.js';
import { displayName, quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import type { RepairLogEntry } from '../../lib/state/store.js';
import {
  formatKey,
  insertStatements,
  readSourceRows,
  type SourceRow,
  type TablePlan,
} from '../../lib/typemap/index.js';
import { repairMissingRows, stillMissing } from '../../lib/repair/insert-missing.js';
import { describeRefused, splitWritable, type RefusedRow } from '../../lib/repair/refused-rows.js';
import { commitTimestampsOn, splitSettled, type SettleSplit } from '../../lib/repair/settle.js';
import { castParam, normalisedText } from './dialect.js';
import type { SegmentDiff } from './diff.js';
import type { GapTable } from './table.js';

/**
 * Gap-filling's writes. Each runs in its own target transaction that first LOCKs the table, and
 * only then reads the source rows and versions it acts on and re-checks the target — so a change
 * DMS applied before the lock is seen, and the write can never put an older version back. Keys are
 * compared byte for byte (Redshift's `=` ignores trailing blanks, docs/aws-facts.md §70). Every
 * row written or deleted goes to the repair log.
 *
 * - missing rows: backfilled from the source through the typemap, in byte-budgeted chunks,
 *   inserting only the keys still missing at the re-check (lib/repair/insert-missing.ts);
 * - stale rows (a missed UPDATE): DELETE the target rows whose version still differs from the
 *   source's current one, INSERT the source row;
 * - extra rows (a missed DELETE): removed only with `deleteExtra`, and only the keys the source
 *   still does not have when read under the lock (a key re-inserted meanwhile is kept);
 * - duplicated rows: only with `dedupe`: every copy of a key the source has is deleted and the
 *   source row inserted once — exact duplicates are collapsed to one row; a duplicated key the
 *   source no longer has is left alone (`deleteExtra` handles it once it is extra).
 *
 * A source row the typemap refuses is reported (table, key, column, reason) and skipped: the
 * other rows of its chunk are written. A row whose version committed less than settle lag +
 * CDCLatencyTarget ago is left for a later run: DMS may still deliver it (lib/repair/settle.ts).
 */

export interface GapRepairs {
  inserted: string[][];
  replaced: string[][];
  deleted: string[][];
  deduped: string[][];
  /** Keys not repaired: gone from the source since the comparison, or fixed meanwhile. */
  skipped: string[][];
  /** Source rows the typemap refuses: reported, not written. */
  refused: RefusedRow[];
  /** Keys the settle rule held back (DMS may still deliver them): left for a later run. */
  unsettled: string[][];
  warnings: string[];
}

export interface GapRepairOptions {
  deleteExtra: boolean;
  dedupe: boolean;
  runId: string;
  day: string;
  /**
   * Settle lag + the task's CDCLatencyTarget (seconds): a source row whose version committed more
   * recently is held back (lib/repair/settle.ts). Without it, or when the source does not record
   * commit timestamps, only the day-level settle cutoff of the comparison applies (with a warning).
   */
  settleSeconds?: number;
}

const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const joined = (k: readonly string[]) => k.join('\u0000');

/**
 * `(k1 = $a AND k2 = $b) OR …` on the target, for keys as compared (normalised texts); text keys
 * also compare their byte length, so that `'a '` never matches `'a'` (Redshift's `=` ignores
 * trailing blanks, docs/aws-facts.md §70).
 */
function keyMatch(t: GapTable, keys: readonly (readonly string[])[], params: SqlParam[]): string {
  return keys
    .map(
      (key) =>
        `(${t.key
          .map((c, i) => {
            params.push(key[i]!);
            const value = castParam(params.length, c.target.cls, c.target.declared);
            const col = quoteIdent(c.name);
            return c.target.cls === 'text'
              ? `${col} = ${value} AND OCTET_LENGTH(${col}) = OCTET_LENGTH(${value})`
              : `${col} = ${value}`;
          })
          .join(' AND ')})`,
    )
    .join(' OR ');
}

export async function repairGaps(
  deps: JobDeps,
  t: GapTable,
  plan: TablePlan,
  diff: SegmentDiff,
  o: GapRepairOptions,
): Promise<GapRepairs> {
  const out: GapRepairs = {
    inserted: [],
    replaced: [],
    deleted: [],
    deduped: [],
    skipped: [],
    refused: [],
    unsettled: [],
    warnings: [],
  };
  const pk = t.config.primaryKey;
  const options = writeOptions(deps.config.typemap);
  const table = displayName(t.config.target);
  const target = quoteQualified(t.config.target);
  const evidence = `gapfill ${table} ${o.day}`;
  const keyOfRow = (r: SourceRow) => pk.map((k) => asText(r[k]));
  const at = () => deps.clock.now();
  const log = (action: RepairLogEntry['action'], reason: string, keys: string[][]): RepairLogEntry[] =>
    keys.map((k) => ({
      runId: o.runId,
      job: 'gapfill',
      taskArn: t.task.arn,
      table,
      key: formatKey(pk, k),
      action,
      reason,
      evidence,
      at: at(),
    }));
  const logged = async (tx: SqlExecutor, entries: RepairLogEntry[]) => {
    if (deps.state.onTarget) await deps.state.logRepairs(tx, entries);
  };
  const loggedAfter = async (entries: RepairLogEntry[]) => {
    if (!deps.state.onTarget) await deps.state.logRepairs(deps.state.client, entries);
  };
  const refused = (rs: readonly RefusedRow[]) => {
    if (rs.length === 0) return;
    out.refused.push(...rs);
    deps.log.warn({ job: 'gapfill', refused: rs.map(describeRefused) }, 'source rows the typemap refuses: skipped');
  };
  const admit = await settleRule(deps, plan, pk, o.settleSeconds, out.warnings);
  /** Under the lock: the source rows of `keys` split into writable-and-settled, refused and held. */
  const readUnderLock = async (keys: readonly string[][]) => {
    const rows = await readSourceRows(deps.source, plan, pk, keys);
    const split = splitWritable(plan, rows, pk, options, deps.statementBudget);
    const settled = admit ? await admit(split.writable) : { admitted: split.writable, held: [] };
    return { rows, refused: split.refused, admitted: settled.admitted, held: settled.held.map(keyOfRow) };
  };
  /** One target transaction with bounded waits that first LOCKs the table, then runs `fn`. */
  const underTargetLock = <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
    deps.target.transaction(async (tx) => {
      await boundWaits(tx, deps.target.dialect, repairWaits(deps.config));
      await tx.query(`LOCK ${target}`);
      return fn(tx);
    });
  await deps.state.ensureSchema();

  // Missing: backfill.
  for (const keys of chunks(diff.missing)) {
    checkpoint(deps.signal, 'the next backfill chunk');
    const r = await repairMissingRows(deps.target, deps.source, deps.state, {
      plan,
      primaryKey: pk,
      keys,
      ...(admit ? { admit } : {}),
      options,
      budgetBytes: deps.statementBudget,
      waits: repairWaits(deps.config),
      log: {
        runId: o.runId,
        job: 'gapfill',
        taskArn: t.task.arn,
        reason: `missing on the target (gap-filling ${o.day})`,
        evidence,
        at: at(),
      },
    });
    out.inserted.push(...r.inserted);
    out.skipped.push(...r.alreadyPresent, ...r.missingAtSource);
    out.unsettled.push(...r.unsettled);
    refused(r.refused);
  }

  // Stale: under the lock, replace the rows whose version still differs from the source's current one.
  const replaceReason = `stale on the target: version differs (gap-filling ${o.day})`;
  for (const keys of chunks(diff.stale)) {
    checkpoint(deps.signal, 'the next stale chunk');
    const replaced = await underTargetLock(async (tx) => {
      const src = await readUnderLock(keys);
      refused(src.refused);
      out.unsettled.push(...src.held);
      const versions = await sourceVersions(deps, t, src.admitted.map(keyOfRow));
      const still = src.admitted.filter((r) => versions.has(joined(keyOfRow(r))));
      if (still.length === 0) return [];
      const params: SqlParam[] = [];
      const vt = normalisedText(t.version!.name, t.version!.target.cls, 'target');
      const cond = still
        .map((r) => {
          const k = keyOfRow(r);
          const m = keyMatch(t, [k], params);
          params.push(versions.get(joined(k))!);
          return `(${m} AND ${vt} <> $${params.length})`;
        })
        .join(' OR ');
      await tx.query(`DELETE FROM ${target} WHERE ${cond}`, params);
      const idx = new Set(await stillMissing(tx, plan, pk, still, options));
      const toInsert = still.filter((_r, i) => idx.has(i));
      for (const s of insertStatements(plan, toInsert, pk, options, deps.statementBudget)) await tx.query(s);
      const done = toInsert.map(keyOfRow);
      await logged(tx, log('replace', replaceReason, done));
      return done;
    });
    await loggedAfter(log('replace', replaceReason, replaced));
    out.replaced.push(...replaced);
    const done = new Set(replaced.map(joined));
    out.skipped.push(...keys.filter((k) => !done.has(joined(k))));
  }

  // Extra: delete only when asked, only keys the source still lacks when read under the lock.
  const deleteReason = `extra on the target: not on the source (gap-filling ${o.day})`;
  if (o.deleteExtra) {
    for (const keys of chunks(diff.extra)) {
      checkpoint(deps.signal, 'the next extra chunk');
      const gone = await underTargetLock(async (tx) => {
        const present = await readSourceRows(deps.source, plan, pk, keys);
        const onSource = new Set(present.map((r) => joined(keyOfRow(r))));
        const absent = keys.filter((k) => !onSource.has(joined(k)));
        if (absent.length === 0) return [];
        const params: SqlParam[] = [];
        await tx.query(`DELETE FROM ${target} WHERE ${keyMatch(t, absent, params)}`, params);
        await logged(tx, log('delete', deleteReason, absent));
        return absent;
      });
      await loggedAfter(log('delete', deleteReason, gone));
      out.deleted.push(...gone);
      const done = new Set(gone.map(joined));
      out.skipped.push(...keys.filter((k) => !done.has(joined(k))));
    }
  }

  // Duplicated: every copy replaced by the source row, once, when asked.
  const dedupeReason = `duplicated on the target (gap-filling ${o.day})`;
  if (o.dedupe) {
    for (const keys of chunks(diff.duplicated)) {
      checkpoint(deps.signal, 'the next duplicated chunk');
      const deduped = await underTargetLock(async (tx) => {
        const src = await readUnderLock(keys);
        refused(src.refused);
        out.unsettled.push(...src.held);
        if (src.admitted.length === 0) return [];
        const done = src.admitted.map(keyOfRow);
        const params: SqlParam[] = [];
        await tx.query(`DELETE FROM ${target} WHERE ${keyMatch(t, done, params)}`, params);
        for (const s of insertStatements(plan, src.admitted, pk, options, deps.statementBudget)) await tx.query(s);
        await logged(tx, log('replace', dedupeReason, done));
        return done;
      });
      await loggedAfter(log('replace', dedupeReason, deduped));
      out.deduped.push(...deduped);
      const done = new Set(deduped.map(joined));
      out.skipped.push(...keys.filter((k) => !done.has(joined(k))));
    }
  }
  return out;
}

/** The row-level settle rule for this repair, or none (with the reason in `warnings`). */
async function settleRule(
  deps: JobDeps,
  plan: TablePlan,
  pk: readonly string[],
  settleSeconds: number | undefined,
  warnings: string[],
): Promise<((rows: readonly SourceRow[]) => Promise<SettleSplit>) | undefined> {
  if (settleSeconds === undefined) return undefined;
  if (!(await commitTimestampsOn(deps.source))) {
    warnings.push(
      'track_commit_timestamp is off on the source: only the day-level settle cutoff applies, so a backdated row or a long ' +
        'transaction still in the DMS pipeline could be backfilled twice; turn it on (docs/aws-facts.md §71)',
    );
    return undefined;
  }
  return (rows) => splitSettled(deps.source, plan, pk, rows, settleSeconds);
}

/** The source's current version text of each key (key joined by NUL → text). */
async function sourceVersions(deps: JobDeps, t: GapTable, keys: readonly string[][]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const params: SqlParam[] = [];
  const match = keys
    .map(
      (key) =>
        `(${t.key
          .map((c, i) => {
            params.push(key[i]!);
            return `${quoteIdent(c.name)} = ${castParam(params.length, c.source.cls, c.source.declared)}`;
          })
          .join(' AND ')})`,
    )
    .join(' OR ');
  const cols = t.key.map((c, i) => `${normalisedText(c.name, c.source.cls, 'source')} AS k${i}`).join(', ');
  const r = await deps.source.query<Record<string, unknown>>(
    `SELECT ${cols}, ${normalisedText(t.version!.name, t.version!.source.cls, 'source')} AS v FROM ${quoteQualified(t.config.source)} WHERE ${match}`,
    params,
  );
  return new Map(
    r.rows.map((row) => [t.key.map((_c, i) => asText(row[`k${i}`] as string)).join('\u0000'), asText(row.v as string)]),
  );
}
