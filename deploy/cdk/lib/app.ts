import type { App } from 'aws-cdk-lib';
import { CompanionLambdaStack } from './lambda-stack.js';
import type { CompanionDeploymentProps } from './props.js';
import { CompanionServiceStack } from './service-stack.js';

export interface CompanionStacks {
  service: CompanionServiceStack;
  /** Absent when `lambda.enabled` is false. */
  lambda?: CompanionLambdaStack;
}

/** Adds the stacks of one deployment to the app: `<stackName>` (service, alarms, dashboard) and `<stackName>Lambda`. */
export function addCompanionStacks(app: App, p: CompanionDeploymentProps, o: { policyFile?: string } = {}): CompanionStacks {
  const env = p.env ? { env: p.env } : {};
  const description = 'dms-companion: keeps an AWS DMS replication (PostgreSQL to Amazon Redshift) honest';
  const service = new CompanionServiceStack(app, p.stackName, { ...env, description, deployment: p, policyFile: o.policyFile });
  if (!p.lambda.enabled) return { service };
  const lambda = new CompanionLambdaStack(app, `${p.stackName}Lambda`, {
    ...env,
    description: `${description} (alarm actions as a Lambda function)`,
    deployment: p,
    topic: service.topic,
    securityGroups: service.securityGroups,
    policyFile: o.policyFile,
  });
  return { service, lambda };
}
