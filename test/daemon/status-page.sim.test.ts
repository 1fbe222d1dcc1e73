import { existsSync, mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { ManualClock } from '../../lib/clock.js';
import { Daemon } from '../../daemon/index.js';
import { SIM_TASK_CONFIG } from '../../sim/companion.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { loseInsertThenUpdate, resetTarget, runFor } from '../helpers/sim.js';

/** Debian's `chromium` package (CI installs it: .ci/run). */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

const env = useEnvironment('status_page');
let sim: Simulation | undefined;
const daemons: Daemon[] = [];

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('test over');
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

const TASK = {
  ...SIM_TASK_CONFIG,
  tables: SIM_TASK_CONFIG.tables.map((t) => (t.source === 'public.rental' ? { ...t, dayColumn: 'rental_date' } : t)),
};

describe('the status page (GET /) in headless Chromium', () => {
  it.skipIf(!haveChromium)(
    'shows the task with its hold, the jobs, the repair with its key and evidence, and the gap-filling coverage grid',
    async () => {
      const clock = new ManualClock('2026-05-09T22:00:00Z');
      sim = await createSimulation({ env: env(), clock });
      const config = simConfig(
        env(),
        { gapfill: { settleLag: '10m', catchUpDays: 2 } },
        { tasks: [TASK], metrics: { cloudwatch: 'off' } },
      );
      const deps = simDeps(env(), sim, clock, config);
      const d = new Daemon(deps, { noSchedules: true, port: 0 });
      await d.start();
      daemons.push(d);
      const workload = new Workload(env().sourceAdmin, clock, {
        seed: 3,
        ratePerSecond: 5,
        mix: { 'rental-insert': 0, 'rental-delete': 0 },
      });
      await runFor(clock, 3, workload);
      const id = await loseInsertThenUpdate(sim, clock, env().sourceAdmin);
      await runFor(clock, 30, workload);
      d.submit({ job: 'fixer', task: config.tasks[0] });
      await d.runner.settled();
      // The next day, once settled: gap-filling compares 2026-05-09.
      await clock.set('2026-05-10T01:00:00Z');
      d.submit({ job: 'gapfill' });
      await d.runner.settled();
      await deps.control.hold(config.tasks[0]!.arn, 'person', 'investigating a slow query', { stopTimeout: 600 });

      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const res = await page.goto(`http://127.0.0.1:${d.port}/`);
        expect(res?.status()).toBe(200);
        expect(await page.title()).toBe('dms-companion status');
        // Tasks and holds now.
        const task = page.locator(`#tasks tr[data-task="${TASK.name}"]`);
        expect(await task.locator('li.hold').innerText()).toContain(
          'person since 2026-05-10 01:00:00: investigating a slow query',
        );
        // Jobs: the fixer and gap-filling ran.
        expect(await page.locator('#jobs tr[data-job="gapfill"]').innerText()).toMatch(/ok/);
        // The repair, with its key and evidence.
        const repair = page.locator('#repairs tr.repair').first();
        const text = await repair.innerText();
        expect(text).toContain('public.rental');
        expect(text).toContain(`rental_id=${id}`);
        expect(text).toMatch(/evidence: /);
        // The coverage grid: tables × the last 7 days; 2026-05-09 compared, with its result as a class and colour.
        expect(await page.locator('#coverage tbody tr').count()).toBe(1);
        expect(await page.locator('#coverage thead th').count()).toBe(8);
        const cell = page.locator('#coverage td[data-table="public.rental"][data-day="2026-05-09"]');
        const status = await cell.getAttribute('data-status');
        expect(['ok', 'repaired']).toContain(status);
        expect(
          await cell.evaluate(
            (el) =>
              (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(
                el,
              ).backgroundColor,
          ),
        ).not.toBe('rgba(0, 0, 0, 0)');
        expect(await page.locator('#coverage td[data-day="2026-05-04"]').getAttribute('data-status')).toBe('none');
        mkdirSync('test-artifacts', { recursive: true });
        await page.screenshot({ path: 'test-artifacts/status-page.png', fullPage: true });
      } finally {
        await browser.close();
      }
    },
    180_000,
  );

  it.runIf(!haveChromium)('skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium)', () => {
    expect(haveChromium).toBe(false);
  });
});
