import { Writable } from 'node:stream';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, outcomeNotices } from '../../jobs/notices.js';
import { ManualClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/log.js';
import type { Notice } from '../../lib/notify/notice.js';
import { parsedEnvConfig } from '../helpers/config.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:dms-companion-notices';
let hook: WebhookReceiver;
const sns = mockClient(SNSClient);

beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
});
beforeEach(() => {
  hook.received.length = 0;
  hook.failNext.length = 0;
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

/** A logger whose JSON lines are kept. */
function capturedLog() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: 'info', format: 'json', destination }), lines };
}

function notifier(clock: ManualClock, extra: Record<string, unknown> = {}) {
  const config = parsedEnvConfig(
    // No database is opened: the config only needs connection fields.
    { server: { host: '127.0.0.1', port: 5432 }, databases: { source: 'src', target: 'tgt' } } as never,
    { notify: { webhook: { url: hook.url }, sns: { topicArn: TOPIC }, ...extra } },
  );
  const { log, lines } = capturedLog();
  return { n: createNotifier(config, clock, log, { sns: new SNSClient({ region: 'us-east-1' }) })!, lines };
}

const restarted = (task: string, runId: string): Notice => ({
  kind: 'restarted',
  job: 'memory-guard',
  task,
  what: 'replication task stopped and resumed to free replication-instance memory',
  why: 'FreeableMemory of ri 1 bytes, below 2 bytes',
  undo: 'nothing to undo',
  key: `memory:restarted:${task}:${runId}`,
});

describe('notifications', () => {
  it('sends one message per notice to the webhook (Slack "text") and SNS (ASCII subject under 100 characters)', async () => {
    const { n } = notifier(new ManualClock('2026-05-09T08:00:00Z'));
    const r = await n.send([restarted('app-to-redshift-with-a-very-long-name-'.repeat(4), 'r1')]);
    expect(r).toEqual({ sent: 1, deduplicated: 0, rateLimited: 0, failed: 0 });
    expect(hook.received).toHaveLength(1);
    const text = hook.received[0]!.text;
    expect(text).toMatch(
      /^\[dms-companion\] replication task stopped and resumed to free replication-instance memory /,
    );
    expect(text).toMatch(/\(task app-to-redshift.*\)\. Why: .*\. Undo: nothing to undo\.$/);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Message).toBe(hook.received[0]!.text);
    expect(input.Subject!.length).toBeLessThan(100);
    expect(input.Subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('deduplicates by key within the window and rate-limits, saying how many were dropped', async () => {
    const clock = new ManualClock('2026-05-09T08:00:00Z');
    const { n } = notifier(clock, { maxPerMinute: 3, dedupeWindow: '1h' });
    const giveUp: Notice = { ...restarted('t', 'x'), kind: 'gave-up', key: 'memory:restart-limit:ri' };
    // A guard at its limit ticks every minute: told once per hour.
    for (let i = 0; i < 10; i++) {
      await n.send([giveUp]);
      await clock.advance(60_000);
    }
    expect(hook.received).toHaveLength(1);
    await clock.advance(3600_000);
    await n.send([giveUp]);
    expect(hook.received).toHaveLength(2);
    // Five distinct notices in one minute with a limit of 3 (one slot taken above): 2 sent, 3 dropped.
    const r = await n.send([1, 2, 3, 4, 5].map((i) => restarted(`t${i}`, 'r')));
    expect(r).toMatchObject({ sent: 2, rateLimited: 3 });
    await clock.advance(61_000);
    await n.send([restarted('t9', 'r')]);
    expect(hook.received.at(-1)!.text).toContain('(3 earlier notification(s) dropped by the rate limit)');
  });

  it('a failing webhook or SNS never fails the caller; the failure is logged without the webhook URL', async () => {
    const { n, lines } = notifier(new ManualClock('2026-05-09T08:00:00Z'), { timeout: '1s' });
    hook.failNext.push(500);
    sns.on(PublishCommand).rejects(new Error('AuthorizationError: not allowed to publish'));
    const r = await n.send([restarted('t1', 'r1')]);
    expect(r).toMatchObject({ sent: 1, failed: 2 });
    const warned = lines.join('');
    expect(warned).toContain('notification not delivered by webhook');
    expect(warned).toContain('webhook: HTTP 500');
    expect(warned).toContain('notification not delivered by sns');
    expect(warned).not.toContain(hook.url);
    expect(warned).not.toContain('/hooks/T000');
  });

  it('derives one notice per action from outcomes and none from dry runs', () => {
    const report = {
      job: 'maintenance-guard' as const,
      runId: 'r1',
      at: '2026-05-09T00:15:00Z',
      dryRun: false,
      phase: 'holding' as const,
      window: {
        start: '2026-05-09T00:20:00.000Z',
        end: '2026-05-09T00:50:00.000Z',
        source: 'preferred' as never,
        plannedStop: '2026-05-09T00:15:00.000Z',
        plannedResume: '2026-05-09T00:50:00.000Z',
      },
      actions: [
        { task: 'a', action: 'hold' as const, result: 'stopped' },
        { task: 'b', action: 'hold' as const, result: 'failed', error: 'ThrottlingException' },
        { task: 'c', action: 'none' as const, result: 'held' },
      ],
      alerts: [],
    };
    const notices = outcomeNotices({ job: 'maintenance-guard', report });
    expect(notices.map((x) => [x.kind, x.task])).toEqual([
      ['stopped', 'a'],
      ['gave-up', 'b'],
    ]);
    expect(notices[0]!.undo).toContain('dms-companion holds release --task a --owner maintenance');
    expect(outcomeNotices({ job: 'maintenance-guard', report: { ...report, dryRun: true } })).toEqual([]);
  });
});
