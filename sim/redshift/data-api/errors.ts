/**
 * Error answers of the local Data API endpoint, shaped as the AWS JSON 1.1 protocol sends them: an
 * HTTP status, the header `x-amzn-ErrorType`, and a JSON body with `__type` and the message.
 *
 * Shapes and status codes follow the API model (aws/aws-sdk-js-v3
 * `codegen/sdk-codegen/aws-models/redshift-data.json`): ValidationException,
 * ActiveStatementsExceededException, ActiveSessionsExceededException are client errors (400);
 * ExecuteStatementException, BatchExecuteStatementException (with `StatementId`) and
 * InternalServerException are server errors (500). ResourceNotFoundException (with `ResourceId`)
 * carries `httpError: 404` in the model, but the service answers it with 400: the WSO2 Ballerina
 * Redshift Data connector's integration tests (ballerina-platform, `getResultAsStream` tests) see
 * HTTP 400 and "Query does not exist." for an unknown statement id. The SDK reads the error code
 * from `__type`, not from the status.
 */

export type DataApiErrorType =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ActiveStatementsExceededException'
  | 'ActiveSessionsExceededException'
  | 'ExecuteStatementException'
  | 'BatchExecuteStatementException'
  | 'InternalServerException'
  | 'UnknownOperationException'
  | 'SerializationException';

export class DataApiError extends Error {
  readonly type: DataApiErrorType;
  readonly status: number;
  /** Members the model adds to the error structure (`ResourceId`, `StatementId`). */
  readonly members: Record<string, string>;
  constructor(type: DataApiErrorType, message: string, members: Record<string, string> = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.status =
      type === 'ExecuteStatementException' ||
      type === 'BatchExecuteStatementException' ||
      type === 'InternalServerException'
        ? 500
        : 400;
    this.members = members;
  }

  /** The JSON body: `__type`, `message` (read by the SDK for every error) and the model's members. */
  body(): Record<string, string> {
    return { __type: this.type, message: this.message, Message: this.message, ...this.members };
  }
}

export const validation = (message: string) => new DataApiError('ValidationException', message);

/**
 * A constraint of the API model broken, in the wording AWS services use for model validation:
 * `1 validation error detected: Value '…' at 'member' failed to satisfy constraint: …`.
 * The value is echoed only when it is short and not statement text.
 */
export function constraint(member: string, rule: string, value?: string): DataApiError {
  const shown = value === undefined ? 'null' : `'${value}'`;
  return validation(`1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${rule}`);
}
