import { rmSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
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
