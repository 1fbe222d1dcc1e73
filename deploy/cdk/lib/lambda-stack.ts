import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { ManagedPolicy, PolicyDocument, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { companionPolicyStatements, stackBinding } from './iam-policy.js';
import { importVpc } from './network.js';
import { DeploymentPropsError } from './parse-props.js';
import type { CompanionDeploymentProps } from './props.js';

/** The repository's dist/ (`npm run build` in the repository root). */
export const DEFAULT_LAMBDA_CODE = fileURLToPath(new URL('../../../dist', import.meta.url));

export interface CompanionLambdaStackProps extends StackProps {
  deployment: CompanionDeploymentProps;
  /** The alarm topic the function is subscribed to. */
  topic: ITopic;
  /** Security groups for the function (the companion's, which the source and Redshift admit). */
  securityGroups: ISecurityGroup[];
  policyFile?: string;
}

/**
 * The Lambda variant of the alarm actions (lambda/handler.ts, built to `dist/lambda.js`, handler
 * `lambda.handler`), subscribed to the alarm topic: each alarm that enters ALARM runs the matching
 * actions of the companion's config inside the invocation. Node.js 22 runtime, in the VPC with the
 * companion's security groups, with the same IAM statements as the daemon's task role. The
 * scheduled jobs stay with the daemon: deploy this stack, or subscribe the daemon's `/sns`, not both.
 */
export class CompanionLambdaStack extends Stack {
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: CompanionLambdaStackProps) {
    super(scope, id, props);
    const p = props.deployment;
    const l = p.lambda;
    const dir = path.resolve(l.codeDirectory ?? DEFAULT_LAMBDA_CODE);
    if (!existsSync(path.join(dir, 'lambda.js'))) {
      throw new DeploymentPropsError([
        `lambda.codeDirectory: ${dir} has no lambda.js — run \`npm run build\` in the repository root, or set lambda.codeDirectory`,
      ]);
    }

    const statements = companionPolicyStatements(
      stackBinding(this, p),
      props.policyFile,
    );
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'dms-companion alarm handler (deploy/iam-policy.json)',
      inlinePolicies: { 'dms-companion': new PolicyDocument({ statements }) },
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
    });
    const logGroup = new LogGroup(this, 'LogGroup', { retention: p.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    const vpc = importVpc(this, p.vpc);

    this.fn = new LambdaFunction(this, 'AlarmHandler', {
      description: 'dms-companion: alarm-triggered remediation (SNS)',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.X86_64,
      handler: 'lambda.handler',
      code: Code.fromAsset(dir),
      role,
      timeout: Duration.seconds(l.timeoutSeconds),
      memorySize: l.memoryMiB,
      vpc,
      vpcSubnets: { subnets: vpc.privateSubnets },
      securityGroups: props.securityGroups,
      logGroup,
      environment: { ...l.environment, DMS_COMPANION_CONFIG: `/var/task/${l.configFile}`, NODE_OPTIONS: '--enable-source-maps' },
    });
    props.topic.addSubscription(new LambdaSubscription(this.fn));

    const problems = packagingProblems(dir, l.configFile);
    if (problems.length > 0) Annotations.of(this.fn).addWarningV2('dms-companion:lambda-package', `not deployable as it is: ${problems.join('; ')}`);
  }
}

/** What the code directory lacks to run as a function: dist/ alone holds the bundles, not the dependencies nor the config. */
export function packagingProblems(dir: string, configFile: string): string[] {
  const out: string[] = [];
  let type: unknown;
  try {
    type = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type;
  } catch {
    type = undefined;
  }
  if (type !== 'module') out.push(`${dir} has no package.json with "type": "module": lambda.js is an ES module`);
  if (!existsSync(path.join(dir, 'node_modules'))) out.push(`${dir} has no node_modules/: lambda.js imports the production dependencies`);
  if (!existsSync(path.join(dir, configFile))) out.push(`${dir} has no ${configFile}: the function reads its config from /var/task/${configFile}`);
  return out;
}
