import { tokenize } from '../../../lib/sql/tokenize.js';

/**
 * Redshift Serverless has no STL, STV, SVL or SVCS system views: "The following system tables and
 * views can be queried on provisioned clusters" ("System monitoring (provisioned only)",
 * https://docs.aws.amazon.com/redshift/latest/dg/c_intro_system_views.html); Serverless offers the
 * SYS_ monitoring views instead (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-monitoring.html).
 *
 * AWS does not document the error text. A statement reading one of them on a workgroup fails with
 * SQLSTATE 42501 and `permission denied for relation <name>`, as users report it from Serverless
 * workgroups: datahub-project/datahub#12415 (`permission denied for relation stl_insert`),
 * mage-ai/mage-ai#2754 (same), open-metadata/OpenMetadata#22105 (`permission denied for relation
 * svl_stored_proc_call`).
 */

const PROVISIONED_ONLY = /^(stl|stv|svl|svcs)_[a-z0-9_]+$/;

/**
 * The first provisioned-only system view the statement names (lower case), or undefined.
 * Matches identifiers, unquoted or quoted, outside strings and comments; a column that happens to
 * be named like one (`stl_flag`) is taken for one too.
 */
export function provisionedOnlyView(sql: string): string | undefined {
  let tokens;
  try {
    tokens = tokenize(sql, { backslashEscapes: true });
  } catch {
    return undefined;
  }
  for (const t of tokens) {
    if (t.type !== 'word' && t.type !== 'quoted') continue;
    const name = t.value.toLowerCase();
    if (PROVISIONED_ONLY.test(name)) return name;
  }
  return undefined;
}

/**
 * A statement that makes the server raise the Serverless refusal on the same connection, so that an
 * open transaction is aborted exactly as a failing statement aborts it.
 */
export function refusalStatement(view: string): string {
  return raiseStatement(`permission denied for relation ${view}`, '42501');
}

/** A statement that makes the server raise `message` with SQLSTATE `code` on the connection it runs on. */
export function raiseStatement(message: string, code: string): string {
  const literal = message.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return `DO $refuse$ BEGIN RAISE EXCEPTION '%', E'${literal}' USING ERRCODE = '${code}'; END $refuse$`;
}
