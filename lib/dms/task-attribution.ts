import { taskResourceId } from '../aws/dms.js';
import type { QualifiedName } from '../sql/quote.js';

/**
 * Which replication task a DMS statement belongs to. The DMS database user is shared by every task on
 * the cluster, so a statement is attributed by its text:
 * 1. when it carries a `"TaskId"` member in a comment (a JSON-like `"TaskId":"…"`), by that id alone —
 *    the task's identifier or its ARN's resource id (docs/aws-facts.md §64.1);
 * 2. otherwise by the task's target table names as whole tokens, quoted or not: `public.rental` and
 *    `"public"."rental"` match, `public.rental_archive` does not (a LIKE '%public.rental%' would).
 *
 * Builds a condition for Redshift's case-insensitive POSIX match (`~*`, supported on both provisioned
 * and Serverless: https://docs.aws.amazon.com/redshift/latest/dg/pattern-matching-conditions-posix.html),
 * with the patterns as bound parameters.
 */

export interface TaskIdentity {
  /** ReplicationTaskIdentifier (the task's name) and the ARN's resource id. */
  ids: readonly string[];
  tables: readonly QualifiedName[];
}

/** A configured task's identity: its name and ARN resource id, its target tables. */
export function taskIdentityOf(task: {
  name: string;
  arn: string;
  tables: readonly { target: QualifiedName }[];
}): TaskIdentity {
  return { ids: [task.name, taskResourceId(task.arn)], tables: task.tables.map((t) => t.target) };
}

/** Characters that end a name token in statement text (Redshift identifiers: letters, digits, `_`, `$`). */
const EDGE_BEFORE = '(^|[^[:alnum:]_$"])';
const EDGE_AFTER = '([^[:alnum:]_$]|$)';

/** `text` as a literal inside a POSIX regular expression. */
export function regexLiteral(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

/** One identifier as it can stand in statement text: quoted (inner `"` doubled) or bare. */
function identPattern(name: string): string {
  return `(${regexLiteral(`"${name.replace(/"/g, '""')}"`)}|${regexLiteral(name)})`;
}

/** The pattern matching any of the tables as a whole `schema.name` token, quoted or not. */
export function tablePattern(tables: readonly QualifiedName[]): string {
  const one = (t: QualifiedName) => `${identPattern(t.schema)}[.]${identPattern(t.name)}`;
  return `${EDGE_BEFORE}(${tables.map(one).join('|')})${EDGE_AFTER}`;
}

/** The pattern matching a `"TaskId"` member naming one of `ids`. */
export function taskIdPattern(ids: readonly string[]): string {
  return `"taskid"[[:space:]]*:[[:space:]]*"(${ids.map(regexLiteral).join('|')})"`;
}

/** Any `"TaskId"` member at all. */
export const ANY_TASK_ID = '"taskid"[[:space:]]*:';

/**
 * A SQL condition on the text column `col` that is true for the task's statements, with its three
 * parameters (placed from `$first` on, in order: any-TaskId, this task's TaskId, table pattern).
 */
export function taskCondition(col: string, task: TaskIdentity, first: number): { sql: string; params: string[] } {
  const [a, b, c] = [first, first + 1, first + 2];
  return {
    sql: `(CASE WHEN ${col} ~* $${a} THEN ${col} ~* $${b} ELSE ${col} ~* $${c} END)`,
    params: [ANY_TASK_ID, taskIdPattern(task.ids), tablePattern(task.tables)],
  };
}
