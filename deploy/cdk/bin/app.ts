#!/usr/bin/env node
// The CDK app: `npx cdk synth` / `npx cdk deploy` in deploy/cdk (cdk.json runs this file with tsx).
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addCompanionStacks } from '../lib/app.js';
import { DeploymentPropsError, parseDeploymentProps, rawPropsFromContext } from '../lib/parse-props.js';

const app = new App();
try {
  const props = parseDeploymentProps(rawPropsFromContext((k) => app.node.tryGetContext(k), path.resolve('.')));
  addCompanionStacks(app, props);
} catch (err) {
  if (!(err instanceof DeploymentPropsError)) throw err;
  console.error(err.message);
  process.exit(2);
}
app.synth();
