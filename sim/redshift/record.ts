import type { SqlExecutor } from '../../lib/sql/client.js';

/**
 * Records statements in the emulated Redshift system tables the way Redshift itself would
 * (docs/aws-facts.md §3), so that the toolkit reads them exactly as it reads a real cluster's logs.
 * The simulator calls this for every statement the simulated DMS runs; tests call it directly.
 *
 * Text is stored as Redshift logs it: newlines as the two characters `\n`; STL_QUERY.querytxt and
 * SYS_QUERY_HISTORY.query_text keep the first 4000 characters; STL_QUERYTEXT / STL_UTILITYTEXT
 * hold 200-character pieces, SYS_QUERY_TEXT 4000-character pieces.
 */

export type StatementKind = 'query' | 'utility' | 'ddl';

export interface StatementToRecord {
  /** The statement as the client sent it (real newlines). */
  text: string;
  /** The database user that ran it (a role in the emulated target). */
  userName: string;
  /** Transaction id; allocate one with {@link nextXid} for a new transaction. */
  xid: bigint;
  /** Backend process id (any stable number per session). */
  pid: number;
  /** UTC. */
  startTime: Date;
  endTime: Date;
  kind?: StatementKind;
  /** SYS_QUERY_HISTORY.query_type; derived from the first word when omitted. */
  queryType?: string;
  /** The query itself was stopped (STL_QUERY.aborted = 1). Not set for a statement whose transaction is rolled back later. */
  aborted?: boolean;
  returnedRows?: number;
  database?: string;
}

/** A fresh transaction id for a recorded transaction. */
export async function nextXid(exec: SqlExecutor): Promise<bigint> {
  const r = await exec.query<{ xid: string }>(`SELECT nextval('redshift_system.xid_seq')::text AS xid`);
  return BigInt(r.rows[0]!.xid);
}

/** Redshift's log form of a statement: newlines become the two characters `\n`. */
export function loggedText(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}

/** Splits into pieces of `size` characters (code points, as the server counts them). */
export function pieces(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out.length > 0 ? out : [''];
}

/**
 * Records one statement.
 * @returns the query id given to a query (undefined for utility and DDL statements).
 */
export async function recordStatement(exec: SqlExecutor, s: StatementToRecord): Promise<number | undefined> {
  const kind = s.kind ?? 'query';
  const logged = loggedText(s.text);
  const uid = await userId(exec, s.userName);
  const xid = s.xid.toString();
  if (kind !== 'query') {
    const table = kind === 'ddl' ? 'redshift_system.stl_ddltext' : 'redshift_system.stl_utilitytext';
    const parts = pieces(logged, 200);
    await exec.query(
      `INSERT INTO ${table} (userid, xid, pid, starttime, endtime, sequence, text)
       SELECT $1, $2::bigint, $3, $4, $5, p.seq - 1, p.text FROM unnest($6::text[]) WITH ORDINALITY AS p(text, seq)`,
      [uid, xid, s.pid, utc(s.startTime), utc(s.endTime), parts],
    );
    return undefined;
  }
  const qid = await exec.query<{ q: number }>(`SELECT nextval('redshift_system.query_id_seq')::integer AS q`);
  const query = qid.rows[0]!.q;
  const first4000 = Array.from(logged).slice(0, 4000).join('');
  const database = s.database ?? (await exec.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
  await exec.query(
    `INSERT INTO redshift_system.stl_query (userid, query, xid, pid, database, querytxt, starttime, endtime, aborted)
     VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8, $9)`,
    [uid, query, xid, s.pid, database, first4000, utc(s.startTime), utc(s.endTime), s.aborted ? 1 : 0],
  );
  await exec.query(
    `INSERT INTO redshift_system.stl_querytext (userid, xid, pid, query, sequence, text)
     SELECT $1, $2::bigint, $3, $4, p.seq - 1, p.text FROM unnest($5::text[]) WITH ORDINALITY AS p(text, seq)`,
    [uid, xid, s.pid, query, pieces(logged, 200)],
  );
  const queryType = s.queryType ?? (/^\s*(?:\/\*.*?\*\/\s*)*(\w+)/s.exec(s.text)?.[1] ?? 'OTHER').toUpperCase();
  const elapsedMicros = Math.max(0, Math.round((s.endTime.getTime() - s.startTime.getTime()) * 1000));
  await exec.query(
    `INSERT INTO redshift_system.sys_query_history
       (user_id, query_id, transaction_id, session_id, database_name, query_type, status, start_time, end_time, elapsed_time, returned_rows, query_text)
     VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      uid,
      query,
      xid,
      s.pid,
      database,
      queryType,
      s.aborted ? 'canceled' : 'success',
      utc(s.startTime),
      utc(s.endTime),
      elapsedMicros,
      s.returnedRows ?? 0,
      first4000,
    ],
  );
  await exec.query(
    `INSERT INTO redshift_system.sys_query_text (user_id, query_id, transaction_id, session_id, start_time, sequence, text)
     SELECT $1, $2, $3::bigint, $4, $5, p.seq - 1, p.text FROM unnest($6::text[]) WITH ORDINALITY AS p(text, seq)`,
    [uid, query, xid, s.pid, utc(s.startTime), pieces(logged, 4000)],
  );
  return query;
}

export interface TransactionEnd {
  xid: bigint;
  userName: string;
  pid: number;
  status: 'committed' | 'rolledback';
  startTime: Date;
  endTime: Date;
  /** For a rollback: the tables whose changes were undone (STL_UNDONE.table_id = the table's oid). */
  undoneTables?: readonly { schema: string; name: string }[];
}

/**
 * Records the end of a transaction: SYS_TRANSACTION_HISTORY, and for a rollback the ROLLBACK in
 * STL_UTILITYTEXT plus one STL_UNDONE row per table undone (docs/aws-facts.md §3).
 */
export async function recordTransactionEnd(exec: SqlExecutor, t: TransactionEnd): Promise<void> {
  const uid = await userId(exec, t.userName);
  const xid = t.xid.toString();
  const committed = t.status === 'committed';
  await exec.query(
    `INSERT INTO redshift_system.sys_transaction_history (user_id, transaction_id, transaction_start_time, commit_start_time, commit_end_time, status)
     VALUES ($1, $2::bigint, $3, $4, $5, $6)`,
    [uid, xid, utc(t.startTime), committed ? utc(t.endTime) : null, committed ? utc(t.endTime) : null, t.status],
  );
  if (committed) {
    await recordStatement(exec, {
      text: 'COMMIT',
      userName: t.userName,
      xid: t.xid,
      pid: t.pid,
      startTime: t.endTime,
      endTime: t.endTime,
      kind: 'utility',
    });
    return;
  }
  await recordStatement(exec, {
    text: 'ROLLBACK',
    userName: t.userName,
    xid: t.xid,
    pid: t.pid,
    startTime: t.endTime,
    endTime: t.endTime,
    kind: 'utility',
  });
  for (const table of t.undoneTables ?? []) {
    await exec.query(
      `INSERT INTO redshift_system.stl_undone (userid, xact_id, xact_id_undone, undo_start_time, undo_end_time, table_id)
       SELECT $1, $2::bigint, $2::bigint, $3, $3, c.oid::bigint
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $4 AND c.relname = $5`,
      [uid, xid, utc(t.endTime), table.schema, table.name],
    );
  }
}

async function userId(exec: SqlExecutor, name: string): Promise<number> {
  const r = await exec.query<{ id: number }>(
    'SELECT usesysid::integer AS id FROM pg_catalog.pg_user WHERE usename = $1',
    [name],
  );
  const id = r.rows[0]?.id;
  if (id === undefined) throw new Error(`emulated Redshift: no user ${JSON.stringify(name)} in pg_user`);
  return id;
}

/** UTC wall-clock text for a `timestamp` column (Redshift logs times in UTC without zone). */
function utc(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
