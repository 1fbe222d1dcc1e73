import { describe, expect, it } from 'vitest';
import { StateStore } from '../../lib/state/store.js';
import { ENV_FOR_CONFIG, SIM_TASK_CONFIG, writeEnvConfig } from '../helpers/config.js';
import { runCli } from '../helpers/cli.js';
import { useEnvironment } from '../helpers/env.js';

const env = useEnvironment('cli_history');

describe('dms-companion history (against the state store named by the config)', () => {
  it('lists runs, holds and repairs with their keys and evidence in the period, per task; older records are left out', async () => {
    const store = new StateStore(env().target, 'dms_companion');
    await store.ensureSchema();
    const arn = SIM_TASK_CONFIG.arn;
    const recent = new Date(Date.now() - 2 * 3600_000);
    const old = new Date(Date.now() - 3 * 86_400_000);
    for (const [runId, at] of [
      ['run-recent', recent],
      ['run-old', old],
    ] as const) {
      await store.startRun({ runId, job: 'fixer', taskArn: arn, startedAt: at, status: 'running' });
      await store.finishRun(runId, 'fixer', arn, new Date(at.getTime() + 5000), 'ok', {
        status: 'repaired',
        missing: 1,
        inserted: 1,
      });
      await store.logRepairs(env().target, [
        {
          runId,
          job: 'fixer',
          taskArn: arn,
          table: 'public.rental',
          key: `rental_id=${runId === 'run-old' ? 1 : 2}`,
          action: 'insert',
          reason: 'missing on the target behind rolled-back UPDATE',
          evidence: `query ${runId === 'run-old' ? 11 : 22} xid 5`,
          at: new Date(at.getTime() + 3000),
        },
      ]);
    }
    await store.withHoldsLocked((tx) =>
      store.insertHold(tx, {
        taskArn: arn,
        owner: 'person',
        reason: 'looking into it',
        state: 'held',
        createdAt: recent,
        wasRunning: true,
      }),
    );
    const config = writeEnvConfig(env());

    const r = await runCli(['history', '--config', config, '--since', '24h', '--json'], ENV_FOR_CONFIG);
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout) as {
      timeline: { kind: string; details?: string[] }[];
      activeHolds: { owner: string }[];
    };
    const repairs = view.timeline.filter((e) => e.kind === 'repair');
    expect(repairs.map((e) => e.details)).toEqual([['rental_id=2 — evidence: query 22 xid 5']]);
    expect(view.activeHolds.map((h) => h.owner)).toEqual(['person']);

    const all = await runCli(
      ['history', '--config', config, '--since', '7d', '--task', SIM_TASK_CONFIG.name, '--markdown'],
      ENV_FOR_CONFIG,
    );
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('rental_id=1 — evidence: query 11 xid 5');
    expect(all.stdout).toContain('rental_id=2 — evidence: query 22 xid 5');
    expect(all.stdout).toMatch(/\| fixer \| 2 \| 2 ok \|/);

    const bad = await runCli(['history', '--config', config, '--since', 'yesterday'], ENV_FOR_CONFIG);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since expects a duration like "24h", "90m" or "7d"');
  }, 120_000);
});
