import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, MathExpression, type Alarm, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { cdcLatencyTarget, instanceMetric, jobMetric, taskName } from './metrics.js';
import { COMPANION_JOBS, type CompanionDeploymentProps } from './props.js';

/**
 * A CloudWatch dashboard of the companion's own metrics — RowsRepaired, GapsFound, TaskRestarts,
 * JobDuration, JobFailures — next to the DMS metrics it acts on, and the alarms' states.
 * Tables, gap classes and restart reasons are not known at synth time, so those graphs use SEARCH
 * expressions over the metric's dimension set (CloudWatch user guide, "Using search expressions in
 * graphs"); JobDuration and JobFailures are drawn per job.
 */
export class CompanionDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: CompanionDeploymentProps, alarms: Alarm[]) {
    super(scope, id);
    const ns = props.metricsNamespace;
    const search = (label: string, dims: string[], metric: string): IMetric =>
      new MathExpression({
        expression: `SEARCH('{${[ns, ...dims].map((d) => `"${d}"`).join(',')}} MetricName="${metric}"', 'Sum', 300)`,
        label,
        period: Duration.minutes(5),
        usingMetrics: {},
      });
    const wide = { width: 12, height: 6 };
    const instance = props.dms.replicationInstanceIdentifier;
    const period = props.thresholds.periodSeconds;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: [
        [
          new GraphWidget({ ...wide, title: 'RowsRepaired (by job and table)', left: [search('RowsRepaired', ['Job', 'Table'], 'RowsRepaired')] }),
          new GraphWidget({ ...wide, title: 'GapsFound (by table and class)', left: [search('GapsFound', ['Table', 'Class'], 'GapsFound')] }),
        ],
        [
          new GraphWidget({ ...wide, title: 'TaskRestarts (by task and reason)', left: [search('TaskRestarts', ['Task', 'Reason'], 'TaskRestarts')] }),
          new GraphWidget({ ...wide, title: 'JobFailures', left: COMPANION_JOBS.map((j) => jobMetric(ns, 'JobFailures', j).with({ label: j })) }),
        ],
        [
          new GraphWidget({ ...wide, title: 'JobDuration (s, maximum)', left: COMPANION_JOBS.map((j) => jobMetric(ns, 'JobDuration', j).with({ label: j })) }),
          new GraphWidget({
            ...wide,
            title: 'CDCLatencyTarget (s)',
            left: props.dms.tasks.map((t) => cdcLatencyTarget(instance, t, period).with({ label: taskName(t) })),
          }),
        ],
        [
          new GraphWidget({
            ...wide,
            title: `Replication instance ${instance} memory (bytes)`,
            left: [instanceMetric(instance, 'FreeableMemory', period).with({ label: 'FreeableMemory' })],
            right: [instanceMetric(instance, 'SwapUsage', period).with({ label: 'SwapUsage' })],
          }),
          new AlarmStatusWidget({ ...wide, title: 'Alarms', alarms }),
        ],
      ],
    });
  }
}
