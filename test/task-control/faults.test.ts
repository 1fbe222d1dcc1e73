import {
  DatabaseMigrationServiceClient,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { StateStore } from '../../lib/state/store.js';
import { fakeDmsTasks, personClient, until, type FakeTask } from '../helpers/dms-faults.js';
import { useEnvironment } from '../helpers/env.js';
import { dropStateStore, taskControlOn } from '../helpers/task-control.js';

/**
 * The faults of issue 12, each against task control over the real DMS adapter (SDK faked by aws-sdk-client-mock) and
 * a real state store (embedded PostgreSQL): races between holders, throttled and timed-out calls, a person acting on
 * a held task, and the circuit breaker.
 */
const env = useEnvironment('task_control_faults');
const dms = mockClient(DatabaseMigrationServiceClient);
const ARN = 'arn:aws:dms:us-east-1:123456789012:task:FAULTS';
let task: FakeTask;
let clock: ManualClock;

function control(log: Logger = silentLogger()) {
  return taskControlOn(env(), clock, 60, log);
}

async function transitions(): Promise<string[]> {
  const r = await env().targetAdmin.query<{ owner: string; from_state: string | null; to_state: string }>(
    'SELECT owner, from_state, to_state FROM dms_companion.transitions ORDER BY at, ctid',
  );
  return r.rows.map((x) => `${x.owner}:${x.from_state ?? 'new'}>${x.to_state}`);
}

async function holdStates(): Promise<string[]> {
  return (await control().holds(ARN)).map((h) => `${h.owner}:${h.state}`);
}

beforeEach(async () => {
  await dropStateStore(env().targetAdmin);
  task = fakeDmsTasks(dms, [ARN]).get(ARN)!;
  clock = new ManualClock('2026-06-01T00:00:00Z');
});

const opts = { stopTimeout: 30 };

describe('task control under faults', () => {
  it('a fixer release racing a maintenance hold: the task ends stopped through the window', async () => {
    const fixer = control();
    const guard = control();
    await fixer.hold(ARN, 'fixer', 'repair', opts);
    expect(task.status).toBe('stopped');
    // The maintenance guard's hold starts while the fixer's resume is on its way; the resume goes out only once the
    // guard has read the task (or is queued behind the holds lock).
    let guardHold: Promise<unknown> | undefined;
    const describesBefore = () => task.describes;
    task.beforeStart = async () => {
      task.beforeStart = undefined;
      const seen = describesBefore();
      guardHold = guard.hold(ARN, 'maintenance', 'maintenance window', opts);
      await until(async () => {
        if (task.describes > seen) return true;
        const w = await env().targetAdmin.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = 'holds'`,
        );
        return Number(w.rows[0]!.n) > 0;
      });
    };
    await fixer.release(ARN, 'fixer', 'repaired 1 row').catch((e: unknown) => e);
    await guardHold;
    // Whichever got the lock first, the maintenance hold knows the task was running and keeps it stopped.
    expect(task.status).toBe('stopped');
    const holds = await guard.holds(ARN);
    expect(holds.map((h) => [h.owner, h.state, h.wasRunning])).toEqual([['maintenance', 'held', true]]);
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
    // The window ends: the guard's release resumes the task (it was running before the first hold).
    expect(await guard.release(ARN, 'maintenance', 'window over')).toMatchObject({ resumed: true, status: 'running' });
    expect(task.status).toBe('running');
    expect(await guard.holds(ARN)).toEqual([]);
  });

  it('StartReplicationTask throttled twice then succeeding: resumed, hold gone', async () => {
    const c = control();
    await c.hold(ARN, 'memory', 'low FreeableMemory', opts);
    task.throttleStarts = 2;
    expect(await c.release(ARN, 'memory', 'restart')).toMatchObject({
      released: true,
      resumed: true,
      status: 'running',
    });
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(3);
    expect(task.status).toBe('running');
    const reason = await env().targetAdmin.query('SELECT release_reason, state_detail FROM dms_companion.holds');
    expect(reason.rows).toEqual([{ release_reason: 'restart', state_detail: 'resumed: DMS reports running' }]);
    expect(await c.holds(ARN)).toEqual([]);
    expect(await transitions()).toEqual([
      'memory:new>stop-requested',
      'memory:stop-requested>stopping',
      'memory:stopping>held',
      'memory:held>resume-pending',
      'memory:resume-pending>released',
    ]);
  });

  it('a stop timing out, then the task stopping later: the hold is kept, then released correctly', async () => {
    const c = control();
    task.stopHangs = true;
    await expect(c.hold(ARN, 'fixer', 'repair', opts)).rejects.toThrow(/did not stop within 30 s/);
    expect(task.status).toBe('stopping');
    expect(await holdStates()).toEqual(['fixer:stopping']);
    // The failure cools the fixer down, so the checker does not start it again at once.
    expect(await new StateStore(env().target, 'dms_companion').cooldownUntil(ARN, 'fixer', clock.now())).toBeDefined();
    // Later the task stops; the next call for the task completes the stop, then the release resumes it.
    task.status = 'stopped';
    expect(await c.hold(ARN, 'fixer', 'repair', opts)).toMatchObject({ alreadyHeld: true, status: 'stopped' });
    expect(await holdStates()).toEqual(['fixer:held']);
    expect(await c.release(ARN, 'fixer', 'repaired')).toMatchObject({ resumed: true, status: 'running' });
    expect(await c.holds(ARN)).toEqual([]);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(1);
  });

  it('a person stopping the task via the DMS API while it resumes: not resumed again, hold abandoned', async () => {
    const c = control();
    await c.hold(ARN, 'fixer', 'repair', opts);
    task.startHangs = true;
    let seenStarting = 0;
    task.onDescribe = async (t) => {
      // The companion sees the task starting once; then a person stops it.
      if (t.status !== 'starting' || ++seenStarting < 2) return;
      t.onDescribe = undefined;
      await personClient().send(new StopReplicationTaskCommand({ ReplicationTaskArn: ARN }));
    };
    const r = await c.release(ARN, 'fixer', 'repaired').catch((e: unknown) => e);
    expect(r).toMatchObject({ released: true, resumed: false, abandoned: true });
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
    expect(task.status).toBe('stopped');
    expect(await c.holds(ARN)).toEqual([]);
    expect((await transitions()).at(-1)).toBe('fixer:resume-pending>abandoned');
  });

  it('a person starting, then stopping the task via the DMS API during a hold: not resumed', async () => {
    const c = control();
    await c.hold(ARN, 'fixer', 'repair', opts);
    const person = personClient();
    await person.send(
      new StartReplicationTaskCommand({ ReplicationTaskArn: ARN, StartReplicationTaskType: 'resume-processing' }),
    );
    // The maintenance guard's tick sees the held task running: a person took over; the companion stands back.
    await expect(c.hold(ARN, 'maintenance', 'window', opts)).rejects.toThrow(/started by someone else/);
    await person.send(new StopReplicationTaskCommand({ ReplicationTaskArn: ARN }));
    const r = await c.release(ARN, 'fixer', 'repaired');
    expect(r.resumed).toBe(false);
    expect(task.status).toBe('stopped');
    expect(dms.commandCalls(StartReplicationTaskCommand)).toHaveLength(1);
    expect(await transitions()).toContain('fixer:held>abandoned');
  });

  it('a repair failing after the stop: at most 3 stops per hour, then an alert instead of another stop', async () => {
    const errors: string[] = [];
    const log = silentLogger();
    const watched: Logger = Object.assign(Object.create(log) as Logger, {
      error: (_o: unknown, msg?: string) => void errors.push(msg ?? String(_o)),
    });
    const c = control(watched);
    const store = new StateStore(env().target, 'dms_companion');
    const outcomes: string[] = [];
    // The checker starts the fixer every few minutes while the task is one-by-one; every repair fails after the stop.
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        await c.hold(ARN, 'fixer', 'repair', opts);
        outcomes.push('stopped');
        await c.release(ARN, 'fixer', 'repair failed: value rejected by Redshift', { failed: true });
      } catch (err) {
        outcomes.push((err as Error).constructor.name);
      }
      expect(await store.cooldownUntil(ARN, 'fixer', clock.now())).toBeDefined();
      await clock.advance(5 * 60_000);
    }
    expect(outcomes).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'HoldRefusedError',
      'HoldRefusedError',
      'HoldRefusedError',
    ]);
    expect(dms.commandCalls(StopReplicationTaskCommand)).toHaveLength(3);
    expect(task.status).toBe('running');
    expect(errors.some((e) => /circuit breaker/.test(e))).toBe(true);
    // An hour after the first stop the breaker lets one stop through again.
    await clock.advance(40 * 60_000);
    expect(await c.hold(ARN, 'fixer', 'repair', opts)).toMatchObject({ stopped: true });
  });
});
