import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { CompanionMetrics } from './metrics.js';
import type { SnsHandler } from './sns.js';

/**
 * The daemon's HTTP endpoint (node:http):
 * - `GET /healthz` → 200 or 503 with a JSON body per job (see {@link HealthReport});
 * - `GET /metrics` → Prometheus text exposition (prom-client);
 * - `POST /sns` → Amazon SNS HTTP/S notifications (see sns.ts); bodies over 256 KiB (the SNS
 *   message size limit) are refused with 413.
 */

/** Largest SNS message (bytes): Amazon SNS quotas, "Message size" (256 KiB). */
export const SNS_MAX_BODY = 256 * 1024;

export interface HealthReport {
  ok: boolean;
  /** Per job: last success (UTC ISO), age limit (seconds), and why it is unhealthy. */
  jobs: Record<
    string,
    {
      ok: boolean;
      lastSuccess?: string | undefined;
      lastFailure?: string | undefined;
      lastError?: string | undefined;
      maxAge: number;
      running: boolean;
      problem?: string | undefined;
    }
  >;
}

export interface HttpOptions {
  host: string;
  port: number;
  health: () => HealthReport;
  metrics: CompanionMetrics;
  sns?: SnsHandler | undefined;
  log: Logger;
}

export class DaemonHttp {
  private readonly server: Server;

  constructor(private readonly o: HttpOptions) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        o.log.error({ err: errorMessage(err), url: req.url }, 'HTTP handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
        else res.destroy();
      });
    });
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and closes idle ones; resolves when every connection is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const h = this.o.health();
      send(res, h.ok ? 200 : 503, 'application/json', `${JSON.stringify(h)}\n`);
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      send(res, 200, this.o.metrics.registry.contentType, await this.o.metrics.registry.metrics());
      return;
    }
    if (path === '/sns' && req.method === 'POST') {
      if (!this.o.sns) {
        send(res, 404, 'text/plain', 'alarm-triggered remediation is not configured (alarms.topics is empty)\n');
        return;
      }
      const body = await readBody(req, SNS_MAX_BODY);
      if (body === undefined) {
        this.o.log.warn({ limit: SNS_MAX_BODY }, 'SNS: rejected a body larger than the SNS message size limit');
        send(res, 413, 'text/plain', `body larger than ${SNS_MAX_BODY} bytes\n`);
        return;
      }
      const out = await this.o.sns.handle(body);
      send(res, out.status, 'text/plain', `${out.message}\n`);
      return;
    }
    send(res, 404, 'text/plain', 'not found: GET /healthz, GET /metrics, POST /sns\n');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The request body as UTF-8 text, or undefined when it exceeds `limit` bytes (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
