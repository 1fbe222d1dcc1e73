import { checkpoint } from '../../lib/errors.js';
import { repairWaits, writeOptions, type JobDeps } from '../runtime.js';
import { boundWaits } from '../../lib/sql/bounded-waits.js';
import { asText } from '../../lib/sql/coerce.js';
import type { SqlParam } from '../../lib/sql/client.js';
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
import { castParam, normalisedText } from './dialect.js';
import type { SegmentDiff } from './diff.js';
import type { GapTable } from './table.js';

/**
 * Gap-filling's writes, each in its own target transaction that locks the table and re-checks
 * what it is about to change, and each row in the repair log:
 *
 * - missing rows: backfilled from the source through the typemap, in byte-budgeted chunks,
 *   inserting only the keys still missing at the re-check (the fixer's repair);
 * - stale rows (a missed UPDATE): DELETE the target rows whose version still differs from the
 *   source's current one, INSERT the source row — one transaction;
 * - extra rows (a missed DELETE): removed only with `deleteExtra`, after checking again that the
 *   source does not have them;
 * - duplicated rows: only with `dedupe`: every copy deleted and the source row inserted once.
 */

export interface GapRepairs {
  inserted: string[][];
  replaced: string[][];
  deleted: string[][];
  deduped: string[][];
  /** Keys not repaired: gone from the source since the comparison, or fixed meanwhile. */
  skipped: string[][];
}

export interface GapRepairOptions {
  deleteExtra: boolean;
  dedupe: boolean;
  runId: string;
  day: string;
}

const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** `(k1 = $a AND k2 = $b) OR …` on the target, for text keys as compared (normalised texts). */
function keyMatch(t: GapTable, keys: readonly string[][], params: SqlParam[]): string {
  return keys
    .map(
      (key) =>
        `(${t.key
          .map((c, i) => {
            params.push(key[i]!);
            return `${quoteIdent(c.name)} = ${castParam(params.length, c.target.cls, c.target.declared)}`;
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
  const out: GapRepairs = { inserted: [], replaced: [], deleted: [], deduped: [], skipped: [] };
  const pk = t.config.primaryKey;
  const options = writeOptions(deps.config.typemap);
  const table = displayName(t.config.target);
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
  await deps.state.ensureSchema();

  // Missing: backfill.
  for (const keys of chunks(diff.missing)) {
    checkpoint(deps.signal, 'the next backfill chunk');
    const rows = await readSourceRows(deps.source, plan, pk, keys);
    const r = await repairMissingRows(deps.target, deps.state, {
      plan,
      primaryKey: pk,
      rows,
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
    out.skipped.push(...r.alreadyPresent);
    const found = new Set(rows.map((x) => keyOfRow(x).join('\u0000')));
    out.skipped.push(...keys.filter((k) => !found.has(k.join('\u0000'))));
  }

  // Stale: replace the rows whose version still differs.
  for (const keys of chunks(diff.stale)) {
    const rows = await readSourceRows(deps.source, plan, pk, keys);
    const versions = await sourceVersions(deps, t, keys);
    const replaced = await deps.target.transaction(async (tx) => {
      await boundWaits(tx, deps.target.dialect, repairWaits(deps.config));
      await tx.query(`LOCK ${quoteQualified(t.config.target)}`);
      const params: SqlParam[] = [];
      const vt = normalisedText(t.version!.name, t.version!.target.cls, 'target');
      const still = rows.filter((r) => versions.has(keyOfRow(r).join('\u0000')));
      if (still.length === 0) return [];
      const cond = still
        .map((r) => {
          const k = keyOfRow(r);
          const m = keyMatch(t, [k], params);
          params.push(versions.get(k.join('\u0000'))!);
          return `(${m} AND ${vt} <> $${params.length})`;
        })
        .join(' OR ');
      await tx.query(`DELETE FROM ${quoteQualified(t.config.target)} WHERE ${cond}`, params);
      const idx = new Set(await stillMissing(tx, plan, pk, still, options));
      const toInsert = still.filter((_r, i) => idx.has(i));
      for (const s of insertStatements(plan, toInsert, pk, options, deps.statementBudget)) await tx.query(s);
      const done = toInsert.map(keyOfRow);
      if (deps.state.onTarget)
        await deps.state.logRepairs(
          tx,
          log('replace', `stale on the target: version differs (gap-filling ${o.day})`, done),
        );
      return done;
    });
    if (!deps.state.onTarget)
      await deps.state.logRepairs(
        deps.state.client,
        log('replace', `stale on the target: version differs (gap-filling ${o.day})`, replaced),
      );
    out.replaced.push(...replaced);
    const done = new Set(replaced.map((k) => k.join('\u0000')));
    out.skipped.push(...keys.filter((k) => !done.has(k.join('\u0000'))));
  }

  // Extra: delete only when asked, after checking the source again.
  if (o.deleteExtra) {
    for (const keys of chunks(diff.extra)) {
      const present = await readSourceRows(deps.source, plan, pk, keys);
      const onSource = new Set(present.map((r) => keyOfRow(r).join('\u0000')));
      const gone = keys.filter((k) => !onSource.has(k.join('\u0000')));
      if (gone.length > 0) {
        await deps.target.transaction(async (tx) => {
          await boundWaits(tx, deps.target.dialect, repairWaits(deps.config));
          await tx.query(`LOCK ${quoteQualified(t.config.target)}`);
          const params: SqlParam[] = [];
          await tx.query(`DELETE FROM ${quoteQualified(t.config.target)} WHERE ${keyMatch(t, gone, params)}`, params);
          if (deps.state.onTarget)
            await deps.state.logRepairs(
              tx,
              log('delete', `extra on the target: not on the source (gap-filling ${o.day})`, gone),
            );
        });
        if (!deps.state.onTarget)
          await deps.state.logRepairs(
            deps.state.client,
            log('delete', `extra on the target: not on the source (gap-filling ${o.day})`, gone),
          );
      }
      out.deleted.push(...gone);
      out.skipped.push(...keys.filter((k) => onSource.has(k.join('\u0000'))));
    }
  }

  // Duplicated: every copy replaced by the source row, when asked.
  if (o.dedupe) {
    for (const keys of chunks(diff.duplicated)) {
      const rows = await readSourceRows(deps.source, plan, pk, keys);
      await deps.target.transaction(async (tx) => {
        await boundWaits(tx, deps.target.dialect, repairWaits(deps.config));
        await tx.query(`LOCK ${quoteQualified(t.config.target)}`);
        const params: SqlParam[] = [];
        await tx.query(`DELETE FROM ${quoteQualified(t.config.target)} WHERE ${keyMatch(t, keys, params)}`, params);
        for (const s of insertStatements(plan, rows, pk, options, deps.statementBudget)) await tx.query(s);
        if (deps.state.onTarget)
          await deps.state.logRepairs(tx, log('replace', `duplicated on the target (gap-filling ${o.day})`, keys));
      });
      if (!deps.state.onTarget)
        await deps.state.logRepairs(
          deps.state.client,
          log('replace', `duplicated on the target (gap-filling ${o.day})`, keys),
        );
      out.deduped.push(...keys);
    }
  }
  return out;
}

/** The source's current version text of each key (key joined by NUL → text). */
async function sourceVersions(deps: JobDeps, t: GapTable, keys: readonly string[][]): Promise<Map<string, string>> {
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
