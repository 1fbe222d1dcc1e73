import { asText } from '../../lib/sql/coerce.js';
import type { SqlExecutor } from '../../lib/sql/client.js';
import { NULL_MARK, type RowHash } from './dialect.js';

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
  try {
    const [src, tgt] = await Promise.all([sourceProbe(source), targetProbe(target)]);
    if (typeof src === 'string') return { kind: 'md5', why: src };
    if (typeof tgt === 'string') return { kind: 'md5', why: tgt };
    return decideRowHash(src.values, tgt, src.sourceBytes);
  } catch (e) {
    forget();
    return {
      kind: 'md5',
      why: `the CRC-32C probe failed (${(e as Error).message.split('\n')[0]}): rows hashed with MD5`,
    };
  }
}

/**
 * The choice from the two sides' answers for {@link PROBE_TEXTS} (numbers, or null for a NULL answer).
 * @returns CRC-32C only when every answer agrees and the target's first answer is the documented example's.
 */
export function decideRowHash(
  source: readonly (number | null)[],
  target: readonly (number | null)[],
  sourceBytes: 'textsend' | 'convert_to',
): RowHash {
  if (target[0] !== DOC_EXAMPLE)
    return {
      kind: 'md5',
      why: `the target's CRC32('Amazon Redshift') is not the documented f2726906: rows hashed with MD5`,
    };
  const differs = PROBE_TEXTS.findIndex((_t, i) => source[i] === null || source[i] !== target[i]);
  if (differs >= 0)
    return {
      kind: 'md5',
      why: `source and target CRC-32C differ for probe text ${JSON.stringify(PROBE_TEXTS[differs])}: rows hashed with MD5`,
    };
  return { kind: 'crc32c', sourceBytes, why: 'rows hashed with CRC-32C (source and target agree on every probe text)' };
}

/** PostgreSQL's SQLSTATE for a function that does not exist (crc32c before PostgreSQL 18). */
const UNDEFINED_FUNCTION = '42883';

/**
 * The source's crc32c of every probe text, through textsend (used when the session's client encoding is UTF8) and
 * through convert_to, in one statement; or why CRC-32C cannot be used there.
 */
async function sourceProbe(
  source: SqlExecutor,
): Promise<string | { values: (number | null)[]; sourceBytes: 'textsend' | 'convert_to' }> {
  let row: Record<string, unknown> | undefined;
  try {
    const r = await source.query<Record<string, unknown>>(
      `SELECT current_setting('client_encoding') AS enc, ${params
        .map(
          (n) =>
            `crc32c(textsend(CAST($${n} AS TEXT))) AS t${n}, crc32c(convert_to(CAST($${n} AS TEXT), 'UTF8')) AS c${n}`,
        )
        .join(', ')}`,
      [...PROBE_TEXTS],
    );
    row = r.rows[0];
  } catch (e) {
    if ((e as { code?: string }).code === UNDEFINED_FUNCTION)
      return 'the source has no crc32c() (PostgreSQL 18 and later have it): rows hashed with MD5';
    throw e;
  }
  const viaSend = params.map((n) => numberOrNull(row?.[`t${n}`]));
  const viaConvert = params.map((n) => numberOrNull(row?.[`c${n}`]));
  const utf8 = asText(row?.enc).toUpperCase() === 'UTF8' && viaSend.every((v, i) => v === viaConvert[i]);
  return { values: utf8 ? viaSend : viaConvert, sourceBytes: utf8 ? 'textsend' : 'convert_to' };
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
