import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';

/**
 * The configuration schema. One YAML file describes the AWS region, the source PostgreSQL,
 * the Redshift target, the replication tasks with their tables, and one section per job.
 * `config/example.yaml` shows and explains every key; keep the two in step.
 *
 * Units after parsing: durations are **seconds**, sizes are **bytes**; cron schedules are
 * evaluated in **UTC**.
 */

/** A size such as "1.5 GiB" → bytes. */
export const size = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a size like "1.5 GiB", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return bytes;
  });

/** A duration such as "35m" → seconds. */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like "35m" or "90s", got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return seconds;
  });

/** A five-field cron expression, evaluated in UTC. */
export const schedule = () =>
  z.string().superRefine((s, ctx) => {
    if (!cron.validate(s))
      ctx.addIssue({
        code: 'custom',
        message: `expected a cron expression like "*/3 * * * *", got ${JSON.stringify(s)}`,
      });
  });

/** `schema.table` (either part may be double-quoted) or `{ schema, name }` → `{ schema, name }`. */
export const tableName = () =>
  z
    .union([z.string(), z.strictObject({ schema: z.string().min(1), name: z.string().min(1) })])
    .transform((value, ctx) => {
      if (typeof value !== 'string') return value;
      const parsed = parseQualifiedName(value);
      if (!parsed) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a table name like "public.rental", got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return parsed;
    });

/** A qualified table name. Names are exact (case-sensitive), never quoted. */
export interface TableName {
  schema: string;
  name: string;
}

/**
 * Splits `schema.table` into its parts. Double-quoted parts may contain dots and `""` for a quote;
 * unquoted parts are taken as written (PostgreSQL and Redshift fold them to lower case, so write
 * them in lower case). A name without a schema is in `public`.
 * @returns the parts, or `undefined` for text that is not a one- or two-part name.
 */
export function parseQualifiedName(text: string): TableName | undefined {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  while (i <= s.length) {
    if (s[i] === '"') {
      let j = i + 1;
      let part = '';
      for (;;) {
        if (j >= s.length) return undefined;
        if (s[j] === '"') {
          if (s[j + 1] === '"') {
            part += '"';
            j += 2;
            continue;
          }
          break;
        }
        part += s[j];
        j++;
      }
      parts.push(part);
      i = j + 1;
    } else {
      const dot = s.indexOf('.', i);
      const part = dot === -1 ? s.slice(i) : s.slice(i, dot);
      if (part === '' || part.includes('"') || /\s/.test(part)) return undefined;
      parts.push(part);
      i = dot === -1 ? s.length : dot;
    }
    if (i >= s.length) break;
    if (s[i] !== '.') return undefined;
    i++;
    if (i >= s.length) return undefined;
  }
  if (parts.length === 1) return { schema: 'public', name: parts[0]! };
  if (parts.length === 2) return { schema: parts[0]!, name: parts[1]! };
  return undefined;
}

const ssl = z
  .union([
    z.boolean(),
    z.strictObject({
      rejectUnauthorized: z.boolean().default(true),
      ca: z.string().optional(),
    }),
  ])
  .default(false);

/**
 * A password: the value itself (usually `${ENV_VAR}`), or where to read it on every new connection,
 * so a rotated secret is picked up without a restart: a Secrets Manager secret (its `key` field
 * when the secret is JSON, as RDS- and Redshift-managed secrets are) or an SSM SecureString parameter.
 */
const password = z.union([
  z.string(),
  z.strictObject({
    secretsManager: z.string().startsWith('arn:', 'expected a Secrets Manager secret ARN'),
    /** Field of a JSON secret that holds the password; a plain-text secret is used whole. */
    key: z.string().min(1).default('password'),
  }),
  z.strictObject({ ssm: z.string().min(1) }),
]);

/** A PostgreSQL-protocol connection (the source, a direct Redshift target, or a state database). */
export const pgConnection = (defaultPort: number) =>
  z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(defaultPort),
    database: z.string().min(1),
    user: z.string().min(1),
    password: password.optional(),
    /**
     * `password` (default), or `iam`: a short-lived token per connection — an RDS IAM
     * authentication token for the source or a state database, Redshift temporary credentials
     * (GetClusterCredentialsWithIAM) for a direct target.
     */
    auth: z.enum(['password', 'iam']).default('password'),
    ssl,
    /** Most connections the pool opens. */
    maxConnections: z.number().int().min(1).max(100).default(4),
    /** Statement timeout sent with every connection (seconds; 0 = none). */
    statementTimeout: duration().default(0),
  });

const directTarget = pgConnection(5439).extend({
  kind: z.literal('direct'),
  /** The provisioned cluster, for `auth: iam` (GetClusterCredentialsWithIAM). */
  clusterIdentifier: z.string().min(1).optional(),
  /** Upper bound for one INSERT statement's text when repairing over a direct connection (bytes). */
  statementBudget: size().default(1024 * 1024),
});

const dataApiTarget = z
  .strictObject({
    kind: z.literal('data-api'),
    clusterIdentifier: z.string().min(1).optional(),
    workgroupName: z.string().min(1).optional(),
    database: z.string().min(1),
    dbUser: z.string().min(1).optional(),
    secretArn: z.string().startsWith('arn:').optional(),
    /** `iam`: the Data API maps the caller's IAM identity to a database user (neither dbUser nor secretArn). */
    auth: z.literal('iam').optional(),
    /**
     * The Data API's URL when it is not the region's public one: a VPC interface endpoint, or the local
     * endpoint of the simulator (sim/redshift/data-api/) in tests and the demo. Default: the SDK's
     * endpoint for `region`.
     */
    endpoint: z.string().url().optional(),
    /** How often to poll DescribeStatement (seconds). */
    pollInterval: duration().default(0.25),
    /** Longest a statement may run before the adapter gives up on it (seconds). */
    statementTimeout: duration().default(3600),
    /**
     * `SessionKeepAliveSeconds` of a transaction's Data API session: how long it stays open after each of its
     * statements (seconds). Longer than any pause inside a transaction; each session holds a database
     * connection until it expires (docs/aws-facts.md §12.11).
     */
    sessionKeepAlive: duration().default(300),
  })
  .superRefine((t, ctx) => {
    if (!t.clusterIdentifier === !t.workgroupName) {
      ctx.addIssue({
        code: 'custom',
        message: 'set exactly one of clusterIdentifier (provisioned) or workgroupName (Serverless)',
      });
    }
    if (t.clusterIdentifier && !t.dbUser && !t.secretArn && t.auth !== 'iam') {
      ctx.addIssue({
        code: 'custom',
        message:
          'a provisioned cluster needs dbUser (temporary credentials), secretArn, or auth: iam (your IAM identity)',
      });
    }
    if ([t.dbUser, t.secretArn, t.auth].filter((x) => x !== undefined).length > 1) {
      ctx.addIssue({ code: 'custom', message: 'set only one of dbUser, secretArn or auth: iam' });
    }
  });

const tableConfig = z
  .strictObject({
    source: tableName(),
    /** Defaults to the same schema and name as the source. */
    target: tableName().optional(),
    primaryKey: z.array(z.string().min(1)).min(1),
    /** A date/timestamp column of the source, indexed there, that places a row in a UTC day (gap-filling). */
    dayColumn: z.string().min(1).optional(),
    /** A column that changes on every UPDATE (e.g. `last_update`); lets gap-filling spot stale rows. */
    versionColumn: z.string().min(1).optional(),
  })
  .transform((t) => ({ ...t, target: t.target ?? t.source }));

const taskConfig = z.strictObject({
  /** Short name used by `--task`, in logs and in the state store. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected letters, digits, "-", "_" or "."'),
  arn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:dms:[a-z0-9-]+:\d{12}:task:[A-Za-z0-9-]+$/,
      'expected a replication task ARN like "arn:aws:dms:us-east-1:123456789012:task:ABCD…"',
    ),
  /** ReplicationInstanceIdentifier (the CloudWatch dimension), not the ARN. */
  replicationInstance: z.string().min(1),
  tables: z.array(tableConfig).min(1),
});

const checkerConfig = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: schedule().default('*/3 * * * *'),
  /** Look-back window for counting the DMS user's UPDATEs (seconds). */
  window: duration().default(180),
  /**
   * More single-row DMS UPDATEs (not through awsdms_changes) than this in the window (per task)
   * means one-by-one mode.
   */
  updateThreshold: z.number().int().min(1).default(100),
  /**
   * When set, also require the count to exceed this many times the median of the same window in
   * the checker's own run history (avoids false positives on tables that are always busy).
   */
  historyFactor: z.number().min(1).optional(),
  /** CDCLatencyTarget (seconds) at or above which a task with no DMS statements is `stalled`. */
  stallLatency: duration().default(900),
  /** Run the fixer when one-by-one mode is found. */
  runFixer: z.boolean().default(true),
});

const fixerConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** After a repair, the checker does not start the fixer again for this task for this long (seconds). */
  cooldown: duration().default(900),
  /** How long to wait for the task to stop / to run again (seconds). */
  stopTimeout: duration().default(600),
  resumeTimeout: duration().default(600),
  /** How far back to look for a rolled-back DMS UPDATE (seconds). */
  lookback: duration().default(3600),
});

const gapfillConfig = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: schedule().default('30 3 * * *'),
  /** Rows younger than this (plus the task's CDCLatencyTarget) are left to DMS (seconds). */
  settleLag: duration().default(3600),
  /** Segments with at most this many rows are compared key by key. */
  leafRows: z.number().int().min(1).default(4096),
  /** Aim for each segment query to take about this long (seconds). */
  targetQueryTime: duration().default(0.5),
  /** Statements in flight at once per side (within the side's maxConnections). */
  concurrency: z.number().int().min(1).max(32).default(4),
  /** Tables compared side by side (each within `concurrency`). */
  parallelTables: z.number().int().min(1).max(16).default(2),
  /** How many missed days to catch up at most. */
  catchUpDays: z.number().int().min(0).default(7),
  deleteExtra: z.boolean().default(false),
  dedupe: z.boolean().default(false),
});

const maintenanceGuardConfig = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: schedule().default('* * * * *'),
  /** Stop the tasks this long before the window starts (seconds). */
  lead: duration().default(300),
  /** Total time the tasks stay stopped (seconds): they resume at start + hold − lead. */
  hold: duration().default(2100),
  /** Ticks to keep waiting for the cluster to become available after the planned resume. */
  releaseRetries: z.number().int().min(0).default(30),
});

const memoryGuardConfig = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: schedule().default('* * * * *'),
  /** FreeableMemory below which tasks are stopped and resumed, when the instance also swaps (bytes). */
  threshold: size().default(1.5 * 1024 ** 3),
  /**
   * Optional threshold as a fraction (0–1] of the replication instance class's memory (DescribeReplicationInstances,
   * docs/aws-facts.md §65). With it, the guard acts below the lower of `threshold` and this fraction; an instance class
   * whose memory is not known means no action (never a guessed size).
   */
  thresholdFraction: z.number().gt(0).max(1).optional(),
  /**
   * SwapUsage above which the instance counts as swapping (bytes). FreeableMemory includes cache, so low
   * FreeableMemory alone is not memory pressure (docs/aws-facts.md §15.1, §15.2).
   */
  swapThreshold: size().default(0),
  /** Metric look-back (seconds). */
  lookback: duration().default(600),
  /** Datapoints older than this are stale: no action (seconds). */
  staleAfter: duration().default(900),
  /** At most this many restarts per replication instance per restartWindow. */
  maxRestarts: z.number().int().min(1).default(3),
  restartWindow: duration().default(6 * 3600),
  /** Ticks after a restart before an unrecovered instance raises an alert. */
  recoveryTicks: z.number().int().min(1).default(3),
  /** Also restart tasks still in full load (FullLoadProgressPercent < 100; a `cdc` task never is). */
  includeFullLoad: z.boolean().default(false),
});

const typemapConfig = z.strictObject({
  /**
   * Text written to a varchar target column for a boolean (what DMS wrote): `true`/`false`,
   * `t`/`f` or `1`/`0`. A `boolean` target column always gets TRUE/FALSE.
   */
  booleanText: z.enum(['true/false', 't/f', '1/0']).default('true/false'),
  /** Map source booleans to Redshift `boolean` in generated DDL (DMS's MapBooleanAsBoolean). */
  mapBooleanAsBoolean: z.boolean().default(false),
  /** Cut text that does not fit a target varchar on a UTF-8 character boundary instead of failing. */
  truncateText: z.boolean().default(false),
  /** Arrays written to text columns: as JSON (`["a",null]`) or PostgreSQL array text (`{a,NULL}`). */
  arrayFormat: z.enum(['json', 'postgres']).default('json'),
  /** Infinite dates/timestamps (Redshift has none): `error`, write `null`, or `clamp` to the range ends. */
  infinity: z.enum(['error', 'null', 'clamp']).default('error'),
});

/** Task control (lib/task-control): the circuit breaker, retries, and the bounds on the repairs' waits. */
const controlConfig = z.strictObject({
  /** Circuit breaker: at most this many stops of one task per `stopWindow`, across all jobs. */
  maxStops: z.number().int().min(1).default(3),
  /** Circuit breaker window (seconds). */
  stopWindow: duration().default(3600),
  /** Cool-down of a job on a task after any failure of its stop, resume or repair (seconds). */
  failureCooldown: duration().default(900),
  /** StartReplicationTask attempts (throttling, timeouts) before the hold is left resume-pending for the next tick. */
  resumeAttempts: z.number().int().min(1).default(5),
  /** First back-off between DMS attempts (seconds; doubles, at most 60). */
  retryDelay: duration().default(2),
  /** Seconds between DescribeReplicationTasks while waiting for a task to stop or run. */
  pollInterval: duration().default(15),
  /** Longest a repair waits for its table lock on the target (seconds; docs/aws-facts.md §30). */
  repairLockTimeout: duration().default(120),
  /** Longest one repair statement may run on the target, lock wait included (seconds). */
  repairStatementTimeout: duration().default(600),
});

const stateConfig = z
  .strictObject({
    /**
     * `target`: a schema on the Redshift target; `postgres`: a separate PostgreSQL database (recommended in
     * production: the guards' holds then survive a target outage).
     */
    store: z.enum(['target', 'postgres']).default('target'),
    schema: z.string().min(1).default('dms_companion'),
    connection: pgConnection(5432).optional(),
    /** A file that keeps holds and releases made while the store is unreachable (default: in memory only). */
    journal: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.store === 'postgres' && !s.connection) {
      ctx.addIssue({ code: 'custom', path: ['connection'], message: 'store "postgres" needs a connection' });
    }
  });

const daemonConfig = z.strictObject({
  /** HTTP port for /healthz, /readyz, /metrics, / and /sns (0 = any free port). */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Address to listen on: loopback unless configured (`0.0.0.0` to serve other hosts: SNS, Prometheus). */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * A secret: when set, every endpoint but `GET /healthz` (liveness) and `POST /sns` (SNS signs its own messages)
   * needs `Authorization: Bearer <token>`. Never logged.
   */
  token: z.string().min(16, 'expected at least 16 characters').optional(),
  /** The scheduler counts as stuck (liveness 503) when a scheduled tick is overdue by more than this (seconds). */
  livenessStall: duration().default(120),
  /** On SIGTERM/SIGINT, wait this long for running jobs to reach a safe point (seconds). */
  shutdownGrace: duration().default(90),
  /** A job that has not succeeded within this is not ready (/readyz answers 503; liveness is unaffected) (seconds). */
  healthMaxAge: z
    .strictObject({
      checker: duration().default(900),
      gapfill: duration().default(26 * 3600),
      maintenanceGuard: duration().default(300),
      memoryGuard: duration().default(300),
    })
    .default({ checker: 900, gapfill: 26 * 3600, maintenanceGuard: 300, memoryGuard: 300 }),
});

const metricsConfig = z.strictObject({
  /**
   * The companion's own metrics to CloudWatch: `emf` (Embedded Metric Format lines on stdout,
   * picked up from the log stream), `put-metric-data` (the API), or `off`. Prometheus text is
   * always served on /metrics.
   */
  cloudwatch: z.enum(['emf', 'put-metric-data', 'off']).default('emf'),
  namespace: z.string().min(1).max(255).default('DMSCompanion'),
});

const alarmAction = z.strictObject({
  /** CloudWatch alarm name; `*` matches any text. */
  alarm: z.string().min(1),
  /** What to run: the checker (and fixer) or fixer for a task, a guard tick, or gap-filling. */
  run: z.enum(['check', 'fix', 'memory-guard', 'maintenance-guard', 'gapfill']),
  /** For check/fix: the task's name (default: every task). */
  task: z.string().min(1).optional(),
});

const alarmsConfig = z.strictObject({
  /** SNS topic ARNs whose notifications are accepted; any other topic is refused (403). */
  topics: z
    .array(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'expected an SNS topic ARN'))
    .default([]),
  /** Notifications older than this, or seen before, are replays: refused (seconds). */
  maxAge: duration().default(3600),
  actions: z.array(alarmAction).default([]),
});

const notifyConfig = z.strictObject({
  /**
   * A Slack-compatible incoming webhook (`POST {"text": …}`). Its URL carries its key: keep it in the environment
   * (`${SLACK_WEBHOOK_URL}`); the companion never logs it.
   */
  webhook: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
  /** An SNS topic to publish to (needs `sns:Publish` on it). */
  sns: z
    .strictObject({
      topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'expected an SNS topic ARN'),
    })
    .optional(),
  /** The same notice (same action on the same task, table or window) is sent once within this (seconds). */
  dedupeWindow: duration().default(3600),
  /** At most this many notices per minute; the rest are dropped and counted in the next one. */
  maxPerMinute: z.number().int().min(1).default(20),
  /** How long one delivery may take (seconds). */
  timeout: duration().default(5),
});

const logConfig = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** `auto`: pretty on a TTY, JSON lines otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export const configSchema = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region like "us-east-1"'),
    source: pgConnection(5432),
    target: z.discriminatedUnion('kind', [directTarget, dataApiTarget]),
    /** The database user DMS connects to the target as (whose statements the jobs look for). */
    dmsUser: z.string().min(1),
    /** The provisioned Redshift cluster the target lives on (for the maintenance guard). */
    cluster: z.strictObject({ identifier: z.string().min(1) }).optional(),
    tasks: z.array(taskConfig).min(1),
    jobs: z
      .strictObject({
        checker: checkerConfig.default(checkerConfig.parse({})),
        fixer: fixerConfig.default(fixerConfig.parse({})),
        gapfill: gapfillConfig.default(gapfillConfig.parse({})),
        maintenanceGuard: maintenanceGuardConfig.default(maintenanceGuardConfig.parse({})),
        memoryGuard: memoryGuardConfig.default(memoryGuardConfig.parse({})),
      })
      .default({
        checker: checkerConfig.parse({}),
        fixer: fixerConfig.parse({}),
        gapfill: gapfillConfig.parse({}),
        maintenanceGuard: maintenanceGuardConfig.parse({}),
        memoryGuard: memoryGuardConfig.parse({}),
      }),
    typemap: typemapConfig.default(typemapConfig.parse({})),
    state: stateConfig.default({ store: 'target', schema: 'dms_companion' }),
    control: controlConfig.default(controlConfig.parse({})),
    daemon: daemonConfig.default(daemonConfig.parse({})),
    metrics: metricsConfig.default(metricsConfig.parse({})),
    alarms: alarmsConfig.default(alarmsConfig.parse({})),
    notify: notifyConfig.default(notifyConfig.parse({})),
    log: logConfig.default(logConfig.parse({})),
  })
  .superRefine((c, ctx) => {
    const iamProblems: [boolean, PropertyKey[], string][] = [
      [
        c.target.kind === 'direct' && c.target.auth === 'iam' && !c.target.clusterIdentifier && !c.cluster,
        ['target', 'clusterIdentifier'],
        'auth: iam on a direct target needs the cluster (target.clusterIdentifier or cluster.identifier)',
      ],
      [
        c.source.auth === 'iam' && c.source.password !== undefined,
        ['source', 'password'],
        'auth: iam takes no password',
      ],
      [
        c.target.kind === 'direct' && c.target.auth === 'iam' && c.target.password !== undefined,
        ['target', 'password'],
        'auth: iam takes no password',
      ],
    ];
    for (const [bad, path, message] of iamProblems) if (bad) ctx.addIssue({ code: 'custom', path, message });
    const names = new Set<string>();
    c.tasks.forEach((t, i) => {
      if (names.has(t.name))
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'name'], message: `task name "${t.name}" is used twice` });
      names.add(t.name);
      const seen = new Set<string>();
      t.tables.forEach((tb, j) => {
        const key = `${tb.source.schema}.${tb.source.name}`;
        if (seen.has(key))
          ctx.addIssue({
            code: 'custom',
            path: ['tasks', i, 'tables', j, 'source'],
            message: `table ${key} is listed twice`,
          });
        seen.add(key);
        if (new Set(tb.primaryKey).size !== tb.primaryKey.length) {
          ctx.addIssue({
            code: 'custom',
            path: ['tasks', i, 'tables', j, 'primaryKey'],
            message: 'a column is listed twice',
          });
        }
      });
    });
    c.alarms.actions.forEach((a, i) => {
      if (a.task !== undefined && !names.has(a.task))
        ctx.addIssue({
          code: 'custom',
          path: ['alarms', 'actions', i, 'task'],
          message: `no task "${a.task}" in tasks`,
        });
    });
    if (c.jobs.maintenanceGuard.hold <= 2 * c.jobs.maintenanceGuard.lead) {
      ctx.addIssue({
        code: 'custom',
        path: ['jobs', 'maintenanceGuard', 'hold'],
        message: 'must be longer than twice the lead',
      });
    }
  });

/** The validated configuration, units resolved (seconds, bytes). */
export type Config = z.output<typeof configSchema>;
export type TaskConfig = Config['tasks'][number];
export type TableConfig = TaskConfig['tables'][number];
export type PgConnectionConfig = z.output<ReturnType<typeof pgConnection>>;
export type PasswordConfig = z.output<typeof password>;
export type TargetConfig = Config['target'];
export type DataApiTargetConfig = Extract<TargetConfig, { kind: 'data-api' }>;
export type TypemapConfig = Config['typemap'];
export type JobsConfig = Config['jobs'];
export type ControlConfig = Config['control'];
export type AlarmAction = Config['alarms']['actions'][number];
export type NotifyConfig = Config['notify'];
