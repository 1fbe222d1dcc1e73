import type { Datapoint } from '../../lib/aws/cloudwatch.js';

/** What the memory guard decides for an instance at a tick. */
export type MemoryDecision = 'ok' | 'restart' | 'no-data' | 'waiting-for-recovery' | 'not-recovered' | 'restart-limit';

/** What the memory guard knows at a tick about one replication instance. */
export interface MemoryFacts {
  /** FreeableMemory datapoints (bytes, minimum per period), oldest first, over the look-back. */
  points: readonly Datapoint[];
  /** SwapUsage datapoints (bytes, maximum per period), oldest first, over the look-back. */
  swap: readonly Datapoint[];
  now: Date;
  /** Restarts of the instance within the restart window, newest first (UTC). */
  restarts: readonly Date[];
  /** Memory-guard ticks for the instance since the newest restart. */
  ticksSinceRestart: number;
}

export interface MemoryRules {
  /** Seconds of datapoints read (for the message). */
  lookback: number;
  /** Bytes of FreeableMemory below which the instance may be short of memory. */
  threshold: number;
  /** Bytes of SwapUsage above which the instance swaps: with FreeableMemory below `threshold`, memory pressure. */
  swapThreshold: number;
  /** Seconds after which the newest datapoint is too old to act on. */
  staleAfter: number;
  maxRestarts: number;
  /** Seconds of the window `maxRestarts` counts in (for the message). */
  restartWindow: number;
  /** Ticks to wait for memory to come back after a restart. */
  recoveryTicks: number;
}

export interface MemoryVerdict {
  decision: MemoryDecision;
  /** The lowest FreeableMemory since the newest restart (bytes); null when none. */
  minimum: number | null;
  /** Why no action was taken, for a person. */
  warning?: string;
}

/**
 * The memory guard's decision, a pure function: no datapoint or a stale one → `no-data`; memory judged only since
 * the newest restart, and once it came back (a datapoint at or above the threshold) only from then on;
 * FreeableMemory at or above the threshold → `ok`. FreeableMemory counts buffers and cache
 * that can be freed, so AWS reads it with SwapUsage (docs/aws-facts.md §15.1, §15.2): below the threshold with no
 * SwapUsage datapoint → `no-data` (fail closed: no restart on half the evidence); with SwapUsage at or below
 * `swapThreshold` → `ok` (the memory is cache, not pressure). Under pressure and not back since a restart → wait
 * `recoveryTicks`, then `not-recovered` (an alert, no second restart); under pressure with `maxRestarts` restarts in
 * the window → `restart-limit`; else `restart`.
 */
export function decideMemory(
  f: MemoryFacts,
  r: MemoryRules,
  instance: string,
  fmt: (bytes: number) => string,
): MemoryVerdict {
  const latest = f.points[f.points.length - 1];
  if (!latest)
    return {
      decision: 'no-data',
      minimum: null,
      warning: `no FreeableMemory datapoints for ${instance} in the last ${r.lookback} s: no action`,
    };
  if (f.now.getTime() - latest.timestamp.getTime() > r.staleAfter * 1000) {
    const at = latest.timestamp.toISOString();
    return {
      decision: 'no-data',
      minimum: null,
      warning: `the latest FreeableMemory datapoint for ${instance} is from ${at}, older than ${r.staleAfter} s: no action`,
    };
  }
  const last = f.restarts[0];
  const since = last ? f.points.filter((p) => p.timestamp > last) : f.points;
  // A restart takes a while (stop, then resume) and its datapoints keep the old low values until the memory comes
  // back: once it has, only what follows counts — a second drain, not the tail of the first.
  const back = last ? since.find((p) => p.value >= r.threshold) : undefined;
  const judged = back ? since.filter((p) => p.timestamp >= back.timestamp) : since;
  const minimum = judged.length > 0 ? Math.min(...judged.map((p) => p.value)) : null;
  if (minimum === null) return { decision: 'waiting-for-recovery', minimum };
  if (minimum >= r.threshold) return { decision: 'ok', minimum };
  const swap = back
    ? f.swap.filter((p) => p.timestamp >= back.timestamp)
    : last
      ? f.swap.filter((p) => p.timestamp > last)
      : f.swap;
  if (swap.length === 0)
    return {
      decision: 'no-data',
      minimum,
      warning:
        `FreeableMemory of ${instance} is ${fmt(minimum)}, below ${fmt(r.threshold)}, but there is no SwapUsage datapoint: ` +
        `FreeableMemory includes cache, so it alone does not show memory pressure: no action`,
    };
  if (Math.max(...swap.map((p) => p.value)) <= r.swapThreshold) return { decision: 'ok', minimum };
  if (last && !since.some((p) => p.value >= r.threshold)) {
    if (f.ticksSinceRestart < r.recoveryTicks) return { decision: 'waiting-for-recovery', minimum };
    const warning =
      `FreeableMemory of ${instance} is still ${fmt(minimum)} after the restart at ${last.toISOString()}: not restarting again; the ` +
      `instance needs a person`;
    return { decision: 'not-recovered', minimum, warning };
  }
  if (f.restarts.length >= r.maxRestarts) {
    const warning =
      `${f.restarts.length} restarts of ${instance} within ${r.restartWindow} s (limit ${r.maxRestarts}): not restarting again; the ` +
      `instance needs a person`;
    return { decision: 'restart-limit', minimum, warning };
  }
  return { decision: 'restart', minimum };
}

/**
 * The FreeableMemory threshold for an instance (bytes), a pure function. Without `fraction`, `threshold`. With it,
 * the lower of `threshold` and `fraction` × the instance class's memory (docs/aws-facts.md §65): the guard stops
 * tasks only when both rules agree (a restart stops replication, so the stricter reading wins). When the class is
 * not known (`memory` undefined, or the class could not be read: `classError`) → a warning and no threshold: the
 * caller takes no action on the instance (fail closed), never a guessed size.
 */
export function memoryThreshold(
  o: { threshold: number; fraction?: number | undefined },
  instance: string,
  cls: { instanceClass?: string; memory?: number | undefined; classError?: string },
): { bytes: number; warning?: undefined } | { bytes?: undefined; warning: string } {
  if (o.fraction === undefined) return { bytes: o.threshold };
  if (cls.classError !== undefined)
    return {
      warning:
        `thresholdFraction is set but the instance class of ${instance} could not be read (${cls.classError}): ` +
        `no action`,
    };
  if (cls.memory === undefined)
    return {
      warning:
        `thresholdFraction is set but the memory of instance class "${cls.instanceClass ?? ''}" of ${instance} is not ` +
        `known (not in AWS's instance class table): no action`,
    };
  return { bytes: Math.min(o.threshold, Math.floor(o.fraction * cls.memory)) };
}

/**
 * True when a task is still in its full load, so the memory guard leaves it alone unless
 * `includeFullLoad`: a `full-load` or `full-load-and-cdc` task below 100 % FullLoadProgressPercent. A
 * `cdc` task has no full load, whatever FullLoadProgressPercent it reports (a CDC-only task may report
 * 0 — docs/aws-facts.md §15.5, §62.1); an unknown MigrationType is read from the percentage alone.
 */
export function inFullLoad(t: {
  migrationType?: string | undefined;
  fullLoadProgressPercent?: number | undefined;
}): boolean {
  if (t.migrationType?.toLowerCase() === 'cdc') return false;
  return t.fullLoadProgressPercent !== undefined && t.fullLoadProgressPercent < 100;
}
