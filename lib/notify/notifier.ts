import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Notice } from './notice.js';

/**
 * Sends notices to every channel (SNS, webhook), deduplicated and rate-limited, and never fails its caller: a channel
 * that fails is logged (warn) and counted, the job goes on.
 *
 * - Dedupe: a notice whose `key` was sent within `dedupeSeconds` (job clock) is dropped — a guard at its limit
 *   ticking every minute tells once.
 * - Rate limit: at most `maxPerMinute` notices in any 60 s (job clock); the rest are dropped, counted, and the next
 *   notice sent says how many were dropped.
 */

/** One way out: sends one notice or throws. */
export interface NoticeChannel {
  name: string;
  send(n: Notice): Promise<void>;
}

export interface NotifierOptions {
  channels: NoticeChannel[];
  clock: Clock;
  log: Logger;
  dedupeSeconds: number;
  maxPerMinute: number;
}

export interface NotifyResult {
  sent: number;
  deduplicated: number;
  rateLimited: number;
  failed: number;
}

export class Notifier {
  private readonly sentAt = new Map<string, number>();
  private recent: number[] = [];
  private dropped = 0;
  readonly totals: NotifyResult = { sent: 0, deduplicated: 0, rateLimited: 0, failed: 0 };

  constructor(private readonly o: NotifierOptions) {}

  /** Sends each notice (in order) to every channel. Never throws. */
  async send(notices: readonly Notice[]): Promise<NotifyResult> {
    const r: NotifyResult = { sent: 0, deduplicated: 0, rateLimited: 0, failed: 0 };
    for (const n of notices) {
      const now = this.o.clock.now().getTime();
      this.forget(now);
      if (this.sentAt.has(n.key)) {
        r.deduplicated++;
        continue;
      }
      if (this.recent.length >= this.o.maxPerMinute) {
        r.rateLimited++;
        this.dropped++;
        this.o.log.warn(
          { kind: n.kind, task: n.task, table: n.table },
          `notification dropped by the rate limit: ${n.what}`,
        );
        continue;
      }
      this.sentAt.set(n.key, now);
      this.recent.push(now);
      const out =
        this.dropped > 0
          ? { ...n, why: `${n.why} (${this.dropped} earlier notification(s) dropped by the rate limit)` }
          : n;
      this.dropped = 0;
      const results = await Promise.allSettled(this.o.channels.map((c) => c.send(out)));
      results.forEach((x, i) => {
        if (x.status === 'rejected') {
          r.failed++;
          this.o.log.warn(
            { channel: this.o.channels[i]!.name, err: errorMessage(x.reason) },
            `notification not delivered by ${this.o.channels[i]!.name}: ${n.what}`,
          );
        }
      });
      r.sent++;
    }
    for (const k of Object.keys(r) as (keyof NotifyResult)[]) this.totals[k] += r[k];
    return r;
  }

  private forget(now: number): void {
    this.recent = this.recent.filter((t) => now - t < 60_000);
    for (const [k, t] of this.sentAt) if (now - t >= this.o.dedupeSeconds * 1000) this.sentAt.delete(k);
  }
}
