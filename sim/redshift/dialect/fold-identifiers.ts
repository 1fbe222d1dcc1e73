import { loadModule, scanSync } from 'libpg-query';

/**
 * Redshift's identifier folding, for the emulated target: ASCII letters in identifiers are folded to
 * lower case, in double-quoted (delimited) identifiers too, unless `enable_case_sensitive_identifier`
 * is on — off by default (docs/aws-facts.md §11.3, §85;
 * https://docs.aws.amazon.com/redshift/latest/dg/r_names.html,
 * https://docs.aws.amazon.com/redshift/latest/dg/r_enable_case_sensitive_identifier.html).
 * PostgreSQL folds unquoted identifiers the same way but keeps a quoted one's case, so the emulation
 * lower-cases the ASCII letters of every double-quoted identifier token before the statement is sent.
 *
 * Tokens come from PostgreSQL's own scanner (libpg-query), never from a pattern over the text, so
 * string literals, comments and the text of other tokens are left as they are. Token positions are
 * byte offsets into the UTF-8 text; only ASCII bytes are changed, so the text stays valid UTF-8.
 * Simplified: `U&"…"` identifiers and a session's `SET enable_case_sensitive_identifier` are not
 * looked at. `loadModule()` of libpg-query must have resolved (sim/redshift/dialect/gate.ts does it;
 * {@link foldedForRedshift} too).
 */
export function foldQuotedIdentifiers(sql: string): string {
  // Scanning costs about 1 ms per KB of text: skipped when no quoted identifier can hold an upper-case letter.
  if (!mayQuoteUpperCase(sql)) return sql;
  let tokens: { start: number; end: number; text: string; tokenName: string }[];
  try {
    // libpg-query's scanner writes control characters of token texts into its JSON unescaped, which then
    // fails to parse (gap-filling's NULL mark is \u0001NULL\u0001): they are scanned as blanks, one
    // byte for one byte, so every token keeps its place.
    tokens = scanSync(blankControls(sql)).tokens;
  } catch (err) {
    // Output the scanner wrote but JSON cannot read: say so rather than send the text unfolded.
    if (err instanceof SyntaxError)
      throw new Error(`identifier folding: libpg-query's scan is unreadable (${err.message})`);
    // Not even PostgreSQL's scanner reads it: the database reports the error itself.
    return sql;
  }
  const quoted = tokens.filter((t) => t.tokenName === 'IDENT' && t.text.startsWith('"') && /[A-Z]/.test(t.text));
  if (quoted.length === 0) return sql;
  const bytes = Buffer.from(sql, 'utf8');
  for (const t of quoted)
    for (let i = t.start; i < t.end; i++) if (bytes[i]! >= 0x41 && bytes[i]! <= 0x5a) bytes[i] = bytes[i]! + 0x20;
  return bytes.toString('utf8');
}

/** `sql` with each control character but tab, newline and carriage return replaced by a blank. */
function blankControls(sql: string): string {
  let out = '';
  for (const ch of sql) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d ? ' ' : ch;
  }
  return out;
}

let loaded: Promise<void> | undefined;

/**
 * {@link foldQuotedIdentifiers} for a client that is not gated: the test fixtures' and the simulated DMS's
 * statements reach the emulated Redshift folded too, as everything reaching Redshift is.
 */
export async function foldedForRedshift(sql: string): Promise<string> {
  await (loaded ??= loadModule());
  return foldQuotedIdentifiers(sql);
}

/**
 * Whether the text between some two consecutive double quotes holds an ASCII upper-case letter: true for
 * every text with a quoted identifier holding one (and for some others, e.g. a literal holding `"`; the
 * scanner then decides). Linear in the text's length, whatever it holds.
 */
function mayQuoteUpperCase(sql: string): boolean {
  let at = sql.indexOf('"');
  while (at !== -1) {
    const next = sql.indexOf('"', at + 1);
    if (next === -1) return false;
    for (let i = at + 1; i < next; i++) {
      const c = sql.charCodeAt(i);
      if (c >= 0x41 && c <= 0x5a) return true;
    }
    at = next;
  }
  return false;
}
