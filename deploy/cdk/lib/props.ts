/**
 * What a deployment of dms-companion needs to know: the typed props of the CDK app. They come
 * from the CDK context key `dms-companion` (an object in cdk.json or `-c`), or from a JSON file
 * named by the context key `dms-companion-file`, and are checked by `parseDeploymentProps`.
 * Units: seconds, bytes, days, MiB as named.
 */

/** A replication task the companion looks after (same `name` as in the companion's config `tasks`). */
export interface TaskProps {
  /** Short name, used in alarm names (`<alarmPrefix>-<name>-cdc-latency-target`). Default: the ARN's resource id. */
  name?: string;
  /** Replication task ARN, `arn:aws:dms:<region>:<account>:task:<resource id>`. */
  arn: string;
}

/** The VPC, given by attributes (no lookup, so synth needs no AWS credentials). */
export interface VpcProps {
  vpcId: string;
  availabilityZones: string[];
  /** Subnets for the companion (one per availability zone, in the same order), with a route to the AWS APIs. */
  privateSubnetIds: string[];
  /** Security groups to put the companion in (ones the source database and Redshift admit). Default: a new one, egress only. */
  securityGroupIds?: string[];
}

/** The container image: an ECR repository of this account and region, or any image name. */
export type ImageProps = { ecrRepositoryName: string; tag: string } | { name: string; tag: string };

/**
 * Where the daemon's config file comes from:
 * - `image`: baked into the image (`FROM dms-companion` + `COPY config.yaml …`), at `path`;
 * - `ssm-parameter` / `secret`: the YAML text in an SSM parameter or a Secrets Manager secret,
 *   given to the container as a secret and written to a file readable by the `node` user only
 *   before `node dist/cli.js run` starts.
 */
export type ConfigSourceProps =
  | { source: 'image'; path?: string }
  | { source: 'ssm-parameter'; parameterName: string }
  | { source: 'secret'; secretArn: string };

/** An environment variable of the container filled from a secret (e.g. `SOURCE_PASSWORD` for `${SOURCE_PASSWORD}` in the config). */
export type ContainerSecretProps = { secretArn: string; field?: string } | { ssmParameterName: string };

/** How the Data API gets database credentials (the IAM statement `RedshiftDataApiCredentials…` follows it). */
export interface RedshiftProps {
  clusterIdentifier: string;
  database: string;
  /** Temporary credentials for this database user (`redshift:GetClusterCredentials`). */
  dbUser?: string;
  /** Or: a Secrets Manager secret holding the credentials (`secretsmanager:GetSecretValue`). */
  secretArn?: string;
}

export interface AlarmThresholds {
  /** CDCLatencyTarget (seconds), Maximum over the period. Default 900 (the checker's default `stallLatency`). */
  cdcLatencyTargetSeconds: number;
  /** FreeableMemory (bytes), Minimum over the period, alarm below. Default 1.5 GiB (the memory guard's default threshold). */
  freeableMemoryBytes: number;
  /** SwapUsage (bytes), Maximum over the period, alarm above. Default 512 MiB. */
  swapUsageBytes: number;
  /** Period of the DMS alarms (seconds). Default 300. */
  periodSeconds: number;
  /** Consecutive periods over the threshold before a DMS alarm fires. Default 2. */
  evaluationPeriods: number;
}

export interface LambdaProps {
  /** Synthesize the Lambda stack. Default true. */
  enabled: boolean;
  /**
   * Directory deployed as the function's code: it must hold `lambda.js` (handler `lambda.handler`), and to run it also needs
   * the `chunks/`, a `package.json` with `"type": "module"`, production `node_modules/` and the config file. Default: the repository's dist/.
   * A relative path is taken from the directory the app runs in (deploy/cdk).
   */
  codeDirectory?: string;
  /** The config file inside codeDirectory (DMS_COMPANION_CONFIG=/var/task/<configFile>). Default `config.yaml`. */
  configFile: string;
  /** Seconds, at most 900. Default 900. */
  timeoutSeconds: number;
  /** Default 1024. */
  memoryMiB: number;
  /** Further environment variables of the function (no secrets: Lambda shows them in plain text). */
  environment: Record<string, string>;
}

export interface CompanionDeploymentProps {
  /** Account and region to deploy to. Without it the stacks are environment-agnostic (ARNs use the stack's pseudo parameters). */
  env?: { account: string; region: string };
  /** Stack name prefix. Default `DmsCompanion` (stacks `DmsCompanion` and `DmsCompanionLambda`). */
  stackName: string;
  vpc: VpcProps;
  dms: { replicationInstanceIdentifier: string; tasks: TaskProps[] };
  redshift: RedshiftProps;
  /** Email address subscribed to the alarm topic (the subscription must be confirmed from the mail). */
  alarmEmail: string;
  /** Name of the alarm topic (its ARN goes into the companion's `alarms.topics`). Default `dms-companion-alarms`. */
  topicName: string;
  /** HTTPS URL of the companion's `POST /sns` (behind a load balancer with a certificate), subscribed to the topic. Optional. */
  snsHttpsEndpoint?: string;
  image: ImageProps;
  config: ConfigSourceProps;
  /** Environment variables filled from secrets. */
  secrets: Record<string, ContainerSecretProps>;
  /** Further plain environment variables of the container. */
  environment: Record<string, string>;
  /** The companion's CloudWatch namespace (config `metrics.namespace`). Default `DMSCompanion`. */
  metricsNamespace: string;
  /** Prefix of the DMS alarm names (the config's `alarms.actions[].alarm` patterns match them). Default `dms`. */
  alarmPrefix: string;
  thresholds: AlarmThresholds;
  /** Days the container's logs are kept (a CloudWatch Logs retention value). Default 30. */
  logRetentionDays: number;
  /** Fargate task size. Defaults 512 CPU units, 1024 MiB (as deploy/ecs-task-definition.json). */
  cpu: number;
  memoryMiB: number;
  /** Name of the CloudWatch dashboard. Default `dms-companion`. */
  dashboardName: string;
  lambda: LambdaProps;
}

/** The jobs that publish `JobDuration` / `JobFailures` with dimension `Job` (lib/daemon/actions.ts `JobName`). */
export const COMPANION_JOBS = ['checker', 'fixer', 'gapfill', 'maintenance-guard', 'memory-guard'] as const;

export const DEFAULT_THRESHOLDS: AlarmThresholds = {
  cdcLatencyTargetSeconds: 900,
  freeableMemoryBytes: 1.5 * 1024 ** 3,
  swapUsageBytes: 512 * 1024 ** 2,
  periodSeconds: 300,
  evaluationPeriods: 2,
};
