/**
 * What the Redshift dialect gate (gate.ts) lets through: the statements, functions and types this
 * project sends to the target, each with the Redshift documentation page that says Redshift has it,
 * and the PostgreSQL constructs Redshift lacks, each with the page that shows it. Anything not listed
 * fails the statement in tests and the demo (docs/aws-facts.md §11, §63).
 *
 * To use something new against the target: check it on its Redshift page, add it here with the link.
 */

const DG = 'https://docs.aws.amazon.com/redshift/latest/dg';

/** Statement kinds (libpg-query's node names) and their Redshift pages. */
export const STATEMENTS: Readonly<Record<string, string>> = {
  SelectStmt: `${DG}/r_SELECT_synopsis.html`,
  InsertStmt: `${DG}/r_INSERT_30.html`,
  UpdateStmt: `${DG}/r_UPDATE.html`,
  DeleteStmt: `${DG}/r_DELETE.html`,
  TransactionStmt: `${DG}/r_BEGIN.html`,
  LockStmt: `${DG}/r_LOCK.html`,
  CreateStmt: `${DG}/r_CREATE_TABLE_NEW.html`,
  CreateSchemaStmt: `${DG}/r_CREATE_SCHEMA.html`,
  CreateTableAsStmt: `${DG}/r_CREATE_TABLE_AS.html`,
  DropStmt: `${DG}/r_DROP_TABLE.html`,
  TruncateStmt: `${DG}/r_TRUNCATE.html`,
  AlterTableStmt: `${DG}/r_ALTER_TABLE.html`,
  VariableSetStmt: `${DG}/r_SET.html`,
  VariableShowStmt: `${DG}/r_SHOW.html`,
  GrantStmt: `${DG}/r_GRANT.html`,
};

/**
 * Functions (lower case, unqualified) and their Redshift pages. `leaderOnly` functions run on the
 * leader node only and fail in a query that also reads a user table or a system table (§11.10);
 * `computeOnly` ones must read a user table (§11.5).
 */
export interface FunctionEntry {
  doc: string;
  leaderOnly?: boolean;
  computeOnly?: boolean;
}

export const FUNCTIONS: Readonly<Record<string, FunctionEntry>> = {
  // Aggregates.
  count: { doc: `${DG}/r_COUNT.html` },
  sum: { doc: `${DG}/r_SUM.html` },
  min: { doc: `${DG}/r_MIN.html` },
  max: { doc: `${DG}/r_MAX.html` },
  avg: { doc: `${DG}/r_AVG.html` },
  bit_xor: { doc: `${DG}/r_BIT_XOR.html` },
  listagg: { doc: `${DG}/r_LISTAGG.html`, computeOnly: true },
  median: { doc: `${DG}/r_MEDIAN.html`, computeOnly: true },
  // Window functions.
  row_number: { doc: `${DG}/r_WF_ROW_NUMBER.html` },
  rank: { doc: `${DG}/r_WF_RANK.html` },
  lag: { doc: `${DG}/r_WF_LAG.html` },
  lead: { doc: `${DG}/r_WF_LEAD.html` },
  ntile: { doc: `${DG}/r_WF_NTILE.html` },
  // Conditional expressions.
  coalesce: { doc: `${DG}/r_NVL_function.html` },
  nvl: { doc: `${DG}/r_NVL_function.html` },
  nullif: { doc: `${DG}/r_NULLIF_function.html` },
  greatest: { doc: `${DG}/r_GREATEST_LEAST.html` },
  least: { doc: `${DG}/r_GREATEST_LEAST.html` },
  decode: { doc: `${DG}/r_DECODE_expression.html` },
  // Strings.
  length: { doc: `${DG}/r_LENGTH.html` },
  len: { doc: `${DG}/r_LEN.html` },
  char_length: { doc: `${DG}/r_CHAR_LENGTH.html` },
  octet_length: { doc: `${DG}/r_OCTET_LENGTH.html` },
  lower: { doc: `${DG}/r_LOWER.html` },
  upper: { doc: `${DG}/r_UPPER.html` },
  trim: { doc: `${DG}/r_TRIM.html` },
  btrim: { doc: `${DG}/r_BTRIM.html` },
  ltrim: { doc: `${DG}/r_LTRIM.html` },
  rtrim: { doc: `${DG}/r_RTRIM.html` },
  substring: { doc: `${DG}/r_SUBSTRING.html` },
  substr: { doc: `${DG}/r_SUBSTR.html` },
  left: { doc: `${DG}/r_LEFT.html` },
  right: { doc: `${DG}/r_LEFT.html` },
  concat: { doc: `${DG}/r_CONCAT.html` },
  replace: { doc: `${DG}/r_REPLACE.html` },
  lpad: { doc: `${DG}/r_LPAD.html` },
  rpad: { doc: `${DG}/r_LPAD.html` },
  position: { doc: `${DG}/r_POSITION.html` },
  strpos: { doc: `${DG}/r_STRPOS.html` },
  split_part: { doc: `${DG}/SPLIT_PART.html` },
  md5: { doc: `${DG}/r_MD5.html` },
  crc32: { doc: `${DG}/crc32-function.html` },
  power: { doc: `${DG}/r_POWER.html` },
  sha2: { doc: `${DG}/SHA2.html` },
  fnv_hash: { doc: `${DG}/r_FNV_HASH.html` },
  quote_ident: { doc: `${DG}/r_QUOTE_IDENT.html` },
  quote_literal: { doc: `${DG}/r_QUOTE_LITERAL.html` },
  to_char: { doc: `${DG}/r_TO_CHAR.html` },
  to_number: { doc: `${DG}/r_TO_NUMBER.html` },
  // Numbers.
  abs: { doc: `${DG}/r_ABS.html` },
  mod: { doc: `${DG}/r_MOD.html` },
  floor: { doc: `${DG}/r_FLOOR.html` },
  ceil: { doc: `${DG}/r_CEILING_FLOOR.html` },
  ceiling: { doc: `${DG}/r_CEILING_FLOOR.html` },
  round: { doc: `${DG}/r_ROUND.html` },
  trunc: { doc: `${DG}/r_TRUNC.html` },
  strtol: { doc: `${DG}/r_STRTOL.html` },
  // SUPER and VARBYTE.
  json_parse: { doc: `${DG}/JSON_PARSE.html` },
  to_varbyte: { doc: `${DG}/r_TO_VARBYTE.html` },
  from_hex: { doc: `${DG}/r_FROM_HEX.html` },
  // Dates and times.
  getdate: { doc: `${DG}/r_GETDATE.html` },
  sysdate: { doc: `${DG}/r_SYSDATE.html` },
  date_trunc: { doc: `${DG}/r_DATE_TRUNC.html` },
  date_part: { doc: `${DG}/r_DATE_PART_function.html` },
  extract: { doc: `${DG}/r_EXTRACT_function.html` },
  dateadd: { doc: `${DG}/r_DATEADD_function.html` },
  datediff: { doc: `${DG}/r_DATEDIFF_function.html` },
  convert_timezone: { doc: `${DG}/CONVERT_TIMEZONE.html` },
  timezone: { doc: `${DG}/r_TIMEZONE.html` },
  to_date: { doc: `${DG}/r_TO_DATE_function.html` },
  to_timestamp: { doc: `${DG}/r_TO_TIMESTAMP.html` },
  now: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
  // System information.
  current_schema: { doc: `${DG}/r_CURRENT_SCHEMA.html`, leaderOnly: true },
  current_schemas: { doc: `${DG}/r_CURRENT_SCHEMAS.html`, leaderOnly: true },
  current_database: { doc: `${DG}/r_CURRENT_DATABASE.html`, leaderOnly: true },
  has_table_privilege: { doc: `${DG}/r_HAS_TABLE_PRIVILEGE.html`, leaderOnly: true },
  has_schema_privilege: { doc: `${DG}/r_HAS_SCHEMA_PRIVILEGE.html`, leaderOnly: true },
  has_database_privilege: { doc: `${DG}/r_HAS_DATABASE_PRIVILEGE.html`, leaderOnly: true },
  pg_backend_pid: { doc: `${DG}/PG_BACKEND_PID.html` },
  pg_get_cols: { doc: `${DG}/PG_GET_COLS.html` },
  format_type: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
  version: { doc: `${DG}/r_VERSION.html` },
};

/** SQL value functions (libpg-query's SQLValueFunction ops) and their pages; leader-only ones as above. */
export const VALUE_FUNCTIONS: Readonly<Record<string, FunctionEntry>> = {
  SVFOP_CURRENT_DATE: { doc: `${DG}/r_CURRENT_DATE_function.html` },
  SVFOP_CURRENT_USER: { doc: `${DG}/r_CURRENT_USER.html` },
  SVFOP_USER: { doc: `${DG}/r_USER.html` },
  SVFOP_SESSION_USER: { doc: `${DG}/r_SESSION_USER.html` },
  SVFOP_CURRENT_TIMESTAMP: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
  SVFOP_CURRENT_TIMESTAMP_N: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
  SVFOP_CURRENT_TIME: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
  SVFOP_LOCALTIME: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
  SVFOP_LOCALTIMESTAMP: { doc: `${DG}/c_SQL_functions_leader_node_only.html`, leaderOnly: true },
};

/** Type names (as PostgreSQL's parser resolves them, lower case) in casts and column definitions. */
export const TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  [
    'int2',
    'int4',
    'int8',
    'smallint',
    'integer',
    'bigint',
    'numeric',
    'decimal',
    'float4',
    'float8',
    'real',
    'bool',
    'boolean',
    'char',
    'bpchar',
    'varchar',
    'text',
    'date',
    'time',
    'timetz',
    'timestamp',
    'timestamptz',
    'interval',
    'super',
    'varbyte',
    'regclass',
    'name',
    'oid',
  ].map((t) => [t, `${DG}/c_Supported_data_types.html`]),
);

/**
 * Set-returning functions Redshift runs only in a query on the leader node: with no user or system
 * table in the statement (§11.9). `generate_series` is the one the simulator's own tests use.
 */
export const LEADER_ONLY_SET_FUNCTIONS: Readonly<Record<string, string>> = {
  generate_series: `${DG}/c_unsupported-postgresql-functions.html`,
};

/**
 * PostgreSQL constructs Redshift does not have, what to write instead, and where that is shown. Keys are
 * libpg-query's field names (`onConflictClause`, `agg_filter`, …), node names (`A_ArrayExpr`) or
 * expression kinds (`AEXPR_OP_ANY`).
 */
export const FORBIDDEN: Readonly<Record<string, { what: string; doc: string }>> = {
  onConflictClause: {
    what: 'INSERT … ON CONFLICT (Redshift has no conflict clause: MERGE, or DELETE then INSERT in one transaction)',
    doc: `${DG}/r_INSERT_30.html`,
  },
  returningClause: {
    what: 'RETURNING (INSERT, UPDATE and DELETE have none in Redshift)',
    doc: `${DG}/r_INSERT_30.html`,
  },
  agg_filter: {
    what: 'an aggregate FILTER clause (write SUM(CASE WHEN … THEN x END))',
    doc: `${DG}/c_Aggregate_Functions.html`,
  },
  A_ArrayExpr: {
    what: 'an ARRAY constructor (Redshift has no arrays)',
    doc: `${DG}/c_unsupported-postgresql-datatypes.html`,
  },
  A_Indices: {
    what: 'an array subscript (Redshift has no arrays)',
    doc: `${DG}/c_unsupported-postgresql-datatypes.html`,
  },
  arrayBounds: { what: 'an array type (Redshift has no arrays)', doc: `${DG}/c_unsupported-postgresql-datatypes.html` },
  AEXPR_OP_ANY: {
    what: '= ANY (…) over an array (write IN (…))',
    doc: `${DG}/c_unsupported-postgresql-datatypes.html`,
  },
  AEXPR_OP_ALL: {
    what: '<> ALL (…) over an array (write NOT IN (…))',
    doc: `${DG}/c_unsupported-postgresql-datatypes.html`,
  },
  lockingClause: {
    what: 'SELECT … FOR UPDATE / FOR SHARE (use LOCK in a transaction)',
    doc: `${DG}/r_SELECT_synopsis.html`,
  },
};
