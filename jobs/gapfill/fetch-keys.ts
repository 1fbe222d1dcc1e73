import { asText } from '../../lib/sql/coerce.js';
import type { SqlClient, SqlParam } from '../../lib/sql/client.js';
import { quoteIdent, quoteQualified } from '../../lib/sql/quote.js';
import { listAgg, normalisedText, type Side } from './dialect.js';
import type { KeyedRow } from './diff.js';
import { segmentPredicate, versionText, type Meter, type Segment } from './segments.js';
import type { GapTable } from './table.js';

/**
 * Fetching the keys (and version texts) of segments from one side, for the leaf diff.
 * Generic path: one row per key. Integer fast path (single integer key, no version): keys travel
 * as comma lists (LISTAGG on Redshift, string_agg on PostgreSQL) of at most ~2,500 keys each —
 * about 60 KB, under Redshift's 65,535-byte LISTAGG limit — many lists per statement.
 */

/** Keys per LISTAGG list: 2,500 keys of up to 20 characters and a comma stay under 65,535 bytes. */
export const KEYS_PER_LIST = 2500;

export async function fetchRows(
  client: SqlClient,
  t: GapTable,
  side: Side,
  seg: Segment,
  meter: Meter,
): Promise<KeyedRow[]> {
  const params: SqlParam[] = [];
  const table = quoteQualified(side === 'source' ? t.config.source : t.config.target);
  const keys = t.key.map(
    (c, i) => `${normalisedText(c.name, side === 'source' ? c.source.cls : c.target.cls, side)} AS k${i}`,
  );
  const vt = versionText(t, side);
  const r = await client.query<Record<string, unknown>>(
    `SELECT ${keys.join(', ')}${vt ? `, ${vt} AS v` : ''} FROM ${table} WHERE ${segmentPredicate(t, seg, side, params)}`,
    params,
  );
  meter.queries++;
  return r.rows.map((row) => {
    const key = t.key.map((_c, i) => asText(row[`k${i}`] as string));
    const version = vt ? asText(row.v) : undefined;
    meter.bytesRead += key.reduce((a, k) => a + k.length + 1, 0) + (version?.length ?? 0);
    return { key, version };
  });
}

/** Integer keys of each segment (one LISTAGG per segment, all in one statement). */
export async function fetchIntegerKeys(
  client: SqlClient,
  t: GapTable,
  side: Side,
  segs: readonly Segment[],
  meter: Meter,
): Promise<string[][]> {
  const params: SqlParam[] = [];
  const table = quoteQualified(side === 'source' ? t.config.source : t.config.target);
  const k = quoteIdent(t.key[0]!.name);
  const expr = side === 'source' ? `CAST(${k} AS TEXT)` : `CAST(${k} AS VARCHAR(20))`;
  const parts = segs.map(
    (seg, i) =>
      `SELECT ${i} AS c, ${listAgg(expr, side)} AS ks FROM ${table} WHERE ${segmentPredicate(t, seg, side, params)}`,
  );
  let r;
  try {
    r = await client.query<{ c: unknown; ks: string | null }>(parts.join(' UNION ALL '), params);
  } catch (err) {
    // Keys crowded into one piece pass LISTAGG's 65,535 bytes (docs/aws-facts.md §84): one row per key then.
    if (!/Result size exceeds LISTAGG limit/.test(String((err as Error).message))) throw err;
    const lists: string[][] = [];
    for (const seg of segs) lists.push((await fetchRows(client, t, side, seg, meter)).map((x) => x.key[0]!));
    return lists;
  }
  meter.queries++;
  const out: string[][] = segs.map(() => []);
  for (const row of r.rows) {
    if (!row.ks) continue;
    meter.bytesRead += row.ks.length;
    out[Number(row.c)] = row.ks.split(',');
  }
  return out;
}
