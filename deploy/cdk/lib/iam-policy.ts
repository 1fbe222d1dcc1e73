import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Token, type Stack } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { CompanionDeploymentProps, RedshiftProps } from './props.js';

/**
 * The companion's least-privilege policy, read from deploy/iam-policy.json at synth time — the
 * file the repository's tests derive from the code — so that the tested policy is the deployed
 * one. Only its example ARNs and values are rebound to the deployment; the actions, effects and
 * condition keys are taken as they are.
 */

/** deploy/iam-policy.json, next to this app. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../../iam-policy.json', import.meta.url));

export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocumentJson {
  Version: string;
  Statement: PolicyStatementJson[];
}

/** What the example values of the policy file are replaced with (strings may be CDK tokens). */
export interface PolicyBinding {
  partition: string;
  region: string;
  account: string;
  redshift: RedshiftProps;
  /** The companion's CloudWatch namespace (condition `cloudwatch:namespace` of PutMetricData). */
  metricsNamespace: string;
}

/**
 * Reads and checks an IAM policy document.
 * @throws Error naming the file when it is not a policy document with `Sid`, `Effect`, `Action` and `Resource` in every statement.
 */
export function readPolicyFile(file: string = DEFAULT_POLICY_FILE): PolicyDocumentJson {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the IAM policy: ${(err as Error).message}`);
  }
  const statements = (doc as { Statement?: unknown }).Statement;
  if (!Array.isArray(statements) || statements.length === 0) throw new Error(`${file}: expected a policy document with a non-empty "Statement" list`);
  statements.forEach((s: Partial<PolicyStatementJson>, i) => {
    if (typeof s.Sid !== 'string' || (s.Effect !== 'Allow' && s.Effect !== 'Deny') || s.Action === undefined || s.Resource === undefined) {
      throw new Error(`${file}: Statement[${i}] needs "Sid", "Effect" (Allow or Deny), "Action" and "Resource"`);
    }
  });
  return doc as PolicyDocumentJson;
}

const ARN = /^arn:[^:]+:([^:]+):[^:]*:[^:]*:(.+)$/;

/** One resource of the file, rebound to the deployment. */
function bindResource(sid: string, resource: string, b: PolicyBinding): string {
  if (resource === '*') return resource;
  const m = ARN.exec(resource);
  const arn = (service: string, rest: string) => `arn:${b.partition}:${service}:${b.region}:${b.account}:${rest}`;
  const cluster = b.redshift.clusterIdentifier;
  if (m?.[1] === 'dms' && m[2] === 'task:*') return arn('dms', 'task:*');
  // The notifications topic (`notify.sns.topicArn`): the same topic name in the deployment's account and Region.
  if (m?.[1] === 'sns' && /^[A-Za-z0-9_-]+$/.test(m[2]!)) return arn('sns', m[2]!);
  if (m?.[1] === 'redshift') {
    const [type, name] = [m[2]!.slice(0, m[2]!.indexOf(':')), m[2]!.slice(m[2]!.indexOf(':') + 1)];
    // Resource types of Amazon Redshift (Service Authorization Reference, "Actions, resources, and condition keys for Amazon Redshift").
    if (type === 'cluster' && !name.includes('/')) return arn('redshift', `cluster:${cluster}`);
    if (type === 'dbname' && name.includes('/')) return arn('redshift', `dbname:${cluster}/${b.redshift.database}`);
    if (type === 'dbuser' && name.includes('/') && b.redshift.dbUser) return arn('redshift', `dbuser:${cluster}/${b.redshift.dbUser}`);
  }
  throw new Error(`IAM policy statement "${sid}": resource ${JSON.stringify(resource)} has no rule for binding it to the deployment (lib/iam-policy.ts)`);
}

/**
 * The file's statements bound to the deployment: ARNs get the deployment's partition, region,
 * account, cluster, database and database user; the `cloudwatch:namespace` condition gets the
 * metrics namespace. With `redshift.secretArn` the Data API takes its credentials from the secret
 * (Amazon Redshift management guide, "Authorizing access to the Amazon Redshift Data API"), so the
 * `RedshiftDataApiCredentials…` statements become `secretsmanager:GetSecretValue` on that secret.
 * @throws Error naming the statement for a resource this app does not know how to bind.
 */
export function bindPolicyStatements(doc: PolicyDocumentJson, b: PolicyBinding): PolicyStatementJson[] {
  const out: PolicyStatementJson[] = [];
  let secretAdded = false;
  for (const s of doc.Statement) {
    if (s.Sid.startsWith('RedshiftDataApiCredentials') && b.redshift.secretArn) {
      const Action = ['secretsmanager:GetSecretValue'];
      if (!secretAdded) out.push({ Sid: 'RedshiftDataApiCredentialsSecret', Effect: 'Allow', Action, Resource: b.redshift.secretArn });
      secretAdded = true;
      continue;
    }
    const resources = Array.isArray(s.Resource) ? s.Resource.map((r) => bindResource(s.Sid, r, b)) : bindResource(s.Sid, s.Resource, b);
    const bound: PolicyStatementJson = { Sid: s.Sid, Effect: s.Effect, Action: s.Action, Resource: resources };
    if (s.Condition) {
      bound.Condition = Object.fromEntries(
        Object.entries(s.Condition).map(([op, keys]) => [
          op,
          Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, key === 'cloudwatch:namespace' ? b.metricsNamespace : value])),
        ]),
      );
    }
    out.push(bound);
  }
  return out;
}

/**
 * The binding of a stack: its account and region (tokens when environment-agnostic) and, for a
 * known region, its partition as a literal (from the CDK's region facts), else `AWS::Partition`.
 */
export function stackBinding(stack: Stack, p: Pick<CompanionDeploymentProps, 'redshift' | 'metricsNamespace'>): PolicyBinding {
  const known = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
  return { partition: known ?? stack.partition, region: stack.region, account: stack.account, redshift: p.redshift, metricsNamespace: p.metricsNamespace };
}

/** The bound statements as CDK policy statements. */
export function companionPolicyStatements(b: PolicyBinding, file: string = DEFAULT_POLICY_FILE): PolicyStatement[] {
  return bindPolicyStatements(readPolicyFile(file), b).map((s) => PolicyStatement.fromJson(s));
}
