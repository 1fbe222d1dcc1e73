import { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { untilStopSignal } from '../../cli/run.js';
import { createAlarmHandler } from '../../lambda/handler.js';
import { ManualClock } from '../../lib/clock.js';
import type { JobRequest } from '../../daemon/actions.js';
import { Daemon, type StopReport } from '../../daemon/index.js';
import type { RunFinished } from '../../daemon/runner.js';
import { createSimulation, type Simulation } from '../../sim/simulation.js';
import { Workload } from '../../sim/workload.js';
import { simConfig, simDeps } from '../helpers/deps.js';
import { useEnvironment } from '../helpers/env.js';
import { loseInsertThenUpdate, rentalCopies, resetTarget, runFor, withTarget } from '../helpers/sim.js';
import type { SimTarget } from '../../sim/target-kinds.js';
import { startSnsFixture, TEST_TOPIC, type SnsFixture } from '../helpers/sns.js';

const env = useEnvironment('daemon');
let sim: Simulation | undefined;
const daemons: Daemon[] = [];
let sns: SnsFixture;

beforeAll(async () => {
  sns = await startSnsFixture();
});
afterAll(async () => {
  await sns.close();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('test over');
  await sim?.close();
  sim = undefined;
  await resetTarget(env().targetAdmin);
});

const NO_RENTAL_INSERTS = { 'rental-insert': 0, 'rental-delete': 0 } as const;

const ALARMS = {
  topics: [TEST_TOPIC],
  actions: [
    { alarm: 'dms-*-cdc-latency-target', run: 'check', task: 'pagila' },
    { alarm: 'dms-*-freeable-memory', run: 'memory-guard' },
  ],
};

/** A started daemon on the simulator (no cron; HTTP on a free port), recording runs. */
async function daemonOn(
  clock: ManualClock,
  s: Simulation,
  extra: Record<string, unknown> = {},
  o: { http?: boolean; target?: SimTarget } = {},
) {
  const target = o.target ? { target: o.target.config } : {};
  const config = simConfig(env(), {}, { alarms: ALARMS, metrics: { cloudwatch: 'off' }, ...target, ...extra });
  const deps = simDeps(env(), s, clock, config, o.target ? { target: o.target.client } : {});
  const d = new Daemon(deps, { noSchedules: true, http: o.http ?? true, port: 0, snsAgent: sns.agent });
  const finished: RunFinished[] = [];
  const started: JobRequest[] = [];
  d.runner.onFinished((r) => finished.push(r));
  d.runner.onStarted((r) => started.push(r));
  await d.start();
  daemons.push(d);
  return { d, deps, config, finished, started, url: (p: string) => `http://127.0.0.1:${d.port}${p}` };
}

async function post(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
  });
  return { status: res.status, text: await res.text() };
}

const rentalCount = (id: number): Promise<number> => rentalCopies(env().targetAdmin, id);

async function oneByOne(start: string) {
  const clock = new ManualClock(start);
  sim = await createSimulation({ env: env(), clock });
  const workload = new Workload(env().sourceAdmin, clock, { seed: 8, ratePerSecond: 10, mix: NO_RENTAL_INSERTS });
  await runFor(clock, 3, workload);
  const id = await loseInsertThenUpdate(sim, clock, env().sourceAdmin);
  await runFor(clock, 150, workload);
  return { clock, workload, id, sim };
}

describe('dms-companion run: shutdown mid-repair and recovery', () => {
  it(
    'on SIGTERM mid-repair the fixer stops at a safe point, the task stays stopped with the reason on its hold; after a restart the repair completes, ' +
      'the row is written once',
    async () => {
      const { clock, workload, id, sim } = await oneByOne('2026-05-03T08:00:00Z');
      const task = sim.tasks[0]!;
      const first = await daemonOn(clock, sim, {}, { http: false });
      // SIGTERM arrives while the fixer waits for the task to stop (the repair is next); it is wired
      // to the daemon as `dms-companion run` wires the process's signals.
      const signals = new EventEmitter();
      const stopping: Promise<StopReport> = untilStopSignal(signals, () => expect.fail('one signal only')).then((s) =>
        first.d.stop(`${s} received`),
      );
      let sent = false;
      clock.onAdvance(() => {
        if (!sent && task.status !== 'running') sent = signals.emit('SIGTERM', 'SIGTERM');
      });
      expect(first.d.submit({ job: 'checker' })).toBe('started');
      await first.d.runner.idle({ job: 'checker' });
      expect(sent).toBe(true);
      expect(await stopping).toEqual({ drained: true });

      const check = first.finished[0]!;
      expect(check.job).toBe('checker');
      expect(check.ok).toBe(false);
      expect('summary' in check && check.summary).toMatch(/one-by-one → fixer failed/);
      // Nothing written; the hold stays with the reason, the task stays stopped (its changes table intact).
      expect(await rentalCount(id)).toBe(0);
      const held = await first.deps.state.activeHolds();
      expect(held.map((h) => h.owner)).toEqual(['fixer']);
      expect(held[0]!.reason).toMatch(
        /interrupted by a companion shutdown before the repair: the task stays stopped \(its changes table intact\) until the next start completes the repair/,
      );
      expect(task.status).toBe('stopped');
      // A stopped daemon takes no new run.
      expect(first.d.submit({ job: 'checker' })).toBe('refused');
      const runs = await env().targetAdmin.query<{ status: string }>(
        "SELECT status FROM dms_companion.runs WHERE job = 'fixer'",
      );
      expect(runs.rows).toEqual([{ status: 'interrupted' }]);

      // The restart (the source keeps changing meanwhile): the interrupted fixer run is run again at once and completes the repair.
      await runFor(clock, 60, workload);
      expect(task.status).toBe('stopped');
      const second = await daemonOn(clock, sim, {}, { http: false });
      expect(second.started.map((r) => [r.job, r.task?.name])).toEqual([['fixer', 'pagila']]);
      await second.d.runner.settled();
      expect(second.finished.map((f) => [f.job, f.ok, 'summary' in f && f.summary])).toEqual([
        ['fixer', true, 'pagila: repaired'],
      ]);
      expect(await rentalCount(id)).toBe(1);
      expect((await second.deps.state.repairs()).map((r) => r.key)).toEqual([`rental_id=${id}`]);
      expect(await second.deps.state.activeHolds()).toEqual([]);
      const released = await env().targetAdmin.query<{ release_reason: string }>(
        'SELECT release_reason FROM dms_companion.holds',
      );
      expect(released.rows).toEqual([{ release_reason: 'repaired 1 row(s)' }]);
      // A third start has nothing to recover.
      await second.d.stop('test');
      const third = await daemonOn(clock, sim, {}, { http: false });
      expect(third.started).toEqual([]);
      await runFor(clock, 30, workload);
      expect(task.status).toBe('running');
    },
    240_000,
  );

  // The state store and the repair go through the target: both transports (sim/target-kinds.ts).
  it.each([
    ['direct', '2026-05-04T08:00:00Z'],
    ['data-api', '2026-05-09T08:00:00Z'],
  ] as const)(
    'a companion killed mid-repair leaves its hold; the next start runs the fixer, which completes the repair and releases it (%s target)',
    (kind, start) =>
      withTarget(env(), kind, async (target) => {
        await killedMidRepair(start, target);
      }),
    240_000,
  );
});

async function killedMidRepair(start: string, target: SimTarget): Promise<void> {
  const { clock, id, sim } = await oneByOne(start);
  const task = sim.tasks[0]!;
  // What a killed companion leaves: its fixer hold (task stopped), no row written.
  const config = simConfig(env(), {}, { target: target.config });
  const killed = simDeps(env(), sim, clock, config, { target: target.client });
  await killed.control.hold(task.arn, 'fixer', 'repair 1 missing row(s) of public.rental', {
    runId: 'killed-run',
    stopTimeout: 600,
  });
  expect(task.status).toBe('stopped');

  const next = await daemonOn(clock, sim, {}, { http: false, target });
  expect(next.started).toEqual([{ job: 'fixer', task: expect.objectContaining({ name: 'pagila' }) as unknown }]);
  await next.d.runner.settled();
  const fix = next.finished[0]!;
  expect(fix.ok).toBe(true);
  expect('summary' in fix && fix.summary).toBe('pagila: repaired');
  expect(await rentalCount(id)).toBe(1);
  expect(await next.deps.state.activeHolds()).toEqual([]);
  expect(task.status).toBe('running');
  // Running the fixer once more (DMS has moved on since) writes nothing.
  next.d.submit({ job: 'fixer', task: next.config.tasks[0]! });
  await next.d.runner.settled();
  expect(await rentalCount(id)).toBe(1);
  expect(await next.deps.state.repairs()).toHaveLength(1);
  // Stopped here, while its target is open (the daemons of other tests stop in afterEach).
  await next.d.stop('test over');
  daemons.splice(daemons.indexOf(next.d), 1);
}

describe('POST /sns: CloudWatch alarms through Amazon SNS', () => {
  it('runs the action of a valid signed alarm, confirms subscriptions, and reports it in /metrics', async () => {
    const clock = new ManualClock('2026-05-05T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    await runFor(clock, 120);
    const { d, finished, url } = await daemonOn(clock, sim);
    expect(d.port).toBeGreaterThan(0);

    const memory = await post(url('/sns'), sns.alarm('dms-prod-freeable-memory', { timestamp: clock.now() }));
    expect(memory).toEqual({ status: 200, text: 'alarm dms-prod-freeable-memory: memory-guard started\n' });
    await d.runner.settled();
    expect(finished.map((f) => [f.job, f.ok])).toEqual([['memory-guard', true]]);
    expect('summary' in finished[0]! && finished[0].summary).toMatch(/^sim-instance: ok/);

    const latency = await post(url('/sns'), sns.alarm('dms-prod-cdc-latency-target', { timestamp: clock.now() }));
    expect(latency).toEqual({ status: 200, text: 'alarm dms-prod-cdc-latency-target: checker pagila started\n' });
    await d.runner.settled();
    expect(finished.map((f) => [f.job, f.task])).toEqual([
      ['memory-guard', undefined],
      ['checker', 'pagila'],
    ]);

    // OK and unmatched alarms are answered 200 and run nothing.
    expect(
      (await post(url('/sns'), sns.alarm('dms-prod-freeable-memory', { state: 'OK', timestamp: clock.now() }))).text,
    ).toMatch(/ignored: alarm dms-prod-freeable-memory went to OK/);
    expect((await post(url('/sns'), sns.alarm('other-alarm', { timestamp: clock.now() }))).text).toMatch(
      /ignored: no action in alarms.actions matches alarm other-alarm/,
    );

    const confirm = await post(
      url('/sns'),
      sns.sign({
        Type: 'SubscriptionConfirmation',
        Token: 'tok',
        Timestamp: clock.now().toISOString(),
        Message: 'You have chosen to subscribe…',
        SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TEST_TOPIC}&Token=tok`,
      }),
    );
    expect(confirm.status).toBe(200);
    expect(sns.confirmations).toHaveLength(1);
    await d.runner.settled();
    expect(finished).toHaveLength(2);

    const metrics = await (await fetch(url('/metrics'))).text();
    expect(metrics).toContain('dms_companion_job_runs_total{job="memory-guard",outcome="ok"} 1');
    expect(metrics).toContain('dms_companion_job_runs_total{job="checker",outcome="ok"} 1');
    expect(metrics).toMatch(/dms_companion_job_duration_seconds_count\{job="checker"\} 1/);

    // While shutting down, an alarm is answered 503 so that SNS delivers it again (to the next start).
    const stopping = d.stop('SIGTERM received');
    const late = sns.alarm('dms-prod-freeable-memory', { timestamp: clock.now() });
    expect(await d.sns!.handle({ ...late })).toMatchObject({ status: 503, message: 'shutting down: retry later' });
    await stopping;
    expect(finished).toHaveLength(2);
  }, 120_000);

  it('rejects forged, unsigned, unknown-topic, replayed, stale and malformed messages with 403; nothing runs', async () => {
    const clock = new ManualClock('2026-05-06T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const { d, started, url } = await daemonOn(clock, sim);
    const now = clock.now();
    const valid = sns.alarm('dms-prod-freeable-memory', { timestamp: now });
    const cases: [string, unknown, RegExp][] = [
      [
        'forged signature',
        sns.alarm('dms-prod-freeable-memory', { timestamp: now, key: 'forged' }),
        /signature check failed: Invalid Signature/,
      ],
      [
        'tampered message',
        { ...valid, Message: valid.Message.replace('freeable-memory', 'cdc-latency-target') },
        /signature check failed: Invalid Signature/,
      ],
      ['unsigned', { ...valid, Signature: undefined }, /"Signature" is missing/],
      [
        'wrong topic',
        sns.alarm('dms-prod-freeable-memory', { timestamp: now, topic: 'arn:aws:sns:us-east-1:123456789012:other' }),
        /topic arn:aws:sns:us-east-1:123456789012:other is not in alarms.topics/,
      ],
      [
        'certificate elsewhere',
        sns.sign({
          ...valid,
          SigningCertURL:
            'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
        }),
        /SigningCertURL "https:\/\/sns\.us-east-1\.amazonaws\.com\.evil\.example\/.*" is not an Amazon SNS certificate/,
      ],
      [
        'stale',
        sns.alarm('dms-prod-freeable-memory', { timestamp: new Date(now.getTime() - 2 * 3600_000) }),
        /replayed: published 7200 s ago/,
      ],
      ['bad JSON', '{"Type": "Notification", ', /the body is not JSON/],
      ['not an object', '[1,2]', /not a JSON object/],
      ['unknown type', { ...valid, Type: 'Surprise' }, /unknown Type "Surprise"/],
    ];
    for (const [name, body, reason] of cases) {
      const r = await post(url('/sns'), body);
      expect({ name, status: r.status }).toEqual({ name, status: 403 });
      expect(r.text).toMatch(reason);
    }
    expect(started).toEqual([]);
    // The valid one is accepted once; the same message again is a replay.
    expect((await post(url('/sns'), valid)).status).toBe(200);
    const replay = await post(url('/sns'), valid);
    expect(replay.status).toBe(403);
    expect(replay.text).toMatch(/replayed: MessageId .* was already handled/);
    await d.runner.settled();
    expect(started.map((r) => r.job)).toEqual(['memory-guard']);
    expect(d.sns!.counts).toMatchObject({ accepted: 1, rejected: cases.length + 1 });
    // Oversized bodies never reach the validator.
    const big = await post(url('/sns'), 'x'.repeat(300 * 1024));
    expect(big.status).toBe(413);
  }, 120_000);

  it('coalesces a burst of 1,000 alarms: never two runs of the same job and task at once, and memory stays flat', async () => {
    const clock = new ManualClock('2026-05-07T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    const { d, started, finished, url } = await daemonOn(clock, sim);
    const active = new Map<string, number>();
    let maxActive = 0;
    d.runner.onStarted((r) => {
      const k = `${r.job}:${r.task?.name ?? ''}`;
      active.set(k, (active.get(k) ?? 0) + 1);
      maxActive = Math.max(maxActive, active.get(k)!);
    });
    d.runner.onFinished((r) => {
      const k = `${r.job}:${r.task ?? ''}`;
      active.set(k, active.get(k)! - 1);
    });
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const burst = async () => {
      // Half latency alarms (checker for the task), half memory alarms; 50 requests in flight at a time.
      const messages = Array.from({ length: 1000 }, (_, i) =>
        sns.alarm(i % 2 ? 'dms-prod-cdc-latency-target' : 'dms-prod-freeable-memory', { timestamp: clock.now() }),
      );
      const statuses: number[] = [];
      for (let i = 0; i < messages.length; i += 50)
        statuses.push(
          ...(await Promise.all(messages.slice(i, i + 50).map(async (m) => (await post(url('/sns'), m)).status))),
        );
      await d.runner.settled();
      return statuses;
    };
    const first = await burst();
    expect(first.filter((s) => s === 200)).toHaveLength(1000);
    const runsAfterFirst = started.length;
    const before = heap();
    for (let i = 0; i < 3; i++) expect((await burst()).every((s) => s === 200)).toBe(true);
    const growth = heap() - before;
    expect(maxActive).toBe(1);
    // Coalesced: each burst ran each job a handful of times, not 500 times.
    expect(runsAfterFirst).toBeLessThan(40);
    expect(started.length).toBeLessThan(160);
    expect(finished.every((f) => f.ok)).toBe(true);
    // 3,000 more notifications (their MessageIds remembered for alarms.maxAge) cost well under 16 MiB.
    expect(growth).toBeLessThan(16 * 1024 * 1024);
    console.log(
      `SNS burst: 4 × 1,000 notifications, ${started.length} runs, heap growth after the first burst ${(growth / 1024 / 1024).toFixed(1)} MiB`,
    );
  }, 240_000);

  it('the Lambda handler applies the same checks and runs the action inside the invocation', async () => {
    const clock = new ManualClock('2026-05-08T08:00:00Z');
    sim = await createSimulation({ env: env(), clock });
    await runFor(clock, 120);
    const config = simConfig(env(), {}, { alarms: ALARMS, metrics: { cloudwatch: 'off' } });
    const handler = createAlarmHandler(simDeps(env(), sim, clock, config), { agent: sns.agent });
    const valid = sns.alarm('dms-prod-freeable-memory', { timestamp: clock.now() });
    const { SigningCertURL, ...rest } = valid;
    // Lambda spells it SigningCertUrl.
    const r = await handler({
      Records: [
        { EventSource: 'aws:sns', Sns: { ...rest, SigningCertUrl: SigningCertURL } },
        {
          EventSource: 'aws:sns',
          Sns: { ...sns.alarm('dms-prod-freeable-memory', { timestamp: clock.now(), key: 'forged' }) },
        },
      ],
    });
    expect(r.records.map((x) => x.status)).toEqual([200, 403]);
    expect(r.runs).toEqual([
      {
        job: 'memory-guard',
        ok: true,
        summary: expect.stringMatching(/^sim-instance: ok/) as unknown,
        task: undefined,
      },
    ]);
    const none = await handler({ Records: [] });
    expect(none).toEqual({ records: [], runs: [] });
  }, 120_000);
});
