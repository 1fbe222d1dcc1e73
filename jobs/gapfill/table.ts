import type { TableConfig, TaskConfig } from '../../config/schema.js';
import { RefusedError } from '../../lib/errors.js';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { displayName } from '../../lib/sql/quote.js';
import { describeSourceTable, describeTargetTable } from '../../lib/typemap/index.js';
import { columnClass, type ColumnClass } from './dialect.js';
import { chooseRowHash, type RowHash } from './row-hash.js';
import { sourceKeyUnique } from './source-key-unique.js';

/** SQL type of a domain's base type, for casts (a domain's own name would do on the source only). */
const BASE_TYPES: Partial<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'numeric',
  text: 'text',
  bpchar: 'text',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp with time zone',
  uuid: 'uuid',
};

/** A column compared on both sides: its declared type and comparison class per side. */
export interface ComparedColumn {
  name: string;
  source: { declared: string; cls: ColumnClass };
  target: { declared: string; cls: ColumnClass };
}

/** What gap-filling needs to know about one configured table. */
export interface GapTable {
  task: TaskConfig;
  config: TableConfig;
  key: ComparedColumn[];
  version?: ComparedColumn | undefined;
  /** The day column (its declared type per side); undefined in whole-table mode for a table without one. */
  day: { name: string; declared: string; targetDeclared: string } | undefined;
  /** The leading key column is an integer on both sides: segments split arithmetically. */
  integerLead: boolean;
  /** A single integer key and no version column: keys travel in LISTAGG chunks. */
  integerOnly: boolean;
  /** integerOnly, and the source enforces the key's uniqueness (source-key-unique.ts). */
  sourceKeyUnique: boolean;
  /**
   * How texts are hashed on both sides (row-hash.ts), chosen once per source and target; undefined until a comparison
   * needs it (a single integer key without a version column needs it only for hash buckets: {@link withRowHash}).
   */
  hash?: RowHash | undefined;
}

/**
 * The table's row hash.
 * @throws Error when none was chosen: a programming error ({@link withRowHash} chooses it before hash buckets).
 */
export function rowHashOf(t: GapTable): RowHash {
  if (!t.hash)
    throw new Error(`no row hash chosen for ${displayName(t.config.source)} (describeGapTable, withRowHash)`);
  return t.hash;
}

/** The table with its row hash chosen (row-hash.ts `chooseRowHash`, asked once per source and target). */
export async function withRowHash(
  sides: { source: SqlExecutor; target: SqlExecutor },
  t: GapTable,
): Promise<GapTable & { hash: RowHash }> {
  return t.hash ? { ...t, hash: t.hash } : { ...t, hash: await chooseRowHash(sides.source, sides.target) };
}

/**
 * Reads the table's key, version and day columns from both catalogs.
 * @param needDay false for the whole-table mode, which works without a day column
 * @throws RefusedError when the table has no day column configured (and `needDay`), a column is missing on a
 *   side, or the key's comparison classes differ between the sides (e.g. integer vs text).
 */
export async function describeGapTable(
  source: SqlExecutor,
  target: SqlExecutor,
  task: TaskConfig,
  config: TableConfig,
  needDay = true,
): Promise<GapTable> {
  if (!config.dayColumn && needDay)
    throw new RefusedError(`table ${displayName(config.source)} has no dayColumn in the config: gap-filling needs one`);
  // Both catalogs at once (each side's first statement also opens its connection), and the row hash's probe, which
  // only texts need (awaited below), so that it costs no round of its own.
  const rowHash = chooseRowHash(source, target);
  // Whether the source enforces the key's uniqueness matters only for a single key without a version column: asked
  // alongside the catalogs when the config allows it (its answer is used only once the key is known to be an integer).
  const unique =
    config.primaryKey.length === 1 && !config.versionColumn
      ? sourceKeyUnique(source, config.source, config.primaryKey[0]!)
      : undefined;
  unique?.catch(() => undefined);
  const [srcCols, tgtCols] = await Promise.all([
    describeSourceTable(source, config.source),
    describeTargetTable(target, config.target),
  ]);
  const src = new Map(srcCols.map((c) => [c.name, c]));
  if (!tgtCols) throw new RefusedError(`target table ${displayName(config.target)} is not in the target catalog`);
  const tgt = new Map(tgtCols.map((c) => [c.name, c]));
  const column = (name: string): ComparedColumn => {
    const s = src.get(name);
    const t = tgt.get(name) ?? tgt.get(name.toLowerCase());
    if (!s) throw new RefusedError(`column ${name} is not in source table ${displayName(config.source)}`);
    if (!t) throw new RefusedError(`column ${name} is not in target table ${displayName(config.target)}`);
    const sourceDeclared = s.type.domain ? (BASE_TYPES[s.type.kind] ?? 'text') : s.type.declared;
    return {
      name,
      source: { declared: sourceDeclared, cls: columnClass(sourceDeclared) },
      target: { declared: t.declared, cls: columnClass(t.declared) },
    };
  };
  const key = config.primaryKey.map(column);
  for (const k of key) {
    if ((k.source.cls === 'integer') !== (k.target.cls === 'integer')) {
      throw new RefusedError(
        `key column ${k.name} is ${k.source.declared} on the source but ${k.target.declared} on the target: cannot compare key ranges`,
      );
    }
  }
  const version = config.versionColumn ? column(config.versionColumn) : undefined;
  const day = config.dayColumn ? column(config.dayColumn) : undefined;
  const integerLead = key[0]!.source.cls === 'integer';
  const integerOnly = integerLead && key.length === 1 && !version;
  return {
    task,
    config,
    key,
    version,
    day: day && { name: day.name, declared: day.source.declared, targetDeclared: day.target.declared },
    integerLead,
    integerOnly,
    sourceKeyUnique: integerOnly && unique !== undefined && (await unique),
    // Texts are hashed in every comparison of any other key.
    hash: integerOnly ? undefined : await rowHash,
  };
}
