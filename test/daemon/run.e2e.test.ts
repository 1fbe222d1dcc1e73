import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ENV_FOR_CONFIG, writeEnvConfig } from '../helpers/config.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_run');

/** Starts `dms-companion run` (from the sources) and resolves once it listens, with its port. */
async function startDaemon(config: string, extra: string[] = []) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/main.ts', 'run', '--no-doctor', '--config', config, '--port', '0', ...extra],
    {
      env: { ...process.env, ...ENV_FOR_CONFIG, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /"port":(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before listening:\n${stderr}`)));
  });
  return {
    child,
    port,
    output: () => ({ stderr, stdout }),
    exit: async () => {
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

describe('dms-companion run (a real process)', () => {
  it('schedules the enabled jobs, serves /healthz, /readyz and /metrics, and on SIGTERM stops cleanly with exit 0', async () => {
    // Schedules that do not fire during the test (no AWS is reachable here).
    const config = writeEnvConfig(env(), {
      jobs: {
        checker: { schedule: '0 0 1 1 *' },
        gapfill: { enabled: false },
        maintenanceGuard: { schedule: '0 0 1 1 *' },
        memoryGuard: { schedule: '0 0 1 1 *' },
      },
      log: { format: 'json' },
    });
    const d = await startDaemon(config);
    const live = await fetch(`http://127.0.0.1:${d.port}/healthz`);
    expect(live.status).toBe(200);
    const health = await fetch(`http://127.0.0.1:${d.port}/readyz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { ok: boolean; jobs: Record<string, unknown> };
    expect(Object.keys(body.jobs).sort()).toEqual(['checker', 'maintenance-guard', 'memory-guard']);
    const metrics = await fetch(`http://127.0.0.1:${d.port}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    expect(await metrics.text()).toContain('# TYPE dms_companion_job_runs_total counter');
    // No topics configured: no SNS endpoint.
    expect((await fetch(`http://127.0.0.1:${d.port}/sns`, { method: 'POST', body: '{}' })).status).toBe(404);

    d.child.kill('SIGTERM');
    expect(await d.exit()).toBe(0);
    const { stderr } = d.output();
    expect(stderr).toContain('scheduled checker (0 0 1 1 *, UTC)');
    expect(stderr).not.toContain('scheduled gapfill');
    expect(stderr).toContain('shutting down (SIGTERM received): no job running');
    expect(stderr).toContain('"msg":"stopped"');
  }, 60_000);

  it('refuses an invalid daemon section with exit 2 and names the field', async () => {
    const config = writeEnvConfig(env(), { daemon: { port: 70000 }, alarms: { topics: ['not-an-arn'] } });
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'run', '--config', config], {
      env: { ...process.env, ...ENV_FOR_CONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(2);
    expect(stderr).toContain('daemon.port: Too big: expected number to be <=65535, got 70000');
    expect(stderr).toContain('alarms.topics[0]: expected an SNS topic ARN, got "not-an-arn"');
  }, 60_000);
});
