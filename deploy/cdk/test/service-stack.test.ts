import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CONFIG_TEXT_VARIABLE, SECRET_CONFIG_PATH } from '../lib/container.js';
import { COMPANION_JOBS } from '../lib/props.js';
import { deployDir, lambdaDir, props, readJson, removeTempDirs, synth } from './fixtures.js';

after(removeTempDirs);

interface TaskDefinitionJson {
  cpu: string;
  memory: string;
  containerDefinitions: {
    command: string[];
    stopTimeout: number;
    healthCheck: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
    portMappings: { containerPort: number; protocol: string; name: string }[];
    environment: { name: string; value: string }[];
  }[];
}
const reference = readJson<TaskDefinitionJson>(path.join(deployDir, 'ecs-task-definition.json'));
const refContainer = reference.containerDefinitions[0]!;

interface Container {
  EntryPoint?: string[];
  Command: string[];
  Environment: { Name: string; Value: string }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
  HealthCheck: { Command: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number };
  PortMappings: { ContainerPort: number; Protocol: string; Name: string }[];
  StopTimeout: number;
  Image: unknown;
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
}

function container(t: Template): Container {
  const defs = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
  assert.equal(defs.length, 1);
  const cds = (defs[0] as { Properties: { ContainerDefinitions: Container[] } }).Properties.ContainerDefinitions;
  assert.equal(cds.length, 1);
  return cds[0]!;
}

function alarm(t: Template, name: string): Record<string, unknown> {
  const found = Object.values(t.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }));
  assert.equal(found.length, 1, `alarm ${name}`);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('service stack', () => {
  let t: Template;
  let topicRef: unknown;
  before(() => {
    t = synth().service;
    topicRef = { Ref: Object.keys(t.findResources('AWS::SNS::Topic'))[0] };
  });

  it('runs the companion container as deploy/ecs-task-definition.json: command, port, liveness health check, stop timeout, config', () => {
    const c = container(t);
    assert.equal(c.EntryPoint, undefined); // the image's ENTRYPOINT: node dist/cli.js
    assert.deepEqual(c.Command, refContainer.command);
    assert.deepEqual(c.PortMappings, refContainer.portMappings.map((p) => ({ ContainerPort: p.containerPort, Protocol: p.protocol, Name: p.name })));
    const h = refContainer.healthCheck;
    assert.deepEqual(c.HealthCheck, { Command: h.command, Interval: h.interval, Timeout: h.timeout, Retries: h.retries, StartPeriod: h.startPeriod });
    assert.match(c.HealthCheck.Command.join(' '), /http:\/\/127\.0\.0\.1:8080\/healthz/);
    assert.equal(c.StopTimeout, 120);
    assert.equal(c.StopTimeout, refContainer.stopTimeout);
    for (const e of refContainer.environment) assert.deepEqual(c.Environment.find((x) => x.Name === e.name), { Name: e.name, Value: e.value });
    assert.deepEqual(c.Secrets?.map((s) => s.Name), ['SOURCE_PASSWORD']);
    assert.equal(c.LogConfiguration.LogDriver, 'awslogs');
    assert.equal(c.LogConfiguration.Options['awslogs-stream-prefix'], 'dms-companion');
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: reference.cpu,
      Memory: reference.memory,
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: 'X86_64' },
    });
  });

  it('pulls the image by tag from the ECR repository, or from any registry by name', () => {
    assert.match(JSON.stringify(container(t).Image), /\/dms-companion:0\.1\.0"/);
    const other = synth(props((raw) => (raw.image = { name: 'ghcr.io/example/dms-companion', tag: '2.0.0' }))).service;
    assert.equal(container(other).Image, 'ghcr.io/example/dms-companion:2.0.0');
  });

  it('one Fargate task in the private subnets, no public IP, the old task stopped before the new one starts', () => {
    t.resourceCountIs('AWS::ECS::Service', 1);
    t.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100 }),
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED', Subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] }),
      },
    });
  });

  it('given security groups are used instead of a new one', () => {
    const s = synth(props((raw) => ((raw.vpc as Record<string, unknown>).securityGroupIds = ['sg-0123456789abcdef0']))).service;
    s.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    s.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ SecurityGroups: ['sg-0123456789abcdef0'] }) },
    });
  });

  it('a log group with retention', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const s = synth(props((raw) => (raw.logRetentionDays = 365))).service;
    s.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('an alarm topic with the email subscription; the companion’s POST /sns over HTTPS as an option', () => {
    t.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'dms-companion-alarms' });
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dba@example.com', TopicArn: topicRef });
    const s = synth(props((raw) => (raw.snsHttpsEndpoint = 'https://companion.example.com/sns'))).service;
    s.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://companion.example.com/sns' });
  });

  it('CDCLatencyTarget alarm per replication task (AWS/DMS, instance + task dimensions, Maximum > 900 s)', () => {
    const two = synth(
      props((raw) => {
        (raw.dms as { tasks: unknown[] }).tasks.push({ name: 'orders', arn: 'arn:aws:dms:us-east-1:123456789012:task:ORDERSTASKID' });
      }),
    ).service;
    for (const [name, id] of [['app-to-redshift', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'], ['orders', 'ORDERSTASKID']]) {
      const a = alarm(two, `dms-${name}-cdc-latency-target`);
      assert.deepEqual(
        { ...a, AlarmDescription: undefined },
        {
          AlarmName: `dms-${name}-cdc-latency-target`,
          AlarmDescription: undefined,
          Namespace: 'AWS/DMS',
          MetricName: 'CDCLatencyTarget',
          Dimensions: [
            { Name: 'ReplicationInstanceIdentifier', Value: 'dms-instance-1' },
            { Name: 'ReplicationTaskIdentifier', Value: id },
          ],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          Threshold: 900,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: Object.keys(two.findResources('AWS::SNS::Topic'))[0] }],
          OKActions: [{ Ref: Object.keys(two.findResources('AWS::SNS::Topic'))[0] }],
        },
      );
    }
  });

  it('replication instance FreeableMemory (Minimum < 1.5 GiB) and SwapUsage (Maximum > 512 MiB) alarms', () => {
    const common = { Namespace: 'AWS/DMS', Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'dms-instance-1' }], Period: 300 };
    const freeable = { ...common, MetricName: 'FreeableMemory', Statistic: 'Minimum', Threshold: 1610612736, ComparisonOperator: 'LessThanThreshold' };
    const swap = { ...common, MetricName: 'SwapUsage', Statistic: 'Maximum', Threshold: 536870912, ComparisonOperator: 'GreaterThanThreshold' };
    for (const [name, expected] of [['dms-dms-instance-1-freeable-memory', freeable], ['dms-dms-instance-1-swap-usage', swap]] as const) {
      const a = alarm(t, name);
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, a[k]])), expected);
      assert.deepEqual(a.AlarmActions, [topicRef]);
    }
    const s = synth(props((raw) => (raw.thresholds = { freeableMemoryBytes: 1e9, swapUsageBytes: 1e8, periodSeconds: 60, evaluationPeriods: 5 }))).service;
    assert.equal(alarm(s, 'dms-dms-instance-1-freeable-memory').Threshold, 1e9);
    assert.equal(alarm(s, 'dms-dms-instance-1-swap-usage').Threshold, 1e8);
    assert.equal(alarm(s, 'dms-dms-instance-1-swap-usage').Period, 60);
    assert.equal(alarm(s, 'dms-app-to-redshift-cdc-latency-target').EvaluationPeriods, 5);
  });

  it('JobFailures alarm per job (namespace DMSCompanion, dimension Job, Sum ≥ 1 in 5 minutes)', () => {
    for (const job of COMPANION_JOBS) {
      const a = alarm(t, `dms-companion-${job}-job-failures`);
      assert.deepEqual(
        { Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions, Statistic: a.Statistic, Period: a.Period },
        { Namespace: 'DMSCompanion', MetricName: 'JobFailures', Dimensions: [{ Name: 'Job', Value: job }], Statistic: 'Sum', Period: 300 },
      );
      assert.equal(a.Threshold, 1);
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.deepEqual(a.AlarmActions, [topicRef]);
    }
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3 + COMPANION_JOBS.length);
    const s = synth(props((raw) => (raw.metricsNamespace = 'Ops/Companion'))).service;
    assert.equal(alarm(s, 'dms-companion-checker-job-failures').Namespace, 'Ops/Companion');
  });

  it('alarm names match the alarm patterns of config/example.yaml', () => {
    const example = readFileSync(path.join(deployDir, '..', 'config', 'example.yaml'), 'utf8');
    const glob = (g: string) => new RegExp(`^${g.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const patterns = [...example.matchAll(/- alarm: "([^"]+)"/g)].map((m) => glob(m[1]!));
    assert.equal(patterns.length, 2);
    assert.ok(patterns[0]!.test('dms-app-to-redshift-cdc-latency-target'));
    assert.ok(patterns[1]!.test('dms-dms-instance-1-freeable-memory'));
    assert.ok(!patterns.some((p) => p.test('dms-companion-checker-job-failures')), 'a companion failure must not trigger a remediation');
  });

  it('a dashboard of the companion’s metrics', () => {
    const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
    assert.equal(dashboards.length, 1);
    const p = (dashboards[0] as { Properties: { DashboardName: string; DashboardBody: unknown } }).Properties;
    assert.equal(p.DashboardName, 'dms-companion');
    const body = JSON.stringify(p.DashboardBody);
    for (const m of ['RowsRepaired', 'GapsFound', 'TaskRestarts', 'JobDuration', 'JobFailures', 'CDCLatencyTarget', 'FreeableMemory', 'SwapUsage']) {
      assert.ok(body.includes(m), `dashboard shows ${m}`);
    }
    const rowsRepaired = `SEARCH('{"DMSCompanion","Job","Table"} MetricName="RowsRepaired"', 'Sum', 300)`;
    // The body is JSON inside the template's JSON: quotes are escaped twice.
    assert.ok(body.includes(JSON.stringify(JSON.stringify(rowsRepaired)).slice(1, -1)), body.slice(0, 400));
  });

  it('config from an SSM parameter: a secret variable written to a file before `node dist/cli.js run`', () => {
    const s = synth(props((raw) => (raw.config = { source: 'ssm-parameter', parameterName: '/dms-companion/config' }))).service;
    const c = container(s);
    assert.deepEqual(c.EntryPoint?.slice(0, 2), ['sh', '-c']);
    assert.deepEqual(c.Command, ['run']);
    assert.deepEqual(c.Environment.find((e) => e.Name === 'DMS_COMPANION_CONFIG'), { Name: 'DMS_COMPANION_CONFIG', Value: SECRET_CONFIG_PATH });
    assert.match(JSON.stringify(c.Secrets?.find((x) => x.Name === CONFIG_TEXT_VARIABLE)), /:parameter\/dms-companion\/config"/);
    // The execution role may read the parameter (ECS fetches secrets with it).
    const statements = Object.values(s.findResources('AWS::IAM::Policy')).flatMap(
      (x) => (x as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const read = statements.filter((x) => [x.Action].flat().includes('ssm:GetParameters'));
    assert.equal(read.length, 1);
    assert.match(JSON.stringify(read[0]!.Resource), /:parameter\/dms-companion\/config"/);
  });

  it('the entry point’s shell writes the config exactly, readable by its user only, and execs the CLI with the command', () => {
    const s = synth(props((raw) => (raw.config = { source: 'secret', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cfg-AbCdEf' }))).service;
    const [sh, flag, script, arg0] = container(s).EntryPoint!;
    const app = lambdaDir();
    mkdirSync(path.join(app, 'dist'));
    // A stand-in for dist/cli.js that reports what it was started with.
    writeFileSync(
      path.join(app, 'dist', 'cli.js'),
      'console.log(JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), config: process.env.DMS_COMPANION_CONFIG, ' +
        `text: process.env.${CONFIG_TEXT_VARIABLE} ?? null }));\n`,
    );
    const file = path.join(app, 'etc', 'config.yaml');
    const yaml = "region: us-east-1\nsource:\n  password: '${SOURCE_PASSWORD}' # 100% \"quoted\" \\n\n";
    const local = script!.replaceAll(SECRET_CONFIG_PATH, file).replaceAll(path.dirname(SECRET_CONFIG_PATH), path.dirname(file));
    const r = spawnSync(sh!, [flag!, local, arg0!, 'run'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DMS_COMPANION_CONFIG: file, [CONFIG_TEXT_VARIABLE]: yaml },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { pid: number; argv: string[]; config: string; text: string | null };
    assert.equal(readFileSync(file, 'utf8'), yaml);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(out.argv, ['run']);
    assert.equal(out.text, null, 'the config text is not left in the environment');
    assert.equal(out.pid, r.pid, 'the CLI replaced the shell (exec), so it receives SIGTERM');
  });
});
