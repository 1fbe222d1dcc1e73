import {
  DatabaseMigrationServiceClient,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { fakeDmsTask } from '../helpers/dms-mock.js';
import { useEnvironment } from '../helpers/env.js';
import { dropStateStore, taskControlOn } from '../helpers/task-control.js';

const env = useEnvironment('task_control');
const dms = mockClient(DatabaseMigrationServiceClient);
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:HOLDS';
let task: { status: string };
const clock = new ManualClock('2026-06-01T00:00:00Z');

function control() {
  return taskControlOn(env(), clock, 5);
}

beforeEach(async () => {
  await dropStateStore(env().targetAdmin);
  task = fakeDmsTask(dms, ARN);
});

const opts = { stopTimeout: 5 };

describe('task control with holds', () => {
  it('stops on the first hold and resumes on the last release only', async () => {
    const c = control();
    expect(await c.hold(ARN, 'maintenance', 'window', opts)).toMatchObject({
      stopped: true,
      wasRunning: true,
      status: 'stopped',
    });
    expect(await c.hold(ARN, 'memory', 'low memory', opts)).toMatchObject({ stopped: false, wasRunning: true });
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(1);
    expect((await c.holds(ARN)).map((h) => h.owner)).toEqual(['maintenance', 'memory']);
    expect(await c.release(ARN, 'memory', 'recovered')).toMatchObject({
      released: true,
      resumed: false,
      otherHolds: ['maintenance'],
      reason: 'still held by maintenance',
    });
    expect(task.status).toBe('stopped');
    expect(await c.release(ARN, 'maintenance', 'window over')).toMatchObject({
      released: true,
      resumed: true,
      status: 'running',
    });
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
    expect(await c.holds()).toEqual([]);
  });

  it('holding twice is a no-op, and releasing a hold that is not there does nothing', async () => {
    const c = control();
    await c.hold(ARN, 'fixer', 'repair', opts);
    expect(await c.hold(ARN, 'fixer', 'repair again', opts)).toMatchObject({ alreadyHeld: true, stopped: false });
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(1);
    expect(await c.release(ARN, 'memory', 'not mine')).toMatchObject({ released: false, resumed: false });
    expect(task.status).toBe('stopped');
  });

  it('never resumes a task a person stopped', async () => {
    task.status = 'stopped';
    const c = control();
    expect(await c.hold(ARN, 'maintenance', 'window', opts)).toMatchObject({ stopped: false, wasRunning: false });
    expect(await c.release(ARN, 'maintenance', 'window over')).toMatchObject({
      released: true,
      resumed: false,
      reason: 'the task was not running before the first hold',
    });
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(0);
  });

  it('keeps a task stopped while a person holds it', async () => {
    const c = control();
    await c.hold(ARN, 'maintenance', 'window', opts);
    await c.hold(ARN, 'person', 'investigating', opts);
    expect(await c.release(ARN, 'maintenance', 'window over')).toMatchObject({
      resumed: false,
      otherHolds: ['person'],
    });
    expect(task.status).toBe('stopped');
    expect(await c.release(ARN, 'person', 'done')).toMatchObject({ resumed: true });
  });

  it('migrates a store written before hold states: an old hold reads as held and is released as before', async () => {
    // Created by the companion's own user, as an older version did.
    const admin = env().target;
    await admin.query('CREATE SCHEMA dms_companion');
    await admin.query(
      'CREATE TABLE dms_companion.holds (task_arn VARCHAR(2048) NOT NULL, owner VARCHAR(64) NOT NULL, reason VARCHAR(4096), ' +
        'created_at TIMESTAMP NOT NULL, until_at TIMESTAMP, was_running BOOLEAN NOT NULL, run_id VARCHAR(64), released_at TIMESTAMP, ' +
        'release_reason VARCHAR(4096))',
    );
    await admin.query(
      `INSERT INTO dms_companion.holds (task_arn, owner, reason, created_at, was_running) VALUES ($1, 'maintenance', 'window', '2026-05-31 23:00:00', TRUE)`,
      [ARN],
    );
    task.status = 'stopped';
    const c = control();
    expect((await c.holds(ARN)).map((h) => [h.owner, h.state, h.wasRunning])).toEqual([['maintenance', 'held', true]]);
    expect(await c.release(ARN, 'maintenance', 'window over')).toMatchObject({ resumed: true, status: 'running' });
    expect(await c.holds(ARN)).toEqual([]);
  });
});
