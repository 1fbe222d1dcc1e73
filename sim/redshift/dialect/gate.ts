import { loadModule, parseSync } from 'libpg-query';
import {
  FORBIDDEN,
  FUNCTIONS,
  LEADER_ONLY_SET_FUNCTIONS,
  STATEMENTS,
  TYPES,
  VALUE_FUNCTIONS,
  type FunctionEntry,
} from './allow-list.js';
import { foldQuotedIdentifiers } from './fold-identifiers.js';

/**
 * The Redshift dialect gate: every statement the companion sends to the emulated target (the direct
 * client of the test environment, and the local Data API endpoint) is parsed with PostgreSQL's own
 * parser (libpg-query) and checked against allow-list.ts. A statement that uses a statement kind,
 * function or type not listed there, a construct Redshift lacks (ON CONFLICT, RETURNING, FILTER,
 * arrays, FOR UPDATE), a leader-node-only function together with a table, or a set-returning
 * function such as `generate_series` together with a user table fails with {@link DialectError}
 * before it reaches the database (docs/aws-facts.md §11, §63).
 *
 * What the gate cannot see: semantics (handled by the emulation schema, sim/redshift/emulation.sql)
 * and anything PostgreSQL's parser reads differently from Redshift's.
 */

export class DialectError extends Error {
  constructor(
    readonly problems: readonly string[],
    sql: string,
  ) {
    super(
      `not Redshift SQL (sim/redshift/dialect/allow-list.ts): ${problems.join('; ')} — in: ${sql.replace(/\s+/g, ' ').slice(0, 200)}`,
    );
    this.name = 'DialectError';
  }
}

let loaded: Promise<void> | undefined;

/**
 * Checks one statement text (one or more statements).
 * @throws DialectError naming every problem found and the allow-list to extend.
 */
export async function checkRedshiftSql(sql: string): Promise<void> {
  await (loaded ??= loadModule());
  const problems = redshiftProblems(sql);
  if (problems.length > 0) throw new DialectError(problems, sql);
}

/**
 * What the emulated target receives for a statement text: checked by the gate (as
 * {@link checkRedshiftSql}), then with quoted identifiers folded to lower case as Redshift folds them
 * (fold-identifiers.ts). The hook of the companion's target clients in tests and the demo.
 * @throws DialectError as {@link checkRedshiftSql}.
 */
export async function asRedshiftSql(sql: string): Promise<string> {
  await checkRedshiftSql(sql);
  return foldQuotedIdentifiers(sql);
}

/** The problems of a statement text (empty when it passes); `loadModule()` must have resolved. */
export function redshiftProblems(sql: string): string[] {
  let tree: { stmts?: { stmt: Record<string, unknown> }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (err) {
    // Not even PostgreSQL reads it: the database reports the syntax error itself.
    void err;
    return [];
  }
  const problems = new Set<string>();
  for (const { stmt } of tree.stmts ?? []) {
    const kind = Object.keys(stmt)[0]!;
    if (!STATEMENTS[kind]) problems.add(`statement ${kind} is not on the allow-list`);
    const found = walk(stmt);
    for (const p of found.problems) problems.add(p);
    const tables = found.tables.filter((t) => !isCatalogRelation(t));
    const systemTables = found.tables.filter(isSystemView);
    for (const f of found.leaderOnly)
      if (tables.length > 0 || systemTables.length > 0)
        problems.add(
          `${f} runs on the leader node only and fails with a table in the same query (${tables.concat(systemTables)[0]})`,
        );
    for (const f of found.setFunctions)
      if (tables.length > 0 || kind !== 'SelectStmt')
        problems.add(`${f} is not supported with a user table (${tables[0] ?? kind}): ${LEADER_ONLY_SET_FUNCTIONS[f]}`);
    for (const f of found.computeOnly)
      if (tables.length === 0) problems.add(`${f} must be applied to at least one user table`);
  }
  return [...problems];
}

interface Found {
  problems: string[];
  /** Relations read or written (`schema.name`, lower case; no schema: `name`). */
  tables: string[];
  leaderOnly: string[];
  computeOnly: string[];
  setFunctions: string[];
}

function walk(root: unknown): Found {
  const found: Found = { problems: [], tables: [], leaderOnly: [], computeOnly: [], setFunctions: [] };
  const cteNames = new Set<string>();
  const visit = (node: unknown, key: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, key);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      const forbidden = FORBIDDEN[k];
      if (forbidden && v !== undefined && !(Array.isArray(v) && v.length === 0))
        found.problems.push(`${forbidden.what}: ${forbidden.doc}`);
      if (k === 'kind' && typeof v === 'string' && FORBIDDEN[v])
        found.problems.push(`${FORBIDDEN[v].what}: ${FORBIDDEN[v].doc}`);
      if (k === 'CommonTableExpr') cteNames.add(String((v as { ctename?: string }).ctename ?? '').toLowerCase());
      if (k === 'RangeVar') {
        const r = v as { schemaname?: string; relname?: string };
        const name = `${r.schemaname ? `${r.schemaname.toLowerCase()}.` : ''}${String(r.relname ?? '').toLowerCase()}`;
        found.tables.push(name);
      }
      if (k === 'FuncCall') funcCall(v as { funcname?: { String?: { sval?: string } }[] }, found);
      if (k === 'SQLValueFunction') {
        const op = String((v as { op?: string }).op ?? '');
        note(VALUE_FUNCTIONS[op], op.replace(/^SVFOP_/, '').toLowerCase(), found);
      }
      if (k === 'TypeName' || k === 'typeName') typeName(v as { names?: { String?: { sval?: string } }[] }, found);
      visit(v, k);
    }
    void key;
  };
  visit(root, undefined);
  found.tables = found.tables.filter((t) => !cteNames.has(t));
  return found;
}

function funcCall(f: { funcname?: { String?: { sval?: string } }[] }, found: Found): void {
  const parts = (f.funcname ?? []).map((p) => String(p.String?.sval ?? '').toLowerCase());
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? parts[0] : undefined;
  // Functions the emulation itself defines in its own schema, and pg_catalog's qualified names of listed ones.
  if (schema !== undefined && schema !== 'pg_catalog' && schema !== 'redshift_system') {
    found.problems.push(`function ${parts.join('.')} is not on the allow-list`);
    return;
  }
  if (LEADER_ONLY_SET_FUNCTIONS[name]) {
    found.setFunctions.push(name);
    return;
  }
  note(FUNCTIONS[name], name, found);
}

function note(entry: FunctionEntry | undefined, name: string, found: Found): void {
  if (!entry) {
    found.problems.push(`function ${name} is not on the allow-list`);
    return;
  }
  if (entry.leaderOnly) found.leaderOnly.push(name);
  if (entry.computeOnly) found.computeOnly.push(name);
}

function typeName(t: { names?: { String?: { sval?: string } }[] }, found: Found): void {
  const parts = (t.names ?? []).map((p) => String(p.String?.sval ?? '').toLowerCase());
  const name = parts[parts.length - 1] ?? '';
  if (!TYPES[name]) found.problems.push(`type ${parts.join('.')} is not on the allow-list`);
}

/** pg_catalog tables and views, and information_schema: leader-node catalog (§11.8). */
function isCatalogRelation(t: string): boolean {
  return t.startsWith('pg_catalog.') || t.startsWith('information_schema.') || /^pg_/.test(t) || isSystemView(t);
}

/** Redshift's system tables and views (STL, STV, SVL, SVV, SVCS, SYS): distributed, like user tables (§11.8). */
function isSystemView(t: string): boolean {
  const name = t.includes('.') ? t.slice(t.indexOf('.') + 1) : t;
  return /^(stl|stv|svl|svv|svcs|sys)_/.test(name);
}
