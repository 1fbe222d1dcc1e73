import { RefusedError } from '../../errors.js';
import type { Token } from '../../sql/tokenize.js';

/**
 * Why a statement is not taken as evidence. `fragment` is a piece of the statement's own text (at
 * most {@link FRAGMENT_CHARS} characters, newlines as spaces): the part that was not understood.
 * Nothing but the statement's text ever goes into a refusal.
 */
export interface Refusal {
  reason: string;
  fragment?: string | undefined;
  /** Offset of the fragment in the statement (UTF-16 code units). */
  offset?: number | undefined;
}

/** Text the toolkit does not rely on as a DMS apply UPDATE: the one error every parser phase throws. */
export class StatementParseError extends RefusedError {
  readonly refusal: Refusal;
  constructor(reason: string, at?: { fragment: string; offset: number }) {
    super(`not a complete DMS apply UPDATE: ${reason}${at ? `: ${JSON.stringify(at.fragment)}` : ''}`);
    this.refusal = { reason, fragment: at?.fragment, offset: at?.offset };
  }
}

export const FRAGMENT_CHARS = 120;

/** Tokens `[lo, hi)` of `text` as a refusal fragment: the source text, newlines as spaces, cut to 120 characters. */
export function fragmentOf(
  text: string,
  toks: readonly Token[],
  lo: number,
  hi: number,
): { fragment: string; offset: number } {
  const first = toks[Math.min(lo, toks.length - 1)];
  if (!first) return { fragment: '', offset: 0 };
  const last = toks[Math.max(lo, Math.min(hi, toks.length) - 1)]!;
  const end = Math.min(last.end, first.start + FRAGMENT_CHARS + 1);
  const raw = text.slice(first.start, end).replace(/\s+/g, ' ');
  return {
    fragment: raw.length > FRAGMENT_CHARS || end < last.end ? `${raw.slice(0, FRAGMENT_CHARS)}…` : raw,
    offset: first.start,
  };
}

/** Refuses with the reason and the tokens `[lo, hi)` as the fragment. */
export function refuseAt(text: string, toks: readonly Token[], lo: number, hi: number, reason: string): never {
  throw new StatementParseError(reason, fragmentOf(text, toks, lo, hi));
}
