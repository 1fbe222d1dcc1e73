import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DataApiClient,
  DATA_API_MAX_BATCH_STATEMENTS,
  DATA_API_MAX_SQL_BYTES,
  toNamedParameters,
} from '../../lib/sql/data-api-client.js';

const mock = mockClient(RedshiftDataClient);
const target = { clusterIdentifier: 'c1', database: 'dev', dbUser: 'companion' };

function client() {
  return new DataApiClient({
    client: new RedshiftDataClient({ region: 'us-east-1' }),
    target,
    pollInterval: 0,
    sleep: () => Promise.resolve(),
  });
}

beforeEach(() => mock.reset());

describe('Redshift Data API client', () => {
  it('submits with named parameters, polls until FINISHED and reads every page', async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: 's1' });
    mock
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: 's1', Status: 'SUBMITTED' })
      .resolvesOnce({ Id: 's1', Status: 'STARTED' })
      .resolves({ Id: 's1', Status: 'FINISHED', HasResultSet: true, ResultRows: 3 });
    mock
      .on(GetStatementResultCommand)
      .resolvesOnce({
        ColumnMetadata: [{ name: 'id' }, { name: 'name' }, { name: 'ok' }],
        Records: [
          [{ longValue: 1 }, { stringValue: 'a' }, { booleanValue: true }],
          [{ longValue: 2 }, { isNull: true }, { booleanValue: false }],
        ],
        NextToken: 'p2',
      })
      .resolves({
        ColumnMetadata: [{ name: 'id' }, { name: 'name' }, { name: 'ok' }],
        Records: [[{ longValue: 3 }, { stringValue: "o'k" }, { isNull: true }]],
      });
    const r = await client().query("SELECT id, name, ok FROM t WHERE a = $1 AND b = $2 AND c = '$1'", ['x', 7]);
    expect(r.rows).toEqual([
      { id: 1, name: 'a', ok: true },
      { id: 2, name: null, ok: false },
      { id: 3, name: "o'k", ok: null },
    ]);
    expect(mock.commandCalls(ExecuteStatementCommand)[0]!.args[0].input).toEqual({
      Sql: "SELECT id, name, ok FROM t WHERE a = :p1 AND b = :p2 AND c = '$1'",
      Parameters: [
        { name: 'p1', value: 'x' },
        { name: 'p2', value: '7' },
      ],
      Database: 'dev',
      ClusterIdentifier: 'c1',
      DbUser: 'companion',
    });
    expect(mock.commandCalls(GetStatementResultCommand)[1]!.args[0].input).toEqual({ Id: 's1', NextToken: 'p2' });
  });

  it('returns the affected row count of a statement without a result set', async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: 's2' });
    mock.on(DescribeStatementCommand).resolves({ Id: 's2', Status: 'FINISHED', HasResultSet: false, ResultRows: 12 });
    expect(await client().query('DELETE FROM t')).toEqual({ rows: [], rowCount: 12 });
    expect(mock.commandCalls(GetStatementResultCommand)).toHaveLength(0);
  });

  it('reports a FAILED statement with its error and the statement', async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: 's3' });
    mock
      .on(DescribeStatementCommand)
      .resolves({ Id: 's3', Status: 'FAILED', Error: 'ERROR: relation "t" does not exist' });
    await expect(client().query('SELECT * FROM t')).rejects.toThrow(
      'target: ERROR: relation "t" does not exist (statement: SELECT * FROM t)',
    );
  });

  it('refuses a statement over 100 KB before sending it', async () => {
    const sql = `SELECT '${'x'.repeat(DATA_API_MAX_SQL_BYTES)}'`;
    await expect(client().query(sql)).rejects.toThrow(
      /statement is 100009 bytes; the Redshift Data API accepts at most 100000/,
    );
    await expect(client().batch(['SELECT 1', sql])).rejects.toThrow(/at most 100000/);
    expect(mock.calls()).toHaveLength(0);
  });

  it('never passes NULL as a parameter', async () => {
    await expect(client().query('SELECT $1', [null])).rejects.toThrow(/parameter \$1 is NULL/);
    expect(mock.calls()).toHaveLength(0);
  });

  it('refuses integers the JSON answer may have rounded', async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: 's4' });
    mock.on(DescribeStatementCommand).resolves({ Id: 's4', Status: 'FINISHED', HasResultSet: true });
    mock
      .on(GetStatementResultCommand)
      .resolves({ ColumnMetadata: [{ name: 'k' }], Records: [[{ longValue: 2 ** 60 }]] });
    await expect(client().query('SELECT k FROM t')).rejects.toThrow(/beyond 2\^53.*cast it to varchar/);
  });

  it('runs a batch as one BatchExecuteStatement', async () => {
    mock.on(BatchExecuteStatementCommand).resolves({ Id: 'b1' });
    mock.on(DescribeStatementCommand).resolves({ Id: 'b1', Status: 'FINISHED' });
    await client().batch(['CREATE TEMP TABLE s (id int)', 'INSERT INTO s VALUES (1)']);
    expect(mock.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input).toEqual({
      Sqls: ['CREATE TEMP TABLE s (id int)', 'INSERT INTO s VALUES (1)'],
      Database: 'dev',
      ClusterIdentifier: 'c1',
      DbUser: 'companion',
    });
  });

  it('runs a transaction in one session and rolls back when the body throws', async () => {
    mock.on(ExecuteStatementCommand).callsFake((input: { Sql: string; SessionId?: string }) => ({
      Id: `id-${input.Sql}`,
      SessionId: input.SessionId ?? 'sess-1',
    }));
    mock.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: false, ResultRows: 1 });
    await client().transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES ($1)', ['a']);
    });
    const sent = mock.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
    expect(sent.map((s) => s.Sql)).toEqual(['BEGIN', 'INSERT INTO t VALUES (:p1)', 'COMMIT']);
    expect(sent[0]).toMatchObject({ ClusterIdentifier: 'c1', SessionKeepAliveSeconds: 300 });
    expect(sent[1]).toEqual({
      Sql: 'INSERT INTO t VALUES (:p1)',
      Parameters: [{ name: 'p1', value: 'a' }],
      SessionId: 'sess-1',
    });

    mock.resetHistory();
    await expect(
      client().transaction(async (tx) => {
        await tx.query('DELETE FROM t');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(mock.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.Sql)).toEqual([
      'BEGIN',
      'DELETE FROM t',
      'ROLLBACK',
    ]);
  });

  it('rewrites placeholders only outside strings, identifiers and comments', () => {
    const { text, parameters } = toNamedParameters('target', `SELECT "$1", '$2', $1 -- $2\n, $2::int /* $1 */`, [
      'a',
      'b',
    ]);
    expect(text).toBe(`SELECT "$1", '$2', :p1 -- $2\n, :p2::int /* $1 */`);
    expect(parameters).toEqual([
      { name: 'p1', value: 'a' },
      { name: 'p2', value: 'b' },
    ]);
    expect(() => toNamedParameters('target', 'SELECT $3', ['a'])).toThrow(/\$3 has no value/);
  });

  it("writes an empty-string value as the literal '' instead of a zero-length parameter (the model refuses one)", () => {
    const { text, parameters } = toNamedParameters('target', 'SELECT $1, $2, $1 || $3', ['', 'x', 'y']);
    expect(text).toBe("SELECT '', :p2, '' || :p3");
    expect(parameters).toEqual([
      { name: 'p2', value: 'x' },
      { name: 'p3', value: 'y' },
    ]);
    expect(toNamedParameters('target', 'SELECT $1', [''])).toEqual({ text: "SELECT ''", parameters: [] });
  });

  it('runs a batch of more than 40 statements atomically: one session transaction, one statement per call', async () => {
    mock.on(ExecuteStatementCommand).callsFake((input: { Sql: string; SessionId?: string }) => ({
      Id: `id-${input.Sql}`,
      SessionId: input.SessionId ?? 'sess-b',
    }));
    mock.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: false, ResultRows: 1 });
    const statements = Array.from(
      { length: DATA_API_MAX_BATCH_STATEMENTS + 1 },
      (_, i) => `INSERT INTO t VALUES (${i})`,
    );
    await client().batch(statements);
    expect(mock.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    const sent = mock.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
    expect(sent.map((s) => s.Sql)).toEqual(['BEGIN', ...statements, 'COMMIT']);
    expect(sent.slice(1).every((s) => s.SessionId === 'sess-b')).toBe(true);
  });

  it('with atomic: false runs chunks of 40 and says which statements stay committed when a later chunk fails', async () => {
    mock.on(BatchExecuteStatementCommand).resolvesOnce({ Id: 'c1' }).resolves({ Id: 'c2' });
    mock.on(DescribeStatementCommand, { Id: 'c1' }).resolves({ Id: 'c1', Status: 'FINISHED' });
    mock.on(DescribeStatementCommand, { Id: 'c2' }).resolves({ Id: 'c2', Status: 'FAILED', Error: 'ERROR: boom' });
    const statements = Array.from({ length: 45 }, (_, i) => `INSERT INTO t VALUES (${i})`);
    await expect(client().batch(statements, { atomic: false })).rejects.toThrow(
      /ERROR: boom; statements 1-40 were committed by earlier chunks and stay/,
    );
    expect(mock.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.Sqls!.length)).toEqual([40, 5]);
  });

  it('names the Data API limit when a result is too large for it', async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: 's5' });
    mock
      .on(DescribeStatementCommand)
      .resolves({ Id: 's5', Status: 'FAILED', Error: 'Database response exceeded size limit' });
    await expect(client().query('SELECT * FROM big')).rejects.toThrow(
      /result set is over the Data API's size limit .*read it in smaller parts/,
    );
  });

  it('refuses a target naming both or neither of a cluster and a workgroup', () => {
    const sdk = new RedshiftDataClient({ region: 'us-east-1' });
    expect(() => new DataApiClient({ client: sdk, target: { database: 'dev' } })).toThrow(
      /exactly one of clusterIdentifier .* or workgroupName/,
    );
    expect(
      () => new DataApiClient({ client: sdk, target: { database: 'dev', clusterIdentifier: 'c', workgroupName: 'w' } }),
    ).toThrow(/exactly one/);
  });
});
