import pLimit from 'p-limit';

/**
 * Statements in flight at once: a comparison spreads a level's independent statements over a
 * per-side connection budget, so that sequential round trips — not statements — bound its time.
 */

/** Runs `fn` over `items` with at most `limit` calls in flight; results in order. */
export function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const run = pLimit(Math.max(1, limit));
  return Promise.all(items.map((x, i) => run(() => fn(x, i))));
}

/** `xs` cut into pieces of at most `n`. */
export function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
