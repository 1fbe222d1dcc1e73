import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook.js';

interface DemoJson {
  faults: { kind: string; table?: string; key?: string[]; repairedAt: string | null }[];
  allRepaired: boolean;
}

let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
});

describe('dms-companion demo, as operators see it', () => {
  it('every repair, stop/resume and give-up produces exactly one message at the webhook', async () => {
    const r = await runCli(['demo', '--json', '--notify-webhook', hook.url]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DemoJson;
    expect(report.allRepaired).toBe(true);
    const messages = hook.received.map((m) => ({ ...m.notice!, text: m.text }));
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/demo-notifications.json', JSON.stringify(messages, null, 2));
    const of = (kind: string, job: string) => messages.filter((m) => m.kind === kind && m.job === job);
    const lost = report.faults.find((f) => f.kind === 'lost-insert')!;

    // The lost INSERT: one fixer repair (its stop and resume are part of that message), naming the key.
    expect(of('repaired', 'fixer')).toHaveLength(1);
    expect(of('repaired', 'fixer')[0]!.text).toContain(lost.key!.join(','));
    expect(of('repaired', 'fixer')[0]!.text).toContain('the task was stopped and resumed for it');
    // The lost UPDATE and DELETE: gap-filling's repairs of public.rental, one message per table and day.
    const gap = of('repaired', 'gapfill');
    expect(gap.length).toBeGreaterThanOrEqual(1);
    expect(gap.every((m) => m.table === 'public.rental')).toBe(true);
    expect(new Set(gap.map((m) => m.text.match(/repaired (\d{4}-\d\d-\d\d)/)![1])).size).toBe(gap.length);
    // The memory leak: one restart. The maintenance reboot: one stop, one resume.
    expect(of('restarted', 'memory-guard')).toHaveLength(1);
    expect(of('stopped', 'maintenance-guard')).toHaveLength(1);
    expect(of('resumed', 'maintenance-guard')).toHaveLength(1);
    // Nothing gave up in the demo, and nothing else was sent.
    expect(messages.filter((m) => m.kind === 'gave-up' || m.kind === 'differences')).toEqual([]);
    expect(messages).toHaveLength(4 + gap.length);
    expect(new Set(messages.map((m) => m.key)).size).toBe(messages.length);
  }, 300_000);
});
