import type { SqlClient } from '../../lib/sql/client.js';
import { quoteIdent, type QualifiedName } from '../../lib/sql/quote.js';
import type { SourceValue } from '../../lib/typemap/values.js';
import { parseDecodedLine, UNCHANGED_TOAST, type DecodedValue } from './decoding.js';

/**
 * Change capture for the simulated task: PostgreSQL logical decoding with the built-in
 * `test_decoding` plugin (the embedded server runs with wal_level=logical), so changes arrive in
 * commit order, as DMS reads them from a PostgreSQL source. Changes to partitions are reported
 * against their partitioned parent (as DMS does with partitioned tables), and only configured
 * tables are kept.
 */

export type ChangeOp = 'INSERT' | 'UPDATE' | 'DELETE';

export interface CapturedChange {
  /** Increasing capture order. */
  seq: number;
  /** Index into the task's table list. */
  table: number;
  op: ChangeOp;
  /** INSERT/UPDATE: the whole new row (text output; bytea as Buffer). DELETE: the key columns. */
  row: Record<string, SourceValue>;
  /** Key values (text) of the row the change applies to (the old key for a key-changing UPDATE). */
  key: string[];
  /** A key-changing UPDATE: the new key. */
  newKey?: string[] | undefined;
  /**
   * Simulated time the change was committed (ms since epoch; the poll right after the commit reads it):
   * its age drives CDCLatencySource and CDCLatencyTarget, and its capture lag starts there (pipeline.ts).
   */
  capturedAt: number;
}

export interface CaptureTable {
  source: QualifiedName;
  primaryKey: readonly string[];
}

export class ChangeCapture {
  private seq = 0;
  private readonly partitionParent = new Map<string, number>();

  /**
   * @param source an executor on the source as a superuser, with the typemap's session settings
   *   (ISO dates, UTC) so decoded values are the text the typemap reads.
   */
  constructor(
    private readonly source: SqlClient,
    private readonly slot: string,
    private readonly tables: readonly CaptureTable[],
  ) {}

  /** Creates the replication slot (dropping an old one of that name) and learns the partitions. */
  async start(): Promise<void> {
    await this.source.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`,
      [this.slot],
    );
    await this.source.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [this.slot]);
    for (let i = 0; i < this.tables.length; i++) {
      const t = this.tables[i]!.source;
      this.partitionParent.set(`${t.schema}.${t.name}`, i);
      const parts = await this.source.query<{ s: string; n: string }>(
        `WITH RECURSIVE tree AS (
           SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
           UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
         SELECT n.nspname AS s, c.relname AS n FROM tree JOIN pg_class c ON c.oid = tree.oid JOIN pg_namespace n ON n.oid = c.relnamespace`,
        [t.schema, t.name],
      );
      for (const p of parts.rows) this.partitionParent.set(`${p.s}.${p.n}`, i);
    }
  }

  /** Learns partitions created after start (the workload adds monthly payment partitions). */
  async refreshPartitions(): Promise<void> {
    for (let i = 0; i < this.tables.length; i++) {
      const t = this.tables[i]!.source;
      const parts = await this.source.query<{ s: string; n: string }>(
        `SELECT n.nspname AS s, c.relname AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE i.inhparent = (SELECT c2.oid FROM pg_class c2 JOIN pg_namespace n2 ON n2.oid = c2.relnamespace WHERE n2.nspname = $1 AND c2.relname = $2)`,
        [t.schema, t.name],
      );
      for (const p of parts.rows) this.partitionParent.set(`${p.s}.${p.n}`, i);
    }
  }

  async stop(): Promise<void> {
    await this.source
      .query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [this.slot])
      .catch(() => undefined);
  }

  /** Takes (consumes) the changes committed since the last poll, in commit order. */
  async poll(now: number, limit = 20_000): Promise<CapturedChange[]> {
    const r = await this.source.query<{ data: string }>(`SELECT data FROM pg_logical_slot_get_changes($1, NULL, $2)`, [
      this.slot,
      limit,
    ]);
    const out: CapturedChange[] = [];
    for (const { data } of r.rows) {
      const d = parseDecodedLine(data);
      if (!d) continue;
      let table = this.partitionParent.get(`${d.schema}.${d.table}`);
      if (table === undefined && d.op === 'INSERT') {
        await this.refreshPartitions();
        table = this.partitionParent.get(`${d.schema}.${d.table}`);
      }
      if (table === undefined) continue;
      const pk = this.tables[table]!.primaryKey;
      const row: Record<string, SourceValue> = {};
      const toastColumns: string[] = [];
      for (const [col, v] of Object.entries(d.columns)) {
        if (v === UNCHANGED_TOAST) toastColumns.push(col);
        else row[col] = toSourceValue(v, d.types[col]);
      }
      const keyOf = (values: Record<string, DecodedValue>) => pk.map((k) => String(values[k] ?? ''));
      const newKey = keyOf(d.columns);
      const key = d.oldKey ? keyOf(d.oldKey) : newKey;
      if (toastColumns.length > 0) await this.fillToast(table, newKey, toastColumns, row);
      out.push({ seq: ++this.seq, table, op: d.op, row, key, newKey: d.oldKey ? newKey : undefined, capturedAt: now });
    }
    return out;
  }

  /** An unchanged TOASTed value is not in the decoded UPDATE: read it from the source (a LOB lookup). */
  private async fillToast(
    table: number,
    key: string[],
    columns: string[],
    row: Record<string, SourceValue>,
  ): Promise<void> {
    const t = this.tables[table]!;
    const where = t.primaryKey.map((k, i) => `${quoteIdent(k)}::text = $${i + 1}`).join(' AND ');
    const r = await this.source.query<Record<string, SourceValue>>(
      `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(t.source.schema)}.${quoteIdent(t.source.name)} WHERE ${where}`,
      key,
    );
    for (const c of columns) row[c] = r.rows[0]?.[c] ?? null;
  }
}

function toSourceValue(v: string | null, type: string | undefined): SourceValue {
  if (v === null) return null;
  if (type === 'bytea') return Buffer.from(v.startsWith('\\x') ? v.slice(2) : v, 'hex');
  return v;
}
