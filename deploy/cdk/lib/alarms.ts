import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { cdcLatencyTarget, instanceMetric, jobMetric, taskName } from './metrics.js';
import { COMPANION_JOBS, type CompanionDeploymentProps } from './props.js';

/**
 * The alarms, each with the alarm topic as its ALARM and OK action:
 * - `<prefix>-<task>-cdc-latency-target`: CDCLatencyTarget (Maximum) of each replication task above the threshold;
 * - `<prefix>-<instance>-freeable-memory`: FreeableMemory (Minimum) of the replication instance below the threshold;
 * - `<prefix>-<instance>-swap-usage`: SwapUsage (Maximum) above the threshold;
 * - `dms-companion-<job>-job-failures`: the companion's JobFailures (Sum over 5 minutes) of a job at 1 or more.
 * The names follow the companion's config/example.yaml (`alarms.actions[].alarm: "dms-*-cdc-latency-target"`,
 * `"dms-*-freeable-memory"`), so that its alarm actions match them. Missing data is not breaching: a stopped task
 * publishes no latency, and a job that never fails publishes no JobFailures.
 */
export class CompanionAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: CompanionDeploymentProps, topic: ITopic) {
    super(scope, id);
    const t = props.thresholds;
    const instance = props.dms.replicationInstanceIdentifier;
    const dms = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.evaluationPeriods, treatMissingData: TreatMissingData.NOT_BREACHING };

    for (const task of props.dms.tasks) {
      const name = `${props.alarmPrefix}-${taskName(task)}-cdc-latency-target`;
      this.add(new Alarm(this, `CdcLatencyTarget-${taskName(task)}`, {
        ...dms,
        alarmName: name,
        alarmDescription: `CDCLatencyTarget of replication task ${taskName(task)} above ${t.cdcLatencyTargetSeconds} s (${task.arn})`,
        metric: cdcLatencyTarget(instance, task, t.periodSeconds),
        threshold: t.cdcLatencyTargetSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      }));
    }
    this.add(new Alarm(this, 'FreeableMemory', {
      ...dms,
      alarmName: `${props.alarmPrefix}-${instance}-freeable-memory`,
      alarmDescription: `FreeableMemory of replication instance ${instance} below ${t.freeableMemoryBytes} bytes`,
      metric: instanceMetric(instance, 'FreeableMemory', t.periodSeconds),
      threshold: t.freeableMemoryBytes,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    }));
    this.add(new Alarm(this, 'SwapUsage', {
      ...dms,
      alarmName: `${props.alarmPrefix}-${instance}-swap-usage`,
      alarmDescription: `SwapUsage of replication instance ${instance} above ${t.swapUsageBytes} bytes`,
      metric: instanceMetric(instance, 'SwapUsage', t.periodSeconds),
      threshold: t.swapUsageBytes,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    }));
    for (const job of COMPANION_JOBS) {
      this.add(new Alarm(this, `JobFailures-${job}`, {
        alarmName: `dms-companion-${job}-job-failures`,
        alarmDescription: `dms-companion: the ${job} job failed or left a problem (JobFailures in ${props.metricsNamespace})`,
        metric: jobMetric(props.metricsNamespace, 'JobFailures', job),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }));
    }

    const action = new SnsAction(topic);
    for (const a of this.alarms) {
      a.addAlarmAction(action);
      a.addOkAction(action);
    }
  }

  private add(a: Alarm): void {
    this.alarms.push(a);
  }
}
