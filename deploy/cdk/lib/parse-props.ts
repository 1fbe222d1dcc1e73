import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_THRESHOLDS,
  type CompanionDeploymentProps,
  type ConfigSourceProps,
  type ContainerSecretProps,
  type ImageProps,
  type TaskProps,
} from './props.js';

/** Deployment props that do not validate; `problems` lists every one, each prefixed with its path. */
export class DeploymentPropsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid dms-companion deployment props:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DeploymentPropsError';
  }
}

const TASK_ARN = /^arn:aws[a-z-]*:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** CloudWatch Logs retention values (days), CloudWatch Logs API reference, PutRetentionPolicy. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

type Obj = Record<string, unknown>;

/** Reads fields of one object, recording problems by path instead of throwing. */
class Reader {
  constructor(
    private readonly problems: string[],
    readonly at: string,
    readonly o: Obj,
  ) {}

  private where(key: string): string {
    return this.at ? `${this.at}.${key}` : key;
  }

  private fail(key: string, message: string): undefined {
    this.problems.push(`${this.where(key)}: ${message}`);
    return undefined;
  }

  str(key: string, re?: RegExp, expected?: string): string | undefined {
    const v = this.o[key];
    if (v === undefined) return this.fail(key, 'required');
    return this.checkStr(key, v, re, expected);
  }

  optStr(key: string, re?: RegExp, expected?: string): string | undefined {
    const v = this.o[key];
    return v === undefined ? undefined : this.checkStr(key, v, re, expected);
  }

  private checkStr(key: string, v: unknown, re?: RegExp, expected?: string): string | undefined {
    if (typeof v !== 'string' || v.trim() === '') return this.fail(key, `expected a non-empty string, got ${JSON.stringify(v)}`);
    if (re && !re.test(v)) return this.fail(key, `expected ${expected ?? re.source}, got ${JSON.stringify(v)}`);
    return v;
  }

  num(key: string, dflt: number, min: number, max: number): number {
    const v = this.o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(key, `expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return dflt;
    }
    return v;
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${JSON.stringify(v)}`);
    return v === true;
  }

  strList(key: string, re?: RegExp, expected?: string, optional = false): string[] {
    const v = this.o[key];
    if (v === undefined && optional) return [];
    if (!Array.isArray(v) || v.length === 0) return this.fail(key, optional ? 'expected a list of strings' : 'expected a non-empty list of strings') ?? [];
    return v.flatMap((x, i) => this.checkStr(`${key}[${i}]`, x, re, expected) ?? []);
  }

  obj(key: string, optional = false): Reader | undefined {
    const v = this.o[key];
    if (v === undefined && optional) return undefined;
    if (v === undefined) return this.fail(key, 'required');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(key, 'expected an object');
    return new Reader(this.problems, this.where(key), v as Obj);
  }

  /** String values of a map (environment variables). */
  strMap(key: string): Record<string, string> {
    const r = this.obj(key, true);
    if (!r) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.o)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) r.fail(k, 'not a valid environment variable name');
      else if (typeof v !== 'string') r.fail(k, 'expected a string value');
      else out[k] = v;
    }
    return out;
  }

  /** Keys present that the schema does not know: a misspelt key should not be silently ignored. */
  only(...keys: string[]): void {
    for (const k of Object.keys(this.o)) if (!keys.includes(k)) this.fail(k, 'unknown key');
  }
}

/**
 * Checks raw deployment props (from the CDK context or a JSON file) and fills in defaults.
 * @throws DeploymentPropsError listing every problem at once.
 */
export function parseDeploymentProps(raw: unknown): CompanionDeploymentProps {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DeploymentPropsError(['(top level): expected an object']);
  const r = new Reader(problems, '', raw as Obj);
  r.only(
    'env', 'stackName', 'vpc', 'dms', 'redshift', 'alarmEmail', 'topicName', 'snsHttpsEndpoint', 'image', 'config', 'secrets', 'environment',
    'metricsNamespace', 'alarmPrefix', 'thresholds', 'logRetentionDays', 'cpu', 'memoryMiB', 'dashboardName', 'lambda',
  );

  const envR = r.obj('env', true);
  envR?.only('account', 'region');
  const account = envR?.str('account', /^\d{12}$/, 'a 12-digit AWS account id');
  const region = envR?.str('region', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like "us-east-1"');

  const vpcR = r.obj('vpc');
  vpcR?.only('vpcId', 'availabilityZones', 'privateSubnetIds', 'securityGroupIds');
  const vpc = vpcR && {
    vpcId: vpcR.str('vpcId', /^vpc-[0-9a-f]+$/, 'a VPC id like "vpc-0123456789abcdef0"') ?? '',
    availabilityZones: vpcR.strList('availabilityZones'),
    privateSubnetIds: vpcR.strList('privateSubnetIds', /^subnet-[0-9a-f]+$/, 'a subnet id like "subnet-0123…"'),
    securityGroupIds: vpcR.strList('securityGroupIds', /^sg-[0-9a-f]+$/, 'a security group id like "sg-0123…"', true),
  };
  if (vpc && vpc.privateSubnetIds.length > 0 && vpc.availabilityZones.length > 0 && vpc.privateSubnetIds.length % vpc.availabilityZones.length !== 0) {
    problems.push('vpc.privateSubnetIds: expected a multiple of the number of availabilityZones (one subnet per zone, in the same order)');
  }

  const dmsR = r.obj('dms');
  dmsR?.only('replicationInstanceIdentifier', 'tasks');
  const instance = dmsR?.str('replicationInstanceIdentifier');
  const tasks = dmsR ? parseTasks(problems, dmsR) : [];

  const rsR = r.obj('redshift');
  rsR?.only('clusterIdentifier', 'database', 'dbUser', 'secretArn');
  const redshift = rsR && {
    clusterIdentifier: rsR.str('clusterIdentifier', /^[a-z][a-z0-9-]*$/, 'a Redshift cluster identifier (lowercase letters, digits, hyphens)') ?? '',
    database: rsR.str('database') ?? '',
    dbUser: rsR.optStr('dbUser'),
    secretArn: rsR.optStr('secretArn', SECRET_ARN, 'a Secrets Manager secret ARN'),
  };
  if (redshift && (redshift.dbUser === undefined) === (redshift.secretArn === undefined)) {
    problems.push('redshift: give exactly one of dbUser (temporary credentials) or secretArn');
  }

  const alarmEmail = r.str('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email address');
  const snsHttpsEndpoint = r.optStr('snsHttpsEndpoint', /^https:\/\/\S+$/, 'an https:// URL of the companion\'s /sns');
  const image = parseImage(problems, r.obj('image'));
  const config = parseConfigSource(problems, r.obj('config'));
  const secrets = parseSecrets(problems, r.obj('secrets', true));
  const environment = r.strMap('environment');
  for (const k of Object.keys(environment)) if (k in secrets) problems.push(`environment.${k}: also given in secrets`);

  const thR = r.obj('thresholds', true);
  thR?.only('cdcLatencyTargetSeconds', 'freeableMemoryBytes', 'swapUsageBytes', 'periodSeconds', 'evaluationPeriods');
  const d = DEFAULT_THRESHOLDS;
  const thresholds = {
    cdcLatencyTargetSeconds: thR?.num('cdcLatencyTargetSeconds', d.cdcLatencyTargetSeconds, 1, 86_400) ?? d.cdcLatencyTargetSeconds,
    freeableMemoryBytes: thR?.num('freeableMemoryBytes', d.freeableMemoryBytes, 1, 2 ** 50) ?? d.freeableMemoryBytes,
    swapUsageBytes: thR?.num('swapUsageBytes', d.swapUsageBytes, 1, 2 ** 50) ?? d.swapUsageBytes,
    periodSeconds: thR?.num('periodSeconds', d.periodSeconds, 60, 86_400) ?? d.periodSeconds,
    evaluationPeriods: thR?.num('evaluationPeriods', d.evaluationPeriods, 1, 100) ?? d.evaluationPeriods,
  };
  if (thresholds.periodSeconds % 60 !== 0) problems.push('thresholds.periodSeconds: expected a multiple of 60');

  const logRetentionDays = r.num('logRetentionDays', 30, 1, 3653);
  if (!RETENTION_DAYS.includes(logRetentionDays)) problems.push(`logRetentionDays: expected one of ${RETENTION_DAYS.join(', ')}`);

  const lambda = parseLambda(r.obj('lambda', true));
  const props = {
    env: account && region ? { account, region } : undefined,
    stackName: r.optStr('stackName', /^[A-Za-z][A-Za-z0-9-]*$/, 'a CloudFormation stack name') ?? 'DmsCompanion',
    vpc,
    dms: { replicationInstanceIdentifier: instance ?? '', tasks },
    redshift,
    alarmEmail: alarmEmail ?? '',
    topicName: r.optStr('topicName', /^[A-Za-z0-9_-]{1,256}$/, 'an SNS topic name') ?? 'dms-companion-alarms',
    snsHttpsEndpoint,
    image,
    config,
    secrets,
    environment,
    metricsNamespace: r.optStr('metricsNamespace', /^[^:]{1,255}$/, 'a CloudWatch namespace') ?? 'DMSCompanion',
    alarmPrefix: r.optStr('alarmPrefix', /^[A-Za-z0-9_.-]+$/, 'letters, digits, "-", "_" or "."') ?? 'dms',
    thresholds,
    logRetentionDays,
    cpu: r.num('cpu', 512, 256, 16_384),
    memoryMiB: r.num('memoryMiB', 1024, 512, 122_880),
    dashboardName: r.optStr('dashboardName', /^[A-Za-z0-9_-]{1,255}$/, 'a dashboard name') ?? 'dms-companion',
    lambda,
  };
  if (problems.length > 0 || !vpc || !redshift || !image || !config) throw new DeploymentPropsError(problems);
  return props as CompanionDeploymentProps;
}

function parseTasks(problems: string[], dms: Reader): TaskProps[] {
  const list = dms.o.tasks;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('dms.tasks: expected a non-empty list of { name, arn }');
    return [];
  }
  const out: TaskProps[] = [];
  list.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) {
      problems.push(`dms.tasks[${i}]: expected an object { name, arn }`);
      return;
    }
    const tr = new Reader(problems, `dms.tasks[${i}]`, t as Obj);
    tr.only('name', 'arn');
    const arn = tr.str('arn', TASK_ARN, 'a replication task ARN "arn:aws:dms:<region>:<account>:task:<id>"');
    const name = tr.optStr('name', /^[A-Za-z0-9_.-]+$/, 'letters, digits, "-", "_" or "."');
    if (arn) out.push(name ? { name, arn } : { arn });
  });
  const names = out.map((t) => t.name ?? t.arn);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.push(`dms.tasks[${i}]: "${n}" is listed twice`);
  });
  return out;
}

function parseImage(problems: string[], r: Reader | undefined): ImageProps | undefined {
  if (!r) return undefined;
  r.only('ecrRepositoryName', 'name', 'tag');
  const tag = r.str('tag', /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'an image tag (letters, digits, "_", ".", "-")');
  const repo = r.optStr('ecrRepositoryName', /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'an ECR repository name');
  const name = r.optStr('name', /^[^\s:@]+$/, 'an image name without tag');
  if ((repo === undefined) === (name === undefined)) {
    problems.push('image: give exactly one of ecrRepositoryName (ECR, this account) or name (any registry)');
    return undefined;
  }
  if (!tag) return undefined;
  return repo !== undefined ? { ecrRepositoryName: repo, tag } : { name: name!, tag };
}

function parseConfigSource(problems: string[], r: Reader | undefined): ConfigSourceProps | undefined {
  if (!r) return undefined;
  const source = r.str('source', /^(image|ssm-parameter|secret)$/, '"image", "ssm-parameter" or "secret"');
  switch (source) {
    case 'image': {
      r.only('source', 'path');
      const p = r.optStr('path', /^\/\S+$/, 'an absolute path in the image');
      return p ? { source, path: p } : { source };
    }
    case 'ssm-parameter': {
      r.only('source', 'parameterName');
      const parameterName = r.str('parameterName', /^[A-Za-z0-9_./-]+$/, 'an SSM parameter name');
      return parameterName ? { source, parameterName } : undefined;
    }
    case 'secret': {
      r.only('source', 'secretArn');
      const secretArn = r.str('secretArn', SECRET_ARN, 'a Secrets Manager secret ARN');
      return secretArn ? { source, secretArn } : undefined;
    }
    default:
      return undefined;
  }
}

function parseSecrets(problems: string[], r: Reader | undefined): Record<string, ContainerSecretProps> {
  if (!r) return {};
  const out: Record<string, ContainerSecretProps> = {};
  for (const name of Object.keys(r.o)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`secrets.${name}: not a valid environment variable name`);
      continue;
    }
    const s = r.obj(name);
    if (!s) continue;
    if (s.o.ssmParameterName !== undefined) {
      s.only('ssmParameterName');
      const p = s.str('ssmParameterName', /^[A-Za-z0-9_./-]+$/, 'an SSM parameter name');
      if (p) out[name] = { ssmParameterName: p };
    } else {
      s.only('secretArn', 'field');
      const secretArn = s.str('secretArn', SECRET_ARN, 'a Secrets Manager secret ARN');
      const field = s.optStr('field');
      if (secretArn) out[name] = field ? { secretArn, field } : { secretArn };
    }
  }
  return out;
}

function parseLambda(r: Reader | undefined): CompanionDeploymentProps['lambda'] {
  r?.only('enabled', 'codeDirectory', 'configFile', 'timeoutSeconds', 'memoryMiB', 'environment');
  const codeDirectory = r?.optStr('codeDirectory');
  return {
    enabled: r?.bool('enabled', true) ?? true,
    ...(codeDirectory ? { codeDirectory } : {}),
    configFile: r?.optStr('configFile', /^[^/\s][^\s]*$/, 'a relative path inside codeDirectory') ?? 'config.yaml',
    timeoutSeconds: r?.num('timeoutSeconds', 900, 1, 900) ?? 900,
    memoryMiB: r?.num('memoryMiB', 1024, 128, 10_240) ?? 1024,
    environment: r?.strMap('environment') ?? {},
  };
}

/**
 * The raw props from the CDK context: the object under `dms-companion`, or the JSON file named by
 * `dms-companion-file` (relative to `baseDir`).
 * @throws DeploymentPropsError when neither is given or the file cannot be read as JSON.
 */
export function rawPropsFromContext(get: (key: string) => unknown, baseDir: string): unknown {
  const file = get('dms-companion-file');
  if (typeof file === 'string' && file !== '') {
    const p = path.resolve(baseDir, file);
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as unknown;
    } catch (err) {
      throw new DeploymentPropsError([`dms-companion-file: cannot read ${p} as JSON: ${(err as Error).message}`]);
    }
  }
  const inline = get('dms-companion');
  if (inline === undefined) throw new DeploymentPropsError(['no deployment props: set the context key "dms-companion" (cdk.json) or "dms-companion-file"']);
  // `-c dms-companion='{…}'` arrives as a string.
  if (typeof inline === 'string') {
    try {
      return JSON.parse(inline) as unknown;
    } catch (err) {
      throw new DeploymentPropsError([`dms-companion: not valid JSON: ${(err as Error).message}`]);
    }
  }
  return inline;
}
