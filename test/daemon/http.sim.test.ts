import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { Daemon } from '../../daemon/index.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { resetTarget, runFor } from '../helpers/sim.js';

const env = useEnvironment('daemon_http');
let sim: Simulation | undefined;
const daemons: Daemon[] = [];

type Readiness = { ok: boolean; jobs: Record<string, { ok: boolean; problem?: string; lastFailure?: string }> };

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('test over');
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

const TOKEN = 'test-token-0123456789abcdef';
/** Schedules that are live (node-cron running) but never fire during a test. */
const NEVER = '0 0 1 1 *';

async function daemonOn(clock: ManualClock, s: Simulation, daemon: Record<string, unknown> = {}) {
  const config = simConfig(env(), {}, { metrics: { cloudwatch: 'off' }, daemon: { port: 0, ...daemon } });
  const deps = simDeps(env(), s, clock, config);
  const d = new Daemon(deps, {
    port: 0,
    schedules: { checker: NEVER, gapfill: NEVER, 'maintenance-guard': NEVER, 'memory-guard': NEVER },
  });
  await d.start();
  daemons.push(d);
  const get = async (path: string, token?: string) => {
    const res = await fetch(`http://127.0.0.1:${d.port}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, text: await res.text() };
  };
  return { d, config, get };
}

describe('GET /healthz is liveness only', () => {
  it('a person-stopped task for 20 minutes: liveness still 200, /readyz 503 naming the late jobs', async () => {
    const clock = new ManualClock('2026-05-09T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const { d, config, get } = await daemonOn(clock, sim);
    await runFor(clock, 5);
    // A person stops the task through the DMS API; the companion holds nothing.
    await sim.api.tasks.stopTask(config.tasks[0]!.arn);
    for (let minute = 0; minute < 20; minute++) {
      await runFor(clock, 60);
      // The checker and the guards keep running (their runs see a stopped task, nothing to do or a problem).
      for (const job of ['checker', 'memory-guard', 'maintenance-guard'] as const) d.submit({ job });
      await d.runner.settled();
    }
    expect(sim.tasks[0]!.status).toBe('stopped');

    const live = await get('/healthz');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.text)).toMatchObject({ ok: true, problems: [] });
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    const body = JSON.parse(ready.text) as { ok: boolean; jobs: Record<string, { ok: boolean; problem?: string }> };
    expect(body.ok).toBe(false);
    expect(body.jobs.checker!.ok).toBe(false);
    expect(body.jobs.checker!.problem).toMatch(/^no successful run since the start \d+ s ago \(limit 900 s\)$/);
  }, 180_000);

  it('answers readiness per job age limit: 200 while every job succeeded in time, 503 naming the late job', async () => {
    const clock = new ManualClock('2026-05-09T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const { d, get } = await daemonOn(clock, sim, {
      healthMaxAge: { checker: '15m', gapfill: '26h', maintenanceGuard: '5m', memoryGuard: '5m' },
    });
    expect((await get('/readyz')).status).toBe(200);
    await clock.advance(6 * 60_000);
    const late = await get('/readyz');
    expect(late.status).toBe(503);
    expect((JSON.parse(late.text) as Readiness).jobs['memory-guard']).toMatchObject({
      ok: false,
      problem: 'no successful run since the start 360 s ago (limit 300 s)',
    });
    for (const job of ['memory-guard', 'maintenance-guard'] as const) d.submit({ job });
    await d.runner.settled();
    expect((await get('/readyz')).status).toBe(200);
    await clock.advance(10 * 60_000);
    const again = JSON.parse((await get('/readyz')).text) as {
      jobs: Record<string, { ok: boolean; problem?: string }>;
    };
    expect(again.jobs.checker!.problem).toBe('no successful run since the start 960 s ago (limit 900 s)');
    expect(again.jobs['memory-guard']!.problem).toBe('no successful run for 600 s (limit 300 s)');
    // Liveness never followed the jobs.
    expect((await get('/healthz')).status).toBe(200);
  }, 120_000);

  it('never answers with a failing statement or its values: a failed run leaves its message in the log only', async () => {
    const clock = new ManualClock('2026-05-09T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const { d, get } = await daemonOn(clock, sim);
    // What the runner keeps after a run that threw with a database error quoting its statement.
    const error = `INSERT INTO "public"."rental" VALUES (11, 'card 4111-1111') failed: value too long`;
    d.runner.health.set('checker', { running: false, runs: 1, lastFailure: clock.now(), lastError: error });
    await clock.advance(20 * 60_000);
    for (const path of ['/healthz', '/readyz']) {
      const r = await get(path);
      expect(r.text).not.toContain('INSERT');
      expect(r.text).not.toContain('4111');
    }
    expect((JSON.parse((await get('/readyz')).text) as Readiness).jobs.checker).toMatchObject({
      ok: false,
      lastFailure: '2026-05-09T08:00:00.000Z',
    });
  }, 120_000);
});

describe('bind address and bearer token', () => {
  it('binds 127.0.0.1 by default and, with daemon.token, asks for it everywhere but liveness and /sns', async () => {
    const clock = new ManualClock('2026-05-09T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const { config, get } = await daemonOn(clock, sim, { token: TOKEN });
    expect(config.daemon.host).toBe('127.0.0.1');
    expect((await get('/healthz')).status).toBe(200);
    for (const path of ['/readyz', '/metrics', '/']) {
      const none = await get(path);
      expect(none.status).toBe(401);
      expect(none.text).not.toContain(TOKEN);
      expect((await get(path, 'wrong-token-0123456789abcdef')).status).toBe(401);
    }
    expect((await get('/readyz', TOKEN)).status).toBe(200);
    expect((await get('/metrics', TOKEN)).text).toContain('dms_companion_job_runs_total');
    // No topics configured: /sns exists without the token and answers 404 (not 401).
    const d = daemons[0]!;
    expect((await fetch(`http://127.0.0.1:${d.port}/sns`, { method: 'POST', body: '{}' })).status).toBe(404);
  }, 120_000);
});
