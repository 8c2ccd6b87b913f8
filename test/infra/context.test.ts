import { resolve } from 'node:path';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { readCallControlContext } from '../../infra/context.ts';
import { cdkJsonContext } from './support.ts';

/** Context as `cdk` passes it: cdk.json's values overridden by `-c key=value` strings. */
const read = (overrides: Record<string, unknown>) =>
  readCallControlContext(new App({ context: { ...cdkJsonContext(), ...overrides } }).node);

describe('readCallControlContext', () => {
  it("turns cdk.json's defaults into IAM auth, the named secret, one-month retention and no optional parts", () => {
    const context = read({});

    expect(context.props).toMatchObject({
      secretName: 'signalwire/call-control',
      secretArn: undefined,
      apiAuth: { type: 'iam' },
      callUpdateEvents: undefined,
      cleanupSchedules: [],
      logRetention: RetentionDays.ONE_MONTH,
      logLevel: 'INFO',
      tracing: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    expect(context.alarmEmail).toBeUndefined();
    expect(context.secretKmsKeyArn).toBeUndefined();
  });

  it('reads command-line strings: lists, JSON, numbers and booleans', () => {
    const context = read({
      eventSources: 'com.example.dispatch, com.example.crm',
      cleanupSchedules:
        '[{"name":"stale-calls","schedule":"rate(10 minutes)","policy":{"maxAgeSeconds":{"inProgress":7200}}}]',
      cleanupDefaultPolicy: '{"maxAgeSeconds":{"inProgress":28800}}',
      webhookPublicBaseUrl: 'https://hooks.example.com/signalwire',
      cleanupConcurrency: '4',
      cleanupTimeMarginMs: '15000',
      logRetentionDays: '7',
      logLevel: 'debug',
      tracing: 'false',
      removalPolicy: 'destroy',
      apiThrottleRateLimit: '20',
      apiThrottleBurstLimit: '40',
      webhookThrottleRateLimit: '5.5',
      webhookThrottleBurstLimit: '10',
      secretCacheTtlSeconds: '60',
      signalWireTimeoutMs: '2500',
      schemasDirectory: 'schemas/events',
    });

    expect(context.props).toMatchObject({
      callUpdateEvents: { allowedSources: ['com.example.dispatch', 'com.example.crm'] },
      cleanupSchedules: [
        {
          name: 'stale-calls',
          schedule: 'rate(10 minutes)',
          policy: { maxAgeSeconds: { inProgress: 7200 } },
        },
      ],
      cleanupDefaultPolicy: { maxAgeSeconds: { inProgress: 28_800 } },
      webhookPublicBaseUrl: 'https://hooks.example.com/signalwire',
      cleanupConcurrency: 4,
      logRetention: RetentionDays.ONE_WEEK,
      logLevel: 'DEBUG',
      tracing: false,
      removalPolicy: RemovalPolicy.DESTROY,
      apiThrottle: { rateLimit: 20, burstLimit: 40 },
      webhookThrottle: { rateLimit: 5.5, burstLimit: 10 },
      schemasDirectory: resolve('schemas/events'),
    });
    expect(context.props.cleanupTimeMargin?.toMilliseconds()).toBe(15_000);
    expect(context.props.secretCacheTtl?.toSeconds()).toBe(Duration.minutes(1).toSeconds());
    expect(context.props.signalWireTimeout?.toMilliseconds()).toBe(2_500);
  });

  it('lets an empty -c value clear a cdk.json default, so that secretArn can replace secretName', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:signalwire/call-control-AbC123';

    const context = read({ secretName: '', secretArn: arn });

    expect(context.props.secretName).toBeUndefined();
    expect(context.props.secretArn).toBe(arn);
  });

  it('builds JWT auth from the issuer and a comma-separated audience', () => {
    const context = read({
      authMode: 'jwt',
      jwtIssuer: 'https://issuer.example.com',
      jwtAudience: 'console,cli',
      jwtScopes: '["call-control/operate"]',
    });

    expect(context.props.apiAuth).toEqual({
      type: 'jwt',
      issuer: 'https://issuer.example.com',
      audience: ['console', 'cli'],
      scopes: ['call-control/operate'],
    });
  });

  it('reads separate JWT scopes for the read and the write routes', () => {
    const context = read({
      authMode: 'jwt',
      jwtIssuer: 'https://issuer.example.com',
      jwtAudience: 'console',
      jwtReadScopes: 'call-control/read,call-control/write',
      jwtWriteScopes: 'call-control/write',
    });

    expect(context.props.apiAuth).toMatchObject({
      readScopes: ['call-control/read', 'call-control/write'],
      writeScopes: ['call-control/write'],
    });
  });

  it('switches the operator console on from a command-line string, with an optional domain prefix', () => {
    expect(read({}).props.console).toBeUndefined();
    expect(read({ console: 'false' }).props.console).toBeUndefined();
    expect(read({ console: 'true' }).props.console).toEqual({});
    expect(read({ console: 'true', consoleDomainPrefix: 'ops-calls' }).props.console).toEqual({
      domainPrefix: 'ops-calls',
    });
  });

  it('turns the bus consumer off for an empty source list', () => {
    expect(read({ eventSources: [] }).props.callUpdateEvents).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown auth mode', { authMode: 'cognito' }, /authMode must be "iam" or "jwt"/],
    ['JWT without issuer', { authMode: 'jwt', jwtAudience: 'console' }, /needs jwtIssuer and jwtAudience/],
    ['a retention CloudWatch does not offer', { logRetentionDays: '45' }, /logRetentionDays: 45/],
    ['an unknown log level', { logLevel: 'verbose' }, /logLevel must be one of/],
    ['a log level that would drop audit records', { logLevel: 'WARN' }, /audit records are INFO lines/],
    [
      'an unknown removal policy',
      { removalPolicy: 'snapshot' },
      /removalPolicy must be "retain" or "destroy"/,
    ],
    ['a non-boolean tracing flag', { tracing: 'yes' }, /tracing must be true or false/],
    [
      'a non-numeric limit',
      { apiThrottleRateLimit: 'fast', apiThrottleBurstLimit: '10' },
      /apiThrottleRateLimit must be a number/,
    ],
    ['half a throttle', { webhookThrottleRateLimit: '10' }, /go together/],
    ['schedules that are not JSON', { cleanupSchedules: '[{name:' }, /cleanupSchedules is not valid JSON/],
    [
      'a schedule without policy',
      { cleanupSchedules: '[{"name":"a"}]' },
      /cleanupSchedules does not have the expected shape/,
    ],
  ])('rejects %s, naming the key', (_case, overrides, message) => {
    expect(() => read(overrides)).toThrow(message);
  });
});
