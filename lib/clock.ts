/**
 * Time as the jobs see it. Production uses the system clock; tests and the simulator pass a
 * clock they control, so that a 35-minute maintenance window runs in milliseconds.
 */
export interface Clock {
  /** Now (UTC). */
  now(): Date;
  /** Waits `ms` milliseconds (of this clock's time). */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A clock that moves only when told to. `sleep` advances it at once (no real waiting) and
 * runs the listeners registered with {@link ManualClock.onAdvance}, so a simulator can make
 * progress while a job waits.
 */
export class ManualClock implements Clock {
  private t: number;
  private readonly listeners: ((now: Date) => Promise<void> | void)[] = [];

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.t = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  /** Moves the clock forward by `ms` and lets listeners catch up. */
  async advance(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
    for (const l of this.listeners) await l(this.now());
  }

  /** Sets the clock (forward only). */
  async set(to: Date | string): Promise<void> {
    await this.advance(new Date(to).getTime() - this.t);
  }

  sleep(ms: number): Promise<void> {
    return this.advance(ms);
  }

  /** Called after every advance (the simulator steps here). */
  onAdvance(listener: (now: Date) => Promise<void> | void): void {
    this.listeners.push(listener);
  }
}

/**
 * A clock that runs `speed` times faster than real time from `start` (the demo: one real second
 * is one simulated minute at speed 60). `sleep(ms)` waits `ms / speed` real milliseconds.
 */
export class ScaledClock implements Clock {
  private readonly realStart = performance.now();

  constructor(
    private readonly start: Date,
    readonly speed: number,
  ) {
    if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
  }

  now(): Date {
    return new Date(this.start.getTime() + Math.round((performance.now() - this.realStart) * this.speed));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / this.speed)));
  }

  /** Real milliseconds since the start. */
  realElapsedMs(): number {
    return performance.now() - this.realStart;
  }
}
