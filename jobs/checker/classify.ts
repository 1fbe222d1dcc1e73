/** The checker's verdict on a task. */
export type CheckStatus = 'ok' | 'one-by-one' | 'stalled' | 'not-running';

/** What the checker measured for one task over its window. */
export interface CheckMeasures {
  /** The replication task's status (DescribeReplicationTasks). */
  taskStatus: string;
  /** Rolled-back DMS UPDATEs of the task's tables in the window (docs/aws-facts.md §3). */
  rolledBackUpdates: number;
  /** Single-row DMS UPDATEs (not through the changes table) in the window: one per change in one-by-one mode. */
  singleRowUpdates: number;
  /** Every statement the DMS user ran on the task's tables in the window. */
  dmsStatements: number;
  /** Highest CDCLatencyTarget in the window (seconds); null without datapoints. */
  cdcLatencyTarget: number | null;
  /** Median single-row UPDATE count of past windows, when known. */
  historyMedian?: number | undefined;
}

export interface ClassifyRules {
  updateThreshold: number;
  historyFactor?: number | undefined;
  /** Seconds of CDCLatencyTarget at which a silent running task counts as stalled. */
  stallLatency: number;
}

/**
 * The checker's verdict, a pure function of what it measured: `not-running` for a task not running; `one-by-one`
 * for a rolled-back DMS UPDATE, or more single-row UPDATEs than the threshold (and, with `historyFactor`, than that
 * factor times the median of past windows — docs/aws-facts.md §2); `stalled` for a running task with no DMS
 * statement at all and CDCLatencyTarget at or above `stallLatency`; else `ok`.
 */
export function classifyTask(m: CheckMeasures, rules: ClassifyRules): CheckStatus {
  if (m.taskStatus !== 'running') return 'not-running';
  const n = m.singleRowUpdates;
  const overHistory =
    m.historyMedian === undefined || rules.historyFactor === undefined || n > rules.historyFactor * m.historyMedian;
  if (m.rolledBackUpdates > 0 || (n > rules.updateThreshold && overHistory)) return 'one-by-one';
  if (m.dmsStatements === 0 && m.cdcLatencyTarget !== null && m.cdcLatencyTarget >= rules.stallLatency)
    return 'stalled';
  return 'ok';
}
