import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster, CpuArchitecture, FargateService, FargateTaskDefinition, LogDrivers, OperatingSystemFamily, Protocol } from 'aws-cdk-lib/aws-ecs';
import { PolicyDocument, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CompanionAlarms } from './alarms.js';
import { CONTAINER_PORT, HEALTH_CHECK_COMMAND, containerImage, containerStart } from './container.js';
import { CompanionDashboard } from './dashboard.js';
import { companionPolicyStatements, stackBinding } from './iam-policy.js';
import { companionSecurityGroups, importVpc } from './network.js';
import type { CompanionDeploymentProps } from './props.js';

export interface CompanionServiceStackProps extends StackProps {
  deployment: CompanionDeploymentProps;
  /** The IAM policy file (default deploy/iam-policy.json). */
  policyFile?: string;
}

/**
 * The daemon (`dms-companion run`) as one ECS Fargate task, with its log group, the alarm topic,
 * the alarms and the dashboard.
 *
 * Exactly one task runs: a deployment stops the old task before it starts the new one
 * (minimum healthy 0 %, maximum 100 %; Amazon ECS developer guide, "Deploy Amazon ECS services
 * by replacing tasks"), since one companion per replication is the design. ECS sends SIGTERM,
 * then SIGKILL after `stopTimeout`: 120 s, the Fargate maximum (Amazon ECS API reference,
 * ContainerDefinition `stopTimeout`), longer than the daemon's default `shutdownGrace` of 90 s.
 */
export class CompanionServiceStack extends Stack {
  readonly vpc: IVpc;
  readonly securityGroups: ISecurityGroup[];
  readonly topic: Topic;
  readonly taskRole: Role;
  readonly service: FargateService;
  readonly logGroup: LogGroup;
  readonly alarms: CompanionAlarms;

  constructor(scope: Construct, id: string, props: CompanionServiceStackProps) {
    super(scope, id, props);
    const p = props.deployment;

    // 1. Network: the given VPC and subnets, the companion's security groups.
    this.vpc = importVpc(this, p.vpc);
    this.securityGroups = companionSecurityGroups(this, this.vpc, p.vpc);

    // 2. Alarm topic: email, and optionally the companion's own POST /sns.
    this.topic = new Topic(this, 'AlarmTopic', { topicName: p.topicName, displayName: 'dms-companion alarms' });
    this.topic.addSubscription(new EmailSubscription(p.alarmEmail));
    if (p.snsHttpsEndpoint) this.topic.addSubscription(new UrlSubscription(p.snsHttpsEndpoint, { protocol: SubscriptionProtocol.HTTPS }));

    // 3. Task role: exactly the statements of deploy/iam-policy.json, bound to this deployment.
    const statements = companionPolicyStatements(
      stackBinding(this, p),
      props.policyFile,
    );
    this.taskRole = new Role(this, 'TaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'dms-companion task role (deploy/iam-policy.json)',
      inlinePolicies: { 'dms-companion': new PolicyDocument({ statements }) },
    });

    // 4. Logs: the awslogs driver; the EMF metric lines are extracted from this group.
    this.logGroup = new LogGroup(this, 'LogGroup', { retention: p.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN });

    // 5. Task definition and container, as deploy/ecs-task-definition.json.
    const task = new FargateTaskDefinition(this, 'TaskDefinition', {
      family: 'dms-companion',
      cpu: p.cpu,
      memoryLimitMiB: p.memoryMiB,
      taskRole: this.taskRole,
      runtimePlatform: { operatingSystemFamily: OperatingSystemFamily.LINUX, cpuArchitecture: CpuArchitecture.X86_64 },
    });
    const start = containerStart(this, p);
    task.addContainer('dms-companion', {
      containerName: 'dms-companion',
      image: containerImage(this, p.image),
      essential: true,
      ...(start.entryPoint ? { entryPoint: start.entryPoint } : {}),
      command: start.command,
      environment: start.environment,
      secrets: start.secrets,
      portMappings: [{ containerPort: CONTAINER_PORT, protocol: Protocol.TCP, name: 'http' }],
      healthCheck: {
        command: HEALTH_CHECK_COMMAND,
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      stopTimeout: Duration.seconds(120),
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'dms-companion' }),
    });

    // 6. The service: one task in the private subnets.
    const cluster = new Cluster(this, 'Cluster', { vpc: this.vpc });
    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: 1,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      assignPublicIp: false,
      securityGroups: this.securityGroups,
      vpcSubnets: { subnets: this.vpc.privateSubnets },
    });

    // 7. Alarms (to the topic) and the dashboard.
    this.alarms = new CompanionAlarms(this, 'Alarms', p, this.topic);
    new CompanionDashboard(this, 'Dashboard', p, this.alarms.alarms);

    new CfnOutput(this, 'AlarmTopicArn', { value: this.topic.topicArn, description: 'for the companion config: alarms.topics' });
    new CfnOutput(this, 'LogGroupName', { value: this.logGroup.logGroupName });
    new CfnOutput(this, 'ServiceName', { value: this.service.serviceName });
  }
}
