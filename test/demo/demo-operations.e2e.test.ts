import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook.js';

interface DemoJson {
  faults: { kind: string; table?: string; key?: string[]; repairedAt: string | null }[];
  allRepaired: boolean;
  stateFile: string;
}

interface HistoryJson {
  timeline: { kind: string; job?: string; table?: string; text: string; details?: string[] }[];
  coverage: { table: string; day: string; status: string; repaired: number }[];
  jobs: { job: string; runs: number }[];
}

let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
});

describe('dms-companion demo, as operators see it', () => {
  it('every repair, stop/resume and give-up produces exactly one message at the webhook; history lists each repaired fault with its evidence', async () => {
    // `until-restart`: the fixer repairs the lost INSERT from the changes table (its message is counted below).
    const r = await runCli(['demo', '--json', '--dms-variant', 'until-restart', '--notify-webhook', hook.url]);
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

    // `dms-companion history --since 1h` on the demo's state: each repaired fault with its evidence.
    const h = await runCli(['history', '--state-file', report.stateFile, '--since', '1h', '--json']);
    expect(h.code, h.stderr).toBe(0);
    const view = JSON.parse(h.stdout) as HistoryJson;
    const repairs = view.timeline.filter((e) => e.kind === 'repair');
    const line = (job: string, key: string[]) =>
      repairs
        .filter((e) => e.job === job)
        .flatMap((e) => e.details ?? [])
        .find((d) => d.startsWith(`rental_id=${key.join()} `));
    const byKind = (kind: string) => report.faults.find((f) => f.kind === kind)!.key!;
    expect(line('fixer', byKind('lost-insert'))).toMatch(/evidence: query \d+/);
    expect(line('gapfill', byKind('lost-update'))).toMatch(/evidence: /);
    expect(line('gapfill', byKind('lost-delete'))).toMatch(/evidence: /);
    expect(
      view.timeline
        .filter((e) => e.kind === 'hold')
        .map((e) => e.job)
        .sort(),
    ).toEqual(['fixer', 'maintenance', 'memory']);
    expect(view.coverage.find((c) => c.table === 'public.rental' && c.day === '2026-11-21')).toMatchObject({
      status: 'repaired',
    });
    const text = await runCli(['history', '--state-file', report.stateFile, '--since', '1h']);
    expect(text.stdout).toContain(`rental_id=${byKind('lost-insert').join()} — evidence: query`);
    expect(text.stdout).toContain('simulated times');
    const md = await runCli(['history', '--state-file', report.stateFile, '--since', '1h', '--markdown']);
    expect(md.stdout).toMatch(/^# dms-companion history /);
    expect(md.stdout).toContain('| public.rental | 2026-11-21 | repaired |');
  }, 300_000);
});
