import { GetClusterCredentialsWithIAMCommand, type RedshiftClient } from '@aws-sdk/client-redshift';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { Signer } from '@aws-sdk/rds-signer';
import { CompanionError, errorMessage } from '../errors.js';

/**
 * Database passwords read from AWS when a connection opens (never stored, never logged):
 * - a Secrets Manager secret: its `SecretString`, or one field of it when it is JSON
 *   (docs/aws-facts.md §50);
 * - an SSM SecureString parameter, decrypted (§51);
 * - an RDS IAM authentication token for the source (valid 15 minutes, §52);
 * - Redshift temporary credentials for the caller's IAM identity, GetClusterCredentialsWithIAM (§53).
 *
 * Errors name what was asked for (ARN, parameter, cluster) and the AWS error, never a value.
 */

/** A credential that could not be obtained. Its message never holds a secret value. */
export class CredentialError extends CompanionError {}

/** A password from a Secrets Manager secret: the field `key` of a JSON secret, or the whole text. */
export async function secretsManagerPassword(client: SecretsManagerClient, arn: string, key: string): Promise<string> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (err) {
    throw new CredentialError(`cannot read secret ${arn} (GetSecretValue: ${errorMessage(err)})`, { cause: err });
  }
  if (text === undefined)
    throw new CredentialError(`secret ${arn} holds no SecretString (a binary secret is not supported)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text; // plain-text secret: the password itself
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const v = (parsed as Record<string, unknown>)[key];
    if (typeof v === 'string') return v;
    const fields = Object.keys(parsed).join(', ');
    throw new CredentialError(
      `secret ${arn} is JSON without a string field "${key}" (fields: ${fields}): set password.key`,
    );
  }
  return text;
}

/** A password from an SSM parameter (SecureString decrypted). */
export async function ssmPassword(client: SSMClient, name: string): Promise<string> {
  try {
    const out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const v = out.Parameter?.Value;
    if (v === undefined) throw new Error('no value');
    return v;
  } catch (err) {
    throw new CredentialError(`cannot read SSM parameter ${name} (GetParameter: ${errorMessage(err)})`, { cause: err });
  }
}

/** An RDS IAM authentication token for `user` at `host:port` (the password of one new connection). */
export async function rdsIamToken(o: { region: string; host: string; port: number; user: string }): Promise<string> {
  try {
    return await new Signer({ region: o.region, hostname: o.host, port: o.port, username: o.user }).getAuthToken();
  } catch (err) {
    throw new CredentialError(`cannot sign an RDS IAM token for ${o.user}@${o.host}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/**
 * Redshift temporary credentials for the caller's IAM identity (GetClusterCredentialsWithIAM).
 * The database user is derived from the identity, so it must equal the configured `user`.
 * @throws CredentialError naming the user the identity maps to when it differs.
 */
export async function redshiftIamPassword(
  client: RedshiftClient,
  o: { clusterIdentifier: string; database: string; user: string },
): Promise<string> {
  let out;
  try {
    out = await client.send(
      new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: o.clusterIdentifier, DbName: o.database }),
    );
  } catch (err) {
    throw new CredentialError(
      `cannot get Redshift credentials for cluster ${o.clusterIdentifier} (GetClusterCredentialsWithIAM: ${errorMessage(err)})`,
      { cause: err },
    );
  }
  if (!out.DbUser || !out.DbPassword)
    throw new CredentialError(
      `GetClusterCredentialsWithIAM returned no credentials for cluster ${o.clusterIdentifier}`,
    );
  if (out.DbUser !== o.user)
    throw new CredentialError(
      `the IAM identity maps to database user "${out.DbUser}", not the configured "${o.user}": set target.user to "${out.DbUser}"`,
    );
  return out.DbPassword;
}
