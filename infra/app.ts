import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAME } from '../functions/commons/platform/settings.ts';
import { CallControlStack } from './stack.ts';

const app = new App();
const stackName: unknown = app.node.tryGetContext('stackName');

new CallControlStack(
  app,
  typeof stackName === 'string' && stackName !== '' ? stackName : DEFAULT_STACK_NAME,
  {
    description:
      'Updates live SignalWire calls: operator API, status callbacks, cleanup, EventBridge consumer',
    // Unset without credentials: the template then stays environment-agnostic and synthesises offline.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  },
);

// Every AwsSolutions finding fails the synth unless acknowledged on the one resource it concerns.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
