import type { SqlExecutor } from '../sql/client.js';
import { quoteIdent } from '../sql/quote.js';

/** The state tables, one per concern; each has its own module in lib/state/. */
export type StateTable = 'holds' | 'transitions' | 'cooldowns' | 'runs' | 'repair_log' | 'leases';

/** Where the state tables live: a schema, quoted once. */
export class StateTables {
  private readonly s: string;
  constructor(readonly schema: string) {
    this.s = quoteIdent(schema);
  }
  /** `"schema"`. */
  get quotedSchema(): string {
    return this.s;
  }
  /** `"schema"."table"`. */
  table(name: StateTable): string {
    return `${this.s}.${quoteIdent(name)}`;
  }
}

/**
 * The DDL of every state table. Redshift and PostgreSQL alike: VARCHAR/TIMESTAMP/BOOLEAN columns only, no
 * PRIMARY KEY or UNIQUE reliance (Redshift does not enforce them, docs/aws-facts.md §11).
 */
export function stateDdl(t: StateTables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${t.quotedSchema}`,
    `CREATE TABLE IF NOT EXISTS ${t.table('holds')} (task_arn VARCHAR(2048) NOT NULL, owner VARCHAR(64) NOT NULL, reason VARCHAR(4096), ` +
      `created_at TIMESTAMP NOT NULL, until_at TIMESTAMP, was_running BOOLEAN NOT NULL, run_id VARCHAR(64), released_at TIMESTAMP, release_reason ` +
      `VARCHAR(4096))`,
    `CREATE TABLE IF NOT EXISTS ${t.table('transitions')} (task_arn VARCHAR(2048) NOT NULL, owner VARCHAR(64) NOT NULL, from_state VARCHAR(32), ` +
      `to_state VARCHAR(32) NOT NULL, at TIMESTAMP NOT NULL, detail VARCHAR(4096), run_id VARCHAR(64), stop_sent BOOLEAN NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.table('cooldowns')} (task_arn VARCHAR(2048) NOT NULL, job VARCHAR(64) NOT NULL, until_at TIMESTAMP NOT NULL, ` +
      `reason VARCHAR(4096))`,
    `CREATE TABLE IF NOT EXISTS ${t.table('runs')} (run_id VARCHAR(64) NOT NULL, job VARCHAR(64) NOT NULL, task_arn VARCHAR(2048), ` +
      `started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR(16) NOT NULL, summary VARCHAR(65535))`,
    `CREATE TABLE IF NOT EXISTS ${t.table('repair_log')} (run_id VARCHAR(64) NOT NULL, job VARCHAR(64) NOT NULL, task_arn VARCHAR(2048) NOT NULL, ` +
      `table_name VARCHAR(512) NOT NULL, key_text VARCHAR(4096) NOT NULL, action VARCHAR(16) NOT NULL, reason VARCHAR(4096), evidence VARCHAR(1024), ` +
      `logged_at TIMESTAMP NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.table('leases')} (name VARCHAR(2200) NOT NULL, holder VARCHAR(256) NOT NULL, acquired_at TIMESTAMP NOT NULL, ` +
      `expires_at TIMESTAMP NOT NULL)`,
  ];
}

/**
 * Columns added after a table was first released, in order: a store created by an older version gets them on its
 * next start (one `ADD COLUMN` per statement, as Redshift requires; no `IF NOT EXISTS`, which Redshift lacks — a
 * column already there answers 42701 and is skipped). Rows written before read the column as NULL: a hold without a
 * state is `held` (lib/state/holds.ts).
 */
export function stateMigrations(t: StateTables): string[] {
  return [
    `ALTER TABLE ${t.table('holds')} ADD COLUMN state VARCHAR(32)`,
    `ALTER TABLE ${t.table('holds')} ADD COLUMN state_at TIMESTAMP`,
    `ALTER TABLE ${t.table('holds')} ADD COLUMN state_detail VARCHAR(4096)`,
  ];
}

/**
 * Creates the schema and tables when missing and migrates an existing store; two companions racing see "already
 * exists" (or "column already exists"), which is fine.
 */
export async function createStateTables(exec: SqlExecutor, t: StateTables): Promise<void> {
  for (const d of [...stateDdl(t), ...stateMigrations(t)]) {
    try {
      await exec.query(d);
    } catch (err) {
      if (!createdMeanwhile(err)) throw err;
    }
  }
}

/**
 * Whether a CREATE failed only because another session created the object at the same moment: by SQLSTATE
 * (schema, table, type or column already exists; the catalog's unique index) or, through the Data API, which
 * carries no SQLSTATE, by the message.
 */
function createdMeanwhile(err: unknown): boolean {
  const state = (err as { sqlState?: string }).sqlState ?? '';
  if (['42P06', '42P07', '42710', '23505', '42701'].includes(state)) return true;
  return /already exists|duplicate key value violates unique constraint "pg_/.test(String((err as Error).message));
}
