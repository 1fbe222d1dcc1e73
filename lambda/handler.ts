import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Agent } from 'node:https';
import { configPath, loadConfig } from '../config/load.js';
import { alarmRequests } from '../daemon/actions.js';
import { CompanionMetrics } from '../daemon/metrics.js';
import { JobRunner } from '../daemon/runner.js';
import { createNotifier } from '../jobs/notices.js';
import { SnsHandler } from '../daemon/sns.js';
import { createRuntime, type JobDeps } from '../jobs/runtime.js';

/**
 * The alarm actions as an AWS Lambda handler for a function subscribed to the SNS topic
 * (`dist/lambda.js`, handler `lambda.handler`). Each record's `Sns` object gets exactly the checks
 * of `POST /sns` (topic allow-list, signature, age, replay; see daemon/sns.ts), and the
 * matching actions run inside the invocation; the handler returns when they have finished.
 *
 * Configuration: the file named by `DMS_COMPANION_CONFIG` (packaged with the function), as for the
 * CLI. A rejected record is logged and reported in the result, never thrown: a throw would make
 * Lambda retry the event (asynchronous invocation), and a forged message does not get better.
 * Mind the function timeout (at most 900 s): gap-filling belongs to the daemon, not to a Lambda.
 */

/** The parts of an SNS-triggered Lambda event used here (AWS Lambda developer guide, "Using AWS Lambda with Amazon SNS"). */
export interface SnsEvent {
  Records: { EventSource?: string; Sns: Record<string, unknown> }[];
}

export interface AlarmHandlerResult {
  records: { messageId?: string | undefined; status: number; message: string }[];
  runs: {
    job: string;
    task?: string | undefined;
    ok: boolean;
    summary?: string | undefined;
    error?: string | undefined;
  }[];
}

/** Builds a handler over given job dependencies (tests pass the embedded ones; `agent`: tests only). */
export function createAlarmHandler(
  deps: JobDeps,
  o: { agent?: Agent; cloudwatch?: CloudWatchClient } = {},
): (event: SnsEvent) => Promise<AlarmHandlerResult> {
  const metrics = new CompanionMetrics({
    cloudwatch: deps.config.metrics.cloudwatch,
    namespace: deps.config.metrics.namespace,
    client: o.cloudwatch,
    log: deps.log,
  });
  const runner = new JobRunner(deps, deps.log, metrics, false, createNotifier(deps.config, deps.clock, deps.log));
  let current: AlarmHandlerResult['runs'] = [];
  runner.onFinished((r) =>
    current.push(
      'report' in r
        ? { job: r.job, task: r.task, ok: r.ok, summary: r.summary }
        : { job: r.job, task: r.task, ok: false, error: r.error },
    ),
  );
  const sns = new SnsHandler({
    alarms: deps.config.alarms,
    clock: deps.clock,
    log: deps.log,
    requests: (a) => alarmRequests(deps, a),
    submit: (r) => runner.submit(r),
    agent: o.agent,
  });
  return async (event) => {
    current = [];
    const records: AlarmHandlerResult['records'] = [];
    for (const rec of Array.isArray(event?.Records) ? event.Records : []) {
      const out = await sns.handle(rec?.Sns && typeof rec.Sns === 'object' ? rec.Sns : {});
      records.push({
        messageId: typeof rec?.Sns?.MessageId === 'string' ? rec.Sns.MessageId : undefined,
        status: out.status,
        message: out.message,
      });
    }
    if (records.length === 0) deps.log.warn('Lambda: the event has no SNS records; nothing to do');
    await runner.settled();
    return { records, runs: current };
  };
}

let cached: ((event: SnsEvent) => Promise<AlarmHandlerResult>) | undefined;

/** The Lambda entry point: the runtime is built once per execution environment and reused. */
export async function handler(event: SnsEvent): Promise<AlarmHandlerResult> {
  if (!cached) {
    const config = loadConfig(configPath(undefined));
    const rt = createRuntime(config);
    cached = createAlarmHandler(rt, {
      cloudwatch:
        config.metrics.cloudwatch === 'put-metric-data' ? new CloudWatchClient({ region: config.region }) : undefined,
    });
  }
  return cached(event);
}
