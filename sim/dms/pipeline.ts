import { Random } from '../random.js';

/**
 * The stretch between a source commit and DMS's apply: a change read from the replication slot
 * reaches the task's apply queue only after a capture lag (seconds to minutes, as DMS's
 * CDCLatencySource shows, docs/aws-facts.md §98). Changes leave in commit order, whatever their own
 * lag: logical decoding hands out transactions at commit and in commit order (docs/aws-facts.md
 * §71.3, §99), so a change lagged by minutes holds back every change committed after it.
 */

/** Capture lag per change, drawn from a seeded random source in [minMs, maxMs] (simulated ms). */
export interface CaptureLag {
  minMs: number;
  maxMs: number;
  seed: number;
}

/** A one-shot extra lag for the next change of one key (tests: a change that sits in the pipeline). */
export interface ArmedLag {
  /** `schema.table` of the source table. */
  table: string;
  /** Key values (text, key order). */
  key: string[];
  /** Extra lag (simulated ms) on top of the drawn one. */
  ms: number;
}

interface InFlight<T> {
  change: T;
  /** When the change reaches the apply queue (simulated ms since epoch). */
  releaseAt: number;
}

export class CapturePipeline<T extends { capturedAt: number }> {
  private queue: InFlight<T>[] = [];
  private lastRelease = 0;
  private readonly random: Random | undefined;

  constructor(private readonly lag: CaptureLag | undefined) {
    this.random = lag ? new Random(lag.seed) : undefined;
  }

  /** Changes read from the source and not yet released to apply. */
  get size(): number {
    return this.queue.length;
  }

  /** The oldest change still in the pipeline (by commit, which is also release order). */
  get oldest(): T | undefined {
    return this.queue[0]?.change;
  }

  /** Takes a change committed at `change.capturedAt`, with `extraMs` more lag than drawn. */
  push(change: T, extraMs = 0): void {
    const drawn =
      this.lag && this.random ? this.random.int(this.lag.minMs, Math.max(this.lag.minMs, this.lag.maxMs)) : 0;
    const releaseAt = Math.max(this.lastRelease, change.capturedAt + drawn + extraMs);
    this.lastRelease = releaseAt;
    this.queue.push({ change, releaseAt });
  }

  /** The changes whose lag has passed by `now`, in commit order. */
  release(now: number): T[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.releaseAt <= now) n++;
    return this.queue.splice(0, n).map((x) => x.change);
  }
}
