/** What to do with a segment whose fingerprints differ. */
export type SegmentChoice =
  /** Few enough rows: fetch its keys from both sides and diff them. */
  | 'leaf'
  /** Differences are dense here: bisecting would cost more than fetching its keys now. */
  | 'dense'
  /** Split it and compare the pieces' fingerprints at the next level. */
  | 'recurse';

/** A level is dense when at least 8 segments were compared and more than `denseFraction` of them differ. */
export function isDenseLevel(segments: number, differing: number, o: { denseFraction: number }): boolean {
  return segments >= 8 && differing > o.denseFraction * segments;
}

/**
 * The bisection step for one differing segment, a pure function of its row counts on both sides: `dense` when its
 * level is dense or its counts differ by more than `denseRowFraction` of its rows, else `leaf` up to `leafRows`
 * rows, else `recurse`.
 */
export function chooseSegment(
  sourceRows: number,
  targetRows: number,
  denseLevel: boolean,
  o: { leafRows: number; denseRowFraction: number },
): SegmentChoice {
  const rows = Math.max(sourceRows, targetRows);
  if (denseLevel || Math.abs(sourceRows - targetRows) > o.denseRowFraction * rows) return 'dense';
  return rows <= o.leafRows ? 'leaf' : 'recurse';
}
