import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { PgConnectionConfig } from '../config/schema.js';
import { rdsIamToken, redshiftIamPassword, secretsManagerPassword, ssmPassword } from '../lib/aws/credentials.js';

/**
 * The `password` a pg pool gets for one connection section of the config: the literal value, or
 * an async function pg calls for every new connection (so a rotated secret or a fresh IAM token is
 * used without a restart; docs/aws-facts.md §50–§53).
 */
export type PoolPassword = string | (() => Promise<string>) | undefined;

/** AWS clients the resolvers use, made on first use (a plain password needs none). */
export interface CredentialClients {
  secretsManager(): SecretsManagerClient;
  ssm(): SSMClient;
  redshift(): RedshiftClient;
}

/** Clients for `region`, each created once; `destroy` closes the ones that were made. */
export function credentialClients(region: string): CredentialClients & { destroy(): void } {
  const made: { destroy(): void }[] = [];
  const once = <T extends { destroy(): void }>(make: () => T): (() => T) => {
    let v: T | undefined;
    return () => {
      if (!v) made.push((v = make()));
      return v;
    };
  };
  return {
    secretsManager: once(() => new SecretsManagerClient({ region })),
    ssm: once(() => new SSMClient({ region })),
    redshift: once(() => new RedshiftClient({ region })),
    destroy: () => made.forEach((c) => c.destroy()),
  };
}

/**
 * The pool password for a connection.
 * @param kind `rds` signs an RDS IAM token for `auth: iam`; `redshift` asks GetClusterCredentialsWithIAM
 *   of `clusterIdentifier`.
 */
export function poolPassword(
  c: PgConnectionConfig,
  o: { region: string; clients: CredentialClients; kind: 'rds' | 'redshift'; clusterIdentifier?: string | undefined },
): PoolPassword {
  if (c.auth === 'iam') {
    if (o.kind === 'rds') return () => rdsIamToken({ region: o.region, host: c.host, port: c.port, user: c.user });
    const clusterIdentifier = o.clusterIdentifier ?? '';
    return () => redshiftIamPassword(o.clients.redshift(), { clusterIdentifier, database: c.database, user: c.user });
  }
  const p = c.password;
  if (p === undefined || typeof p === 'string') return p;
  if ('ssm' in p) return () => ssmPassword(o.clients.ssm(), p.ssm);
  return () => secretsManagerPassword(o.clients.secretsManager(), p.secretsManager, p.key);
}
