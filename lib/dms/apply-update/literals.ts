/**
 * Integer literals as DMS writes seq bounds: plain decimal digits, an optional `-` directly before
 * them, no leading zeros, within BIGINT (-9223372036854775808 to 9223372036854775807,
 * docs/aws-facts.md §20.1). Anything else — `1e5`, `5.0`, `0x10`, `+5`, `- 5`, `007`, a value past
 * BIGINT — is not taken as a bound.
 */

export const BIGINT_MIN = -(2n ** 63n);
export const BIGINT_MAX = 2n ** 63n - 1n;

/** The value, or the reason the digits are not a plain BIGINT literal. */
export function bigintLiteral(digits: string, negative: boolean): { value: bigint } | { problem: string } {
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return { problem: 'not a plain integer literal' };
  if (digits.length > 20) return { problem: 'outside the BIGINT range' };
  const value = negative ? -BigInt(digits) : BigInt(digits);
  if (value < BIGINT_MIN || value > BIGINT_MAX) return { problem: 'outside the BIGINT range' };
  return { value };
}
