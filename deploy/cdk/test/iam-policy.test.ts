import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { bindPolicyStatements, DEFAULT_POLICY_FILE, readPolicyFile, type PolicyDocumentJson, type PolicyStatementJson } from '../lib/iam-policy.js';
import { asList, deployDir, lambdaDir, props, readJson, removeTempDirs, synth } from './fixtures.js';

after(removeTempDirs);

const policyFile = path.join(deployDir, 'iam-policy.json');
const policy = readJson<PolicyDocumentJson>(policyFile);

/** Statements with Action and Resource as lists, as the file writes them. */
function normalized(statements: PolicyStatementJson[]): PolicyStatementJson[] {
  return statements.map((s) => ({ ...s, Action: asList(s.Action), Resource: asList(s.Resource) }));
}

/** The inline policy `dms-companion` of the one role with it in a template. */
function inlineStatements(template: ReturnType<typeof synth>['service']): PolicyStatementJson[] {
  const roles = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Policies: Match.anyValue() } }));
  assert.equal(roles.length, 1);
  type InlinePolicy = { PolicyName: string; PolicyDocument: { Statement: PolicyStatementJson[] } };
  const policies = (roles[0] as { Properties: { Policies: InlinePolicy[] } }).Properties.Policies;
  assert.deepEqual(policies.map((p) => p.PolicyName), ['dms-companion']);
  return policies[0]!.PolicyDocument.Statement;
}

describe('IAM policy of the companion', () => {
  it('the app reads deploy/iam-policy.json, the file test/e2e/deploy.test.ts derives from the code', () => {
    assert.equal(DEFAULT_POLICY_FILE, policyFile);
    assert.deepEqual(readPolicyFile(), policy);
  });

  it('the task role and the Lambda role carry exactly the file’s statements (example values bound to themselves)', () => {
    // cdk.json's example deployment uses the file's example account, region, cluster, database, user and namespace.
    const s = synth();
    assert.deepEqual(normalized(inlineStatements(s.service)), normalized(policy.Statement));
    assert.deepEqual(normalized(inlineStatements(s.lambda!)), normalized(policy.Statement));
    // Nothing else is granted to the task role: no attached policy, no managed policy.
    const taskRole = s.stacks.service.getLogicalId(s.stacks.service.taskRole.node.defaultChild as never);
    for (const p of Object.values(s.service.findResources('AWS::IAM::Policy'))) {
      assert.ok(!JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(taskRole), 'a further policy on the task role');
    }
    s.service.hasResourceProperties('AWS::IAM::Role', { Policies: Match.anyValue(), ManagedPolicyArns: Match.absent() });
  });

  it('binds ARNs, database names and the metrics namespace to the deployment', () => {
    const bound = bindPolicyStatements(policy, {
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '210987654321',
      redshift: { clusterIdentifier: 'dwh', database: 'sales', dbUser: 'companion' },
      metricsNamespace: 'Ops/Companion',
    });
    const bySid = Object.fromEntries(bound.map((s) => [s.Sid, s]));
    assert.deepEqual(bySid.DmsStopAndResumeTasks!.Resource, 'arn:aws-cn:dms:cn-north-1:210987654321:task:*');
    assert.deepEqual(bySid.RedshiftDataApiRun!.Resource, 'arn:aws-cn:redshift:cn-north-1:210987654321:cluster:dwh');
    assert.deepEqual(bySid.RedshiftDataApiCredentialsDbUser!.Resource, [
      'arn:aws-cn:redshift:cn-north-1:210987654321:dbuser:dwh/companion',
      'arn:aws-cn:redshift:cn-north-1:210987654321:dbname:dwh/sales',
    ]);
    assert.deepEqual(bySid.CloudWatchPublishOwnMetrics!.Condition, { StringEquals: { 'cloudwatch:namespace': 'Ops/Companion' } });
    // Actions and effects are the file's.
    assert.deepEqual(bound.map((s) => [s.Sid, s.Effect, s.Action]), policy.Statement.map((s) => [s.Sid, s.Effect, s.Action]));
  });

  it('environment-agnostic: ARNs take the stack’s partition, region and account', () => {
    const s = synth(props((raw) => delete raw.env));
    const run = inlineStatements(s.service).find((x) => x.Sid === 'RedshiftDataApiRun')!;
    assert.deepEqual(run.Resource, {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':redshift:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':cluster:analytics']],
    });
  });

  it('with a credentials secret the Data API gets secretsmanager:GetSecretValue on it instead of GetClusterCredentials', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift/companion-AbCdEf';
    const s = synth(props((raw) => (raw.redshift = { clusterIdentifier: 'analytics', database: 'warehouse', secretArn })));
    const statements = inlineStatements(s.service);
    assert.ok(!JSON.stringify(statements).includes('redshift:GetClusterCredentials'));
    assert.deepEqual(statements.find((x) => x.Sid === 'RedshiftDataApiCredentialsSecret'), {
      Sid: 'RedshiftDataApiCredentialsSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: secretArn,
    });
    assert.equal(statements.length, policy.Statement.length);
  });

  it('a resource it cannot bind fails the synth, naming the statement', () => {
    const dir = lambdaDir();
    const file = path.join(dir, 'policy.json');
    const changed = structuredClone(policy);
    changed.Statement.push({ Sid: 'S3Extra', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::bucket/*' });
    writeFileSync(file, JSON.stringify(changed));
    assert.throws(() => readPolicyFile(path.join(dir, 'none.json')), /none\.json: cannot read the IAM policy/);
    assert.throws(
      () =>
        bindPolicyStatements(readPolicyFile(file), { partition: 'aws', region: 'us-east-1', account: '1', redshift: props().redshift, metricsNamespace: 'N' }),
      /IAM policy statement "S3Extra": resource "arn:aws:s3:::bucket\/\*" has no rule/,
    );
  });
});
