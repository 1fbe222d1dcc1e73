import type { SourceValue } from '../../lib/typemap/values.js';
import type { CapturedChange } from './capture.js';

/**
 * Net changes of a batch, as DMS batch apply computes them (docs/aws-facts.md §1: "DMS writes net
 * changes"): per table and key, the batch's changes collapse to at most one DELETE, one INSERT
 * and one UPDATE carrying the row's final values.
 *
 * For each key: `existed` (before the batch) is read off its first change (INSERT → no; UPDATE,
 * DELETE → yes), `exists` (after) off its last. existed∧¬exists → DELETE; ¬existed∧exists →
 * INSERT; existed∧exists → UPDATE, or DELETE + INSERT when it was deleted and inserted again.
 * A key-changing UPDATE is a DELETE of the old key and an INSERT of the new one.
 */

export type NetOp = 'DELETE' | 'INSERT' | 'UPDATE';

export interface NetEntry {
  table: number;
  op: NetOp;
  key: string[];
  /** The row (INSERT/UPDATE: whole row; DELETE: at least the key columns). */
  row: Record<string, SourceValue>;
  /** Capture seqs of the changes this entry stands for. */
  changeSeqs: number[];
  /** An INSERT injected twice (the duplicate-insert fault). */
  duplicate: boolean;
}

interface KeyState {
  table: number;
  key: string[];
  existed: boolean;
  exists: boolean;
  recreated: boolean;
  row: Record<string, SourceValue>;
  deleteRow: Record<string, SourceValue>;
  seqs: number[];
  duplicate: boolean;
}

export interface BatchChange extends CapturedChange {
  duplicate?: boolean;
}

/** Net entries of a batch, grouped per table in table order, and per table DELETEs, then INSERTs, then UPDATEs. */
export function netChanges(changes: readonly BatchChange[]): NetEntry[] {
  const states = new Map<string, KeyState>();
  const order: string[] = [];
  const touch = (
    table: number,
    key: string[],
    first: 'INSERT' | 'UPDATE' | 'DELETE',
    row: Record<string, SourceValue>,
  ): KeyState => {
    const id = `${table}\u0000${key.join('\u0000')}`;
    let st = states.get(id);
    if (!st) {
      st = {
        table,
        key,
        existed: first !== 'INSERT',
        exists: first !== 'INSERT',
        recreated: false,
        row,
        deleteRow: row,
        seqs: [],
        duplicate: false,
      };
      states.set(id, st);
      order.push(id);
    }
    return st;
  };
  for (const c of changes) {
    const steps: { op: 'INSERT' | 'UPDATE' | 'DELETE'; key: string[] }[] =
      c.op === 'UPDATE' && c.newKey
        ? [
            { op: 'DELETE', key: c.key },
            { op: 'INSERT', key: c.newKey },
          ]
        : [{ op: c.op, key: c.key }];
    for (const s of steps) {
      const st = touch(c.table, s.key, s.op, c.row);
      st.seqs.push(c.seq);
      if (s.op === 'DELETE') {
        if (st.exists) st.deleteRow = c.row;
        st.exists = false;
        st.duplicate = false;
      } else {
        if (s.op === 'INSERT' && st.existed && !st.exists) st.recreated = true;
        st.exists = true;
        st.row = c.row;
        if (s.op === 'INSERT' && c.duplicate) st.duplicate = true;
      }
    }
  }
  const entries: NetEntry[] = [];
  for (const id of order) {
    const st = states.get(id)!;
    const base = { table: st.table, key: st.key, changeSeqs: st.seqs };
    if (st.existed && !st.exists) entries.push({ ...base, op: 'DELETE', row: st.deleteRow, duplicate: false });
    else if (!st.existed && st.exists) entries.push({ ...base, op: 'INSERT', row: st.row, duplicate: st.duplicate });
    else if (st.existed && st.exists) {
      if (st.recreated) {
        entries.push({ ...base, op: 'DELETE', row: st.deleteRow, duplicate: false });
        entries.push({ ...base, op: 'INSERT', row: st.row, duplicate: st.duplicate, changeSeqs: [] });
      } else entries.push({ ...base, op: 'UPDATE', row: st.row, duplicate: false });
    }
  }
  const opRank: Record<NetOp, number> = { DELETE: 0, INSERT: 1, UPDATE: 2 };
  return entries.sort((a, b) => a.table - b.table || opRank[a.op] - opRank[b.op]);
}
