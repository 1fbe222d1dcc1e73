/**
 * Diffing the keys of one segment fetched from both sides (pure). Rows are compared by key; the
 * target may hold a key more than once (Redshift does not enforce keys).
 *
 * - missing: on the source, not on the target;
 * - extra: on the target, not on the source (a missed DELETE);
 * - duplicated: on both, more than once on the target;
 * - stale: on both, but a target version text differs from the source's (a missed UPDATE).
 */

export interface KeyedRow {
  /** Normalised key texts, in key-column order. */
  key: string[];
  /** Normalised version text, when a version column is configured. */
  version?: string | undefined;
}

export interface SegmentDiff {
  missing: string[][];
  extra: string[][];
  duplicated: string[][];
  stale: string[][];
}

export function emptyDiff(): SegmentDiff {
  return { missing: [], extra: [], duplicated: [], stale: [] };
}

/**
 * Compares decimal integer texts without BigInt: sign, then length, then digits.
 * @returns negative, 0 or positive.
 */
export function compareIntegerText(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const sa = na ? a.slice(1) : a;
  const sb = nb ? b.slice(1) : b;
  const c = sa.length !== sb.length ? sa.length - sb.length : sa < sb ? -1 : sa > sb ? 1 : 0;
  return na ? -c : c;
}

/** Byte-order comparison of texts (what Redshift and a C-collation PostgreSQL do). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A comparator for keys whose columns are integers (`true`) or texts (`false`). */
export function keyComparator(integerColumns: readonly boolean[]): (a: string[], b: string[]) => number {
  return (a, b) => {
    for (let i = 0; i < integerColumns.length; i++) {
      const c = integerColumns[i] ? compareIntegerText(a[i]!, b[i]!) : compareBytes(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** Merge-diff of two row lists (sorted here with `cmp`). */
export function diffRows(
  source: KeyedRow[],
  target: KeyedRow[],
  cmp: (a: string[], b: string[]) => number,
): SegmentDiff {
  const byKey = (x: KeyedRow, y: KeyedRow) => cmp(x.key, y.key);
  source.sort(byKey);
  target.sort(byKey);
  const out = emptyDiff();
  let i = 0;
  let j = 0;
  while (i < source.length || j < target.length) {
    const s = source[i];
    const t = target[j];
    const c = s === undefined ? 1 : t === undefined ? -1 : cmp(s.key, t.key);
    if (c < 0) {
      out.missing.push(s!.key);
      i++;
      continue;
    }
    // All target rows of this key.
    const key = t!.key;
    let k = j;
    while (k < target.length && cmp(target[k]!.key, key) === 0) k++;
    const copies = target.slice(j, k);
    j = k;
    if (c > 0) {
      out.extra.push(key);
      continue;
    }
    i++;
    while (i < source.length && cmp(source[i]!.key, key) === 0) i++; // a source key is unique; be safe
    if (copies.length > 1) out.duplicated.push(key);
    if (s!.version !== undefined && copies.some((x) => x.version !== s!.version)) out.stale.push(key);
  }
  return out;
}

/**
 * Merge-diff of two lists of integer keys (the fast path for a single integer key without a
 * version column): numbers when every key is a safe integer, else the text comparison.
 */
export function diffIntegerKeys(source: string[], target: string[]): SegmentDiff {
  const safe = (xs: string[]) => xs.every((x) => x.length < 16);
  if (!safe(source) || !safe(target)) {
    return diffRows(
      source.map((k) => ({ key: [k] })),
      target.map((k) => ({ key: [k] })),
      keyComparator([true]),
    );
  }
  const a = Float64Array.from(source, Number).sort();
  const b = Float64Array.from(target, Number).sort();
  const out = emptyDiff();
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) {
      out.missing.push([String(a[i])]);
      i++;
      continue;
    }
    const key = b[j]!;
    let k = j;
    while (k < b.length && b[k] === key) k++;
    const copies = k - j;
    j = k;
    if (i >= a.length || a[i]! > key) {
      out.extra.push([String(key)]);
      continue;
    }
    i++;
    if (copies > 1) out.duplicated.push([String(key)]);
  }
  return out;
}

/** Appends one diff to another. */
export function addDiff(into: SegmentDiff, d: SegmentDiff): void {
  into.missing.push(...d.missing);
  into.extra.push(...d.extra);
  into.duplicated.push(...d.duplicated);
  into.stale.push(...d.stale);
}

/** Sorts every class of a diff by key (statements that ran concurrently add their diffs in any order). */
export function sortDiff(d: SegmentDiff, cmp: (a: string[], b: string[]) => number): SegmentDiff {
  for (const c of [d.missing, d.extra, d.duplicated, d.stale]) c.sort(cmp);
  return d;
}
