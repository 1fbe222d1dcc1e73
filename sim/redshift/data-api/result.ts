import { optionalString, statementId } from './checks.js';
import type { EndpointContext } from './context.js';
import { validation } from './errors.js';
import { findStatement } from './describe.js';

/**
 * GetStatementResult: one page of a FINISHED statement's result set (model
 * `GetStatementResultResponse`: Records, ColumnMetadata, TotalNumRows, NextToken).
 *
 * - Pages hold `pageRows` records; `NextToken` is opaque and present while rows remain. AWS does not
 *   document the page size.
 * - A statement without a result set, or not FINISHED: ValidationException "Query does not have
 *   result. Please check query status with DescribeStatement." (the service's text, seen by
 *   ballerina-platform/module-ballerinax-aws.redshiftdata `get_statement_result_test.bal`,
 *   testNoQueryResult). A batch's results are read per sub-statement (`<id>:<n>`).
 * - A page holding a row over the per-row limit fails: "Packet for query is too large" (the error
 *   named by https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-troubleshooting.html, "The
 *   Data API size limit is 64 KB per row in the result set"). Where the service reports it is not
 *   documented; this endpoint fails the page.
 */

const NO_RESULT = 'Query does not have result. Please check query status with DescribeStatement.';

export function getStatementResult(ctx: EndpointContext, input: Record<string, unknown>): Record<string, unknown> {
  const id = statementId(input);
  const s = findStatement(ctx, id);
  const result = s.result;
  if (s.status !== 'FINISHED' || !s.hasResultSet || !result) throw validation(NO_RESULT);
  const offset = readToken(optionalString(input, 'NextToken'), id);
  const end = Math.min(result.rows.length, offset + ctx.pageRows);
  for (let i = offset; i < end; i++) {
    const bytes = result.rowBytes[i]!;
    if (bytes > ctx.limits.maxRowBytes) {
      const limit = ctx.limits.maxRowBytes;
      throw validation(
        `Packet for query is too large (row ${i + 1} of the result set is ${bytes} bytes; the Data API limit is ${limit} bytes per row)`,
      );
    }
  }
  return {
    Records: result.rows.slice(offset, end),
    ColumnMetadata: result.columns,
    TotalNumRows: result.rows.length,
    ...(end < result.rows.length ? { NextToken: writeToken(id, end) } : {}),
  };
}

function writeToken(id: string, offset: number): string {
  return Buffer.from(JSON.stringify({ id, offset }), 'utf8').toString('base64');
}

function readToken(token: string | undefined, id: string): number {
  if (token === undefined || token === '') return 0;
  let parsed: { id?: unknown; offset?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as typeof parsed;
  } catch {
    throw validation(
      'Invalid NextToken: pass the NextToken of the previous GetStatementResult answer for this statement.',
    );
  }
  if (parsed.id !== id || typeof parsed.offset !== 'number' || !Number.isInteger(parsed.offset) || parsed.offset < 0) {
    throw validation(
      'Invalid NextToken: pass the NextToken of the previous GetStatementResult answer for this statement.',
    );
  }
  return parsed.offset;
}
