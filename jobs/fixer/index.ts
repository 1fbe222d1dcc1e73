import type { TableConfig, TaskConfig } from '../../config/schema.js';
import { checkpoint, CompanionError, errorMessage, RefusedError, ShutdownError } from '../../lib/errors.js';
import { SqlError } from '../../lib/sql/client.js';
import type { RunStatus } from '../../lib/state/store.js';
import { leaseSeconds, withJobRun } from '../job-run.js';
import type { RunSummary } from '../run-summaries.js';
import { jobLogger, newRunId } from '../../lib/log.js';
import { repairWaits, writeOptions, type JobDeps } from '../runtime.js';
import { displayName } from '../../lib/sql/quote.js';
import { formatKey, insertStatements, planTable, readSourceRows, type SourceRow } from '../../lib/typemap/index.js';
import { checkAgainstCatalog } from './catalog-check.js';
import {
  findRolledBackUpdates,
  type EvidenceAttempt,
  type EvidenceSource,
  type RolledBackUpdate,
} from '../../lib/dms/rollback-evidence.js';
import { taskIdentityOf } from '../../lib/dms/task-attribution.js';
import { readApplyExceptionKeys, type ApplyExceptionsEvidence } from './apply-exceptions-evidence.js';
import { findMissingKeys } from './missing-keys.js';
import { proveChangesTableHoldsBatch } from './changes-table-proof.js';
import {
  explainJson,
  parseApplyUpdate,
  StatementParseError,
  type ParsedApplyUpdate,
} from '../../lib/dms/apply-update.js';
import { repairMissingRows, stillMissing } from '../../lib/repair/insert-missing.js';
import { describeRefused, splitWritable, type RefusedRow } from '../../lib/repair/refused-rows.js';
import { sourceKeyOf } from '../../lib/repair/source-keys.js';
import { fixerSettleCheck } from './settle-check.js';

/**
 * The fixer: repairs the missing rows behind one-by-one mode.
 *
 * 1. find the most recent rolled-back DMS UPDATE of one of the task's tables (find-rollback.ts);
 * 2. rebuild and parse its text (parse-update.ts);
 * 3. check every parsed identifier against the target catalog and the config (catalog-check.ts);
 * 4. LEFT JOIN the changes in its seq range against the target: missing and duplicated keys (missing-keys.ts),
 *    then prove the changes table still held that batch while they were read (changes-table-proof.ts);
 *    when 1–4 are refused or find no rolled-back UPDATE, the keys come instead from the task's rows of
 *    `awsdms_apply_exceptions` since the rollback (apply-exceptions-evidence.ts; keys already on the
 *    target dropped in 5), and the report's evidence kind says `apply-exceptions`;
 * 5. a first look at the missing rows on the source (a key missing there too is reported, not
 *    invented; when none is there, the task is not stopped);
 * 6. hold the task (stop, wait until stopped), then in one target transaction lock the table, read
 *    the rows from the source again (after the stop: a source UPDATE or DELETE since step 5 is in
 *    what is written, never undone by it), re-check and insert exactly the still-missing rows, with
 *    the repair log (lib/repair/insert-missing.ts); a row the typemap refuses is reported (table,
 *    key, column, reason) and skipped, the others written; a row whose version DMS may still
 *    deliver after the resume (committed within CDCLatencyTarget's reach, settle-check.ts) is
 *    skipped and reported as `unsettled`, left to gap-filling; release the hold (resume); start the
 *    cool-down.
 * `dryRun` does 1–5 and returns the plan (keys and INSERT statements) without stopping the task or
 * writing. A lease keeps two companions from fixing the same task at once.
 */

export type FixerStatus = 'repaired' | 'planned' | 'nothing-missing' | 'no-rollback-found' | 'skipped' | 'failed';

export interface FixerReport {
  job: 'fixer';
  runId: string;
  task: string;
  taskArn: string;
  dryRun: boolean;
  status: FixerStatus;
  /** Why the run was skipped or failed. */
  reason?: string;
  /** Things a person should know that did not stop the run. */
  warnings: string[];
  /** What the keys came from. */
  evidence?: ChangesTableEvidence | ApplyExceptionsReport;
  attempts?: EvidenceAttempt[];
  table?: string;
  changesRows?: number;
  missing: string[][];
  duplicated: string[][];
  missingAtSource: string[][];
  /** Source rows the typemap refuses (table, key, column, reason): reported and skipped. */
  refused: RefusedRow[];
  /** Dry run: the INSERT statements a repair would run now. */
  plannedStatements?: string[];
  inserted: string[][];
  alreadyPresent: string[][];
  /** Keys whose source version DMS may still deliver after the resume: not written, left to gap-filling (settle-check.ts). */
  unsettled: string[][];
  /** What the fixer did to the task: stopped it through a hold, resumed it on release. */
  hold: { stopped: boolean; resumed: boolean; note?: string | undefined };
  cooldownUntil?: string;
  durationMs: number;
}

/** The rolled-back UPDATE's seq range in the changes table. */
export interface ChangesTableEvidence {
  kind: 'changes-table';
  source: EvidenceSource;
  attempts: EvidenceAttempt[];
  queryId: string;
  xid: string;
  startTime: string;
  statement: Record<string, unknown>;
}

/** The task's rows of `awsdms_apply_exceptions` (apply-exceptions-evidence.ts), used when the changes table's are refused or absent. */
export interface ApplyExceptionsReport {
  kind: 'apply-exceptions';
  /** UTC: rows logged from then on were read (the rolled-back UPDATE's start, else the look-back). */
  since: string;
  schemas: string[];
  rows: number;
  /** Rows not used, with the reason. */
  refused: string[];
  /** Why the changes table's evidence was not used (refused, or no rolled-back UPDATE found). */
  changesTable: string;
}

export interface FixerOptions {
  task: TaskConfig;
  dryRun: boolean;
  runId?: string;
}

export async function runFixer(deps: JobDeps, o: FixerOptions): Promise<FixerReport> {
  const started = deps.clock.now();
  const runId = o.runId ?? newRunId();
  const log = jobLogger(deps.log, 'fixer', runId, o.task.name);
  const report: FixerReport = {
    job: 'fixer',
    runId,
    task: o.task.name,
    taskArn: o.task.arn,
    dryRun: o.dryRun,
    status: 'failed',
    warnings: [],
    missing: [],
    duplicated: [],
    missingAtSource: [],
    refused: [],
    inserted: [],
    alreadyPresent: [],
    unsettled: [],
    hold: { stopped: false, resumed: false },
    durationMs: 0,
  };
  const finish = (r: FixerReport) => ({ ...r, durationMs: deps.clock.now().getTime() - started.getTime() });
  const run = await withJobRun(
    deps,
    {
      kind: 'fixer',
      runId,
      taskArn: o.task.arn,
      lease: { name: `fixer:${o.task.arn}`, seconds: leaseSeconds.fixer(deps.config) },
      dryRun: o.dryRun,
      log,
      record: (r: FixerReport) => ({ status: fixerRunStatus(r), summary: summarize(r) }),
      onError: (err, interrupted) => {
        if (interrupted) log.warn(`${errorMessage(err)}; nothing was written, the next start runs the fixer again`);
        else log.error({ err: errorMessage(err) }, 'fixer failed; nothing was written');
        return { ...report, status: 'failed' as const, reason: errorMessage(err) };
      },
    },
    async () => {
      const result = await fix(deps, o, report, log);
      if (!o.dryRun) await releaseLeftoverHold(deps, o.task, runId, result, log);
      return result;
    },
  );
  if (!run.ran) {
    log.warn('another companion is fixing this task; skipped');
    return finish({ ...report, status: 'skipped', reason: 'another companion holds the fixer lease for this task' });
  }
  return finish(run.result);
}

function fixerRunStatus(r: FixerReport): RunStatus {
  if (r.status === 'failed') return 'failed';
  return r.status === 'repaired' || r.status === 'nothing-missing' || r.status === 'no-rollback-found'
    ? 'ok'
    : 'problem';
}

/**
 * A fixer hold still on the task after this run (which always releases its own) was left by an
 * interrupted run — a companion killed mid-repair. Only one fixer runs per task (the lease), so
 * it is released here, with the reason recorded; the task resumes when it was running before.
 */
async function releaseLeftoverHold(
  deps: JobDeps,
  task: TaskConfig,
  runId: string,
  result: FixerReport,
  log: ReturnType<typeof jobLogger>,
): Promise<void> {
  const left = (await deps.control.holds(task.arn)).filter((h) => h.owner === 'fixer');
  if (left.length === 0) return;
  const why = `left by interrupted fixer run ${left[0]!.runId ?? '(unknown)'}; released by run ${runId} (${result.status})`;
  log.warn({ heldSince: left[0]!.createdAt.toISOString() }, why);
  const rel = await deps.control.release(task.arn, 'fixer', why);
  result.hold.resumed ||= rel.resumed;
  result.warnings.push(why);
}

function summarize(r: FixerReport): RunSummary<'fixer'> {
  return {
    status: r.status,
    reason: r.reason,
    table: r.table,
    missing: r.missing.length,
    inserted: r.inserted.length,
    queryId: r.evidence?.kind === 'changes-table' ? r.evidence.queryId : undefined,
  };
}

async function fix(
  deps: JobDeps,
  o: FixerOptions,
  report: FixerReport,
  log: ReturnType<typeof jobLogger>,
): Promise<FixerReport> {
  const cfg = deps.config.jobs.fixer;
  const now = deps.clock.now();
  const since = new Date(now.getTime() - cfg.lookback * 1000);

  // 1–2. The most recent rolled-back DMS UPDATE of one of this task's tables.
  // Only this task's statements: by the "TaskId" in DMS's comment, else its tables' names as whole tokens (§64).
  const { updates, attempts } = await findRolledBackUpdates(
    deps.target,
    deps.config.dmsUser,
    since,
    undefined,
    taskIdentityOf(o.task),
  );
  const taskTables = new Set(o.task.tables.map((t) => `${t.target.schema}.${t.target.name}`));
  let chosen: { u: (typeof updates)[number]; parsed: ParsedApplyUpdate } | undefined;
  const parseProblems: string[] = [];
  for (const u of updates) {
    try {
      const parsed = parseApplyUpdate(u.text);
      if (taskTables.has(`${parsed.targetTable.schema}.${parsed.targetTable.name}`)) {
        chosen = { u, parsed };
        break;
      }
    } catch (err) {
      if (!(err instanceof StatementParseError)) throw err;
      parseProblems.push(`query ${u.queryId}: ${err.message}`);
    }
  }
  if (parseProblems.length > 0)
    report.warnings.push(...parseProblems.map((p) => `skipped a rolled-back UPDATE that cannot be parsed: ${p}`));
  const used = attempts.find((a) => a.outcome === 'used');
  log.info(
    { attempts },
    used ? `rolled-back DMS UPDATEs read from ${used.source}` : 'no rolled-back DMS UPDATE found in any source',
  );
  let keys: Evidence | undefined;
  let changesRefused: RefusedError | undefined;
  if (chosen) {
    try {
      keys = await changesTableKeys(deps, o, chosen, attempts, report, log);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      changesRefused = err;
      report.warnings.push(err.message);
    }
    if (keys && keys.missing.length === 0) return { ...report, status: 'nothing-missing' };
  }
  if (!keys) {
    // The changes table's evidence is refused or absent: the task's apply exceptions, on their own.
    const why = changesRefused
      ? changesRefused.message
      : parseProblems.length > 0 && updates.length > 0
        ? `rolled-back DMS UPDATEs found, but none could be used: ${parseProblems.join('; ')}`
        : `no rolled-back DMS UPDATE of ${[...taskTables].join(', ')} since ${since.toISOString()}`;
    keys = await applyExceptionKeys(deps, o, chosen?.u.startTime ?? since, why, report, log);
    if (!keys) {
      if (changesRefused) throw changesRefused;
      if (parseProblems.length > 0 && updates.length > 0) throw new CompanionError(why);
      return { ...report, status: 'no-rollback-found', attempts, reason: why };
    }
  }
  const table = keys.table;

  // 5. A first look at the source (before the stop): it only decides whether a stop is worth it and
  //    plans the dry run; the rows written are read again after the stop, under the target lock (6).
  const mapping = { mapBooleanAsBoolean: deps.config.typemap.mapBooleanAsBoolean };
  const plan = await planTable(deps.source, deps.target, table.source, table.target, mapping);
  const options = writeOptions(deps.config.typemap);
  let rows = await readSourceRows(deps.source, plan, table.primaryKey, keys.missing);
  noteMissingAtSource(report, table.primaryKey, keys.missing, rows, log);
  if (report.evidence?.kind === 'apply-exceptions') {
    // DMS never clears its exception rows: keys on the target by now (repaired before) are not worth a stop.
    const missingNow = new Set(await stillMissing(deps.target, plan, table.primaryKey, rows, options));
    report.alreadyPresent = rows.filter((_r, i) => !missingNow.has(i)).map((r) => sourceKeyOf(table.primaryKey, r));
    rows = rows.filter((_r, i) => missingNow.has(i));
  }
  if (o.dryRun) {
    const { writable, refused } = splitWritable(plan, rows, table.primaryKey, options, deps.statementBudget);
    noteRefused(report, refused, log);
    const plannedStatements = insertStatements(plan, writable, table.primaryKey, options, deps.statementBudget);
    return { ...report, status: 'planned', plannedStatements };
  }
  if (rows.length === 0)
    return {
      ...report,
      status: 'nothing-missing',
      reason: 'every missing key is missing on the source too, or on the target by now',
    };

  // 6. Hold, repair, release, cool-down. The settle check reads the running task's latency first.
  const admit = await fixerSettleCheck(deps, o.task, plan, table.primaryKey, report.warnings);
  checkpoint(deps.signal, 'stopping the task');
  const until = new Date(now.getTime() + leaseSeconds.fixer(deps.config) * 1000);
  const reason = `repair ${rows.length} missing row(s) of ${report.table} behind ${keys.behind}`;
  const held = await deps.control.hold(o.task.arn, 'fixer', reason, {
    until,
    runId: report.runId,
    stopTimeout: cfg.stopTimeout,
  });
  report.hold.stopped = held.stopped;
  if (deps.signal?.aborted) {
    // Shutting down with the task stopped: keep it stopped, so that DMS keeps the changes table
    // this repair reads; the next start (or `dms-companion fix`) completes the repair and resumes.
    const note =
      `${reason}; interrupted by a companion shutdown before the repair: the task stays stopped (its changes table intact) until the next ` +
      `start completes the repair, or \`dms-companion fix --task ${o.task.name}\``;
    await deps.state.noteHold(o.task.arn, 'fixer', note);
    log.warn(note);
    throw new ShutdownError('the repair (the hold stays; the next start completes it)');
  }
  let released = false;
  try {
    // The source is read again only now, with the task stopped and under the target lock: an
    // UPDATE or DELETE on the source since step 5 is in what is written, never undone by it.
    const outcome = await repairMissingRows(deps.target, deps.source, deps.state, {
      plan,
      primaryKey: table.primaryKey,
      keys: keys.missing,
      ...(admit ? { admit } : {}),
      options,
      budgetBytes: deps.statementBudget,
      waits: repairWaits(deps.config),
      log: {
        runId: report.runId,
        job: 'fixer',
        taskArn: o.task.arn,
        reason: `missing on the target behind ${keys.reason}`,
        evidence: keys.evidence,
        at: deps.clock.now(),
      },
    });
    report.inserted = outcome.inserted;
    report.alreadyPresent = [...report.alreadyPresent, ...outcome.alreadyPresent];
    noteMissingAtSource(report, table.primaryKey, keys.missing, [], log, outcome.missingAtSource);
    noteRefused(report, outcome.refused, log);
    report.unsettled = outcome.unsettled;
    if (outcome.unsettled.length > 0) {
      const why =
        `${outcome.unsettled.length} key(s) not repaired: changed on the source too recently (DMS may still deliver them after ` +
        `the resume); gap-filling repairs them once settled`;
      report.warnings.push(why);
      log.warn({ keys: outcome.unsettled.map((k) => formatKey(table.primaryKey, k)) }, why);
    }
    log.info(
      {
        inserted: outcome.inserted.length,
        alreadyPresent: outcome.alreadyPresent.length,
        statements: outcome.statements,
      },
      'missing rows inserted',
    );
    released = true;
    const rel = await deps.control.release(o.task.arn, 'fixer', `repaired ${outcome.inserted.length} row(s)`);
    report.hold.resumed = rel.resumed;
    report.hold.note = rel.reason;
  } finally {
    if (!released) {
      const failed = { failed: true };
      await deps.control
        .release(o.task.arn, 'fixer', 'repair failed; nothing was written', failed)
        .catch((err: unknown) => {
          log.error({ err: errorMessage(err) }, 'releasing the hold after a failed repair failed');
        });
    }
  }
  const cooldownUntil = new Date(deps.clock.now().getTime() + cfg.cooldown * 1000);
  await deps.state.setCooldown(
    o.task.arn,
    'fixer',
    cooldownUntil,
    `repaired ${report.inserted.length} row(s) of ${report.table}`,
  );
  report.cooldownUntil = cooldownUntil.toISOString();
  return { ...report, status: 'repaired' };
}

/** Keys the source does not have (from `rows` read for `keys`, or given): reported, not invented. */
function noteMissingAtSource(
  report: FixerReport,
  pk: readonly string[],
  keys: readonly string[][],
  rows: readonly SourceRow[],
  log: ReturnType<typeof jobLogger>,
  given?: string[][],
): void {
  const found = new Set(rows.map((r) => sourceKeyOf(pk, r).join('\u0000')));
  report.missingAtSource = given ?? keys.filter((k) => !found.has(k.join('\u0000')));
  if (report.missingAtSource.length > 0) {
    log.warn(
      { keys: report.missingAtSource.map((k) => formatKey(pk, k)) },
      'keys missing on the source too: reported, not invented',
    );
  }
}

function noteRefused(report: FixerReport, refused: readonly RefusedRow[], log: ReturnType<typeof jobLogger>): void {
  report.refused = [...refused];
  if (refused.length === 0) return;
  report.warnings.push(...refused.map(describeRefused));
  log.warn({ refused }, 'source rows the typemap refuses: reported and skipped, the other rows written');
}

/** Missing keys of one configured table, and how the repair log and the hold describe their evidence. */
interface Evidence {
  table: TableConfig;
  missing: string[][];
  /** For the hold's reason: `rolled-back UPDATE query 12`. */
  behind: string;
  /** For the repair log. */
  reason: string;
  evidence: string;
}

/**
 * Steps 3–4: identifiers against the target catalog and the config, the keys in the seq range
 * LEFT JOINed against the target, then the proof that the changes table still held that batch.
 * @throws RefusedError when any of it cannot be trusted.
 */
async function changesTableKeys(
  deps: JobDeps,
  o: FixerOptions,
  chosen: { u: RolledBackUpdate; parsed: ParsedApplyUpdate },
  attempts: EvidenceAttempt[],
  report: FixerReport,
  log: ReturnType<typeof jobLogger>,
): Promise<Evidence> {
  const { u, parsed } = chosen;
  report.evidence = {
    kind: 'changes-table',
    source: u.source,
    attempts,
    queryId: u.queryId,
    xid: u.xid,
    startTime: u.startTime.toISOString(),
    statement: explainJson(parsed),
  };
  const checked = await checkAgainstCatalog(deps.target, o.task, parsed);
  report.table = displayName(checked.table.target);
  const keys = await findMissingKeys(deps.target, parsed, checked);
  // The range still means the failed batch: no later load into (or apply from) the changes table.
  await proveChangesTableHoldsBatch(deps.target, deps.config.dmsUser, parsed.changesTable, u);
  report.changesRows = keys.changesRows;
  report.missing = keys.missing;
  report.duplicated = keys.duplicated;
  log.info(
    {
      table: report.table,
      changes: keys.changesRows,
      missing: keys.missing.length,
      duplicated: keys.duplicated.length,
      queryId: u.queryId,
    },
    'changes in the seq range joined against the target',
  );
  return {
    table: checked.table,
    missing: keys.missing,
    behind: `rolled-back UPDATE query ${u.queryId}`,
    reason: `rolled-back UPDATE (seq ${parsed.seqFrom}–${parsed.seqTo})`,
    evidence: `query ${u.queryId} xid ${u.xid}`,
  };
}

/**
 * The task's apply exceptions since `since` (apply-exceptions-evidence.ts): the keys of the first
 * configured table that has any (the others are named in a warning; the next run takes them).
 * Undefined when no row yields a key; `changesTable` says why the changes table was not used.
 */
async function applyExceptionKeys(
  deps: JobDeps,
  o: FixerOptions,
  since: Date,
  changesTable: string,
  report: FixerReport,
  log: ReturnType<typeof jobLogger>,
): Promise<Evidence | undefined> {
  let found: ApplyExceptionsEvidence;
  try {
    found = await readApplyExceptionKeys(deps.target, o.task, since);
  } catch (err) {
    if (!(err instanceof SqlError)) throw err;
    report.warnings.push(`apply exceptions not readable: ${err.message}`);
    return undefined;
  }
  log.info(
    { schemas: found.schemas, rows: found.rows, refused: found.refused.length, tables: found.tables.length },
    'apply exceptions read',
  );
  if (found.refused.length > 0) report.warnings.push(...found.refused.map((r) => `apply exception not used: ${r}`));
  const first = found.tables[0];
  if (!first) return undefined;
  if (found.tables.length > 1)
    report.warnings.push(
      `apply exceptions name missing keys of ${found.tables.length} tables; this run repairs ${displayName(first.table.target)}, the next ` +
        `run the others`,
    );
  report.evidence = {
    kind: 'apply-exceptions',
    since: since.toISOString(),
    schemas: found.schemas,
    rows: found.rows,
    refused: found.refused,
    changesTable,
  };
  report.table = displayName(first.table.target);
  report.missing = first.keys;
  return {
    table: first.table,
    missing: first.keys,
    behind: `apply exceptions since ${since.toISOString()}`,
    reason: 'single-row UPDATEs DMS logged as touching nothing (awsdms_apply_exceptions)',
    evidence: `awsdms_apply_exceptions of task ${o.task.name} since ${since.toISOString()}`,
  };
}
