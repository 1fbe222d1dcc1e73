import { get as httpsGet, type Agent } from 'node:https';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/schema.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { alarmMatches, requestKey, type JobRequest } from './actions.js';
import type { SubmitResult } from './runner.js';
import { SigningCertificates, SNS_CERT_URL } from './sns-certificates.js';
import { signatureValid } from './sns-signature.js';

/**
 * Alarm-triggered remediation: Amazon SNS notifications of CloudWatch alarms, as `POST /sns`
 * bodies (HTTP/S subscription) or Lambda event records, mapped to job runs by the config's
 * `alarms.actions`.
 *
 * Each message is checked in this order, and any failure is a rejection (HTTP 403, logged at
 * warn, nothing runs):
 * 1. the body is a JSON object with `Type`, `MessageId`, `TopicArn`, `Timestamp`;
 * 2. `TopicArn` is one of `alarms.topics` (checked before any certificate is fetched);
 * 3. the signature verifies (sns-signature.ts: SignatureVersion 1 or 2; the signing certificate fetched by
 *    sns-certificates.ts only from `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-….pem`, with a
 *    timeout, status 200 only, a size cap and bounded concurrent fetches; only successes are cached);
 * 4. `Timestamp` is not older than `alarms.maxAge` (nor more than 5 minutes ahead) and the
 *    `MessageId` was not seen before (a replay). SNS reuses the MessageId when it retries a
 *    delivery, but it retries only on 5xx or timeouts, within 3,600 s (Amazon SNS developer guide,
 *    "Amazon SNS message delivery retries"; "Step 1: Make sure your endpoint is ready to process
 *    Amazon SNS messages"): the endpoint answers 200 before the job runs, so a MessageId seen
 *    twice is a replay.
 *
 * Then: `SubscriptionConfirmation` → the `SubscribeURL` (on an SNS host) is visited;
 * `Notification` → the `Message` is read as a CloudWatch alarm (`AlarmName`, `NewStateValue`;
 * format: Amazon CloudWatch user guide, "Using Amazon CloudWatch alarms" / SNS notifications) and,
 * when it entered `ALARM`, every matching action's job requests are submitted (coalesced per job
 * and task by the runner). Other states and unmatched alarm names are answered 200 and logged. An
 * alarm that arrives while the daemon shuts down is answered 503, so that SNS delivers it again.
 */

/** What the endpoint answers (HTTP status and a one-line text), plus what was started. */
export interface SnsOutcome {
  status: 200 | 403 | 502 | 503;
  message: string;
  /** Job requests submitted for a notification, with what the runner did with each. */
  submitted: { job: string; task?: string | undefined; result: SubmitResult }[];
}

/** A CloudWatch alarm state change, as CloudWatch publishes it to SNS (the fields used here). */
export interface AlarmNotification {
  AlarmName: string;
  NewStateValue: string;
  OldStateValue?: string;
  NewStateReason?: string;
  StateChangeTime?: string;
}

export interface SnsHandlerOptions {
  alarms: Config['alarms'];
  clock: Clock;
  log: Logger;
  /** The job requests one alarm action stands for. */
  requests: (action: Config['alarms']['actions'][number]) => JobRequest[];
  submit: (r: JobRequest) => SubmitResult;
  /**
   * HTTPS agent for fetching signing certificates and visiting SubscribeURLs. Only tests set it
   * (to reach a local server holding a test certificate); production uses Node's default agent
   * and the public certificate authorities.
   */
  agent?: Agent;
  /** How long a SubscribeURL visit may take (milliseconds, default 10,000). */
  confirmTimeoutMs?: number;
}

const SNS_HOST = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;
const FUTURE_SKEW_MS = 5 * 60_000;

/** Refused: the reason is logged and answered with 403. */
class Rejected extends Error {}
/** Not checked now (the signing certificate could not be fetched): answered with 503 so that SNS retries. */
class Unavailable extends Error {}

export class SnsHandler {
  private readonly certificates: SigningCertificates;
  private readonly seen: LRUCache<string, true>;
  private readonly topics: Set<string>;
  /** Counts by outcome, for logs and the load test. */
  readonly counts = { accepted: 0, rejected: 0, confirmed: 0, ignored: 0 };

  constructor(private readonly o: SnsHandlerOptions) {
    this.certificates = new SigningCertificates({ agent: o.agent });
    this.topics = new Set(o.alarms.topics);
    // MessageIds are kept for maxAge: anything older is refused by its Timestamp anyway.
    this.seen = new LRUCache<string, true>({
      max: 100_000,
      ttl: Math.max(1, o.alarms.maxAge) * 1000,
      ttlAutopurge: false,
    });
  }

  /**
   * Handles one SNS message (the HTTP body as text, or a Lambda record's `Sns` object).
   * Never throws: every problem becomes a 403 (or a 502 when a subscription could not be confirmed,
   * so that SNS retries).
   */
  async handle(body: string | Record<string, unknown>): Promise<SnsOutcome> {
    let summary = 'message';
    try {
      const msg = this.shape(body);
      summary = `${msg.Type} ${msg.MessageId} from ${msg.TopicArn}`;
      if (!this.topics.has(msg.TopicArn)) throw new Rejected(`topic ${msg.TopicArn} is not in alarms.topics`);
      await this.verify(msg);
      this.fresh(msg);
      this.seen.set(msg.MessageId, true);
      if (msg.Type === 'SubscriptionConfirmation') return await this.confirm(msg, summary);
      if (msg.Type === 'UnsubscribeConfirmation') {
        this.o.log.warn({ topic: msg.TopicArn }, 'SNS: this endpoint was unsubscribed from the topic');
        return this.answer(200, 'unsubscribe noted', [], 'ignored');
      }
      return this.notification(msg, summary);
    } catch (err) {
      if (err instanceof Unavailable) {
        this.o.log.warn(
          { reason: err.message },
          `SNS: ${summary} not checked: ${err.message}; answered 503 so that SNS retries`,
        );
        return { status: 503, message: err.message, submitted: [] };
      }
      if (!(err instanceof Rejected)) throw err;
      this.counts.rejected++;
      this.o.log.warn({ reason: err.message }, `SNS: rejected ${summary}: ${err.message}`);
      return { status: 403, message: `rejected: ${err.message}`, submitted: [] };
    }
  }

  private shape(
    body: string | Record<string, unknown>,
  ): Record<string, string> & { Type: string; MessageId: string; TopicArn: string; Timestamp: string } {
    let value: unknown = body;
    if (typeof body === 'string') {
      try {
        value = JSON.parse(body);
      } catch {
        throw new Rejected('the body is not JSON');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Rejected('the body is not a JSON object');
    const v = value as Record<string, unknown>;
    for (const k of ['Type', 'MessageId', 'TopicArn', 'Timestamp', 'Signature', 'SignatureVersion'] as const) {
      if (typeof v[k] !== 'string' || v[k] === '')
        throw new Rejected(`"${k}" is missing (not an SNS message, or unsigned)`);
    }
    if (!['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'].includes(v.Type as string))
      throw new Rejected(`unknown Type ${JSON.stringify(v.Type)}`);
    return v as Record<string, string> & { Type: string; MessageId: string; TopicArn: string; Timestamp: string };
  }

  /** Rejects a message whose signature does not verify (or whose certificate cannot be had now). */
  private async verify(msg: Record<string, string>): Promise<void> {
    const certUrl = msg.SigningCertURL ?? msg.SigningCertUrl ?? '';
    if (!SNS_CERT_URL.test(certUrl))
      throw new Rejected(
        `signature check failed: SigningCertURL ${JSON.stringify(certUrl)} is not an Amazon SNS certificate`,
      );
    let pem: string;
    try {
      pem = await this.certificates.get(certUrl);
    } catch (err) {
      // Our side could not check it now: 503, so that SNS delivers it again (it treats 200–499 as delivered).
      throw new Unavailable(`signature not checked: ${errorMessage(err)}`);
    }
    let valid: boolean;
    try {
      valid = signatureValid(msg, pem);
    } catch (err) {
      throw new Rejected(`signature check failed: ${errorMessage(err)}`);
    }
    if (!valid) throw new Rejected('signature check failed: Invalid Signature');
  }

  private fresh(msg: { MessageId: string; Timestamp: string }): void {
    const at = Date.parse(msg.Timestamp);
    if (Number.isNaN(at)) throw new Rejected(`Timestamp ${JSON.stringify(msg.Timestamp)} is not a time`);
    const age = this.o.clock.now().getTime() - at;
    if (age > this.o.alarms.maxAge * 1000)
      throw new Rejected(
        `replayed: published ${Math.round(age / 1000)} s ago, more than alarms.maxAge (${this.o.alarms.maxAge} s)`,
      );
    if (age < -FUTURE_SKEW_MS) throw new Rejected(`Timestamp ${msg.Timestamp} is in the future`);
    if (this.seen.has(msg.MessageId)) throw new Rejected(`replayed: MessageId ${msg.MessageId} was already handled`);
  }

  private async confirm(msg: Record<string, string>, summary: string): Promise<SnsOutcome> {
    const url = msg.SubscribeURL ?? msg.SubscribeUrl ?? '';
    if (!SNS_HOST.test(url)) throw new Rejected(`SubscribeURL ${JSON.stringify(url)} is not an Amazon SNS address`);
    try {
      await visit(url, this.o.agent, this.o.confirmTimeoutMs ?? 10_000);
    } catch (err) {
      // Not confirmed: answer 5xx so that SNS sends the confirmation again.
      this.seen.delete(msg.MessageId!);
      this.o.log.error({ err: errorMessage(err) }, `SNS: could not confirm the subscription to ${msg.TopicArn}`);
      return { status: 502, message: `could not confirm the subscription: ${errorMessage(err)}`, submitted: [] };
    }
    this.counts.confirmed++;
    this.o.log.info({ topic: msg.TopicArn }, `SNS: subscription confirmed (${summary})`);
    return { status: 200, message: `subscription to ${msg.TopicArn} confirmed`, submitted: [] };
  }

  private notification(msg: Record<string, string>, summary: string): SnsOutcome {
    let alarm: AlarmNotification;
    try {
      const parsed = JSON.parse(msg.Message ?? '') as unknown;
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        typeof (parsed as AlarmNotification).AlarmName !== 'string' ||
        typeof (parsed as AlarmNotification).NewStateValue !== 'string'
      ) {
        throw new Error('no AlarmName/NewStateValue');
      }
      alarm = parsed as AlarmNotification;
    } catch (err) {
      return this.answer(
        200,
        `ignored: the message is not a CloudWatch alarm state change (${errorMessage(err)})`,
        [],
        'ignored',
        summary,
      );
    }
    if (alarm.NewStateValue !== 'ALARM')
      return this.answer(
        200,
        `ignored: alarm ${alarm.AlarmName} went to ${alarm.NewStateValue}`,
        [],
        'ignored',
        summary,
      );
    const actions = this.o.alarms.actions.filter((a) => alarmMatches(a.alarm, alarm.AlarmName));
    if (actions.length === 0)
      return this.answer(
        200,
        `ignored: no action in alarms.actions matches alarm ${alarm.AlarmName}`,
        [],
        'ignored',
        summary,
      );
    const requests = new Map<string, JobRequest>();
    for (const a of actions) for (const r of this.o.requests(a)) requests.set(requestKey(r), r);
    const submitted = [...requests.values()].map((r) => ({ job: r.job, task: r.task?.name, result: this.o.submit(r) }));
    if (submitted.some((x) => x.result === 'refused')) {
      // Shutting down: a 5xx makes SNS deliver it again (to the next companion), so the alarm is not lost.
      this.seen.delete(msg.MessageId!);
      this.o.log.warn(
        { alarm: alarm.AlarmName },
        `SNS: alarm ${alarm.AlarmName} arrived while shutting down; answered 503 so that SNS retries`,
      );
      return { status: 503, message: 'shutting down: retry later', submitted };
    }
    this.o.log.info(
      { alarm: alarm.AlarmName, reason: alarm.NewStateReason, submitted },
      `SNS: alarm ${alarm.AlarmName} → ${submitted.map((s) => `${s.job}${s.task ? ` ${s.task}` : ''} (${s.result})`).join(', ')}`,
    );
    return this.answer(
      200,
      `alarm ${alarm.AlarmName}: ${submitted.map((s) => `${s.job}${s.task ? ` ${s.task}` : ''} ${s.result}`).join(', ')}`,
      submitted,
      'accepted',
    );
  }

  private answer(
    status: 200,
    message: string,
    submitted: SnsOutcome['submitted'],
    kind: 'accepted' | 'ignored',
    summary?: string,
  ): SnsOutcome {
    this.counts[kind]++;
    if (kind === 'ignored') this.o.log.info(`SNS: ${summary ?? ''} ${message}`.trim());
    return { status, message, submitted };
  }
}

/** GET `url` and drain the answer. @throws Error on a non-2xx status, a network error or the timeout. */
function visit(url: string, agent: Agent | undefined, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () =>
        (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300
          ? resolve()
          : reject(new Error(`HTTP ${res.statusCode ?? '?'}`)),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
