import ms from 'ms';
import xbytes from 'xbytes';

/**
 * Human units in configuration: sizes ("1.5 GiB", "100 KB", "512MiB") and durations
 * ("35m", "15 minutes", "1h", "90s"). Parsing is done by the `xbytes` and `ms` libraries;
 * this module only adds the checks that make a typo fail loudly instead of meaning something else.
 */

const SIZE_RE = /^\s*\d+(\.\d+)?\s*([KMGTP]i?B|B)\s*$/i;

/**
 * Parses a size into bytes. Accepts a non-negative integer (bytes) or a string with a byte unit:
 * SI (`KB` = 1000) or IEC (`KiB` = 1024), case-insensitive except that a trailing lowercase `b`
 * (bits, in xbytes) is read as bytes too.
 * @returns bytes, or `undefined` when the input is not a size.
 */
export function parseSize(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string' || !SIZE_RE.test(input)) return undefined;
  // xbytes reads a lowercase final "b" as bits; sizes in this config are always bytes.
  const normalised = input
    .trim()
    .replace(/b$/, 'B')
    .replace(/([kmgtp])(i?)B$/i, (_m, p: string, i: string) => `${p.toUpperCase()}${i ? 'i' : ''}B`);
  const bytes = xbytes.parseSize(normalised);
  return typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0 ? Math.round(bytes) : undefined;
}

/**
 * Parses a duration into seconds. Accepts a non-negative number (seconds) or a string with a unit
 * (`ms`, `s`, `m`, `h`, `d`, or words like `minutes`).
 * @returns seconds, or `undefined` when the input is not a duration.
 */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string' || !/[a-z]\s*$/i.test(input)) return undefined;
  let millis: number | undefined;
  try {
    millis = ms(input as ms.StringValue);
  } catch {
    return undefined;
  }
  return typeof millis === 'number' && Number.isFinite(millis) && millis >= 0 ? millis / 1000 : undefined;
}

/** Formats bytes for people, IEC units ("1.50 GiB"). */
export function formatBytes(bytes: number): string {
  return xbytes(bytes, { iec: true });
}

/** Formats seconds for people ("35m", "1h", "90s"). */
export function formatDuration(seconds: number): string {
  return ms(Math.round(seconds * 1000));
}
