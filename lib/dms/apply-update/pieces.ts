/**
 * Phase 0: the statement's text rebuilt from its pieces (docs/aws-facts.md §3.5, §3.8).
 *
 * STL_QUERYTEXT keeps a statement in 200-character pieces (SYS_QUERY_TEXT in 4000-character
 * ones), ordered by `sequence`, with newlines stored as the two characters `\n`. Every piece but
 * the last is full, trailing blanks included, so pieces are joined as stored; a piece a driver
 * returned trimmed is padded back to its length; only the last piece is trimmed.
 */
export function joinQueryTextPieces(pieces: readonly string[], pieceLength = 200): string {
  if (pieces.length === 0) return '';
  const body = pieces
    .slice(0, -1)
    .map((p) => (p.length < pieceLength ? p.padEnd(pieceLength, ' ') : p))
    .join('');
  return (body + pieces[pieces.length - 1]!.trimEnd()).replace(/\\n/g, '\n');
}
