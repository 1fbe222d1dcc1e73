import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { LivenessReport } from './liveness.js';
import type { CompanionMetrics } from './metrics.js';
import type { SnsHandler } from './sns.js';

/**
 * The daemon's HTTP endpoint (node:http):
 * - `GET /healthz` → liveness only (see {@link LivenessReport}): 200 while the process and its scheduler tick, 503
 *   otherwise. Never asks for the token: it is what the ECS health check calls.
 * - `GET /readyz` → job health with reasons (see {@link ReadinessReport}): 200, or 503 naming the late jobs.
 * - `GET /metrics` → Prometheus text exposition (prom-client);
 * - `GET /` → the status page (read-only HTML), when the daemon serves one;
 * - `POST /sns` → Amazon SNS HTTP/S notifications (see sns.ts); bodies over 256 KiB (the SNS message size limit)
 *   are refused with 413. SNS cannot send a bearer token; each message is verified by its signature instead.
 *
 * With `token` set, every other endpoint needs `Authorization: Bearer <token>` (401 otherwise). Answers carry job
 * names, times and reasons the daemon wrote itself — never statement text, row values or error messages from a
 * database (those are in the log).
 */

/** Largest SNS message (bytes): Amazon SNS quotas, "Message size" (256 KiB). */
export const SNS_MAX_BODY = 256 * 1024;

/** Job health as /readyz reports it. */
export interface ReadinessReport {
  ok: boolean;
  /** Per job: last success and failure (UTC ISO), age limit (seconds), and why it is not ready. */
  jobs: Record<
    string,
    {
      ok: boolean;
      lastSuccess?: string | undefined;
      lastFailure?: string | undefined;
      maxAge: number;
      running: boolean;
      problem?: string | undefined;
    }
  >;
}

export interface HttpOptions {
  host: string;
  port: number;
  liveness: () => LivenessReport;
  readiness: () => ReadinessReport;
  /** The status page's HTML (GET /). */
  statusPage?: (() => Promise<string>) | undefined;
  metrics: CompanionMetrics;
  sns?: SnsHandler | undefined;
  /** Bearer token for everything but liveness and /sns (a secret: never logged). */
  token?: string | undefined;
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
    // Idle keep-alive connections stay open longer than a client or load balancer keeps them (AWS's
    // advice for targets behind a load balancer: an application idle timeout above the balancer's 60 s,
    // docs/aws-facts.md §106.1), so the server never closes a socket a client is just reusing — a POST
    // sent on such a socket fails with ECONNRESET and is not retried.
    this.server.keepAliveTimeout = 65_000;
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
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' && read) {
      const h = this.o.liveness();
      send(res, h.ok ? 200 : 503, 'application/json', `${JSON.stringify(h)}\n`);
      return;
    }
    if (path === '/sns' && req.method === 'POST') {
      await this.sns(req, res);
      return;
    }
    if (!this.authorized(req)) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, 'text/plain', 'unauthorized: send Authorization: Bearer <daemon.token>\n');
      return;
    }
    if (path === '/readyz' && read) {
      const h = this.o.readiness();
      send(res, h.ok ? 200 : 503, 'application/json', `${JSON.stringify(h)}\n`);
      return;
    }
    if (path === '/metrics' && read) {
      send(res, 200, this.o.metrics.registry.contentType, await this.o.metrics.registry.metrics());
      return;
    }
    if (path === '/' && read && this.o.statusPage) {
      send(res, 200, 'text/html; charset=utf-8', await this.o.statusPage());
      return;
    }
    send(res, 404, 'text/plain', 'not found: GET /healthz, GET /readyz, GET /metrics, GET /, POST /sns\n');
  }

  /** True when no token is configured or the request carries it (compared in constant time). */
  private authorized(req: IncomingMessage): boolean {
    if (this.o.token === undefined) return true;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const given = Buffer.from(m[1]!.trim());
    const want = Buffer.from(this.o.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private async sns(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
