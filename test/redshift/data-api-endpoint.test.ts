import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPANION_USER, DMS_USER, LOCAL_PASSWORD, poolFor } from '../../sim/embedded.js';
import type { DataApiEndpoint, KeepAliveTimer } from '../../sim/redshift/data-api/index.js';
import { StatementStore } from '../../sim/redshift/data-api/statements.js';
import { useEnvironment } from '../helpers/env.js';
import { clusterTarget, endpointOn, runStatement, sdkError, sdkFor } from './data-api-helpers.js';

/**
 * The local Redshift Data API endpoint (sim/redshift/data-api/) driven by the real
 * @aws-sdk/client-redshift-data over HTTP, against the embedded target database.
 */

const env = useEnvironment('data_api_endpoint');

/** Keep-alive countdowns the test fires itself: session id order is creation order. */
const countdowns: { seconds: number; expire: () => void; stopped: boolean }[] = [];
const manualTimer: KeepAliveTimer = (seconds, expire) => {
  const c = { seconds, expire, stopped: false };
  countdowns.push(c);
  return () => {
    c.stopped = true;
  };
};

let ep: DataApiEndpoint;
let sdk: RedshiftDataClient;
const target = () => clusterTarget(env());

beforeAll(async () => {
  ep = await endpointOn(env(), { pageRows: 10, keepAliveTimer: manualTimer });
  sdk = sdkFor(ep);
  await env().targetAdmin.query('CREATE TABLE public.items (id int4 PRIMARY KEY, name varchar(20))');
  await env().targetAdmin.query('GRANT ALL ON public.items TO dms_companion');
});

afterAll(async () => {
  sdk?.destroy();
  await ep?.close();
});

/** A connection of the test's own that holds an exclusive lock on `table` until released. */
async function lockTable(table: string): Promise<{ release(): Promise<void> }> {
  const c = new pg.Client(poolFor(env().server, env().databases.target));
  await c.connect();
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    release: async () => {
      await c.query('ROLLBACK');
      await c.end();
    },
  };
}

describe('protocol', () => {
  it('answers AWS JSON 1.1: POST / with X-Amz-Target, x-amz-json-1.1 bodies, errors with __type', async () => {
    const ok = await fetch(ep.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'RedshiftData.ExecuteStatement', 'Content-Type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ ...target(), Sql: 'SELECT 1' }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await ok.json()) as { Id: string; CreatedAt: number; ClusterIdentifier: string };
    expect(body.Id).toMatch(/^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}$/);
    expect(typeof body.CreatedAt).toBe('number');
    expect(body.ClusterIdentifier).toBe('companion-test');

    const bad = await fetch(ep.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'RedshiftData.DescribeStatement', 'Content-Type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Id: 'not-an-id' }),
    });
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { __type: string; message: string };
    expect(badBody.__type).toBe('ValidationException');
    expect(badBody.message).toMatch(/^id must satisfy regex pattern:/);

    const unknown = await fetch(ep.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'RedshiftData.ListTables' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('is reachable by the real SDK client; an unknown statement id is ResourceNotFoundException', async () => {
    expect(
      await sdkError(sdk.send(new DescribeStatementCommand({ Id: '70662acc-f334-46f8-b953-3a9546796d7a' }))),
    ).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Query does not exist.',
      status: 400,
    });
  });
});

describe('ExecuteStatement and DescribeStatement', () => {
  it('answers with an Id at once and runs the statement in the background through the documented statuses', async () => {
    const lock = await lockTable('public.items');
    let id: string;
    try {
      const out = await sdk.send(
        new ExecuteStatementCommand({ ...target(), Sql: 'SELECT count(*) FROM public.items' }),
      );
      id = out.Id!;
      // The statement waits for the lock: Execute has answered, the statement is still running.
      const running = await ep.statements.whenStatus(id, 'STARTED');
      expect(running.status).toBe('STARTED');
      const desc = await sdk.send(new DescribeStatementCommand({ Id: id }));
      expect(desc.Status).toBe('STARTED');
      expect(desc.ResultRows).toBe(-1);
    } finally {
      await lock.release();
    }
    const done = await ep.statements.whenStatus(id, 'FINISHED', 'FAILED', 'ABORTED');
    expect(done.status).toBe('FINISHED');
  });

  it('describes a finished statement: QueryString, RedshiftPid of the backend, Duration in nanoseconds, HasResultSet, ResultRows', async () => {
    const { id, desc } = await runStatement(ep, sdk, {
      ...target(),
      Sql: 'SELECT pg_backend_pid() AS pid, n FROM generate_series(1, 3) n',
    });
    const sql = 'SELECT pg_backend_pid() AS pid, n FROM generate_series(1, 3) n';
    expect(desc).toMatchObject({ Id: id, Status: 'FINISHED', QueryString: sql, HasResultSet: true, ResultRows: 3 });
    expect(desc.Database).toBe(env().databases.target);
    expect(desc.ClusterIdentifier).toBe('companion-test');
    expect(desc.DbUser).toBe(COMPANION_USER);
    expect(desc.Duration).toBeGreaterThan(0);
    expect(desc.CreatedAt).toBeInstanceOf(Date);
    const rows = await sdk.send(new GetStatementResultCommand({ Id: id }));
    expect(desc.RedshiftPid).toBe(rows.Records![0]![0]!.longValue);
  });

  it('reports a failing statement as FAILED with the database error and its position', async () => {
    const { desc } = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT * FROM public.nope' });
    expect(desc.Status).toBe('FAILED');
    expect(desc.Error).toBe('ERROR: relation "public.nope" does not exist\n Position: 15');
    expect(desc.HasResultSet).toBe(false);
  });

  it('returns the affected row count of DML and refuses GetStatementResult without a result set', async () => {
    const { id, desc } = await runStatement(ep, sdk, {
      ...target(),
      Sql: "INSERT INTO public.items VALUES (1, 'one'), (2, 'two')",
    });
    expect(desc).toMatchObject({ Status: 'FINISHED', HasResultSet: false, ResultRows: 2 });
    expect(await sdkError(sdk.send(new GetStatementResultCommand({ Id: id })))).toMatchObject({
      name: 'ValidationException',
      message: 'Query does not have result. Please check query status with DescribeStatement.',
    });
    await runStatement(ep, sdk, { ...target(), Sql: 'DELETE FROM public.items' });
  });

  it('waits up to WaitTimeSeconds and then answers with the status', async () => {
    const out = await sdk.send(new ExecuteStatementCommand({ ...target(), Sql: 'SELECT 1', WaitTimeSeconds: 5 }));
    expect(out.Status).toBe('FINISHED');
    expect(out.HasResultSet).toBe(true);
    expect(out.RedshiftPid).toBeGreaterThan(0);
  });

  it('answers a retried request with the same ClientToken with the same statement', async () => {
    const a = await sdk.send(
      new ExecuteStatementCommand({ ...target(), Sql: 'SELECT 2', ClientToken: 'retry-token-1' }),
    );
    const b = await sdk.send(
      new ExecuteStatementCommand({ ...target(), Sql: 'SELECT 2', ClientToken: 'retry-token-1' }),
    );
    expect(b.Id).toBe(a.Id);
  });
});

describe('connection members', () => {
  it('requires exactly one of ClusterIdentifier and WorkgroupName, and a Database', async () => {
    const db = env().databases.target;
    const neither = await sdkError(sdk.send(new ExecuteStatementCommand({ Database: db, Sql: 'SELECT 1' })));
    expect(neither.name).toBe('ValidationException');
    expect(neither.message).toMatch(/Either ClusterIdentifier .* or WorkgroupName .* must be specified/);
    const both = { ClusterIdentifier: 'c1', WorkgroupName: 'wg1', Database: db, Sql: 'SELECT 1' };
    expect(await sdkError(sdk.send(new ExecuteStatementCommand(both)))).toMatchObject({
      name: 'ValidationException',
      message: 'Specify either ClusterIdentifier or WorkgroupName, not both.',
    });
    const noDb = await sdkError(sdk.send(new ExecuteStatementCommand({ ClusterIdentifier: 'c1', Sql: 'SELECT 1' })));
    expect(noDb.name).toBe('ValidationException');
    expect(noDb.message).toMatch(/^Database must be specified/);
  });

  it('a provisioned endpoint hosts no workgroup; a cluster identifier must match the model pattern', async () => {
    expect(
      await sdkError(
        sdk.send(
          new ExecuteStatementCommand({ WorkgroupName: 'wg1', Database: env().databases.target, Sql: 'SELECT 1' }),
        ),
      ),
    ).toMatchObject({
      name: 'ValidationException',
      message: "Redshift endpoint doesn't exist in this region.",
    });
    const badName = await sdkError(
      sdk.send(
        new ExecuteStatementCommand({
          ClusterIdentifier: 'Bad_Name',
          Database: env().databases.target,
          Sql: 'SELECT 1',
        }),
      ),
    );
    expect(badName.name).toBe('ValidationException');
    expect(badName.message).toContain(
      "Value 'Bad_Name' at 'clusterIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
  });
});

describe('database users', () => {
  it('runs a request naming a listed DbUser as that user; a session that cannot connect is ExecuteStatementException', async () => {
    const users = await endpointOn(env(), { dbUsers: { [DMS_USER]: LOCAL_PASSWORD, intruder: 'wrong-password' } });
    const client = sdkFor(users);
    try {
      const asDms = await runStatement(users, client, {
        ...target(),
        DbUser: DMS_USER,
        Sql: 'SELECT current_user AS u',
      });
      expect((await client.send(new GetStatementResultCommand({ Id: asDms.id }))).Records).toEqual([
        [{ stringValue: DMS_USER }],
      ]);
      const sessionless = await runStatement(users, client, { ...target(), DbUser: 'intruder', Sql: 'SELECT 1' });
      expect(sessionless.desc.Status).toBe('FAILED');
      expect(sessionless.desc.Error).toMatch(/^ERROR: .*intruder/);
      const err = await sdkError(
        client.send(
          new ExecuteStatementCommand({
            ...target(),
            DbUser: 'intruder',
            Sql: 'SELECT 1',
            SessionKeepAliveSeconds: 60,
          }),
        ),
      );
      expect(err.name).toBe('ExecuteStatementException');
      expect(err.status).toBe(500);
      expect(err.message).toMatch(/^Could not open a session: /);
      expect(err.message).not.toContain('wrong-password');
    } finally {
      client.destroy();
      await users.close();
    }
  });
});

describe('documented limits', () => {
  it('refuses statement text over 100 KB and accepts 100,000 bytes', async () => {
    const filler = (n: number) => `SELECT '${'x'.repeat(n - 9)}'`;
    expect(Buffer.byteLength(filler(100_001))).toBe(100_001);
    expect(await sdkError(sdk.send(new ExecuteStatementCommand({ ...target(), Sql: filler(100_001) })))).toEqual({
      name: 'ValidationException',
      message: 'Cannot process query string larger than 100kB',
      status: 400,
    });
    expect(
      await sdkError(sdk.send(new BatchExecuteStatementCommand({ ...target(), Sqls: ['SELECT 1', filler(100_001)] }))),
    ).toMatchObject({
      message: 'Cannot process query string larger than 100kB',
    });
    const { desc } = await runStatement(ep, sdk, { ...target(), Sql: filler(100_000) });
    expect(desc.Status).toBe('FINISHED');
  });

  it('refuses a batch of more than 40 statements with the model-validation message, and runs 40', async () => {
    const sqls = Array.from({ length: 41 }, (_, i) => `SELECT ${i}`);
    expect(await sdkError(sdk.send(new BatchExecuteStatementCommand({ ...target(), Sqls: sqls })))).toEqual({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '[41 statements]' at 'sqls' failed to satisfy constraint: Member must have length less than or equal to 40",
      status: 400,
    });
    const out = await sdk.send(new BatchExecuteStatementCommand({ ...target(), Sqls: sqls.slice(0, 40) }));
    expect((await ep.statements.whenStatus(out.Id!, 'FINISHED', 'FAILED')).status).toBe('FINISHED');
  });

  it('fails GetStatementResult on a page holding a row over the per-row limit, and a statement whose result is over the size limit', async () => {
    const small = await endpointOn(env(), { pageRows: 2, limits: { maxRowBytes: 1000, maxResultBytes: 10_000 } });
    const client = sdkFor(small);
    try {
      const wideSql =
        "SELECT n, CASE WHEN n = 3 THEN repeat('w', 1001) ELSE 'narrow' END AS v FROM generate_series(1, 4) n ORDER BY n";
      const wide = await runStatement(small, client, { ...target(), Sql: wideSql });
      expect(wide.desc.Status).toBe('FINISHED');
      const page1 = await client.send(new GetStatementResultCommand({ Id: wide.id }));
      expect(page1.Records).toHaveLength(2);
      expect(
        await sdkError(client.send(new GetStatementResultCommand({ Id: wide.id, NextToken: page1.NextToken }))),
      ).toMatchObject({
        name: 'ValidationException',
        message:
          'Packet for query is too large (row 3 of the result set is 1002 bytes; the Data API limit is 1000 bytes per row)',
      });
      const big = await runStatement(small, client, {
        ...target(),
        Sql: "SELECT repeat('b', 900) FROM generate_series(1, 12)",
      });
      expect(big.desc.Status).toBe('FAILED');
      expect(big.desc.Error).toBe(
        'Database response exceeded size limit (the result set is 10800 bytes; the Data API returns at most 10000)',
      );
    } finally {
      client.destroy();
      await small.close();
    }
  });

  it('refuses new statements over the active-statement limit with ActiveStatementsExceededException', async () => {
    const small = await endpointOn(env(), { limits: { maxActiveStatements: 1 } });
    const client = sdkFor(small);
    const lock = await lockTable('public.items');
    try {
      const first = await client.send(
        new ExecuteStatementCommand({ ...target(), Sql: 'SELECT count(*) FROM public.items' }),
      );
      await small.statements.whenStatus(first.Id!, 'STARTED');
      expect(await sdkError(client.send(new ExecuteStatementCommand({ ...target(), Sql: 'SELECT 1' })))).toMatchObject({
        name: 'ActiveStatementsExceededException',
        status: 400,
      });
    } finally {
      await lock.release();
      client.destroy();
      await small.close();
    }
  });
});

describe('types', () => {
  it('returns each Redshift type in the field the Data API uses, with Redshift type names in ColumnMetadata', async () => {
    await env().targetAdmin.query(`CREATE TABLE public.typed (
      s int2, i int4, b int8, n numeric(12,3), v varchar(10), c char(3), t text, ok bool,
      ts timestamp, tz timestamptz, d date, r float4, f float8, j super, vb varbyte)`);
    await env().targetAdmin.query('GRANT SELECT ON public.typed TO dms_companion');
    await env().targetAdmin.query(`INSERT INTO public.typed VALUES
      (-2, 7, 9007199254740993, 12345.678, 'héllo', 'ab', 'text', true,
       '2026-03-01 10:11:12.5', '2026-03-01 10:11:12+02', '2026-03-01', 1.5, -2.25, json_parse('{"k":[1,2]}'), from_hex('00ff')),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    const { id } = await runStatement(ep, sdk, {
      ...target(),
      Sql: 'SELECT * FROM public.typed ORDER BY i NULLS LAST',
    });
    const res = await sdk.send(new GetStatementResultCommand({ Id: id }));
    expect(res.ColumnMetadata!.map((c) => c.typeName)).toEqual([
      'int2',
      'int4',
      'int8',
      'numeric',
      'varchar',
      'bpchar',
      'varchar',
      'bool',
      'timestamp',
      'timestamptz',
      'date',
      'float4',
      'float8',
      'super',
      'varbyte',
    ]);
    expect(res.ColumnMetadata![3]).toMatchObject({ name: 'n', precision: 12, scale: 3 });
    expect(res.ColumnMetadata![4]).toMatchObject({ name: 'v', length: 10 });
    const [row, nulls] = res.Records!;
    expect(row).toEqual([
      { longValue: -2 },
      { longValue: 7 },
      { longValue: 9007199254740992 }, // the SDK's JSON.parse rounds it; the wire carries every digit (below)
      { stringValue: '12345.678' },
      { stringValue: 'héllo' },
      { stringValue: 'ab ' },
      { stringValue: 'text' },
      { booleanValue: true },
      { stringValue: '2026-03-01 10:11:12.5' },
      { stringValue: '2026-03-01 08:11:12+00' },
      { stringValue: '2026-03-01' },
      { doubleValue: 1.5 },
      { doubleValue: -2.25 },
      { stringValue: '{"k": [1, 2]}' },
      { stringValue: '00ff' },
    ]);
    expect(nulls).toEqual(Array.from({ length: 15 }, () => ({ isNull: true })));
    expect(res.TotalNumRows).toBe(2);

    const raw = await fetch(ep.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'RedshiftData.GetStatementResult', 'Content-Type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Id: id }),
    });
    expect(await raw.text()).toContain('{"longValue":9007199254740993}');
  });
});

describe('GetStatementResult paging', () => {
  it('pages with NextToken until the last page, TotalNumRows on every page', async () => {
    const { id } = await runStatement(ep, sdk, {
      ...target(),
      Sql: 'SELECT n FROM generate_series(1, 25) n ORDER BY n',
    });
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sdk.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
      pages++;
      expect(page.TotalNumRows).toBe(25);
      expect(page.ColumnMetadata![0]!.name).toBe('n');
      seen.push(...page.Records!.map((r) => Number(r[0]!.longValue)));
      token = page.NextToken;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const badToken = await sdkError(sdk.send(new GetStatementResultCommand({ Id: id, NextToken: 'garbage' })));
    expect(badToken.name).toBe('ValidationException');
    expect(badToken.message).toMatch(/^Invalid NextToken/);
  });
});

describe('named parameters', () => {
  it('binds :name values as text, used twice, not inside strings, comments or :: casts', async () => {
    const { id, desc } = await runStatement(ep, sdk, {
      ...target(),
      Sql: "SELECT :a::int + :a::int AS twice, ':a' AS literal, :b AS b /* :a */, :n AS n -- :b",
      Parameters: [
        { name: 'a', value: '21' },
        { name: 'b', value: "it's" },
        { name: 'n', value: 'NULL' },
      ],
    });
    expect(desc.Status).toBe('FINISHED');
    expect(desc.QueryParameters).toEqual([
      { name: 'a', value: '21' },
      { name: 'b', value: "it's" },
      { name: 'n', value: 'NULL' },
    ]);
    const res = await sdk.send(new GetStatementResultCommand({ Id: id }));
    // A value NULL is the string 'NULL', never SQL NULL.
    expect(res.Records).toEqual([
      [{ longValue: 42 }, { stringValue: ':a' }, { stringValue: "it's" }, { stringValue: 'NULL' }],
    ]);
  });

  it('refuses a zero-length value (model: ParameterValue length ≥ 1), an unused parameter and a placeholder without value', async () => {
    expect(
      await sdkError(
        sdk.send(
          new ExecuteStatementCommand({ ...target(), Sql: 'SELECT :v', Parameters: [{ name: 'v', value: '' }] }),
        ),
      ),
    ).toEqual({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '' at 'parameters.1.member.value' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
      status: 400,
    });
    const unused = [
      { name: 'v', value: '1' },
      { name: 'w', value: '2' },
    ];
    expect(
      await sdkError(sdk.send(new ExecuteStatementCommand({ ...target(), Sql: 'SELECT :v', Parameters: unused }))),
    ).toMatchObject({
      message: 'Parameter w is not referenced by the SQL statement',
    });
    const v = [{ name: 'v', value: '1' }];
    expect(
      await sdkError(sdk.send(new ExecuteStatementCommand({ ...target(), Sql: 'SELECT :v, :missing', Parameters: v }))),
    ).toMatchObject({
      message: 'No value given for parameter :missing of the SQL statement',
    });
    const badName = await sdkError(
      sdk.send(
        new ExecuteStatementCommand({ ...target(), Sql: 'SELECT :v', Parameters: [{ name: 'v-1', value: '1' }] }),
      ),
    );
    expect(badName.message).toContain(
      "Value 'v-1' at 'parameters.1.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z_]+$",
    );
  });
});

describe('sessions', () => {
  it('opens a session with SessionKeepAliveSeconds; statements with its SessionId share one backend and one transaction', async () => {
    const begin = await runStatement(ep, sdk, { ...target(), Sql: 'BEGIN', SessionKeepAliveSeconds: 60 });
    const sessionId = begin.out.SessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(begin.desc.SessionId).toBe(sessionId);
    const insert = await runStatement(ep, sdk, {
      Sql: "INSERT INTO public.items VALUES (10, 'ten')",
      SessionId: sessionId,
    });
    expect(insert.out.SessionId).toBe(sessionId);
    expect(insert.desc.RedshiftPid).toBe(begin.desc.RedshiftPid);
    // Outside the session the insert is not committed yet.
    const outside = await runStatement(ep, sdk, {
      ...target(),
      Sql: 'SELECT count(*) FROM public.items WHERE id = 10',
    });
    expect((await sdk.send(new GetStatementResultCommand({ Id: outside.id }))).Records).toEqual([[{ longValue: 0 }]]);
    await runStatement(ep, sdk, { Sql: 'COMMIT', SessionId: sessionId });
    const after = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT count(*) FROM public.items WHERE id = 10' });
    expect((await sdk.send(new GetStatementResultCommand({ Id: after.id }))).Records).toEqual([[{ longValue: 1 }]]);
    await runStatement(ep, sdk, { ...target(), Sql: 'DELETE FROM public.items' });
  });

  it('expires a session after its keep-alive time; its open transaction is rolled back and its SessionId refused', async () => {
    const begin = await runStatement(ep, sdk, { ...target(), Sql: 'BEGIN', SessionKeepAliveSeconds: 7 });
    const sessionId = begin.out.SessionId!;
    await runStatement(ep, sdk, { Sql: "INSERT INTO public.items VALUES (20, 'twenty')", SessionId: sessionId });
    const countdown = countdowns.at(-1)!;
    expect(countdown).toMatchObject({ seconds: 7, stopped: false });
    countdown.expire();
    expect(ep.sessions.ids()).not.toContain(sessionId);
    expect(
      await sdkError(sdk.send(new ExecuteStatementCommand({ Sql: 'COMMIT', SessionId: sessionId }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Session ${sessionId} does not exist or has expired.`,
    });
    const check = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT count(*) FROM public.items WHERE id = 20' });
    expect((await sdk.send(new GetStatementResultCommand({ Id: check.id }))).Records).toEqual([[{ longValue: 0 }]]);
  });

  it('refuses a second statement while the session is busy, and SessionId together with connection members', async () => {
    const begin = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT 1', SessionKeepAliveSeconds: 60 });
    const sessionId = begin.out.SessionId!;
    const lock = await lockTable('public.items');
    try {
      const blocked = await sdk.send(
        new ExecuteStatementCommand({ Sql: 'SELECT count(*) FROM public.items', SessionId: sessionId }),
      );
      await ep.statements.whenStatus(blocked.Id!, 'STARTED');
      expect(
        await sdkError(sdk.send(new ExecuteStatementCommand({ Sql: 'SELECT 2', SessionId: sessionId }))),
      ).toMatchObject({
        name: 'ValidationException',
        message: `Session ${sessionId} is running statement ${blocked.Id}; submit the next statement when it has finished.`,
      });
    } finally {
      await lock.release();
    }
    const combined = await sdkError(
      sdk.send(new ExecuteStatementCommand({ ...target(), Sql: 'SELECT 2', SessionId: sessionId })),
    );
    expect(combined.name).toBe('ValidationException');
    expect(combined.message).toMatch(/^SessionId cannot be combined with ClusterIdentifier, Database, DbUser/);
    await ep.sessions.expire(sessionId);
  });

  it('a transaction begun outside a session ends with its statement', async () => {
    await runStatement(ep, sdk, { ...target(), Sql: 'BEGIN' });
    await runStatement(ep, sdk, { ...target(), Sql: "INSERT INTO public.items VALUES (30, 'thirty')" });
    const check = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT count(*) FROM public.items WHERE id = 30' });
    expect((await sdk.send(new GetStatementResultCommand({ Id: check.id }))).Records).toEqual([[{ longValue: 1 }]]);
    await runStatement(ep, sdk, { ...target(), Sql: 'DELETE FROM public.items' });
  });
});

describe('CancelStatement', () => {
  it('aborts a running statement with the cancel message, and refuses to cancel one that has ended', async () => {
    const lock = await lockTable('public.items');
    let id: string;
    try {
      const out = await sdk.send(
        new ExecuteStatementCommand({ ...target(), Sql: 'SELECT count(*) FROM public.items' }),
      );
      id = out.Id!;
      await ep.statements.whenStatus(id, 'STARTED');
      expect((await sdk.send(new CancelStatementCommand({ Id: id }))).Status).toBe(true);
      await ep.statements.whenStatus(id, 'ABORTED', 'FINISHED', 'FAILED');
    } finally {
      await lock.release();
    }
    const desc = await sdk.send(new DescribeStatementCommand({ Id: id }));
    expect(desc.Status).toBe('ABORTED');
    expect(desc.Error).toBe(`ERROR: Query (${desc.RedshiftQueryId}) cancelled on user's request`);
    expect(await sdkError(sdk.send(new CancelStatementCommand({ Id: id })))).toMatchObject({
      name: 'ValidationException',
      message: 'Could not cancel a query that is already in ABORTED state.',
    });
  });
});

describe('BatchExecuteStatement', () => {
  it('runs the statements in order in one transaction; DescribeStatement lists SubStatements; results per sub-statement', async () => {
    const out = await sdk.send(
      new BatchExecuteStatementCommand({
        ...target(),
        Sqls: ["INSERT INTO public.items VALUES (40, 'forty')", 'SELECT id, name FROM public.items WHERE id = :id'],
        Parameters: [{ name: 'id', value: '40' }],
      }),
    );
    await ep.statements.whenStatus(out.Id!, 'FINISHED', 'FAILED');
    const desc = await sdk.send(new DescribeStatementCommand({ Id: out.Id! }));
    expect(desc).toMatchObject({
      Status: 'FINISHED',
      HasResultSet: true,
      ResultRows: -1,
      ResultSize: -1,
      RedshiftQueryId: 0,
      ExecutionMode: 'TRANSACTION',
    });
    expect(desc.QueryString).toBeUndefined();
    expect(desc.SubStatements!.map((s) => [s.Id, s.Status, s.HasResultSet, s.ResultRows])).toEqual([
      [`${out.Id}:1`, 'FINISHED', false, 1],
      [`${out.Id}:2`, 'FINISHED', true, 1],
    ]);
    expect(await sdkError(sdk.send(new GetStatementResultCommand({ Id: out.Id! })))).toMatchObject({
      name: 'ValidationException',
    });
    const res = await sdk.send(new GetStatementResultCommand({ Id: `${out.Id}:2` }));
    expect(res.Records).toEqual([[{ longValue: 40 }, { stringValue: 'forty' }]]);
    await runStatement(ep, sdk, { ...target(), Sql: 'DELETE FROM public.items' });
  });

  it('rolls back every statement when one fails: the failed one FAILED, later ones ABORTED', async () => {
    const out = await sdk.send(
      new BatchExecuteStatementCommand({
        ...target(),
        Sqls: ["INSERT INTO public.items VALUES (50, 'fifty')", 'SELECT * FROM public.nope', 'SELECT 1'],
      }),
    );
    await ep.statements.whenStatus(out.Id!, 'FINISHED', 'FAILED');
    const desc = await sdk.send(new DescribeStatementCommand({ Id: out.Id! }));
    expect(desc.Status).toBe('FAILED');
    expect(desc.Error).toMatch(/^ERROR: relation "public.nope" does not exist/);
    expect(desc.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FAILED', 'ABORTED']);
    const check = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT count(*) FROM public.items WHERE id = 50' });
    expect((await sdk.send(new GetStatementResultCommand({ Id: check.id }))).Records).toEqual([[{ longValue: 0 }]]);
  });

  it('with ExecutionMode AUTO_COMMIT commits each statement on its own', async () => {
    const out = await sdk.send(
      new BatchExecuteStatementCommand({
        ...target(),
        Sqls: ["INSERT INTO public.items VALUES (60, 'sixty')", 'SELECT * FROM public.nope'],
        ExecutionMode: 'AUTO_COMMIT',
      }),
    );
    await ep.statements.whenStatus(out.Id!, 'FINISHED', 'FAILED');
    const check = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT count(*) FROM public.items WHERE id = 60' });
    expect((await sdk.send(new GetStatementResultCommand({ Id: check.id }))).Records).toEqual([[{ longValue: 1 }]]);
    await runStatement(ep, sdk, { ...target(), Sql: 'DELETE FROM public.items' });
  });
});

describe('Serverless mode', () => {
  let sl: DataApiEndpoint;
  let client: RedshiftDataClient;
  const wg = () => ({ WorkgroupName: 'companion-wg', Database: env().databases.target });

  beforeAll(async () => {
    sl = await endpointOn(env(), { serverless: true, workgroupName: 'companion-wg' });
    client = sdkFor(sl);
  });
  afterAll(async () => {
    client?.destroy();
    await sl?.close();
  });

  it('requires WorkgroupName and refuses ClusterIdentifier; answers WorkgroupName, not ClusterIdentifier', async () => {
    expect(await sdkError(client.send(new ExecuteStatementCommand({ ...target(), Sql: 'SELECT 1' })))).toMatchObject({
      name: 'ValidationException',
      message: "Redshift endpoint doesn't exist in this region.",
    });
    const other = { WorkgroupName: 'other-wg', Database: env().databases.target, Sql: 'SELECT 1' };
    expect(await sdkError(client.send(new ExecuteStatementCommand(other)))).toMatchObject({
      message: "Redshift endpoint doesn't exist in this region.",
    });
    const { out, desc } = await runStatement(sl, client, { ...wg(), Sql: 'SELECT 1' });
    expect(out.WorkgroupName).toBe('companion-wg');
    expect(out.ClusterIdentifier).toBeUndefined();
    expect(desc.Status).toBe('FINISHED');
  });

  it('fails statements reading STL, STV, SVL views with permission denied, aborting an open transaction', async () => {
    for (const view of ['stl_query', 'svl_statementtext', 'stv_recents']) {
      const { desc } = await runStatement(sl, client, { ...wg(), Sql: `SELECT count(*) FROM ${view}` });
      expect(desc.Status).toBe('FAILED');
      expect(desc.Error).toBe(`ERROR: permission denied for relation ${view}`);
    }
    const begin = await runStatement(sl, client, { ...wg(), Sql: 'BEGIN', SessionKeepAliveSeconds: 60 });
    const sessionId = begin.out.SessionId!;
    const refused = await runStatement(sl, client, {
      Sql: 'SELECT query FROM pg_catalog.stl_query',
      SessionId: sessionId,
    });
    expect(refused.desc.Error).toBe('ERROR: permission denied for relation stl_query');
    const next = await runStatement(sl, client, { Sql: 'SELECT 1', SessionId: sessionId });
    expect(next.desc.Error).toMatch(/current transaction is aborted/);
    await sl.sessions.expire(sessionId);
    // The provisioned endpoint reads the same view.
    const provisioned = await runStatement(ep, sdk, { ...target(), Sql: 'SELECT count(*) FROM stl_query' });
    expect(provisioned.desc.Status).toBe('FINISHED');
  });
});

describe('result retention', () => {
  it('forgets a statement and its result once it ended longer ago than the retention time, never a running one', () => {
    const store = new StatementStore();
    const target = { database: 'dev', clusterIdentifier: 'c1' };
    const done = store.create({ sqls: ['SELECT 1'], batch: false, target });
    const batch = store.create({ sqls: ['SELECT 1', 'SELECT 2'], batch: true, target });
    const running = store.create({ sqls: ['SELECT 3'], batch: false, target });
    store.setStatus(done, 'FINISHED');
    store.setStatus(batch, 'FAILED', 'ERROR: x');
    store.setStatus(running, 'STARTED');
    store.prune(new Date(done.endedAt!.getTime()));
    expect(store.get(done.id)).toBeDefined();
    store.prune(new Date(Date.now() + 1000));
    expect([store.get(done.id), store.get(batch.id), store.get(`${batch.id}:2`)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(store.get(running.id)).toBe(running);
  });
});
