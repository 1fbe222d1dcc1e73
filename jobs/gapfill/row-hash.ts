import { asText } from '../../lib/sql/coerce.js';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { NULL_MARK, type RowHash, type SourceBytes } from './dialect.js';

export type { RowHash } from './dialect.js';

/**
 * Texts both sides must hash alike before CRC-32C is used: Redshift's documented example (CRC32('Amazon Redshift') is
 * 'f2726906', docs/aws-facts.md §87), the empty text, a trailing blank (kept in a VARCHAR), characters of two, three
 * and four UTF-8 bytes, and the NULL marker of normalised texts.
 */
export const PROBE_TEXTS: readonly string[] = ['Amazon Redshift', '', 'a ', 'ü€😀', NULL_MARK];

/** The documented example: CRC32('Amazon Redshift') = 'f2726906'. */
const DOC_EXAMPLE = 0xf2726906;

const cache = new WeakMap<SqlExecutor, WeakMap<SqlExecutor, Promise<RowHash>>>();

/**
 * Chooses the row hash for a source and target pair, once per pair and process. CRC-32C when the source is
 * PostgreSQL 18 or later and both sides give the same number for every {@link PROBE_TEXTS} text — the target's
 * answer to the documented example proves its CRC32 is the documented one; MD5 otherwise, with the reason.
 * Never throws: an error on either side (no `crc32c`, no `CRC32`) means MD5.
 */
export function chooseRowHash(source: SqlExecutor, target: SqlExecutor): Promise<RowHash> {
  let bySource = cache.get(source);
  if (!bySource) cache.set(source, (bySource = new WeakMap()));
  let p = bySource.get(target);
  if (!p) {
    const map = bySource;
    // A probe that failed is asked again next time (a connection may have dropped); a decision is kept.
    p = probe(source, target, () => map.delete(target));
    map.set(target, p);
  }
  return p;
}

const params = PROBE_TEXTS.map((_t, i) => i + 1);

async function probe(source: SqlExecutor, target: SqlExecutor, forget: () => void): Promise<RowHash> {
  let facts: SourceFacts | undefined;
  const sourceSide = async () => sourceChecksums(source, (facts = await sourceFacts(source)));
  try {
    const [values, tgt] = await Promise.all([sourceSide(), targetProbe(target)]);
    const bytes = sourceBytesFor(facts!);
    if (typeof values === 'string') return { kind: 'md5', sourceBytes: bytes.md5, why: values };
    return decideRowHash(values, tgt, bytes);
  } catch (e) {
    forget();
    return {
      kind: 'md5',
      // Without the source's encodings, the conversion that is right for every encoding.
      sourceBytes: facts ? sourceBytesFor(facts).md5 : 'convert_to',
      why: `the CRC-32C probe failed (${(e as Error).message.split('\n')[0]}): rows hashed with MD5`,
    };
  }
}

/**
 * The choice from the two sides' answers for {@link PROBE_TEXTS} (numbers, or null for a NULL answer).
 * @param bytes how the source gets a text's UTF-8 bytes for each hash ({@link sourceBytesFor})
 * @returns CRC-32C only when every answer agrees and the target's first answer is the documented example's.
 */
export function decideRowHash(
  source: readonly (number | null)[],
  target: readonly (number | null)[],
  bytes: { crc32c: Exclude<SourceBytes, 'text'>; md5: SourceBytes },
): RowHash {
  if (target[0] !== DOC_EXAMPLE)
    return {
      kind: 'md5',
      sourceBytes: bytes.md5,
      why: `the target's CRC32('Amazon Redshift') is not the documented f2726906: rows hashed with MD5`,
    };
  const differs = PROBE_TEXTS.findIndex((_t, i) => source[i] === null || source[i] !== target[i]);
  if (differs >= 0)
    return {
      kind: 'md5',
      sourceBytes: bytes.md5,
      why: `source and target CRC-32C differ for probe text ${JSON.stringify(PROBE_TEXTS[differs])}: rows hashed with MD5`,
    };
  return {
    kind: 'crc32c',
    sourceBytes: bytes.crc32c,
    why: 'rows hashed with CRC-32C (source and target agree on every probe text)',
  };
}

/** What the source's session says about itself. */
export interface SourceFacts {
  /** `server_version_num`, e.g. 180004. */
  version: number;
  /** The database's encoding is UTF8: its texts are stored as UTF-8 bytes. */
  serverUtf8: boolean;
  /** The session's client encoding is UTF8. */
  clientUtf8: boolean;
}

/**
 * How the source gets a text's UTF-8 bytes: as stored, where the database and the session are both UTF8 (no
 * conversion anywhere: `textsend`, or for MD5 the text itself); otherwise through `convert_to(…, 'UTF8')`, PostgreSQL's
 * documented conversion from the database encoding (docs/aws-facts.md §87).
 */
export function sourceBytesFor(f: SourceFacts): { crc32c: Exclude<SourceBytes, 'text'>; md5: SourceBytes } {
  if (f.serverUtf8 && f.clientUtf8) return { crc32c: 'textsend', md5: 'text' };
  return { crc32c: 'convert_to', md5: f.serverUtf8 ? 'text' : 'convert_to' };
}

async function sourceFacts(source: SqlExecutor): Promise<SourceFacts> {
  const r = await source.query<{ v: unknown; se: unknown; ce: unknown }>(
    `SELECT current_setting('server_version_num') AS v, current_setting('server_encoding') AS se, ` +
      `current_setting('client_encoding') AS ce`,
  );
  const row = r.rows[0];
  return {
    version: Number(asText(row?.v)),
    serverUtf8: asText(row?.se).toUpperCase() === 'UTF8',
    clientUtf8: asText(row?.ce).toUpperCase() === 'UTF8',
  };
}

/** PostgreSQL's SQLSTATE for a function that does not exist. */
const UNDEFINED_FUNCTION = '42883';

/**
 * The source's crc32c of every probe text's UTF-8 bytes (sent as hex, so that no encoding conversion touches them);
 * or why CRC-32C cannot be used there.
 */
async function sourceChecksums(source: SqlExecutor, f: SourceFacts): Promise<string | (number | null)[]> {
  const why = 'the source has no crc32c() (PostgreSQL 18 and later have it): rows hashed with MD5';
  if (!(f.version >= 180000)) return why;
  try {
    const r = await source.query<Record<string, unknown>>(
      `SELECT ${params.map((n) => `crc32c(decode($${n}, 'hex')) AS h${n}`).join(', ')}`,
      PROBE_TEXTS.map((t) => Buffer.from(t, 'utf8').toString('hex')),
    );
    return params.map((n) => numberOrNull(r.rows[0]?.[`h${n}`]));
  } catch (e) {
    if ((e as { code?: string }).code === UNDEFINED_FUNCTION) return why;
    throw e;
  }
}

async function targetProbe(target: SqlExecutor): Promise<(number | null)[]> {
  const r = await target.query<Record<string, unknown>>(
    `SELECT ${params.map((n) => `STRTOL(CRC32(CAST($${n} AS VARCHAR(65535))), 16) AS h${n}`).join(', ')}`,
    [...PROBE_TEXTS],
  );
  return params.map((n) => numberOrNull(r.rows[0]?.[`h${n}`]));
}

function numberOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(asText(v));
  return Number.isSafeInteger(n) ? n : null;
}
