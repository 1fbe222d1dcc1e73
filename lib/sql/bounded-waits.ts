import type { SqlExecutor } from './client.js';

/** How long a write may wait on the target (seconds; 0 = no bound of that kind). */
export interface WaitBounds {
  /** Longest wait for a lock (PostgreSQL `lock_timeout`; on Redshift bounded by the statement timeout). */
  lockTimeout: number;
  /** Longest any one statement may run, its lock wait included. */
  statementTimeout: number;
}

/**
 * Bounds the current transaction's waits, for this transaction only (`SET LOCAL`). Redshift has `statement_timeout`
 * (which counts queueing and execution, so a `LOCK` waiting behind a long query is cancelled too) but no
 * `lock_timeout` (docs/aws-facts.md §30): there the lock wait is bounded by the smaller of the two values through
 * `statement_timeout`. PostgreSQL gets both. A statement cancelled this way fails with SQLSTATE 57014 (or 55P03 for a
 * lock timeout), the transaction rolls back, and the caller gives up cleanly.
 */
export async function boundWaits(tx: SqlExecutor, dialect: 'postgres' | 'redshift', b: WaitBounds): Promise<void> {
  const ms = (s: number) => Math.max(1, Math.round(s * 1000));
  if (dialect === 'postgres') {
    if (b.lockTimeout > 0) await tx.query(`SET LOCAL lock_timeout = ${ms(b.lockTimeout)}`);
    if (b.statementTimeout > 0) await tx.query(`SET LOCAL statement_timeout = ${ms(b.statementTimeout)}`);
    return;
  }
  const bounds = [b.lockTimeout, b.statementTimeout].filter((x) => x > 0);
  if (bounds.length > 0) await tx.query(`SET LOCAL statement_timeout = ${ms(Math.min(...bounds))}`);
}
