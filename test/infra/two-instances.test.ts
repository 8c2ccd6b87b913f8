import { rmSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import { OVERLAPPING_CALL_UPDATE_SOURCES_WARNING } from '../../infra/call-update-events.ts';
import { schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

/**
 * The properties that name a resource physically where the name must be unique in an account and region (or,
 * for a Cognito domain, across AWS): two of them equal would fail the second stack's deploy. Saved queries may
 * share a name, but an auditor could not tell the two stacks' apart in the console's folder list.
 */
const PHYSICAL_NAMES: Record<string, string> = {
  'AWS::Cognito::UserPoolDomain': 'Domain',
  'AWS::Events::EventBus': 'Name',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::EventSchemas::Registry': 'RegistryName',
  'AWS::Logs::QueryDefinition': 'Name',
};

/** Every literal physical name a template sets, as `type name`. */
const physicalNames = (stack: Stack): string[] =>
  Object.values(
    Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties?: object }>,
  ).flatMap(({ Type, Properties }) => {
    const key = PHYSICAL_NAMES[Type];
    const value = key ? (Properties as Record<string, unknown> | undefined)?.[key] : undefined;
    return typeof value === 'string' ? [`${Type} ${value}`] : [];
  });

describe('two CallControl constructs with the same id, in two stacks of one app (one account and region)', () => {
  const build = () => {
    const app = testApp();
    const props = {
      schemasDirectory,
      secretName: 'signalwire/call-control',
      console: {},
      callUpdateEvents: { allowedSources: ['com.example.crm'] },
      cleanupSchedules: [{ name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } }],
    } as CallControlProps;
    return ['calls-blue', 'calls-green'].map((id) => {
      const stack = new Stack(app, id, { env: { account: '111122223333', region: 'eu-west-1' } });
      new CallControl(stack, 'call-control', props);
      return stack;
    });
  };

  it('name no resource physically alike, so both deploy', () => {
    const [blue, green] = build().map(physicalNames);

    expect(blue?.length).toBeGreaterThan(0);
    expect(blue?.filter((name) => green?.includes(name))).toEqual([]);
  });

  it('keep the same physical names from one synth to the next', () => {
    expect(build().map(physicalNames)).toEqual(build().map(physicalNames));
  });
});

describe('two CallControl constructs in one stack', () => {
  it('name no resource physically alike, so the stack deploys', () => {
    const stack = new Stack(testApp(), 'telephony', {
      env: { account: '111122223333', region: 'eu-west-1' },
    });
    const props = {
      schemasDirectory,
      secretName: 'signalwire/call-control',
      console: {},
      callUpdateEvents: { allowedSources: ['com.example.crm'] },
      cleanupSchedules: [{ name: 'stale-calls', policy: { maxAgeSeconds: { inProgress: 14_400 } } }],
    } as CallControlProps;
    new CallControl(stack, 'staging', props);
    new CallControl(stack, 'production', props);
    const names = physicalNames(stack);

    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });
});

describe('two CallControl constructs that consume Call Update Requested events from one bus', () => {
  const env = { account: '111122223333', region: 'eu-west-1' };
  const base = (secretName: string, allowedSources: string[], bus: Partial<CallControlProps> = {}) =>
    ({
      schemasDirectory,
      secretName,
      existingEventBusName: 'default',
      callUpdateEvents: { allowedSources },
      ...bus,
    }) as CallControlProps;
  const warningsOf = (stack: Stack) =>
    Annotations.fromStack(stack).findWarning(
      '*',
      Match.stringLikeRegexp('both act on Call Update Requested'),
    );

  it('refuses, naming both constructs, when they share a source and the SignalWire secret: each request would be applied twice', () => {
    const app = testApp();
    const blue = new Stack(app, 'calls-blue', { env });
    const green = new Stack(app, 'calls-green', { env });
    new CallControl(
      blue,
      'call-control',
      base('signalwire/call-control', ['com.example.crm', 'com.example.ivr']),
    );

    expect(
      () => new CallControl(green, 'call-control', base('signalwire/call-control', ['com.example.ivr'])),
    ).toThrow(
      'CallControl "calls-blue/call-control" and "calls-green/call-control" both act on Call Update Requested ' +
        'events from "com.example.ivr" on event bus "default", each with its own idempotency table, and the same ' +
        'SignalWire secret: every such request would be applied twice',
    );
  });

  it('knows one secret by name and by complete ARN, and one bus passed on as a construct', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    const first = new CallControl(stack, 'first', {
      ...base('signalwire/call-control', ['com.example.crm']),
      existingEventBusName: undefined,
    });
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:signalwire/call-control-AbC123';

    expect(
      () =>
        new CallControl(stack, 'second', {
          ...base('', ['com.example.crm'], { existingEventBus: first.eventBus }),
          secretName: undefined,
          existingEventBusName: undefined,
          secretArn: arn,
        }),
    ).toThrow(/"telephony\/first" and "telephony\/second" both act on .* the same SignalWire secret/);
  });

  it('warns on the second, naming both, when their secrets differ: the project without the call publishes CALL_NOT_FOUND', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    new CallControl(stack, 'europe', base('signalwire/europe', ['com.example.crm']));
    new CallControl(stack, 'america', base('signalwire/america', ['com.example.crm', 'com.example.ivr']));

    const warnings = warningsOf(stack);
    expect(warnings.map(({ id }) => id)).toEqual(['/telephony/america']);
    expect(warnings[0]?.entry.data).toContain(
      'CallControl "telephony/europe" and "telephony/america" both act on Call Update Requested events from ' +
        '"com.example.crm" on event bus "default"',
    );
    expect(warnings[0]?.entry.data).toContain('Call Update Failed (CALL_NOT_FOUND)');
    expect(warnings[0]?.entry.data).toContain(`[ack: ${OVERLAPPING_CALL_UPDATE_SOURCES_WARNING}]`);
  });

  it('only warns, with the same secret, when their stacks are env-agnostic: they may deploy to different accounts', () => {
    const app = testApp();
    const [staging, production] = ['staging', 'production'].map((id) => {
      const stack = new Stack(app, id);
      new CallControl(stack, 'call-control', base('signalwire/call-control', ['com.example.crm']));
      return stack;
    });

    expect(production && warningsOf(production).map(({ entry }) => entry.data)).toEqual([
      expect.stringContaining(
        'on event bus "default", each with its own idempotency table if their env-agnostic stacks deploy to one account and region.',
      ),
    ]);
    expect(staging && warningsOf(staging)).toEqual([]);
  });

  it('lets them be when their sources differ, or their buses do', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    new CallControl(stack, 'europe', base('signalwire/call-control', ['com.example.crm.europe']));
    new CallControl(stack, 'america', base('signalwire/call-control', ['com.example.crm.america']));
    new CallControl(stack, 'own-bus', {
      ...base('signalwire/call-control', ['com.example.crm.europe']),
      existingEventBusName: 'telephony',
    });

    expect(warningsOf(stack)).toEqual([]);
  });
});
