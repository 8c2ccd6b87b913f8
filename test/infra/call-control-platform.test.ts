/**
 * The construct as a platform team embeds it: two of them side by side, CDK's idioms (metric methods, alarm
 * actions, an event bus passed in), the runtime, and cdk-nag in the consumer's own app.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Alarm, ComparisonOperator } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaAction, SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountRootPrincipal, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction, Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import {
  CLEANUP_CALLS_ENDED_METRIC,
  CLEANUP_CALLS_FAILED_METRIC,
  CLEANUP_SERVICE_NAME,
  EVENTS_CALLS_FAILED_METRIC,
  HTTP_API_SERVICE_NAME,
  HTTP_CALL_ACTIONS_REJECTED_METRIC,
  METRICS_INSTANCE_DIMENSION,
} from '../../infra/metric-names.ts';
import { schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

const callControl = (scope: Construct, id: string, props: Partial<CallControlProps> = {}): CallControl =>
  new CallControl(scope, id, {
    secretName: 'signalwire/call-control',
    schemasDirectory,
    cleanupSchedules: [{ name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } }],
    callUpdateEvents: { allowedSources: ['com.example.crm'] },
    ...props,
  });

type Resource = ReturnType<Template['findResources']>[string];

/**
 * What a CloudWatch alarm watches, as one comparable string: namespace, metric name, every dimension. A
 * dimension holding a reference names a resource of the alarm's own stack, so it is qualified by that stack.
 */
const watchedMetric = (alarm: Resource, stackName: string): string => {
  const { Namespace, MetricName, Dimensions } = alarm.Properties as {
    Namespace: string;
    MetricName: string;
    Dimensions: { Name: string; Value: unknown }[];
  };
  const dimensions = Dimensions.map(
    ({ Name, Value }) =>
      `${Name}=${typeof Value === 'string' ? '' : `${stackName}:`}${JSON.stringify(Value)}`,
  ).sort();
  return `${Namespace} ${MetricName} ${dimensions.join(',')}`;
};

/** The watched metrics of every alarm under `path` (a construct path prefix). */
const alarmMetricsUnder = (stack: Stack, path: string): string[] => {
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> };
  const alarms = stack.node
    .findAll()
    .filter((construct) => construct instanceof Alarm && construct.node.path.startsWith(`${path}/`))
    .map((alarm) => stack.getLogicalId((alarm as Alarm).node.defaultChild as never));
  return alarms.map((id) => watchedMetric(template.Resources[id] as Resource, stack.stackName));
};

describe('two CallControls in one account and region', () => {
  const app = testApp();
  const staging = new Stack(app, 'telephony-staging');
  const production = new Stack(app, 'telephony-production');
  const blue = callControl(production, 'blue');
  const green = callControl(production, 'green');
  const stagingOne = callControl(staging, 'blue');

  const watched = {
    'production/blue': alarmMetricsUnder(production, blue.node.path),
    'production/green': alarmMetricsUnder(production, green.node.path),
    'staging/blue': alarmMetricsUnder(staging, stagingOne.node.path),
  };

  it('give alarms whose metrics never overlap, in one stack or in two', () => {
    const entries = Object.entries(watched);
    for (const [name, metrics] of entries) {
      expect(metrics.length, name).toBeGreaterThanOrEqual(16);
      for (const [other, otherMetrics] of entries) {
        if (other === name) continue;
        expect(
          metrics.filter((metric) => otherMetrics.includes(metric)),
          `${name} vs ${other}`,
        ).toEqual([]);
      }
    }
  });

  it('give each construct an instance dimension of its stack name and path, which its functions publish', () => {
    expect([blue.metricsInstance, green.metricsInstance, stagingOne.metricsInstance]).toEqual([
      'telephony-production/blue',
      'telephony-production/green',
      'telephony-staging/blue',
    ]);
    const functions = Object.values(Template.fromStack(production).findResources('AWS::Lambda::Function'));
    const instances = functions.map(
      (fn) => fn.Properties.Environment.Variables.CALL_CONTROL_METRICS_INSTANCE,
    );
    expect(instances.sort()).toEqual([
      ...Array(4).fill('telephony-production/blue'),
      ...Array(4).fill('telephony-production/green'),
    ]);
    const custom = watched['staging/blue'].filter((metric) => metric.startsWith('SignalWireCallControl '));
    expect(custom.sort()).toEqual([
      `SignalWireCallControl ${CLEANUP_CALLS_FAILED_METRIC} instance="telephony-staging/blue",service="${CLEANUP_SERVICE_NAME}"`,
      'SignalWireCallControl CircuitBreakerTripped instance="telephony-staging/blue",service="call-control-cleanup"',
      'SignalWireCallControl StatusCallbacksRejected instance="telephony-staging/blue",service="call-control-status-callback"',
    ]);
  });

  it('take the instance from metricsInstance when given, and refuse an empty one', () => {
    const stack = new Stack(testApp(), 'renamed-stack');
    const named = callControl(stack, 'call-control', { metricsInstance: 'production' });

    expect(named.metricCallsFailed('cleanup').dimensions).toEqual({
      service: CLEANUP_SERVICE_NAME,
      instance: 'production',
    });
    expect(() => callControl(new Stack(testApp(), 's'), 'c', { metricsInstance: ' ' })).toThrow(
      /metricsInstance must be 1 to 255 characters/,
    );
  });

  it('take up to 255 characters, the longest an alarm’s dimension may be, and refuse one more naming the prop', () => {
    // CloudWatch stores 1024, but aws-cdk-lib's Metric (every alarm) refuses more than 255 with its own message.
    const longest = callControl(new Stack(testApp(), 's'), 'c', { metricsInstance: 'i'.repeat(255) });
    expect(longest.metricCleanupRuns().dimensions).toMatchObject({ instance: 'i'.repeat(255) });
    expect(() => callControl(new Stack(testApp(), 's'), 'c', { metricsInstance: 'i'.repeat(256) })).toThrow(
      /metricsInstance must be 1 to 255 characters/,
    );
    const deep = new Stack(testApp(), 's'.repeat(128));
    expect(() => callControl(deep, 'c'.repeat(127))).toThrow(
      /the default metricsInstance "s{128}\/c{127}" .* is longer than 255 characters.*set metricsInstance/,
    );
  });
});

describe('CallControl metric methods', () => {
  const stack = new Stack(testApp(), 'telephony');
  const construct = callControl(stack, 'call-control', { metricsNamespace: 'Telephony' });

  it('name per trigger the metric each function publishes, with its service and this instance', () => {
    const identity = (metric: ReturnType<CallControl['metricCallsUpdated']>) => ({
      namespace: metric.namespace,
      name: metric.metricName,
      dimensions: metric.dimensions,
      statistic: metric.statistic,
      period: metric.period.toSeconds(),
    });
    const own = (service: string) => ({ service, [METRICS_INSTANCE_DIMENSION]: 'telephony/call-control' });

    expect(identity(construct.metricCallsUpdated('cleanup'))).toEqual({
      namespace: 'Telephony',
      name: CLEANUP_CALLS_ENDED_METRIC,
      dimensions: own(CLEANUP_SERVICE_NAME),
      statistic: 'Sum',
      period: 300,
    });
    expect(construct.metricCallsUpdated('http').metricName).toBe('CallsUpdated');
    expect(construct.metricCallsUpdated('event').metricName).toBe('CallUpdateRequestsApplied');
    expect(construct.metricCallsFailed('http').metricName).toBe('CallActionsFailed');
    expect(construct.metricCallsFailed('event').metricName).toBe(EVENTS_CALLS_FAILED_METRIC);
    expect(construct.metricCallsFailed('cleanup').metricName).toBe(CLEANUP_CALLS_FAILED_METRIC);
    expect(identity(construct.metricCallActionsRejected()).dimensions).toEqual(own(HTTP_API_SERVICE_NAME));
    expect(construct.metricCallActionsRejected().metricName).toBe(HTTP_CALL_ACTIONS_REJECTED_METRIC);
    expect(construct.metricCircuitBreakerTripped().metricName).toBe('CircuitBreakerTripped');
    expect(construct.metricStatusCallbacksRejected().metricName).toBe('StatusCallbacksRejected');
    expect(construct.metricCleanupRuns().metricName).toBe('CleanupRuns');
  });

  it('take CDK metric options, and build an alarm of the app’s own on this instance only', () => {
    new Alarm(stack, 'rejections', {
      metric: construct.metricCallActionsRejected({ statistic: 'Maximum', period: Duration.hours(1) }),
      threshold: 20,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Telephony',
      MetricName: HTTP_CALL_ACTIONS_REJECTED_METRIC,
      Statistic: 'Maximum',
      Period: 3600,
      Dimensions: [
        { Name: 'instance', Value: 'telephony/call-control' },
        { Name: 'service', Value: HTTP_API_SERVICE_NAME },
      ],
    });
  });
});

describe('CallControl alarm actions and event bus', () => {
  it('runs the topic and every IAlarmAction given on alarm and on recovery', () => {
    const stack = new Stack(testApp(), 'actions');
    const topic = new Topic(stack, 'oncall', { enforceSSL: true });
    const pager = LambdaFunction.fromFunctionArn(
      stack,
      'pager',
      'arn:aws:lambda:eu-west-1:111122223333:function:pager',
    );
    callControl(stack, 'call-control', { alarmTopic: topic, alarmActions: [new LambdaAction(pager)] });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    const topicId = stack.getLogicalId(topic.node.defaultChild as never);

    expect(alarms.length).toBeGreaterThanOrEqual(16);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: topicId },
        'arn:aws:lambda:eu-west-1:111122223333:function:pager',
      ]);
      expect(alarm.Properties.OKActions).toEqual(alarm.Properties.AlarmActions);
    }
  });

  it('accepts alarm actions alone, without a topic', () => {
    const stack = new Stack(testApp(), 'sns-only');
    const topic = new Topic(stack, 'oncall', { enforceSSL: true });
    callControl(stack, 'call-control', { alarmActions: [new SnsAction(topic)] });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));

    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: stack.getLogicalId(topic.node.defaultChild as never) },
      ]);
    }
  });

  it('uses an IEventBus passed in as it is: no bus of its own, the rule and the grants on that bus', () => {
    const stack = new Stack(testApp(), 'bus');
    const bus = new EventBus(stack, 'operations');
    const construct = callControl(stack, 'call-control', { existingEventBus: bus });
    const template = Template.fromStack(stack);
    const busId = stack.getLogicalId(bus.node.defaultChild as never);

    expect(construct.eventBus).toBe(bus);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: busId } });
  });

  it.each([
    [
      'existingEventBusArn',
      { existingEventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/operations' },
    ],
    [
      'secretArn',
      {
        secretName: undefined,
        secretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:signalwire/call-control-AbC123',
      },
    ],
  ] as const)(
    'refuses a %s of another region than the stack’s, where the functions would not find it',
    (name, extra) => {
      const env = { account: '111122223333', region: 'eu-west-1' };
      const inOtherRegion = (): CallControl =>
        callControl(new Stack(testApp(), 'elsewhere', { env }), 'call-control', extra);
      const inSameRegion = (): CallControl =>
        callControl(
          new Stack(testApp(), 'here', { env: { ...env, region: 'us-east-1' } }),
          'call-control',
          extra,
        );
      const regionAgnostic = (): CallControl =>
        callControl(new Stack(testApp(), 'anywhere'), 'call-control', extra);

      expect(inOtherRegion).toThrow(
        new RegExp(`^${name} is in us-east-1 but the stack deploys to eu-west-1`),
      );
      expect(inSameRegion).not.toThrow();
      expect(regionAgnostic).not.toThrow();
    },
  );

  it('refuses a bus of another account (by ARN or as an IEventBus), or an IEventBus of another region, naming the prop', () => {
    const env = { account: '111122223333', region: 'eu-west-1' };
    const otherAccount = 'arn:aws:events:eu-west-1:444455556666:event-bus/operations';
    const inStack = (extra: (stack: Stack) => Partial<CallControlProps>, stackEnv?: typeof env) => () => {
      const stack = new Stack(testApp(), 'bus-elsewhere', stackEnv ? { env: stackEnv } : {});
      return callControl(stack, 'call-control', extra(stack));
    };

    expect(inStack(() => ({ existingEventBusArn: otherAccount }), env)).toThrow(
      /^existingEventBusArn is in account 444455556666 but the stack deploys to 111122223333, and the functions publish to the bus by name/,
    );
    expect(
      inStack((stack) => ({ existingEventBus: EventBus.fromEventBusArn(stack, 'bus', otherAccount) }), env),
    ).toThrow(/^existingEventBus is in account 444455556666 but the stack deploys to 111122223333/);
    expect(
      inStack(
        (stack) => ({
          existingEventBus: EventBus.fromEventBusArn(
            stack,
            'bus',
            'arn:aws:events:us-east-1:111122223333:event-bus/operations',
          ),
        }),
        env,
      ),
    ).toThrow(/^existingEventBus is in region us-east-1 but the stack deploys to eu-west-1/);
    // The stack's own account, or an environment-agnostic stack, is fine.
    expect(
      inStack(() => ({ existingEventBusArn: otherAccount.replace('444455556666', env.account) }), env),
    ).not.toThrow();
    expect(inStack(() => ({ existingEventBusArn: otherAccount }))).not.toThrow();
    expect(inStack((stack) => ({ existingEventBus: new EventBus(stack, 'own-bus') }), env)).not.toThrow();
  });

  it.each([
    ['existingEventBusName', { existingEventBusName: 'operations' }],
    [
      'existingEventBusArn',
      { existingEventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/operations' },
    ],
  ] as const)('refuses existingEventBus together with %s, naming both', (name, extra) => {
    const stack = new Stack(testApp(), 'bus-conflict');
    const bus = EventBus.fromEventBusName(stack, 'operations', 'operations');

    expect(() => callControl(stack, 'call-control', { existingEventBus: bus, ...extra })).toThrow(
      `CallControl takes one of existingEventBus, existingEventBusName and existingEventBusArn, got existingEventBus and ${name}`,
    );
  });
});

describe('CallControl runtime', () => {
  const functionsOf = (stack: Stack): Resource[] =>
    Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));

  it('defaults to nodejs24.x, the runtime the bundles are built and tested for, and says so to cdk-nag', () => {
    const app = testApp();
    const stack = new Stack(app, 'default-runtime');
    const construct = callControl(stack, 'call-control');

    expect(functionsOf(stack).map((fn) => fn.Properties.Runtime)).toEqual(Array(4).fill('nodejs24.x'));
    const acknowledged = construct.node
      .findAll()
      .flatMap((node) => node.node.metadata)
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([id]) => id.endsWith('AwsSolutions-L1'));
    expect(acknowledged).toHaveLength(4);
    for (const [, reason] of acknowledged) expect(reason).toMatch(/built for Node\.js 24.*runtime prop/);
  });

  it('deploys a later Node.js runtime when asked, without acknowledging AwsSolutions-L1 for it', () => {
    const stack = new Stack(testApp(), 'later-runtime');
    const node26 = new Runtime('nodejs26.x', RuntimeFamily.NODEJS);
    const construct = callControl(stack, 'call-control', { runtime: node26 });

    expect(functionsOf(stack).map((fn) => fn.Properties.Runtime)).toEqual(Array(4).fill('nodejs26.x'));
    const metadata = JSON.stringify(construct.node.findAll().flatMap((node) => node.node.metadata));
    expect(metadata).not.toContain('AwsSolutions-L1');
  });

  it.each([
    ['an earlier Node.js', Runtime.NODEJS_22_X, 'nodejs22.x'],
    ['another language', Runtime.PYTHON_3_12, 'python3.12'],
  ])('refuses %s at synth, naming the prop', (_, runtime, name) => {
    expect(() => callControl(new Stack(testApp(), 'bad-runtime'), 'call-control', { runtime })).toThrow(
      `runtime must be Node.js 24 or later (nodejs24.x, …): the bundles are built for node24; got ${name}`,
    );
  });
});

describe('cdk-nag in the app that embeds CallControl', () => {
  it('finds nothing unacknowledged after grantInvoke to a role of the app, and still reports the app’s own wildcards', () => {
    const app = testApp();
    const stack = new Stack(app, 'consumer');
    const construct = callControl(stack, 'call-control', {
      alarmTopic: new Topic(stack, 'oncall', { enforceSSL: true }),
    });
    const operators = new Role(stack, 'operators', { assumedBy: new AccountRootPrincipal() });
    construct.grantInvoke(operators);
    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations).toEqual([]);

    // The acknowledgements name the granted routes exactly: a wildcard of the app's own is still a finding.
    operators.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    const after = new AwsSolutionsChecks(app).validateScope(app);
    expect(after.violations.map((violation) => violation.ruleName)).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  it('acknowledges each granted route with a reason on the grantee’s own policy', () => {
    const stack = new Stack(testApp(), 'consumer-ack');
    const construct = callControl(stack, 'call-control');
    const operators = new Role(stack, 'operators', { assumedBy: new AccountRootPrincipal() });
    construct.grantInvoke(operators);
    const policy = operators.node.findChild('DefaultPolicy');
    const entries = policy.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    const ids = entries.map(([id]) => id.replace(/^annotation::/i, ''));
    const routes = ['POST/calls/*', 'POST/calls/*/terminate', 'GET/calls/*', 'POST/accounts/*/calls/*'];
    routes.push('POST/accounts/*/calls/*/terminate', 'GET/accounts/*/calls/*', 'GET/accounts/*/calls');
    routes.push('POST/calls/*/transfer', 'POST/accounts/*/calls/*/transfer');

    expect(ids).toHaveLength(routes.length);
    for (const route of routes) {
      const prefix =
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<';
      expect(
        ids.filter((id) => id.startsWith(prefix) && id.endsWith(`>/$default/${route}]`)),
        route,
      ).toHaveLength(1);
    }
    // The reason is what a reviewer of the finding reads: what each `*` stands for, and that it spans no more.
    for (const [, reason] of entries) {
      expect(reason).toMatch(/path parameter/);
      expect(reason).toMatch(/a call SID, an account SID/);
      expect(reason).toMatch(/one route, method and stage/);
    }
  });

  it('acknowledges the granted routes in a grantee’s other stack or nested stack too, and only those', () => {
    // Across stacks the finding names the cross-stack reference (a stack output, an import, a nested stack's
    // parameter or output), which CDK makes only while synthesising.
    const synthesised = (ownWildcard: boolean, context: Record<string, unknown> = {}): string => {
      const app = testApp(context);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const home = new Stack(app, 'home');
      const construct = callControl(home, 'call-control');
      const operators = new Role(new Stack(app, 'operators'), 'operators', {
        assumedBy: new AccountRootPrincipal(),
      });
      construct.grantInvoke(operators);
      construct.grantInvoke(
        new Role(new NestedStack(home, 'team'), 'team', { assumedBy: new AccountRootPrincipal() }),
      );
      const nested = callControl(new NestedStack(home, 'inner'), 'call-control');
      nested.grantInvoke(new Role(home, 'inner-operators', { assumedBy: new AccountRootPrincipal() }));
      if (ownWildcard) {
        operators.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
      }
      try {
        app.synth();
        return 'synthesised';
      } catch (error) {
        const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
          pluginReports: Array<{ violations: Array<{ ruleName: string; violatingConstructs: unknown[] }> }>;
        };
        return `${String(error).split('\n')[0]}: ${report.pluginReports
          .flatMap((plugin) => plugin.violations.map((violation) => violation.ruleName))
          .join(', ')}`;
      }
    };

    expect(synthesised(false)).toBe('synthesised');
    expect(synthesised(false, { '@aws-cdk/core:defaultCrossStackReferences': 'strong' })).toBe('synthesised');
    expect(synthesised(true)).toMatch(/Validation ?failed.*: AwsSolutions-IAM5\[Resource::\*\]$/i);
  });
});
