import { constraint, validation } from './errors.js';

/**
 * Checks of single request members against the API model (aws/aws-sdk-js-v3
 * `codegen/sdk-codegen/aws-models/redshift-data.json`), answering as the service does when a
 * member breaks a constraint of the model.
 */

/** Model shape `UUID`; a batch's sub-statement carries the suffix `:n`. */
export const UUID_PATTERN = /^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d{0,2})?$/;
/** Model shape `ClusterIdentifierString`: length 1–63. */
const CLUSTER_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Model shape `WorkgroupNameString`: length 3–128 (a name, or a workgroup ARN). */
const WORKGROUP_PATTERN = new RegExp(
  '^([a-z0-9-]{3,63}|arn:(aws(-[a-z]+)*):redshift-serverless:([a-z]{2}(-gov|(-iso[a-z]?))?|eusc-[a-z]+)-[a-z]+-\\d{1}:\\d{12}:workgroup/' +
    '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]{1,63}/[a-z0-9-]{1,63}))$',
);

/** An optional string member. */
export function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validation(`${member} must be a string`);
  return v;
}

/** A required string member. */
export function requiredString(input: Record<string, unknown>, member: string): string {
  const v = optionalString(input, member);
  if (v === undefined) throw constraint(lowerFirst(member), 'Member must not be null');
  return v;
}

/** An optional integer member within [min, max]. */
export function optionalInteger(
  input: Record<string, unknown>,
  member: string,
  min: number,
  max: number,
): number | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw validation(`${member} must be an integer`);
  if (v < min)
    throw constraint(lowerFirst(member), `Member must have value greater than or equal to ${min}`, String(v));
  if (v > max) throw constraint(lowerFirst(member), `Member must have value less than or equal to ${max}`, String(v));
  return v;
}

/**
 * A statement identifier (`Id` of Describe, GetStatementResult, Cancel). The message is the
 * service's: the ballerina-platform/module-ballerinax-aws.redshiftdata integration tests see a 400
 * starting "id must satisfy regex pattern:" for a malformed id.
 */
export function statementId(input: Record<string, unknown>): string {
  const id = requiredString(input, 'Id');
  if (!UUID_PATTERN.test(id)) throw validation(`id must satisfy regex pattern: ${UUID_PATTERN.source}`);
  return id;
}

export function clusterIdentifier(v: string): string {
  if (v.length < 1 || v.length > 63)
    throw constraint('clusterIdentifier', 'Member must have length between 1 and 63', v);
  if (!CLUSTER_PATTERN.test(v))
    throw constraint(
      'clusterIdentifier',
      `Member must satisfy regular expression pattern: ${CLUSTER_PATTERN.source}`,
      v,
    );
  return v;
}

export function workgroupName(v: string): string {
  if (v.length < 3 || v.length > 128) throw constraint('workgroupName', 'Member must have length between 3 and 128', v);
  if (!WORKGROUP_PATTERN.test(v))
    throw constraint('workgroupName', `Member must satisfy regular expression pattern: ${WORKGROUP_PATTERN.source}`, v);
  return v;
}

/** Model: `StatementNameString` has `@length(max: 2048)`. */
export function statementName(input: Record<string, unknown>): string | undefined {
  const v = optionalString(input, 'StatementName');
  if (v !== undefined && v.length > 2048)
    throw constraint('statementName', 'Member must have length less than or equal to 2048');
  return v;
}

/** Model enum `ResultFormatString`: JSON (the default) or CSV; this endpoint serves JSON only (GetStatementResult). */
export function resultFormat(input: Record<string, unknown>): void {
  const v = optionalString(input, 'ResultFormat');
  if (v === undefined || v === 'JSON') return;
  if (v === 'CSV') throw validation('ResultFormat CSV (GetStatementResultV2) is not served by this endpoint; use JSON');
  throw constraint('resultFormat', 'Member must satisfy enum value set: [JSON, CSV]', v);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
