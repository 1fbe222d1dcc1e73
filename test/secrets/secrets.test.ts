import { GetClusterCredentialsWithIAMCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { credentialClients, poolPassword } from '../../jobs/credentials.js';
import { createRuntime } from '../../jobs/runtime.js';
import { createLogger } from '../../lib/log.js';
import { PgClient } from '../../lib/sql/pg-client.js';
import { quoteIdent } from '../../lib/sql/quote.js';
import { poolFor } from '../../sim/embedded.js';
import { useEnvironment } from '../helpers/env.js';
import { minimalYaml } from '../helpers/minimal-config.js';

const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const rs = mockClient(RedshiftClient);
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:companion-AbCdEf';
const env = useEnvironment('secrets');

function config(source: string, target = '{ kind: direct, host: h, database: dev, user: u, password: x }') {
  return parseConfig(minimalYaml(source, target, 'us-east-1'));
}

beforeEach(() => {
  sm.reset();
  ssm.reset();
  rs.reset();
});

describe('secrets and IAM authentication', () => {
  it('reads the source password from Secrets Manager on every new connection, so a rotated password works without a restart', async () => {
    const e = env();
    const role = `rotated_${process.pid}`;
    await e.sourceAdmin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    await e.sourceAdmin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD 'first-Value-1'`);
    const p = poolFor(e.server, e.databases.source);
    const c = config(
      `{ host: ${p.host}, port: ${p.port}, database: ${p.database}, user: ${role}, password: { secretsManager: ${ARN} } }`,
    );
    const runtime = createRuntime(c, { log: createLogger({ level: 'fatal', format: 'json' }) });
    try {
      sm.on(GetSecretValueCommand).resolves({
        SecretString: JSON.stringify({ username: role, password: 'first-Value-1' }),
      });
      expect((await runtime.source.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u).toBe(role);
      // Rotation: the database and the secret change; connections opened later use the new value.
      await e.sourceAdmin.query(`ALTER ROLE ${quoteIdent(role)} PASSWORD 'second-Value-2'`);
      sm.on(GetSecretValueCommand).resolves({
        SecretString: JSON.stringify({ username: role, password: 'second-Value-2' }),
      });
      await (runtime.source as PgClient).pool.end();
      const fresh = new PgClient({
        role: 'source',
        dialect: 'postgres',
        connection: {
          ...p,
          user: role,
          password: poolPassword(c.source, {
            region: 'us-east-1',
            clients: credentialClients('us-east-1'),
            kind: 'rds',
          }),
        },
      });
      try {
        expect((await fresh.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u).toBe(role);
      } finally {
        await fresh.close();
      }
      expect(sm.commandCalls(GetSecretValueCommand).length).toBe(2);
      expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: ARN });
    } finally {
      await runtime.close().catch(() => undefined);
      await e.sourceAdmin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    }
  });

  it('reads an SSM SecureString decrypted, and a plain-text secret whole', async () => {
    const clients = credentialClients('us-east-1');
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'from-ssm' } });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'plain-text' });
    const viaSsm = poolPassword(config('{ host: h, database: d, user: u, password: { ssm: /companion/pw } }').source, {
      region: 'us-east-1',
      clients,
      kind: 'rds',
    });
    const viaSm = poolPassword(
      config(`{ host: h, database: d, user: u, password: { secretsManager: ${ARN} } }`).source,
      {
        region: 'us-east-1',
        clients,
        kind: 'rds',
      },
    );
    expect(typeof viaSsm === 'function' && (await viaSsm())).toBe('from-ssm');
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/companion/pw',
      WithDecryption: true,
    });
    expect(typeof viaSm === 'function' && (await viaSm())).toBe('plain-text');
  });

  it('names the fields of a JSON secret without the wanted key, and never its values', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'u', pass: 'Very-Secret-9' }) });
    const pw = poolPassword(config(`{ host: h, database: d, user: u, password: { secretsManager: ${ARN} } }`).source, {
      region: 'us-east-1',
      clients: credentialClients('us-east-1'),
      kind: 'rds',
    });
    const err = typeof pw === 'function' ? await pw().catch((e: Error) => e) : undefined;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('fields: username, pass');
    expect((err as Error).message).not.toContain('Very-Secret-9');
  });

  it('signs an RDS IAM token per connection for the source (auth: iam)', async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret-key';
    const pw = poolPassword(
      config('{ host: db.example.com, port: 5432, database: d, user: reader, auth: iam }').source,
      {
        region: 'us-east-1',
        clients: credentialClients('us-east-1'),
        kind: 'rds',
      },
    );
    const token = typeof pw === 'function' ? await pw() : '';
    expect(token).toMatch(/^db\.example\.com:5432\/\?Action=connect&DBUser=reader&/);
    expect(token).toContain('X-Amz-Signature=');
  });

  it('gets Redshift credentials with GetClusterCredentialsWithIAM and refuses an identity that maps to another user', async () => {
    const c = config(
      '{ host: h, database: d, user: u }',
      '{ kind: direct, host: rs, database: dev, user: "IAMR:companion", auth: iam, clusterIdentifier: prod }',
    );
    expect(c.target.kind === 'direct' && c.target.auth).toBe('iam');
    const clients = credentialClients('us-east-1');
    const pw = poolPassword(c.target as Parameters<typeof poolPassword>[0], {
      region: 'us-east-1',
      clients,
      kind: 'redshift',
      clusterIdentifier: 'prod',
    });
    rs.on(GetClusterCredentialsWithIAMCommand).resolves({ DbUser: 'IAMR:companion', DbPassword: 'Temp-Pw-1' });
    expect(typeof pw === 'function' && (await pw())).toBe('Temp-Pw-1');
    expect(rs.commandCalls(GetClusterCredentialsWithIAMCommand)[0]!.args[0].input).toEqual({
      ClusterIdentifier: 'prod',
      DbName: 'dev',
    });
    rs.on(GetClusterCredentialsWithIAMCommand).resolves({ DbUser: 'IAMR:other', DbPassword: 'Temp-Pw-2' });
    const err = typeof pw === 'function' ? await pw().catch((e: Error) => e) : undefined;
    expect((err as Error).message).toContain('set target.user to "IAMR:other"');
    expect((err as Error).message).not.toContain('Temp-Pw-2');
  });
});
