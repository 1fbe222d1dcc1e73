import { randomBytes } from 'node:crypto';
import { LongDigits } from './fields.js';

/**
 * JSON text of an answer, with every {@link LongDigits} written as a bare JSON number carrying all
 * its digits (a BIGINT beyond 2^53 included), the way the service writes `longValue`.
 * Timestamps (`CreatedAt`, `UpdatedAt`) are sent as epoch seconds, the AWS JSON 1.1 timestamp format.
 */

// A NUL-delimited marker cannot collide with a value: PostgreSQL text never contains NUL.
const TAG = `\u0000${randomBytes(6).toString('hex')}:`;
const MARKER = new RegExp(`"${JSON.stringify(TAG).slice(1, -1).replace(/\\/g, '\\\\')}(-?\\d+)\\\\u0000"`, 'g');

export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof LongDigits) return `${TAG}${v.digits}\u0000`;
    return v;
  });
  return text.replace(MARKER, '$1');
}

/** A Date as AWS JSON 1.1 sends timestamps: epoch seconds, milliseconds as the fraction. */
export function epochSeconds(d: Date): number {
  return d.getTime() / 1000;
}
