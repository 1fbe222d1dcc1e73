import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DeploymentPropsError, parseDeploymentProps, rawPropsFromContext } from '../lib/parse-props.js';
import { DEFAULT_THRESHOLDS } from '../lib/props.js';
import { exampleRaw, lambdaDir, removeTempDirs } from './fixtures.js';

after(removeTempDirs);

function problemsOf(raw: unknown): string[] {
  try {
    parseDeploymentProps(raw);
  } catch (err) {
    assert.ok(err instanceof DeploymentPropsError, String(err));
    return err.problems;
  }
  assert.fail('expected a DeploymentPropsError');
}

describe('deployment props', () => {
  it('the example of cdk.json is valid and gets the documented defaults', () => {
    const p = parseDeploymentProps(exampleRaw());
    assert.deepEqual(p.env, { account: '123456789012', region: 'us-east-1' });
    assert.equal(p.stackName, 'DmsCompanion');
    assert.equal(p.metricsNamespace, 'DMSCompanion');
    assert.equal(p.alarmPrefix, 'dms');
    assert.equal(p.topicName, 'dms-companion-alarms');
    assert.deepEqual(p.thresholds, DEFAULT_THRESHOLDS);
    assert.equal(p.thresholds.freeableMemoryBytes, 1610612736);
    assert.equal(p.logRetentionDays, 30);
    assert.equal(p.cpu, 512);
    assert.equal(p.memoryMiB, 1024);
    assert.deepEqual(p.config, { source: 'image' });
    assert.deepEqual(p.lambda, { enabled: true, configFile: 'config.yaml', timeoutSeconds: 900, memoryMiB: 1024, environment: {} });
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dms-companion/source-AbCdEf';
    assert.deepEqual(p.secrets.SOURCE_PASSWORD, { secretArn, field: 'password' });
  });

  it('without env the deployment is environment-agnostic', () => {
    const raw = exampleRaw();
    delete raw.env;
    assert.equal(parseDeploymentProps(raw).env, undefined);
  });

  it('lists every problem at once, each with its path', () => {
    const raw = exampleRaw();
    delete raw.vpc;
    raw.alarmEmail = 'not-an-address';
    (raw.dms as { tasks: unknown[] }).tasks.push({ name: 'second', arn: 'arn:aws:dms:us-east-1:123456789012:rep:XYZ' });
    raw.image = { ecrRepositoryName: 'dms-companion', tag: 'has space' };
    raw.thresholds = { cdcLatencyTargetSeconds: -1, periodSeconds: 90 };
    raw.logRetentionDays = 31;
    raw.alarmEmial = 'typo@example.com';
    const problems = problemsOf(raw);
    const paths = problems.map((p) => p.slice(0, p.indexOf(':')));
    assert.deepEqual(paths.sort(), [
      'alarmEmail',
      'alarmEmial',
      'dms.tasks[1].arn',
      'image.tag',
      'logRetentionDays',
      'thresholds.cdcLatencyTargetSeconds',
      'thresholds.periodSeconds',
      'vpc',
    ]);
    assert.match(problems.find((p) => p.startsWith('dms.tasks[1].arn'))!, /expected a replication task ARN/);
    assert.match(problems.find((p) => p.startsWith('alarmEmial'))!, /unknown key/);
  });

  it('needs exactly one way to the Data API credentials and exactly one image source', () => {
    const raw = exampleRaw();
    (raw.redshift as Record<string, unknown>).secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rs-AbCdEf';
    raw.image = { ecrRepositoryName: 'dms-companion', name: 'ghcr.io/example/dms-companion', tag: '1' };
    assert.deepEqual(problemsOf(raw), [
      'redshift: give exactly one of dbUser (temporary credentials) or secretArn',
      'image: give exactly one of ecrRepositoryName (ECR, this account) or name (any registry)',
    ]);
  });

  it('a task without a name is named by its ARN resource id; a name used twice is refused', () => {
    const raw = exampleRaw();
    const arn = 'arn:aws:dms:us-east-1:123456789012:task:ZYXWVU';
    (raw.dms as { tasks: unknown[] }).tasks = [{ arn }];
    assert.deepEqual(parseDeploymentProps(raw).dms.tasks, [{ arn }]);
    (raw.dms as { tasks: unknown[] }).tasks = [{ name: 'a', arn }, { name: 'a', arn: `${arn}2` }];
    assert.deepEqual(problemsOf(raw), ['dms.tasks[1]: "a" is listed twice']);
  });

  it('config sources: image (path), SSM parameter, secret', () => {
    const raw = exampleRaw();
    raw.config = { source: 'ssm-parameter', parameterName: '/dms-companion/config' };
    assert.deepEqual(parseDeploymentProps(raw).config, { source: 'ssm-parameter', parameterName: '/dms-companion/config' });
    raw.config = { source: 'secret' };
    assert.deepEqual(problemsOf(raw), ['config.secretArn: required']);
    raw.config = { source: 'file', path: '/x' };
    assert.match(problemsOf(raw)[0]!, /^config\.source: expected "image", "ssm-parameter" or "secret"/);
  });

  it('comes from the context object, a JSON string, or the file named by dms-companion-file', () => {
    const example = exampleRaw();
    assert.deepEqual(rawPropsFromContext((k) => (k === 'dms-companion' ? example : undefined), '.'), example);
    assert.deepEqual(rawPropsFromContext((k) => (k === 'dms-companion' ? JSON.stringify(example) : undefined), '.'), example);
    const dir = lambdaDir();
    writeFileSync(path.join(dir, 'deployment.json'), JSON.stringify(example));
    assert.deepEqual(rawPropsFromContext((k) => (k === 'dms-companion-file' ? 'deployment.json' : undefined), dir), example);
    assert.throws(() => rawPropsFromContext(() => undefined, '.'), /no deployment props: set the context key "dms-companion"/);
    const missing = (k: string) => (k === 'dms-companion-file' ? 'missing.json' : undefined);
    assert.throws(() => rawPropsFromContext(missing, dir), /dms-companion-file: cannot read .*missing\.json/);
  });
});
