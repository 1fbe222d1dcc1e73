import type { StateHistory } from '../../lib/state/history.js';
import { runSummarySchemas } from '../run-summaries.js';

/**
 * What `dms-companion history` and the status page show, built from the state store's records (pure):
 * run counts per job, a timeline (holds taken and released, repairs with their keys and evidence, runs that did not
 * end `ok`), and gap-filling's result per table and day (the coverage grid).
 */

export interface TimelineEntry {
  /** UTC, ISO. */
  at: string;
  kind: 'hold' | 'release' | 'repair' | 'run';
  job?: string | undefined;
  task?: string | undefined;
  table?: string | undefined;
  text: string;
  /** Repairs: each key with its evidence (`key — evidence`). */
  details?: string[] | undefined;
}

export interface JobRuns {
  job: string;
  runs: number;
  byStatus: Record<string, number>;
  /** The last run (UTC ISO start) and its status. */
  last?: { startedAt: string; status: string; task?: string | undefined } | undefined;
}

export interface CoverageCell {
  table: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Gap-filling's latest result for the table and day: ok, repaired, differences, failed, partial (not settled)… */
  status: string;
  missing: number;
  extra: number;
  duplicated: number;
  stale: number;
  repaired: number;
}

export interface HistoryView {
  since: string;
  until: string;
  jobs: JobRuns[];
  timeline: TimelineEntry[];
  coverage: CoverageCell[];
  /** Holds still active at the end of the period. */
  activeHolds: { task: string; owner: string; reason: string; since: string; until?: string | undefined }[];
}

/** Keys listed per repair group before "… N more". */
const KEYS_SHOWN = 20;

/** Builds the view; `names` maps task ARNs to task names; `until` is the end of the period (UTC). */
export function historyView(h: StateHistory, names: ReadonlyMap<string, string>, until: Date): HistoryView {
  const name = (arn: string | undefined) => (arn === undefined ? undefined : (names.get(arn) ?? arn));
  const timeline: TimelineEntry[] = [];
  for (const x of h.holds) {
    if (x.createdAt >= h.since)
      timeline.push({
        at: x.createdAt.toISOString(),
        kind: 'hold',
        job: x.owner,
        task: name(x.taskArn),
        text: `${x.owner} hold taken: ${x.reason}${x.until ? ` (until ${x.until.toISOString()})` : ''}`,
      });
    if (x.releasedAt && x.releasedAt >= h.since)
      timeline.push({
        at: x.releasedAt.toISOString(),
        kind: 'release',
        job: x.owner,
        task: name(x.taskArn),
        text: `${x.owner} hold released: ${x.releaseReason ?? ''}`.trim(),
      });
  }
  const groups = new Map<string, typeof h.repairs>();
  for (const r of h.repairs) {
    const k = `${r.runId}\u0000${r.table}\u0000${r.action}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const g of groups.values()) {
    const first = g[0]!;
    timeline.push({
      at: first.at.toISOString(),
      kind: 'repair',
      job: first.job,
      task: name(first.taskArn),
      table: first.table,
      text: `${first.job} ${first.action} ${g.length} row(s) in ${first.table} (run ${first.runId}): ${first.reason}`,
      details: [
        ...g.slice(0, KEYS_SHOWN).map((r) => `${r.key} — evidence: ${r.evidence}`),
        ...(g.length > KEYS_SHOWN ? [`… ${g.length - KEYS_SHOWN} more (dms-companion history --json lists all)`] : []),
      ],
    });
  }
  const jobs = new Map<string, JobRuns>();
  for (const r of h.runs) {
    const j = jobs.get(r.job) ?? { job: r.job, runs: 0, byStatus: {} };
    j.runs++;
    j.byStatus[r.status] = (j.byStatus[r.status] ?? 0) + 1;
    j.last = { startedAt: r.startedAt.toISOString(), status: r.status, task: name(r.taskArn) };
    jobs.set(r.job, j);
    if (r.status !== 'ok' && r.status !== 'running')
      timeline.push({
        at: (r.finishedAt ?? r.startedAt).toISOString(),
        kind: 'run',
        job: r.job,
        task: name(r.taskArn),
        text: `${r.job} run ${r.runId} ended ${r.status}${describeSummary(r.job, r.summary)}`,
      });
  }
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  return {
    since: h.since.toISOString(),
    until: until.toISOString(),
    jobs: [...jobs.values()].sort((a, b) => a.job.localeCompare(b.job)),
    timeline,
    coverage: coverage(h),
    activeHolds: h.holds
      .filter((x) => !x.releasedAt)
      .map((x) => ({
        task: name(x.taskArn)!,
        owner: x.owner,
        reason: x.reason,
        since: x.createdAt.toISOString(),
        until: x.until?.toISOString(),
      })),
  };
}

/** A few words from a run's summary (only fields the project wrote itself: no statement text). */
function describeSummary(job: string, summary: unknown): string {
  const schema = runSummarySchemas[job as keyof typeof runSummarySchemas];
  const parsed = schema?.safeParse(summary);
  if (!parsed?.success) return '';
  const s = parsed.data as Record<string, unknown>;
  const parts = ['status', 'decision', 'phase', 'table', 'day', 'instance'].filter((k) => typeof s[k] === 'string');
  return parts.length ? ` (${parts.map((k) => `${k} ${String(s[k])}`).join(', ')})` : '';
}

/** Gap-filling's latest finished result per table and day. */
function coverage(h: StateHistory): CoverageCell[] {
  const cells = new Map<string, CoverageCell>();
  for (const r of h.runs) {
    if (r.job !== 'gapfill' || r.status === 'running') continue;
    const p = runSummarySchemas.gapfill.safeParse(r.summary);
    if (!p.success) continue;
    const s = p.data;
    const repaired = s.repaired.inserted + s.repaired.replaced + s.repaired.deleted + s.repaired.deduped;
    cells.set(`${s.table} ${s.day}`, {
      table: s.table,
      day: s.day,
      status: s.complete || s.status !== 'ok' ? s.status : 'partial',
      missing: s.missing,
      extra: s.extra,
      duplicated: s.duplicated,
      stale: s.stale,
      repaired,
    });
  }
  return [...cells.values()].sort((a, b) => a.table.localeCompare(b.table) || a.day.localeCompare(b.day));
}
