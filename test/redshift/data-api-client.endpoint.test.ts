import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataApiClient, DATA_API_MAX_SQL_BYTES, type DataApiTarget } from '../../lib/sql/data-api-client.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import type { DataApiEndpoint } from '../../sim/redshift/data-api/index.js';
import { useEnvironment } from '../helpers/env.js';
import { endpointOn, sdkFor } from './data-api-helpers.js';

/**
 * The toolkit's DataApiClient (lib/sql/data-api-client.ts) through the real SDK client and the local
 * Data API endpoint, against the embedded target database.
 */

const env = useEnvironment('data_api_client');

let ep: DataApiEndpoint;
let sdk: RedshiftDataClient;
let db: DataApiClient;

const clusterTarget = (): DataApiTarget => ({
  clusterIdentifier: 'companion-test',
  database: env().databases.target,
  dbUser: COMPANION_USER,
});
const clientOn = (client: RedshiftDataClient, target: DataApiTarget) =>
  new DataApiClient({ client, target, pollInterval: 0.002 });

beforeAll(async () => {
  ep = await endpointOn(env(), { pageRows: 10 });
  sdk = sdkFor(ep);
  db = clientOn(sdk, clusterTarget());
  await env().targetAdmin.query('CREATE TABLE public.notes (id int4, body varchar(100), at timestamp)');
  await env().targetAdmin.query('GRANT ALL ON public.notes TO dms_companion');
});

afterAll(async () => {
  sdk?.destroy();
  await ep?.close();
});

beforeEach(async () => {
  await env().targetAdmin.query('DELETE FROM public.notes');
});

const count = async () =>
  Number((await env().targetAdmin.query<{ n: string }>('SELECT count(*) AS n FROM public.notes')).rows[0]!.n);

describe('DataApiClient through the local Data API endpoint', () => {
  it('runs a query with bound parameters and returns typed rows', async () => {
    const r = await db.query<{ i: number; s: string; ok: boolean; d: string; none: null }>(
      'SELECT $1::int4 + 1 AS i, $2::varchar AS s, $3::bool AS ok, $4::timestamp AS d, NULL::int AS none',
      [41, "o'k", true, new Date('2026-05-01T10:00:00Z')],
    );
    expect(r.rows).toEqual([{ i: 42, s: "o'k", ok: true, d: '2026-05-01 10:00:00', none: null }]);
    expect(r.rowCount).toBe(1);
  });

  it('sends an empty string safely: the value round-trips as an empty string, not NULL', async () => {
    const r = await db.query<{ v: string; n: number; isnull: boolean }>(
      'SELECT $1::varchar AS v, length($1) AS n, $1 IS NULL AS isnull',
      [''],
    );
    expect(r.rows).toEqual([{ v: '', n: 0, isnull: false }]);
    await db.query('INSERT INTO public.notes (id, body) VALUES ($1, $2)', [1, '']);
    const back = await env().targetAdmin.query<{ body: string | null }>('SELECT body FROM public.notes WHERE id = 1');
    expect(back.rows).toEqual([{ body: '' }]);
  });

  it('returns the affected row count of DML', async () => {
    expect(await db.query("INSERT INTO public.notes (id, body) VALUES (1, 'a'), (2, 'b'), (3, 'c')")).toEqual({
      rows: [],
      rowCount: 3,
    });
    expect((await db.query('DELETE FROM public.notes WHERE id > $1', [1])).rowCount).toBe(2);
  });

  it('reads a result of more than one page', async () => {
    const r = await db.query<{ n: number }>('SELECT n FROM generate_series(1, 35) n ORDER BY n');
    expect(r.rows.map((x) => x.n)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
  });

  it('commits a transaction run in one Data API session, and rolls it back when the body throws', async () => {
    const seen = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO public.notes (id, body) VALUES ($1, $2)', [1, 'in tx']);
      // Not visible outside the session before COMMIT.
      expect(await count()).toBe(0);
      return (await tx.query<{ n: number }>('SELECT count(*)::int4 AS n FROM public.notes')).rows[0]!.n;
    });
    expect(seen).toBe(1);
    expect(await count()).toBe(1);

    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO public.notes (id, body) VALUES (2, $1)', ['rolled back']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(1);
  });

  it('runs a batch of up to 40 statements all or nothing', async () => {
    await db.batch(['INSERT INTO public.notes (id) VALUES (1)', 'INSERT INTO public.notes (id) VALUES (2)']);
    expect(await count()).toBe(2);
    await expect(
      db.batch(['INSERT INTO public.notes (id) VALUES (3)', 'INSERT INTO public.nope VALUES (1)']),
    ).rejects.toThrow(/target: ERROR: relation "public.nope" does not exist/);
    expect(await count()).toBe(2);
  });

  it('keeps a batch of more than 40 statements atomic: all committed, or none when one fails', async () => {
    const inserts = Array.from({ length: 45 }, (_, i) => `INSERT INTO public.notes (id) VALUES (${i})`);
    await db.batch(inserts);
    expect(await count()).toBe(45);
    await env().targetAdmin.query('DELETE FROM public.notes');
    const failing = [...inserts.slice(0, 43), 'INSERT INTO public.nope VALUES (1)', inserts[44]!];
    await expect(db.batch(failing)).rejects.toThrow(/relation "public.nope" does not exist/);
    expect(await count()).toBe(0);
  });

  it('with atomic: false commits chunk by chunk and says what stayed committed', async () => {
    const inserts = Array.from({ length: 45 }, (_, i) => `INSERT INTO public.notes (id) VALUES (${i})`);
    await expect(
      db.batch([...inserts.slice(0, 42), 'INSERT INTO public.nope VALUES (1)'], { atomic: false }),
    ).rejects.toThrow(/statements 1-40 were committed by earlier chunks and stay/);
    expect(await count()).toBe(40);
  });

  it('refuses statement text over 100 KB before sending it', async () => {
    const before = ep.statements.list().length;
    await expect(db.query(`SELECT '${'x'.repeat(DATA_API_MAX_SQL_BYTES)}'`)).rejects.toThrow(
      /the Redshift Data API accepts at most 100000/,
    );
    expect(ep.statements.list()).toHaveLength(before);
  });

  it('refuses a BIGINT the JSON answer cannot carry exactly, and reads it cast to varchar', async () => {
    await expect(db.query('SELECT 9007199254740993::int8 AS k')).rejects.toThrow(/beyond 2\^53/);
    expect((await db.query('SELECT 9007199254740993::int8::varchar AS k')).rows).toEqual([{ k: '9007199254740993' }]);
  });

  it('reports the failing statement with the database error', async () => {
    await expect(db.query('SELECT * FROM public.nope')).rejects.toThrow(
      'target: ERROR: relation "public.nope" does not exist\n Position: 15 (statement: SELECT * FROM public.nope)',
    );
  });
});

describe('DataApiClient and the Data API result limits', () => {
  it('names the per-row and the result-size limit', async () => {
    const small = await endpointOn(env(), { limits: { maxRowBytes: 1000, maxResultBytes: 10_000 } });
    const client = sdkFor(small);
    try {
      const limited = clientOn(client, clusterTarget());
      await expect(limited.query("SELECT repeat('w', 1001) AS wide")).rejects.toThrow(
        /a result row is over the Data API's 64 KB per-row limit .*select fewer or narrower columns/,
      );
      await expect(limited.query("SELECT repeat('b', 900) FROM generate_series(1, 12)")).rejects.toThrow(
        /the result set is over the Data API's size limit \(Database response exceeded size limit .*\); read it in smaller parts/,
      );
    } finally {
      client.destroy();
      await small.close();
    }
  });
});

describe('DataApiClient on Redshift Serverless', () => {
  it('addresses the workgroup, and a query on an STL view fails as on Serverless', async () => {
    const sl = await endpointOn(env(), { serverless: true });
    const client = sdkFor(sl);
    try {
      const serverless = clientOn(client, { workgroupName: 'companion-wg', database: env().databases.target });
      expect((await serverless.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await expect(serverless.query('SELECT count(*) FROM stl_query')).rejects.toThrow(
        'target: ERROR: permission denied for relation stl_query',
      );
    } finally {
      client.destroy();
      await sl.close();
    }
  });
});
