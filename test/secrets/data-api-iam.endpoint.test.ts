import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { DataApiClient } from '../../lib/sql/data-api-client.js';
import { COMPANION_USER } from '../../sim/embedded.js';
import type { DataApiEndpoint } from '../../sim/redshift/data-api/index.js';
import { useEnvironment } from '../helpers/env.js';
import { minimalYaml } from '../helpers/minimal-config.js';
import { endpointOn, sdkFor } from '../redshift/data-api-helpers.js';

const env = useEnvironment('data_api_iam');
let ep: DataApiEndpoint;

beforeAll(async () => {
  ep = await endpointOn(env());
});
afterAll(async () => {
  await ep?.close();
});

describe('the Data API IAM-identity mode (target.auth: iam)', () => {
  it('sends neither DbUser nor SecretArn, and the statement runs as the identity’s user', async () => {
    const config = parseConfig(
      minimalYaml(
        undefined,
        `{ kind: data-api, clusterIdentifier: prod, database: ${env().databases.target}, auth: iam }`,
      ),
    );
    expect(config.target.kind).toBe('data-api');
    if (config.target.kind !== 'data-api') return;
    const sdk = sdkFor(ep);
    const inputs: Record<string, unknown>[] = [];
    sdk.middlewareStack.add(
      (next) => async (args) => {
        inputs.push(args.input as Record<string, unknown>);
        return next(args);
      },
      { step: 'initialize' },
    );
    const db = new DataApiClient({ client: sdk, target: config.target, pollInterval: 0.002 });
    try {
      const r = await db.query<{ u: string }>('SELECT current_user AS u');
      expect(r.rows[0]!.u).toBe(COMPANION_USER);
      const execute = inputs.find((i) => 'Sql' in i)!;
      expect(execute).toMatchObject({ ClusterIdentifier: 'prod', Database: env().databases.target });
      expect(execute).not.toHaveProperty('DbUser');
      expect(execute).not.toHaveProperty('SecretArn');
    } finally {
      await db.close();
      sdk.destroy();
    }
  });
});
