/**
 * Props whose values are only known at deploy time: a platform team that publishes the stack as a Service
 * Catalog product, or a pipeline that feeds it `CfnParameter`s, gives tokens where a number or a Duration goes.
 * The synth cannot check them, the functions do at cold start; the template must carry the parameter itself.
 */
import { rmSync } from 'node:fs';
import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/commons/platform/settings.ts';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import {
  CALL_UPDATE_EVENTS_SERVICE_NAME,
  CLEANUP_SERVICE_NAME,
  HTTP_API_SERVICE_NAME,
  STATUS_CALLBACK_SERVICE_NAME,
} from '../../infra/metric-names.ts';
import { schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

const numberParameter = (stack: Stack, id: string): number =>
  new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;

/** The environment of the function whose Powertools service name is `service`. */
const environmentOf = (template: Template, service: string): Record<string, unknown> => {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }>;
  const found = functions.find(
    (fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service,
  );
  if (!found) throw new Error(`no function of service ${service}`);
  return found.Properties.Environment.Variables;
};

describe('CallControl props given as tokens (CloudFormation parameters)', () => {
  it('passes number and Duration parameters through to the functions’ settings and the stage’s throttling', () => {
    const stack = new Stack(testApp(), 'catalog-product');
    new CallControl(stack, 'call-control', {
      schemasDirectory,
      secretName: 'signalwire/call-control',
      secretCacheTtl: Duration.seconds(numberParameter(stack, 'SecretCacheTtl')),
      signalWireTimeout: Duration.millis(numberParameter(stack, 'SignalWireTimeout')),
      callbackReplayWindow: Duration.seconds(numberParameter(stack, 'ReplayWindow')),
      cleanupTimeMargin: Duration.millis(numberParameter(stack, 'CleanupTimeMargin')),
      cleanupConcurrency: numberParameter(stack, 'CleanupConcurrency'),
      cleanupMaxEndsPerSecond: numberParameter(stack, 'CleanupEndsPerSecond'),
      apiThrottle: { rateLimit: numberParameter(stack, 'Rate'), burstLimit: numberParameter(stack, 'Burst') },
      callUpdateEvents: {
        allowedSources: ['com.example.crm'],
        idempotencyTtl: Duration.seconds(numberParameter(stack, 'IdempotencyTtl')),
      },
    });
    const template = Template.fromStack(stack);

    const http = environmentOf(template, HTTP_API_SERVICE_NAME);
    expect(http[ENV.secretCacheTtlSeconds]).toEqual({ Ref: 'SecretCacheTtl' });
    expect(http[ENV.signalWireTimeoutMs]).toEqual({ Ref: 'SignalWireTimeout' });
    const cleanup = environmentOf(template, CLEANUP_SERVICE_NAME);
    expect(cleanup[ENV.cleanupConcurrency]).toEqual({ Ref: 'CleanupConcurrency' });
    expect(cleanup[ENV.cleanupMaxEndsPerSecond]).toEqual({ Ref: 'CleanupEndsPerSecond' });
    expect(cleanup[ENV.cleanupTimeMarginMs]).toEqual({ Ref: 'CleanupTimeMargin' });
    const callbacks = environmentOf(template, STATUS_CALLBACK_SERVICE_NAME);
    expect(callbacks[ENV.replayWindowSeconds]).toEqual({ Ref: 'ReplayWindow' });
    const events = environmentOf(template, CALL_UPDATE_EVENTS_SERVICE_NAME);
    expect(events[ENV.idempotencyTtlSeconds]).toEqual({ Ref: 'IdempotencyTtl' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: { Ref: 'Rate' }, ThrottlingBurstLimit: { Ref: 'Burst' } },
    });
  });

  it('gives the event function the rule’s maxEventAge, which it checks a token idempotencyTtl against at cold start', () => {
    const stack = new Stack(testApp(), 'catalog-product');
    new CallControl(stack, 'call-control', {
      schemasDirectory,
      secretName: 'signalwire/call-control',
      signalWireTimeout: Duration.millis(numberParameter(stack, 'SignalWireTimeout')),
      callUpdateEvents: {
        allowedSources: ['com.example.crm'],
        maxEventAge: Duration.hours(2),
        idempotencyTtl: Duration.seconds(numberParameter(stack, 'IdempotencyTtl')),
      },
    });

    const events = environmentOf(Template.fromStack(stack), CALL_UPDATE_EVENTS_SERVICE_NAME);
    expect(events[ENV.maxEventAgeSeconds]).toBe('7200');
    expect(events[ENV.idempotencyTtlSeconds]).toEqual({ Ref: 'IdempotencyTtl' });
    expect(events[ENV.signalWireTimeoutMs]).toEqual({ Ref: 'SignalWireTimeout' });
  });

  it('passes a maxEventAge parameter to the rule, the invoke config and the event function alike', () => {
    const stack = new Stack(testApp(), 'catalog-product');
    new CallControl(stack, 'call-control', {
      schemasDirectory,
      secretName: 'signalwire/call-control',
      callUpdateEvents: {
        allowedSources: ['com.example.crm'],
        maxEventAge: Duration.seconds(numberParameter(stack, 'MaxEventAge')),
      },
    });
    const template = Template.fromStack(stack);

    expect(environmentOf(template, CALL_UPDATE_EVENTS_SERVICE_NAME)[ENV.maxEventAgeSeconds]).toEqual({
      Ref: 'MaxEventAge',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [{ RetryPolicy: { MaximumEventAgeInSeconds: { Ref: 'MaxEventAge' } } }],
    });
  });

  it.each([
    ['secretCacheTtl', 'seconds', (n: number) => ({ secretCacheTtl: Duration.minutes(n) })],
    ['signalWireTimeout', 'millis', (n: number) => ({ signalWireTimeout: Duration.seconds(n) })],
    ['cleanupTimeMargin', 'millis', (n: number) => ({ cleanupTimeMargin: Duration.seconds(n) })],
    ['callbackReplayWindow', 'seconds', (n: number) => ({ callbackReplayWindow: Duration.days(n) })],
  ] as const)(
    'refuses a %s token in another unit than the function’s (%s), naming the prop',
    (name, unit, props: (n: number) => Partial<CallControlProps>) => {
      const stack = new Stack(testApp(), 'catalog-product');
      const build = () =>
        new CallControl(stack, 'call-control', {
          schemasDirectory,
          secretName: 'signalwire/call-control',
          ...props(numberParameter(stack, 'Value')),
        });

      expect(build).toThrow(
        new RegExp(`^${name} comes from a token .* give it as Duration\\.${unit}\\(…\\)`),
      );
    },
  );
});
