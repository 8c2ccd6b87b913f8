import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { STATUS_WEBHOOK_PATH } from './api.ts';
import { CallControl } from './call-control.ts';
import { readCallControlContext } from './context.ts';

/**
 * The deployable stack: reads its configuration from CDK context (see docs/deploy.md), builds one
 * {@link CallControl} and exports what operators need to reach it.
 */
export class CallControlStack extends Stack {
  readonly callControl: CallControl;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const context = readCallControlContext(this.node);

    this.callControl = new CallControl(this, 'call-control', {
      ...context.props,
      // This stack names its outputs itself (ApiUrl, CleanupFunctionName), which the CLI also reads.
      cliOutputs: false,
      secretKmsKey: context.secretKmsKeyArn
        ? Key.fromKeyArn(this, 'secret-key', context.secretKmsKeyArn)
        : undefined,
      alarmTopic: context.alarmEmail ? this.createAlarmTopic(context.alarmEmail) : undefined,
    });

    // Output IDs are PascalCase: they are the names `cdk deploy` prints and `describe-stacks` returns.
    new CfnOutput(this, 'ApiUrl', {
      value: this.callControl.apiUrl,
      description: 'Base URL of the HTTP API',
    });
    new CfnOutput(this, 'StatusCallbackUrl', {
      // apiUrl ends with '/', the path starts with one.
      value: `${this.callControl.apiUrl}${STATUS_WEBHOOK_PATH.slice(1)}`,
      description: 'Point SignalWire status callbacks here',
    });
    new CfnOutput(this, 'EventBusName', { value: this.callControl.eventBus.eventBusName });
    new CfnOutput(this, 'SchemaRegistryName', {
      value: this.callControl.eventSchemas.registry.attrRegistryName,
      description: 'EventBridge schema registry holding the event contracts',
    });
    new CfnOutput(this, 'CleanupFunctionName', {
      value: this.callControl.cleanupFunction.functionName,
      description: 'Invoke by hand for a one-off (or dry-run) cleanup',
    });
    for (const { label, resource: queue } of this.callControl.deadLetterQueues) {
      new CfnOutput(this, `${pascalCase(label)}Url`, {
        value: queue.queueUrl,
        description: `Dead-letter queue ${label}`,
      });
    }
  }

  private createAlarmTopic(email: string): Topic {
    const topic = new Topic(this, 'alarm-topic', {
      displayName: 'SignalWire call-control alarms',
      enforceSSL: true,
    });
    topic.addSubscription(new EmailSubscription(email));
    // The SSL-only topic policy replaces the default one, so CloudWatch needs an explicit grant.
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    Validations.of(topic.node.defaultChild ?? topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only alarm names and states. CloudWatch cannot publish to a topic ' +
        'encrypted with the AWS-managed SNS key, and a customer-managed key for this is not worth its cost.',
    });
    return topic;
  }
}

const pascalCase = (kebab: string): string =>
  kebab
    .split('-')
    .map((word) => (word === 'dlq' ? 'Dlq' : `${word.charAt(0).toUpperCase()}${word.slice(1)}`))
    .join('');
