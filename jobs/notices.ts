import { SNSClient } from '@aws-sdk/client-sns';
import type { Config } from '../config/schema.js';
import { formatBytes } from '../config/units.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Notice } from '../lib/notify/notice.js';
import { Notifier, type NoticeChannel } from '../lib/notify/notifier.js';
import { publishSns } from '../lib/notify/sns.js';
import { postWebhook } from '../lib/notify/webhook.js';
import type { FixerReport } from './fixer/index.js';
import type { GapfillResult } from './gapfill/index.js';
import type { JobName, JobOutcomeOf } from './registry.js';

/**
 * What a person is told about a finished run — the one place the notices are derived from job outcomes (the daemon's
 * runner and the CLI commands call {@link outcomeNotices}; no job sends anything itself). One notice per action:
 * - a fixer repair (the task's stop and resume for it are part of that notice), a fixer that gave up (failed or
 *   skipped) or left the task stopped;
 * - gap-filling: per table and day, the rows it repaired, the differences it left, or its failure;
 * - the maintenance guard: each task it stopped, each task it resumed, each hold or release that failed, and its
 *   give-up (once per window);
 * - the memory guard: each task it restarted (stop and resume, one notice), a restart that failed, and an instance
 *   at its restart limit or not recovering (once per dedupe window).
 * Dry runs tell nothing. Error texts are cut to {@link ERROR_CHARS} characters.
 */

const ERROR_CHARS = 200;
const cut = (s: string | undefined) => (s && s.length > ERROR_CHARS ? `${s.slice(0, ERROR_CHARS)}…` : (s ?? ''));
const HISTORY = (task: string) => `see \`dms-companion history --task ${task}\``;

/** A finished run's job name and report (a JobOutcome is one). */
export type OutcomeReport = { [N in JobName]: { job: N; report: JobOutcomeOf<N>['report'] } }[JobName];

/** The notices one outcome stands for (none for a dry run). */
export function outcomeNotices(o: OutcomeReport): Notice[] {
  switch (o.job) {
    case 'checker':
      return o.report.dryRun ? [] : o.report.tasks.flatMap((t) => (t.fix ? fixerNotices(t.fix) : []));
    case 'fixer':
      return o.report.runs.flatMap(fixerNotices);
    case 'gapfill':
      return o.report.dryRun ? [] : o.report.results.flatMap(gapfillNotices);
    case 'maintenance-guard': {
      const r = o.report;
      if (r.dryRun) return [];
      const window = r.window?.start ?? 'no window';
      const out: Notice[] = [];
      for (const a of r.actions) {
        if (a.action === 'hold' && a.result === 'stopped')
          out.push({
            kind: 'stopped',
            job: o.job,
            task: a.task,
            what: `replication task stopped for Redshift maintenance`,
            why:
              r.phase === 'holding'
                ? `maintenance window ${window}`
                : `cluster ${r.cluster?.identifier ?? ''} unavailable`,
            undo:
              `it is resumed after the window (planned ${r.window?.plannedResume ?? '?'}); ` +
              `to resume now: dms-companion holds release --task ${a.task} --owner maintenance`,
            key: `maintenance:stopped:${a.task}:${window}`,
          });
        else if (a.action === 'release' && a.result === 'resumed')
          out.push({
            kind: 'resumed',
            job: o.job,
            task: a.task,
            what: 'replication task resumed after Redshift maintenance',
            why: 'the maintenance hold ended and the cluster is available',
            undo: 'nothing to undo; dms-companion holds shows no maintenance hold',
            key: `maintenance:resumed:${a.task}:${window}`,
          });
        else if (a.error || a.result.startsWith('not resumed'))
          out.push({
            kind: 'gave-up',
            job: o.job,
            task: a.task,
            what: `maintenance guard could not ${a.action === 'hold' ? 'stop' : 'resume'} the replication task`,
            why: cut(a.error ?? a.result),
            undo: `check the task in the DMS console; dms-companion holds shows what is held`,
            key: `maintenance:${a.action}-failed:${a.task}:${window}`,
          });
      }
      if (r.phase === 'gave-up')
        out.push({
          kind: 'gave-up',
          job: o.job,
          what: 'maintenance guard gave up waiting for the cluster; the tasks stay stopped',
          why: cut(r.alerts.join('; ')),
          undo: 'once the cluster is available: dms-companion holds release --task T --owner maintenance',
          key: `maintenance:gave-up:${window}`,
        });
      return out;
    }
    case 'memory-guard': {
      const r = o.report;
      if (r.dryRun) return [];
      const out: Notice[] = [];
      for (const i of r.instances) {
        for (const x of i.restarted)
          out.push(
            x.error || x.result !== 'stopped and resumed'
              ? {
                  kind: 'gave-up',
                  job: o.job,
                  task: x.task,
                  what: 'memory guard could not restart the replication task',
                  why: cut(x.error ?? x.result),
                  undo: 'check the task in the DMS console; dms-companion holds shows what is held',
                  key: `memory:restart-failed:${x.task}:${r.runId}`,
                }
              : {
                  kind: 'restarted',
                  job: o.job,
                  task: x.task,
                  what: 'replication task stopped and resumed to free replication-instance memory',
                  why: `FreeableMemory of ${i.instance} fell to ${i.minimum === null ? '?' : formatBytes(i.minimum)}, below ${formatBytes(i.threshold)}`,
                  undo: 'nothing to undo: the task runs again and resumes from its checkpoint',
                  key: `memory:restarted:${x.task}:${r.runId}`,
                },
          );
        if (i.decision === 'restart-limit' || i.decision === 'not-recovered')
          out.push({
            kind: 'gave-up',
            job: o.job,
            what: `memory guard gave up on replication instance ${i.instance} (${i.decision})`,
            why: `FreeableMemory ${i.freeableMemory === null ? '?' : formatBytes(i.freeableMemory)} after ${i.restartsInWindow} restart(s) in the window`,
            undo: 'scale the replication instance or restart it by hand; the guard acts again after its restart window',
            key: `memory:${i.decision}:${i.instance}`,
          });
      }
      return out;
    }
  }
}

/** The notice for a run that threw (not for a shutdown: that is no failure). */
export function failureNotice(job: string, task: string | undefined, error: string): Notice {
  return {
    kind: 'gave-up',
    job,
    task,
    what: `${job} run failed`,
    why: cut(error),
    undo: `the next scheduled run tries again; the log has the details (job=${job})`,
    key: `${job}:failed:${task ?? ''}:${cut(error)}`,
  };
}

/** What the fixer's keys came from, for a notice. */
function fixerEvidenceText(f: FixerReport): string {
  return f.evidence?.kind === 'apply-exceptions'
    ? `DMS logged single-row UPDATEs that touched nothing (awsdms_apply_exceptions since ${f.evidence.since})`
    : `DMS rolled back a bulk UPDATE (query ${f.evidence?.queryId ?? '?'}) and went one-by-one`;
}

function fixerNotices(f: FixerReport): Notice[] {
  if (f.dryRun) return [];
  const out: Notice[] = [];
  const restarted = f.hold.stopped ? (f.hold.resumed ? '; the task was stopped and resumed for it' : '') : '';
  if (f.status === 'repaired')
    out.push({
      kind: 'repaired',
      job: 'fixer',
      task: f.task,
      table: f.table,
      what: `${f.inserted.length} missing row(s) inserted${restarted}`,
      why: `${fixerEvidenceText(f)}; keys ${f.inserted
        .slice(0, 5)
        .map((k) => k.join(','))
        .join(' ')}${f.inserted.length > 5 ? ' …' : ''}`,
      undo: `delete the rows of run ${f.runId} listed in the repair log (${HISTORY(f.task)})`,
      key: `fixer:repaired:${f.runId}`,
    });
  else if (f.status === 'failed' || f.status === 'skipped')
    out.push({
      kind: 'gave-up',
      job: 'fixer',
      task: f.task,
      table: f.table,
      what: `fixer ${f.status === 'failed' ? 'failed' : 'skipped the repair'}`,
      why: cut(f.reason ?? 'no reason recorded'),
      undo: `repair by hand with dms-companion fix --task ${f.task} (${HISTORY(f.task)})`,
      key: `fixer:${f.status}:${f.task}:${cut(f.reason)}`,
    });
  if (f.hold.stopped && !f.hold.resumed)
    out.push({
      kind: 'stopped',
      job: 'fixer',
      task: f.task,
      what: 'replication task left stopped by the fixer',
      why: cut(f.hold.note ?? f.reason ?? 'the resume did not happen'),
      undo: `dms-companion holds release --task ${f.task} --owner fixer (resumes it)`,
      key: `fixer:left-stopped:${f.runId}`,
    });
  return out;
}

function gapfillNotices(x: GapfillResult): Notice[] {
  const rows = Object.entries(x.repaired).filter(([, n]) => n > 0);
  const found = (['missing', 'extra', 'duplicated', 'stale'] as const).filter((c) => x[c].length > 0);
  const out: Notice[] = [];
  if (rows.length)
    out.push({
      kind: 'repaired',
      job: 'gapfill',
      table: x.table,
      what: `gap-filling repaired ${x.day}: ${rows.map(([a, n]) => `${n} ${a}`).join(', ')}`,
      why: `source and target differed: ${found.map((c) => `${x[c].length} ${c}`).join(', ')}`,
      undo: `the repair log lists every key with its segment (dms-companion history --since 48h)`,
      key: `gapfill:repaired:${x.table}:${x.day}:${rows.map(([a, n]) => `${a}${n}`).join()}`,
    });
  if (x.status === 'differences' || x.status === 'failed')
    out.push({
      kind: x.status === 'failed' ? 'gave-up' : 'differences',
      job: 'gapfill',
      table: x.table,
      what:
        x.status === 'failed'
          ? `gap-filling failed for ${x.day}`
          : `gap-filling left differences for ${x.day}: ${found.map((c) => `${x[c].length} ${c}`).join(', ')}`,
      why: cut(x.error ?? (x.warnings.join('; ') || 'repairs of this class are off (gapfill.deleteExtra / dedupe)')),
      undo: `dms-companion gapfill --table ${x.table} --day ${x.day} --dry-run shows them`,
      key: `gapfill:${x.status}:${x.table}:${x.day}`,
    });
  return out;
}

/** The configured notification channels as a {@link Notifier}; undefined when `notify:` names none. */
export function createNotifier(
  config: Config,
  clock: Clock,
  log: Logger,
  o: { sns?: SNSClient } = {},
): Notifier | undefined {
  const n = config.notify;
  const channels: NoticeChannel[] = [];
  const timeoutMs = n.timeout * 1000;
  if (n.webhook) {
    const url = n.webhook.url;
    channels.push({ name: 'webhook', send: (x) => postWebhook(url, x, timeoutMs) });
  }
  if (n.sns) {
    const topicArn = n.sns.topicArn;
    const client =
      o.sns ?? new SNSClient({ region: config.region, requestHandler: { requestTimeout: timeoutMs }, maxAttempts: 2 });
    channels.push({ name: 'sns', send: (x) => publishSns(client, topicArn, x) });
  }
  if (channels.length === 0) return undefined;
  return new Notifier({ channels, clock, log, dedupeSeconds: n.dedupeWindow, maxPerMinute: n.maxPerMinute });
}
