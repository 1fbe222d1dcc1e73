import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_LAMBDA_CODE } from '../lib/lambda-stack.js';
import { DeploymentPropsError } from '../lib/parse-props.js';
import { deployDir, lambdaDir, props, removeTempDirs, synth } from './fixtures.js';

after(removeTempDirs);

describe('Lambda stack', () => {
  it('runs lambda.handler of the code directory on Node.js 22 in the VPC, with the config path set', () => {
    const s = synth();
    assert.equal(s.stacks.lambda?.stackName, 'DmsCompanionLambda');
    s.lambda!.resourceCountIs('AWS::Lambda::Function', 1);
    s.lambda!.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'lambda.handler',
      Architectures: ['x86_64'],
      Timeout: 900,
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ DMS_COMPANION_CONFIG: '/var/task/config.yaml' }) },
      VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] }),
      LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
    });
    s.lambda!.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('is subscribed to the alarm topic of the service stack, which may invoke it', () => {
    const s = synth();
    const topicArn = s.lambda!.findResources('AWS::SNS::Subscription');
    assert.equal(Object.keys(topicArn).length, 1);
    s.lambda!.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { 'Fn::ImportValue': Match.stringLikeRegexp('AlarmTopic') } });
    s.lambda!.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' });
    // The service stack holds only the email subscription.
    s.service.resourceCountIs('AWS::SNS::Subscription', 1);
  });

  it('the role may write logs and use the VPC, besides the companion policy', () => {
    const s = synth();
    s.lambda!.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole']] }],
    });
  });

  it('warns at synth when the code directory is not a deployable package, and not when it is', () => {
    const warned = (dir: string) => {
      const s = synth(props((raw) => (raw.lambda = { codeDirectory: dir })));
      return Annotations.fromStack(s.stacks.lambda!).findWarning('*', Match.stringLikeRegexp('not deployable as it is')).map((w) => String(w.entry.data));
    };
    const bare = warned(lambdaDir());
    assert.equal(bare.length, 1);
    assert.match(bare[0]!, /no package\.json with "type": "module".*no node_modules\/.*no config\.yaml/);
    assert.deepEqual(warned(lambdaDir(true)), []);
  });

  it('without lambda.js in the code directory the synth fails with what to do', () => {
    const dir = path.join(lambdaDir(), 'empty');
    assert.throws(
      () => synth(props((raw) => (raw.lambda = { codeDirectory: dir }))),
      (err: unknown) => err instanceof DeploymentPropsError && /lambda\.codeDirectory: .*empty has no lambda\.js — run `npm run build`/.test(err.message),
    );
  });

  it('defaults to the repository’s dist/, and can be left out', () => {
    assert.equal(DEFAULT_LAMBDA_CODE, path.join(deployDir, '..', 'dist'));
    const s = synth(props((raw) => (raw.lambda = { enabled: false })));
    assert.equal(s.stacks.lambda, undefined);
  });
});
