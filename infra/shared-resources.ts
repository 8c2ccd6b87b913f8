import { ArnFormat, Stack } from 'aws-cdk-lib';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { CallControlProps } from './props.ts';

// The resources a CallControl uses but may not own (the secret, the bus), resolved from its props.

/**
 * The secret's ARN as IAM must see it. Secrets Manager appends six random characters to every secret ARN,
 * so a secret known by name is matched with exactly six `?`; the imported secret's `secretArn` lacks them.
 */
export const secretPolicyArn = (scope: Construct, props: CallControlProps): string =>
  props.secretArn ??
  Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${props.secretName}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

export const importSecret = (scope: Construct, { secretName, secretArn }: CallControlProps): ISecret =>
  secretArn !== undefined
    ? Secret.fromSecretCompleteArn(scope, 'signalwire-secret', secretArn)
    : Secret.fromSecretNameV2(scope, 'signalwire-secret', secretName ?? '');

/** The bus given as `existingEventBus`, by ARN or by name, else a new one (the props check refuses two). */
export const resolveEventBus = (scope: Construct, props: CallControlProps): IEventBus => {
  const { existingEventBus, existingEventBusName, existingEventBusArn } = props;
  if (existingEventBus !== undefined) return existingEventBus;
  if (existingEventBusArn !== undefined)
    return EventBus.fromEventBusArn(scope, 'event-bus', existingEventBusArn);
  if (existingEventBusName !== undefined) {
    return EventBus.fromEventBusName(scope, 'event-bus', existingEventBusName);
  }
  return new EventBus(scope, 'event-bus', {
    description:
      'SignalWire call-control: Call Update Requested in; Call Updated, Call Update Failed, Call Status Changed out',
  });
};
