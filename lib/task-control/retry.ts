import type { Clock } from '../clock.js';
import { isConnectionError } from '../sql/client.js';

/**
 * Which AWS errors are worth another attempt, and the back-off between attempts. The SDK already retries a few times
 * (its standard mode, docs/aws-facts.md §31); these errors reach task control when those retries ran out, so task
 * control waits longer (doubling, capped) and tries again before it gives up and keeps the hold.
 */

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalFailure',
]);

/** True for throttling, timeouts, dropped connections and 5xx answers: the call may succeed when tried again. */
export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_NAMES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  return isConnectionError(err);
}

/** Seconds to wait before attempt `n` (1-based: the first retry waits `base`), doubling, at most `cap`. */
export function backoffSeconds(n: number, base: number, cap = 60): number {
  return Math.min(cap, base * 2 ** Math.max(0, n - 1));
}

/**
 * Runs `fn`, retrying retryable errors up to `attempts` times in all with back-off on `clock`.
 * @throws the last error when every attempt failed, or the first error that is not retryable.
 */
export async function withRetries<T>(
  clock: Clock,
  attempts: number,
  baseSeconds: number,
  fn: () => Promise<T>,
  onRetry?: (err: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      onRetry?.(err, attempt);
      await clock.sleep(backoffSeconds(attempt, baseSeconds) * 1000);
    }
  }
}
