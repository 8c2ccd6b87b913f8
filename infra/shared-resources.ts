import { ArnFormat, Aws, CfnOutput, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_TIME_MARGIN_MS,
  ENV,
} from '../functions/commons/platform/settings.ts';
import type { CallControlProps } from './props.ts';
import { durationIn, settingValue } from './props-validation.ts';
import { type MarkedOutput, markedDescription } from './stack-outputs.ts';

// What a CallControl derives from its props alone: the secret and the bus it may not own, the cleanup's settings.

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

/** GetSecretValue on the one secret, and KMS Decrypt through Secrets Manager when its key is given. */
export const grantSecretValue = (fn: LambdaFunction, props: CallControlProps): void => {
  // GetSecretValue only: DescribeSecret (part of grantRead) would expose the secret's metadata for nothing.
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretPolicyArn(fn, props)],
    }),
  );
  if (props.secretKmsKey) {
    // `secretsmanager.<region>.amazonaws.com`, as aws-cdk-lib's own Secrets Manager grants write it
    // (Secret.grantRead, SecretRotation, 2.276). In aws-cn the service's endpoint is
    // `secretsmanager.<region>.amazonaws.com.cn` (the SDK's partition data), but kms:ViaService is documented as
    // the service's name, SERVICE.REGION.amazonaws.com, and service names there mostly keep `.amazonaws.com`
    // (IAM service principals); no AWS page or aws-cdk issue we found says which form KMS matches in aws-cn.
    // So where the stack may be in aws-cn (its region's partition is aws-cn, or unknown at synth), the condition
    // allows both forms: either way the key is usable only through Secrets Manager in the stack's region. The
    // partition is read from the region, not Stack.partition, which is AWS::Partition for every stack unless the
    // app sets @aws-cdk/core:enablePartitionLiterals.
    const stack = Stack.of(fn);
    const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
    const viaService = `secretsmanager.${stack.region}.amazonaws.com`;
    const viaServices =
      partition === undefined
        ? [viaService, `secretsmanager.${stack.region}.${Aws.URL_SUFFIX}`]
        : partition === 'aws-cn'
          ? [viaService, `${viaService}.cn`]
          : viaService;
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.secretKmsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': viaServices },
        },
      }),
    );
  }
};

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

/** The cleanup function's settings, from the props and their defaults (platform/settings.ts). */
export const cleanupEnvironment = (props: CallControlProps): Record<string, string> => {
  const {
    cleanupDefaultPolicy,
    cleanupConcurrency = CLEANUP_CONCURRENCY.default,
    cleanupMaxEndsPerSecond = CLEANUP_ENDS_PER_SECOND.default,
    cleanupTimeMargin = Duration.millis(CLEANUP_TIME_MARGIN_MS.default),
  } = props;
  return {
    [ENV.cleanupConcurrency]: settingValue(cleanupConcurrency),
    [ENV.cleanupMaxEndsPerSecond]: settingValue(cleanupMaxEndsPerSecond),
    [ENV.cleanupTimeMarginMs]: settingValue(durationIn('cleanupTimeMargin', cleanupTimeMargin, 'millis')),
    ...(cleanupDefaultPolicy ? { [ENV.cleanupDefaultPolicy]: JSON.stringify(cleanupDefaultPolicy) } : {}),
  };
};

/**
 * Declares the outputs the CLI discovers by marker (its construct path in each description). On `scope`'s
 * stack, and, when that is a nested stack, on the top-level stack too: `call-control --stack` names the stack
 * the app deployed, and CloudFormation lists a nested stack's outputs only on the nested stack, under a
 * generated name (CDK passes the values up through the nested stacks' outputs).
 */
export const declareCliOutputs = (scope: Construct, apiUrl: string, cleanupFunctionName: string): void => {
  const outputs: Array<[MarkedOutput, string, string]> = [
    ['ApiUrl', apiUrl, 'Base URL of the HTTP API'],
    ['CleanupFunctionName', cleanupFunctionName, 'Invoke for a one-off cleanup'],
  ];
  let topLevel = Stack.of(scope);
  while (topLevel.nestedStackParent) topLevel = topLevel.nestedStackParent;
  for (const [name, value, what] of outputs) {
    const description = markedDescription(name, scope.node.path, what);
    new CfnOutput(scope, `cli-output-${name}`, { value, description });
    if (topLevel !== Stack.of(scope)) {
      new CfnOutput(topLevel, `cli-output-${name}-${Names.uniqueId(scope)}`, { value, description });
    }
  }
};
