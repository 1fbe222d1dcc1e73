import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskSecrets, parseConfig } from '../../config/load.js';
import { parseQualifiedName } from '../../config/schema.js';
import { parseDuration, parseSize } from '../../config/units.js';
import { ConfigError } from '../../lib/errors.js';
import { minimalYaml } from '../helpers/minimal-config.js';

const example = readFileSync('config/example.yaml', 'utf8');

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('config', () => {
  it('accepts config/example.yaml and resolves the product defaults', () => {
    const c = parseConfig(example, {});
    expect(c.jobs.checker.schedule).toBe('*/3 * * * *');
    expect(c.jobs.fixer.cooldown).toBe(15 * 60);
    expect(c.jobs.maintenanceGuard.lead).toBe(5 * 60);
    expect(c.jobs.maintenanceGuard.hold).toBe(35 * 60);
    expect(c.jobs.memoryGuard.threshold).toBe(1.5 * 1024 ** 3);
    expect(c.tasks[0]!.tables[1]!.target).toEqual({ schema: 'public', name: 'payment' });
  });

  it('fills defaults for every job when the jobs section is left out', () => {
    const minimal = minimalYaml();
    const c = parseConfig(minimal, {});
    expect(c.jobs.memoryGuard.threshold).toBe(1610612736);
    expect(c.jobs.checker.window).toBe(180);
    expect(c.state.store).toBe('target');
    expect(c.target.kind).toBe('data-api');
  });

  it('lists every mistake by its path', () => {
    const bad = example
      .replace('region: us-east-1', 'region: mars')
      .replace('threshold: 1.5 GiB', 'threshold: lots')
      .replace('    lead: 5m', '    laed: 5m');
    const p = problems(bad);
    expect(p).toEqual([
      'region: expected an AWS region like "us-east-1", got "mars"',
      'jobs.maintenanceGuard.laed: unknown key (check its spelling against config/example.yaml)',
      'jobs.memoryGuard.threshold: expected a size like "1.5 GiB", got "lots"',
    ]);
  });

  it('takes an optional thresholdFraction in (0, 1] for the memory guard', () => {
    const withFraction = (v: string) => example.replace('# thresholdFraction: 0.1', `thresholdFraction: ${v}`);
    expect(parseConfig(example, {}).jobs.memoryGuard.thresholdFraction).toBeUndefined();
    expect(parseConfig(withFraction('0.1'), {}).jobs.memoryGuard.thresholdFraction).toBe(0.1);
    expect(parseConfig(withFraction('1'), {}).jobs.memoryGuard.thresholdFraction).toBe(1);
    for (const bad of ['0', '1.5', '-0.2', '10%'])
      expect(problems(withFraction(bad)).join('\n'), bad).toMatch(/^jobs\.memoryGuard\.thresholdFraction: /);
  });

  it('names array positions and missing keys', () => {
    const bad = example
      .replace('        primaryKey: [rental_id]', '        primaryKey: []')
      .replace('    replicationInstance: dms-instance-1', '');
    const p = problems(bad);
    expect(p).toContain('tasks[0].replicationInstance: required');
    expect(p.some((x) => x.startsWith('tasks[0].tables[0].primaryKey:'))).toBe(true);
  });

  it('interpolates ${VAR} and ${VAR:-default}, and reports unset variables by path', () => {
    const yaml = example
      .replace('password: ${SOURCE_PASSWORD:-}', 'password: ${SOURCE_PASSWORD}')
      .replace('user: dms_companion_ro', 'user: ${SRC_USER:-reader}');
    expect(problems(yaml)).toEqual(['source.password: environment variable SOURCE_PASSWORD is not set']);
    const c = parseConfig(yaml, { SOURCE_PASSWORD: 's3cret' });
    expect(c.source.password).toBe('s3cret');
    expect(c.source.user).toBe('reader');
    expect(maskSecrets(c).source.password).toBe('***');
    expect(maskSecrets(c).source.user).toBe('reader');
  });

  it('masks every value of a webhook section (its URL carries the credential), not only keys named like secrets', () => {
    const masked = maskSecrets({
      notify: { webhook: { url: 'https://hooks.example.com/services/T000/B000/XXXX', timeout: 5 } },
      daemon: { host: '127.0.0.1' },
    });
    expect(masked.notify.webhook.url).toBe('***');
    expect(JSON.stringify(masked)).not.toContain('XXXX');
    expect(masked.daemon.host).toBe('127.0.0.1');
  });

  it('reports YAML syntax errors with their line', () => {
    const p = problems('region: us-east-1\nsource: [unclosed\n');
    expect(p[0]).toMatch(/^<config>:\d+:\d+: /);
  });

  it('checks the Data API target needs exactly one of cluster or workgroup', () => {
    const yaml = example.replace(
      /target:\n {2}kind: direct[\s\S]*?statementBudget: 1 MiB[^\n]*\n/,
      'target:\n  kind: data-api\n  database: dev\n',
    );
    expect(problems(yaml)).toEqual([
      'target: set exactly one of clusterIdentifier (provisioned) or workgroupName (Serverless)',
    ]);
  });
});

describe('units', () => {
  it('parses sizes in bytes', () => {
    expect(parseSize('1.5 GiB')).toBe(1610612736);
    expect(parseSize('1.5GiB')).toBe(1610612736);
    expect(parseSize('100 KB')).toBe(100_000);
    expect(parseSize('1 MiB')).toBe(1048576);
    expect(parseSize('1.5 gib')).toBe(1610612736);
    expect(parseSize(2048)).toBe(2048);
    for (const bad of ['lots', '', '1.5', '-1 GiB', 1.5, -3, '1.5 GiBs']) expect(parseSize(bad)).toBeUndefined();
  });

  it('parses durations in seconds', () => {
    expect(parseDuration('35m')).toBe(2100);
    expect(parseDuration('15 minutes')).toBe(900);
    expect(parseDuration('250ms')).toBe(0.25);
    expect(parseDuration(90)).toBe(90);
    for (const bad of ['lots', '5', '-5m', '', -1]) expect(parseDuration(bad)).toBeUndefined();
  });

  it('splits qualified names, honouring quotes', () => {
    expect(parseQualifiedName('public.rental')).toEqual({ schema: 'public', name: 'rental' });
    expect(parseQualifiedName('rental')).toEqual({ schema: 'public', name: 'rental' });
    expect(parseQualifiedName('"my.schema"."we""ird"')).toEqual({ schema: 'my.schema', name: 'we"ird' });
    expect(parseQualifiedName('"bıgınt".t')).toEqual({ schema: 'bıgınt', name: 't' });
    for (const bad of ['a.b.c', 'a.', '.b', '"unclosed', 'a b.c', '']) expect(parseQualifiedName(bad)).toBeUndefined();
  });
});

/** The example with `auth: iam` on the source and `password` replaced by `passwordLine`. */
const sourceIam = (passwordLine: string) =>
  example.replace('password: ${SOURCE_PASSWORD:-}', passwordLine).replace('auth: password', 'auth: iam');

describe('secrets in the config', () => {
  it('password: 12345678 (a number in YAML) is reported without printing the value', () => {
    const p = problems(example.replace('password: ${SOURCE_PASSWORD:-}', 'password: 12345678'));
    expect(p).toEqual(['source.password: expected string, got a number']);
    expect(p.join('\n')).not.toContain('12345678');
  });

  it('accepts a Secrets Manager or SSM reference, IAM authentication, and the Data API IAM-identity mode', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pw-AbCdEf';
    const viaSm = parseConfig(
      example.replace('password: ${SOURCE_PASSWORD:-}', `password: { secretsManager: ${arn} }`),
    );
    expect(viaSm.source.password).toEqual({ secretsManager: arn, key: 'password' });
    expect(maskSecrets(viaSm).source.password).toEqual({ secretsManager: arn, key: 'password' });
    const viaSsm = parseConfig(
      example.replace('password: ${SOURCE_PASSWORD:-}', 'password: { ssm: /companion/source }'),
    );
    expect(viaSsm.source.password).toEqual({ ssm: '/companion/source' });
    expect(parseConfig(sourceIam('')).source.auth).toBe('iam');
    expect(problems(sourceIam('password: x'))).toEqual(['source.password: auth: iam takes no password']);
  });

  it('the Data API target accepts auth: iam (the caller’s IAM identity) instead of dbUser or secretArn', () => {
    const yaml = (extra: string) =>
      minimalYaml(undefined, `{ kind: data-api, clusterIdentifier: prod, database: dev${extra} }`);
    expect(parseConfig(yaml(', auth: iam')).target).toMatchObject({ kind: 'data-api', auth: 'iam' });
    expect(problems(yaml(''))[0]).toContain('or auth: iam (your IAM identity)');
    expect(problems(yaml(', auth: iam, dbUser: x'))[0]).toContain('set only one of dbUser, secretArn or auth: iam');
  });
});
