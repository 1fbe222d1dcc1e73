import cron, { type ScheduledTask } from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { Liveness } from '../../daemon/liveness.js';

const tasks: ScheduledTask[] = [];
afterEach(async () => {
  for (const t of tasks.splice(0)) await t.destroy();
});

describe('liveness', () => {
  it('is live while each scheduled tick comes in time; a tick overdue by more than the stall limit, or a stopped schedule, is not', async () => {
    const l = new Liveness(120);
    l.start();
    const task = cron.schedule('*/3 * * * *', () => undefined, { timezone: 'UTC', name: 'checker' });
    tasks.push(task);
    l.ticked('checker', task);
    const due = task.getNextRun()!.getTime();
    expect(l.check(Date.now())).toMatchObject({ ok: true, problems: [] });
    const schedules = (now: number) => l.check(now).problems.filter((p) => p.includes('schedule'));
    expect(schedules(due + 119_000)).toEqual([]);
    // The scheduler did not fire: 121 s after the slot, the process is not live.
    expect(schedules(due + 121_000)).toEqual(['the checker schedule is 121 s overdue']);
    expect(l.check(due + 121_000).ok).toBe(false);
    // A heartbeat older than the limit (the event loop blocked) is not live either.
    expect(l.check(Date.now() + 130_000, { schedules: false }).problems[0]).toMatch(
      /^the event loop has not turned for 13\d s$/,
    );
    await task.stop();
    expect(l.check(Date.now()).problems).toEqual(['the checker schedule is stopped']);
    expect(l.check(Date.now(), { schedules: false }).ok).toBe(true);
    l.stop();
  });
});
