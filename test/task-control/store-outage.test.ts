import { DatabaseMigrationServiceClient, StopReplicationTaskCommand } from '@aws-sdk/client-database-migration-service';
import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runMaintenanceTick } from '../../jobs/maintenance-guard/index.js';
import { ManualClock } from '../../lib/clock.js';
import { parsedEnvConfig, SIM_TASK_CONFIG } from '../helpers/config.js';
import { envDeps } from '../helpers/deps.js';
import { fakeDmsTasks } from '../helpers/dms-faults.js';
import { useEnvironment } from '../helpers/env.js';
import { dropStateStore } from '../helpers/task-control.js';
import { SwitchableClient } from '../helpers/unreachable.js';

/** The maintenance guard with its state store (on the target) unreachable: stopping stays possible, nothing is lost. */
const env = useEnvironment('task_control_outage');
const dms = mockClient(DatabaseMigrationServiceClient);
const rs = mockClient(RedshiftClient);
const SECOND = { ...SIM_TASK_CONFIG, name: 'pagila-2', arn: 'arn:aws:dms:us-east-1:123456789012:task:PAGILA2' };

beforeEach(async () => {
  await dropStateStore(env().targetAdmin);
  rs.reset();
});

describe('state store unreachable', () => {
  it('target unreachable during a maintenance window: tasks stopped, state recorded when it returns', async () => {
    const tasks = fakeDmsTasks(dms, [SIM_TASK_CONFIG.arn, SECOND.arn]);
    const clock = new ManualClock('2026-06-03T07:27:00Z');
    let available = true;
    rs.on(DescribeClustersCommand).callsFake(() => ({
      Clusters: [
        {
          ClusterIdentifier: 'sim-cluster',
          ClusterStatus: available ? 'available' : 'rebooting',
          ClusterAvailabilityStatus: available ? 'Available' : 'Maintenance',
          PreferredMaintenanceWindow: 'WED:07:30-WED:08:00',
          NextMaintenanceWindowStartTime: new Date('2026-06-03T07:30:00Z'),
        },
      ],
    }));
    const store = new SwitchableClient(env().target);
    const config = parsedEnvConfig(env(), { tasks: [SIM_TASK_CONFIG, SECOND] });
    const deps = envDeps(env(), config, clock, { state: store });

    // The target (and the state store on it) is unreachable as the window begins: the tasks are stopped all the same.
    store.down = true;
    const first = await runMaintenanceTick(deps, { dryRun: false });
    expect(first.phase).toBe('holding');
    expect(first.actions.map((a) => [a.task, a.result])).toEqual([
      ['pagila', 'stopped'],
      ['pagila-2', 'stopped'],
    ]);
    expect([...tasks.values()].map((t) => t.status)).toEqual(['stopped', 'stopped']);
    expect(store.refused).toBeGreaterThan(0);

    // Still unreachable, mid-window: the journaled holds are known, nothing is stopped twice.
    await clock.set('2026-06-03T07:40:00Z');
    available = false;
    const second = await runMaintenanceTick(deps, { dryRun: false });
    expect(second.actions.map((a) => a.result)).toEqual(['held', 'held']);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(2);

    // The store returns: the holds and their transitions are written, as if it had never been away.
    await clock.set('2026-06-03T07:50:00Z');
    store.down = false;
    await runMaintenanceTick(deps, { dryRun: false });
    const held = await env().targetAdmin.query<{
      task_arn: string;
      owner: string;
      state: string;
      was_running: boolean;
    }>(
      'SELECT task_arn, owner, state, was_running FROM dms_companion.holds WHERE released_at IS NULL ORDER BY task_arn',
    );
    expect(held.rows).toEqual([
      { task_arn: SIM_TASK_CONFIG.arn, owner: 'maintenance', state: 'held', was_running: true },
      { task_arn: SECOND.arn, owner: 'maintenance', state: 'held', was_running: true },
    ]);
    const stops = await env().targetAdmin.query<{ n: string }>(
      'SELECT count(*) AS n FROM dms_companion.transitions WHERE stop_sent',
    );
    expect(Number(stops.rows[0]!.n)).toBe(2);

    // The window ends and the cluster is available: both tasks resume.
    await clock.set('2026-06-03T08:00:30Z');
    available = true;
    const last = await runMaintenanceTick(deps, { dryRun: false });
    expect(last.actions.map((a) => a.result)).toEqual(['resumed', 'resumed']);
    expect([...tasks.values()].map((t) => t.status)).toEqual(['running', 'running']);
  });

  it('a release while the store is unreachable is journaled and resumes the task once the store returns', async () => {
    const tasks = fakeDmsTasks(dms, [SIM_TASK_CONFIG.arn]);
    const clock = new ManualClock('2026-06-03T07:27:00Z');
    const store = new SwitchableClient(env().target);
    const deps = envDeps(env(), parsedEnvConfig(env()), clock, { state: store });
    await deps.control.hold(SIM_TASK_CONFIG.arn, 'memory', 'low memory', { stopTimeout: 30 });
    store.down = true;
    const r = await deps.control.release(SIM_TASK_CONFIG.arn, 'memory', 'restart');
    expect(r).toMatchObject({ released: true, resumed: false, journaled: true });
    expect(tasks.get(SIM_TASK_CONFIG.arn)!.status).toBe('stopped');
    store.down = false;
    expect(await deps.control.flush()).toBe(1);
    expect(tasks.get(SIM_TASK_CONFIG.arn)!.status).toBe('running');
    expect(await deps.control.holds()).toEqual([]);
  });
});
