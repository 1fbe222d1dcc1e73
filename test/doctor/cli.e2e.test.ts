import { describe, expect, it } from 'vitest';
import { LOCAL_PASSWORD } from '../../sim/embedded.js';
import { runCli } from '../helpers/cli.js';
import { ENV_FOR_CONFIG, writeEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_doctor');

/** AWS unreachable on purpose (a closed local port): the AWS checks fail fast, the database checks run for real. */
const NO_AWS = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'not-a-real-key',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_MAX_ATTEMPTS: '1',
};

describe('dms-companion doctor (CLI)', () => {
  it('prints one line per check with the fix, --json the same as a document, and exits 1 on a failure; no secret is printed', async () => {
    const config = writeEnvConfig(env());
    const text = await runCli(['doctor', '--config', config], { ...ENV_FOR_CONFIG, ...NO_AWS });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ok +source: connect: connected as dms_companion$/m);
    expect(text.stdout).toMatch(/^FAIL +aws: DescribeReplicationTasks pagila: /m);
    expect(text.stdout).toContain('fix: allow it to the companion’s role (deploy/iam-policy.json)');
    expect(text.stdout).toMatch(/\d+ ok, \d+ warning\(s\), \d+ failure\(s\)\n$/);
    const json = await runCli(['doctor', '--config', config, '--json'], { ...ENV_FOR_CONFIG, ...NO_AWS });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'target: connect')?.status).toBe('ok');
    // No simulated task has made the target tables in this environment.
    expect(report.checks.find((c) => c.name === 'target: table public.rental')?.status).toBe('fail');
    for (const out of [text, json]) expect(out.stdout + out.stderr).not.toContain(LOCAL_PASSWORD);
  });
});
