import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-config-'));

describe('dms-companion config check', () => {
  it('accepts config/example.yaml, printing it resolved with secrets masked', async () => {
    const r = await runCli(['config', 'check', '--config', 'config/example.yaml', '--json'], {
      SOURCE_PASSWORD: 'hunter2',
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      valid: boolean;
      config: { source: { password: string }; jobs: { memoryGuard: { threshold: number } } };
    };
    expect(out.valid).toBe(true);
    expect(out.config.source.password).toBe('***');
    expect(out.config.jobs.memoryGuard.threshold).toBe(1610612736);
    expect(r.stdout).not.toContain('hunter2');
  });

  it('password: 12345678 (a number) is named as a wrong type in the error, its value printed nowhere (text and --json)', async () => {
    const file = path.join(dir, 'numeric-password.yaml');
    writeFileSync(
      file,
      readFileSync('config/example.yaml', 'utf8').replace('password: ${SOURCE_PASSWORD:-}', 'password: 12345678'),
    );
    for (const json of [[], ['--json']]) {
      const r = await runCli(['config', 'check', '--config', file, ...json]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('source.password: expected string, got a number');
      expect(r.stdout + r.stderr).not.toContain('12345678');
    }
  });

  it('lists all three mistakes of a bad config with their paths and exits 2', async () => {
    const bad = readFileSync('config/example.yaml', 'utf8')
      .replace('region: us-east-1', 'region: mars')
      .replace('threshold: 1.5 GiB', 'threshold: lots')
      .replace('    schedule: "*/3 * * * *"', '    schedule: "every three minutes"');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, bad);
    const r = await runCli(['config', 'check'], { DMS_COMPANION_CONFIG: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('region: expected an AWS region like "us-east-1", got "mars"');
    expect(r.stderr).toContain(
      'jobs.checker.schedule: expected a cron expression like "*/3 * * * *", got "every three minutes"',
    );
    expect(r.stderr).toContain('jobs.memoryGuard.threshold: expected a size like "1.5 GiB", got "lots"');
    expect(r.stdout).toBe('');
  });

  it('exits 2 on a missing config, an unknown command and an unknown option; 0 on --help and --version', async () => {
    expect((await runCli(['config', 'check'], { DMS_COMPANION_CONFIG: '' })).code).toBe(2);
    expect((await runCli(['config', 'check', '--config', path.join(dir, 'nope.yaml')])).stderr).toContain(
      'no such file',
    );
    expect((await runCli(['bogus'])).code).toBe(2);
    expect((await runCli(['config', 'check', '--frobnicate'])).code).toBe(2);
    const help = await runCli(['config', 'check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
    );
  });
});
