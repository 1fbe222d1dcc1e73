/**
 * Limits the local Redshift Data API endpoint enforces, with where each comes from. Every limit can
 * be lowered per endpoint (tests use small ones so that a few rows exceed them).
 *
 * Sources:
 * - API model: `codegen/sdk-codegen/aws-models/redshift-data.json` in aws/aws-sdk-js-v3 (Smithy 2.0,
 *   service version 2019-12-20), read at commit 218c24e106efe1ad64658984123af6634fc7278d.
 * - "Considerations when calling the Amazon Redshift Data API":
 *   https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html#data-api-calling-considerations
 * - "Troubleshooting issues for Amazon Redshift Data API":
 *   https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-troubleshooting.html
 */
export interface DataApiLimits {
  /**
   * Largest statement text, bytes (UTF-8). Considerations: "The maximum query statement size is
   * 100 KB". Read as 100,000 bytes, the stricter reading of "KB".
   */
  maxSqlBytes: number;
  /** Most statements in one BatchExecuteStatement. Model: `SqlList` has `@length(min: 1, max: 40)`. */
  maxBatchStatements: number;
  /**
   * Largest row of a result set, bytes (sum of the values' text forms). Troubleshooting, "Packet for
   * query is too large": "The Data API size limit is 64 KB per row in the result set".
   */
  maxRowBytes: number;
  /**
   * Largest result set, bytes. Troubleshooting, "Database response exceeded size limit": "The Data
   * API limit is 500 MB in the result set returned by the database" (older editions said 100 MB).
   */
  maxResultBytes: number;
  /**
   * Most statements SUBMITTED, PICKED or STARTED at once. Considerations: "The maximum number of
   * active queries (STARTED and SUBMITTED queries) per Amazon Redshift cluster is 200."
   */
  maxActiveStatements: number;
  /** Longest `SessionKeepAliveSeconds`, seconds. Model: `SessionAliveSeconds` has `@range(min: 0, max: 86400)`. */
  maxKeepAliveSeconds: number;
  /** Longest `WaitTimeSeconds`, seconds. Model: `WaitTimeSeconds` has `@range(min: 1, max: 30)`. */
  maxWaitSeconds: number;
  /**
   * How long an ended statement and its result stay readable, seconds. Considerations: "The maximum
   * retention time for query results is 24 hours." A long demo may lower it to bound memory.
   */
  resultRetentionSeconds: number;
  /**
   * How long a `ClientToken` makes a repeated request return the first answer, seconds.
   * Considerations: "The maximum retention time for a client token … is 8 hours."
   */
  clientTokenSeconds: number;
}

export const DATA_API_LIMITS: Readonly<DataApiLimits> = Object.freeze({
  maxSqlBytes: 100_000,
  maxBatchStatements: 40,
  maxRowBytes: 64 * 1024,
  maxResultBytes: 500 * 1024 * 1024,
  maxActiveStatements: 200,
  maxKeepAliveSeconds: 86_400,
  maxWaitSeconds: 30,
  resultRetentionSeconds: 24 * 3600,
  clientTokenSeconds: 8 * 3600,
});
