import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DataApiError } from './errors.js';
import { toJson } from './json.js';

/**
 * The AWS JSON 1.1 protocol as the Redshift Data API speaks it (model trait `aws.protocols#awsJson1_1`,
 * service `RedshiftData`, version 2019-12-20): every call is `POST /` with the header
 * `X-Amz-Target: RedshiftData.<Operation>`, `Content-Type: application/x-amz-json-1.1` and the input
 * structure as JSON; the answer is the output structure as JSON (HTTP 200) or an error (see
 * errors.ts). Signatures are not checked.
 */

const TARGET_PREFIX = 'RedshiftData.';
/** Largest request body read, bytes: 40 statements of 100 KB and their parameters fit well inside. */
const MAX_BODY = 16 * 1024 * 1024;

export type OperationHandler = (operation: string, input: Record<string, unknown>) => Promise<unknown>;

export function createDataApiServer(handle: OperationHandler): Server {
  return createServer((req, res) => {
    answer(req, handle)
      .then((body) => send(res, 200, body))
      .catch((err: unknown) => {
        const e =
          err instanceof DataApiError
            ? err
            : new DataApiError('InternalServerException', err instanceof Error ? err.message : String(err));
        send(res, e.status, toJson(e.body()), e.type);
      });
  });
}

async function answer(req: IncomingMessage, handle: OperationHandler): Promise<string> {
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    await drain(req);
    throw new DataApiError(
      'UnknownOperationException',
      'Expected POST / with the header X-Amz-Target: RedshiftData.<Operation>',
    );
  }
  const text = await readBody(req);
  let input: unknown;
  try {
    input = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new DataApiError('SerializationException', 'The request body is not valid JSON');
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new DataApiError('SerializationException', 'The request body must be a JSON object');
  }
  const result = await handle(target.slice(TARGET_PREFIX.length), input as Record<string, unknown>);
  return toJson(result);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new DataApiError('SerializationException', `The request body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req as AsyncIterable<Buffer>) {
    // discard
  }
}

function send(res: ServerResponse, status: number, body: string, errorType?: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body, 'utf8'),
    'x-amzn-RequestId': randomUUID(),
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  res.end(body);
}
