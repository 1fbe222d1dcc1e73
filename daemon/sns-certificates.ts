import { X509Certificate } from 'node:crypto';
import { get as httpsGet, type Agent } from 'node:https';
import { LRUCache } from 'lru-cache';

/**
 * The SNS signing certificates, fetched by the project (docs/aws-facts.md §17.3, §40):
 * - only `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<32 letters or digits>.pem` — checked
 *   before any connection, so a message cannot make the daemon fetch from anywhere else;
 * - a timeout for the whole fetch, status 200 only, at most {@link CERT_MAX_BYTES} bytes, and the body must parse
 *   as an X.509 certificate;
 * - only successes are cached (a 5xx, a timeout or a cut answer is fetched again by the next message);
 * - at most `maxConcurrent` fetches at once, one per URL however many messages name it; more different URLs than
 *   that at once are refused (the message is rejected, SNS delivers it again) rather than queued.
 *
 * Replaces `sns-payload-validator`'s fetch, which had no timeout, no status or size check and cached whatever came
 * back (its lib/index.js `getCert`).
 */

/** `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<32 letters or digits>.pem`. */
export const SNS_CERT_URL =
  /^https:\/\/sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[a-zA-Z0-9]{32}\.pem$/;

/** Largest certificate accepted (bytes); SNS's PEM certificates are under 3 KiB. */
export const CERT_MAX_BYTES = 16 * 1024;

export interface CertificateOptions {
  /** HTTPS agent (tests route the SNS host to a local server); default: Node's global agent. */
  agent?: Agent | undefined;
  /** Whole-fetch timeout (milliseconds, default 5,000). */
  timeoutMs?: number;
  /** Concurrent fetches (default 4). */
  maxConcurrent?: number;
  /** Certificates kept (default 100) and for how long (milliseconds, default 24 h). */
  maxCached?: number;
  ttlMs?: number;
}

export class SigningCertificates {
  private readonly cache: LRUCache<string, string>;
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Fetches made (for tests and logs). */
  fetches = 0;

  constructor(private readonly o: CertificateOptions = {}) {
    this.cache = new LRUCache({ max: o.maxCached ?? 100, ttl: o.ttlMs ?? 24 * 3600_000 });
  }

  /**
   * The PEM certificate at `url`.
   * @throws Error naming why: not an SNS certificate URL, too many fetches in progress, HTTP status, size, timeout,
   *   network error, or a body that is not a certificate.
   */
  async get(url: string): Promise<string> {
    if (!SNS_CERT_URL.test(url))
      throw new Error(`SigningCertURL ${JSON.stringify(url)} is not an Amazon SNS certificate`);
    const cached = this.cache.get(url);
    if (cached) return cached;
    const running = this.inFlight.get(url);
    if (running) return running;
    if (this.inFlight.size >= (this.o.maxConcurrent ?? 4))
      throw new Error('too many signing-certificate fetches in progress; try again');
    const p = this.fetch(url)
      .then((pem) => {
        this.cache.set(url, pem);
        return pem;
      })
      .finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, p);
    return p;
  }

  private fetch(url: string): Promise<string> {
    this.fetches++;
    const timeoutMs = this.o.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const req = httpsGet(url, { ...(this.o.agent ? { agent: this.o.agent } : {}) }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`signing certificate: HTTP ${res.statusCode ?? '?'} from ${url}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > CERT_MAX_BYTES) req.destroy(new Error(`signing certificate: larger than ${CERT_MAX_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const pem = Buffer.concat(chunks).toString('utf8');
          try {
            new X509Certificate(pem);
          } catch {
            reject(new Error(`signing certificate: the answer from ${url} is not an X.509 certificate`));
            return;
          }
          resolve(pem);
        });
        res.on('error', reject);
      });
      // The whole fetch, not only idle time: a server that trickles bytes is cut too.
      const timer = setTimeout(
        () => req.destroy(new Error(`signing certificate: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
    });
  }
}
