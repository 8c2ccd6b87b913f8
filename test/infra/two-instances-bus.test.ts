/**
 * Two CallControl constructs on one bus that the app reaches in different ways: a bus it creates with a literal
 * name and imports elsewhere, a bus imported twice, by ARN and by name. The overlap check must know them as one
 * bus by name, account and region, and must not mistake different buses for one.
 */
import { rmSync } from 'node:fs';
import { CfnParameter, NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CfnEventBus, EventBus } from 'aws-cdk-lib/aws-events';
import { afterAll, describe, expect, it } from 'vitest';
import { CallControl, type CallControlProps } from '../../infra/call-control.ts';
import { schemaFixtureDirectory, testApp } from './support.ts';

const schemasDirectory = schemaFixtureDirectory();
afterAll(() => rmSync(schemasDirectory, { recursive: true, force: true }));

const env = { account: '111122223333', region: 'eu-west-1' };
const OPS_ARN = 'arn:aws:events:eu-west-1:111122223333:event-bus/ops';

/** Props on the bus `bus`, acting on `com.example.crm`, with the SignalWire secret `secretName`. */
const on = (bus: Partial<CallControlProps>, secretName = 'signalwire/call-control'): CallControlProps =>
  ({
    schemasDirectory,
    secretName,
    callUpdateEvents: { allowedSources: ['com.example.crm'] },
    ...bus,
  }) as CallControlProps;

const overlapWarnings = (stack: Stack) =>
  Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('both act on Call Update Requested'))
    .map(({ entry }) => String(entry.data));

const SAME_SECRET =
  /both act on Call Update Requested events from "com.example.crm" on event bus "ops".* the same SignalWire secret/;

describe('two CallControl constructs on one bus the app reaches in two ways', () => {
  it('knows a bus the app creates with a literal eventBusName and imports by that name elsewhere as one bus', () => {
    const app = testApp();
    const shared = new Stack(app, 'shared', { env });
    const ops = new EventBus(shared, 'ops-bus', { eventBusName: 'ops' });
    new CallControl(new Stack(app, 'calls-blue', { env }), 'call-control', on({ existingEventBus: ops }));
    const green = new Stack(app, 'calls-green', { env });

    expect(() => new CallControl(green, 'call-control', on({ existingEventBusName: 'ops' }))).toThrow(
      SAME_SECRET,
    );
  });

  it('warns, naming the bus, when a created and an imported bus are one and the secrets differ', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    const ops = new EventBus(stack, 'ops-bus', { eventBusName: 'ops' });
    new CallControl(stack, 'europe', on({ existingEventBus: ops }, 'signalwire/europe'));
    new CallControl(
      stack,
      'america',
      on({ existingEventBus: EventBus.fromEventBusName(stack, 'ops-import', 'ops') }, 'signalwire/america'),
    );

    expect(overlapWarnings(stack)).toEqual([
      expect.stringContaining(
        'CallControl "telephony/europe" and "telephony/america" both act on Call Update Requested events from ' +
          '"com.example.crm" on event bus "ops", each with its own idempotency table. With different',
      ),
    ]);
  });

  it('knows a bus imported twice by name, as two constructs, as one bus', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    const imported = (id: string) => EventBus.fromEventBusName(stack, id, 'ops');
    new CallControl(stack, 'first', on({ existingEventBus: imported('ops-1') }));

    expect(() => new CallControl(stack, 'second', on({ existingEventBus: imported('ops-2') }))).toThrow(
      SAME_SECRET,
    );
  });

  it('knows a bus imported by ARN and by name as one bus', () => {
    const app = testApp();
    new CallControl(
      new Stack(app, 'calls-blue', { env }),
      'call-control',
      on({ existingEventBusArn: OPS_ARN }),
    );
    const green = new Stack(app, 'calls-green', { env });

    expect(() => new CallControl(green, 'call-control', on({ existingEventBusName: 'ops' }))).toThrow(
      SAME_SECRET,
    );
  });

  it('only warns on a bus by ARN and one by name in an env-agnostic stack: that stack may deploy elsewhere', () => {
    const app = testApp();
    new CallControl(
      new Stack(app, 'calls-blue', { env }),
      'call-control',
      on({ existingEventBusArn: OPS_ARN }),
    );
    const agnostic = new Stack(app, 'calls-green');
    new CallControl(agnostic, 'call-control', on({ existingEventBusName: 'ops' }));

    expect(overlapWarnings(agnostic)).toEqual([
      expect.stringContaining(
        'on event bus "ops", each with its own idempotency table if their env-agnostic stacks',
      ),
    ]);
  });

  it('knows a created bus named by its name token (`bus.eventBusName`) and by its literal name as one bus', () => {
    const app = testApp();
    const ops = new EventBus(new Stack(app, 'shared', { env }), 'ops-bus', { eventBusName: 'ops' });
    new CallControl(
      new Stack(app, 'calls-blue', { env }),
      'call-control',
      on({ existingEventBusName: ops.eventBusName }),
    );
    const green = new Stack(app, 'calls-green', { env });

    expect(() => new CallControl(green, 'call-control', on({ existingEventBusName: 'ops' }))).toThrow(
      SAME_SECRET,
    );
  });

  it('knows a created bus named by its ARN token (`bus.eventBusArn`) and by its literal name as one bus', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    const ops = new EventBus(stack, 'ops-bus', { eventBusName: 'ops' });
    new CallControl(stack, 'first', on({ existingEventBusArn: ops.eventBusArn }));

    expect(() => new CallControl(stack, 'second', on({ existingEventBusName: 'ops' }))).toThrow(
      /"telephony\/first" and "telephony\/second" both act on .* on event bus "ops".* the same SignalWire secret/,
    );
  });

  it('knows the CfnEventBus name and ARN attributes (`Ref`, `Name`, `Arn`) as the bus of its literal name', () => {
    const given: ((bus: CfnEventBus) => Partial<CallControlProps>)[] = [
      (bus) => ({ existingEventBusName: bus.ref }),
      (bus) => ({ existingEventBusName: bus.attrName }),
      (bus) => ({ existingEventBusArn: bus.attrArn }),
    ];
    for (const props of given) {
      const stack = new Stack(testApp(), 'telephony', { env });
      const bus = props(new CfnEventBus(stack, 'ops-bus', { name: 'ops' }));
      new CallControl(stack, 'first', on({ existingEventBusName: 'ops' }));

      expect(() => new CallControl(stack, 'second', on(bus)), Object.keys(bus)[0]).toThrow(SAME_SECRET);
    }
  });

  it('lets a created bus named by its token and a bus of another literal name, or in another account, be', () => {
    const app = testApp();
    const ops = new EventBus(new Stack(app, 'shared', { env }), 'ops-bus', { eventBusName: 'ops' });
    new CallControl(
      new Stack(app, 'calls-blue', { env }),
      'call-control',
      on({ existingEventBusArn: ops.eventBusArn }),
    );
    const others = [
      new Stack(app, 'other-name', { env }),
      new Stack(app, 'other-account', { env: { ...env, account: '444455556666' } }),
    ];
    new CallControl(others[0]!, 'call-control', on({ existingEventBusName: 'telephony' }));
    new CallControl(others[1]!, 'call-control', on({ existingEventBusName: 'ops' }));

    expect(others.flatMap(overlapWarnings)).toEqual([]);
  });

  it('knows one name given as the same token twice in one stack as one bus', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    const busName = new CfnParameter(stack, 'BusName').valueAsString;
    new CallControl(stack, 'first', on({ existingEventBusName: busName }));

    expect(() => new CallControl(stack, 'second', on({ existingEventBusName: busName }))).toThrow(
      /"telephony\/first" and "telephony\/second" both act on .* the same SignalWire secret/,
    );
  });
});

describe('two CallControl constructs in an env-agnostic stack and its nested stack', () => {
  // A nested stack deploys with its parent, in its account and region: the pair is one bus, not "if".
  it('knows a bus passed on to the nested stack as one bus in one account', () => {
    const parent = new Stack(testApp(), 'telephony');
    const ops = new EventBus(parent, 'ops-bus', { eventBusName: 'ops' });
    new CallControl(parent, 'first', on({ existingEventBus: ops }));

    expect(
      () => new CallControl(new NestedStack(parent, 'inner'), 'second', on({ existingEventBus: ops })),
    ).toThrow(/"telephony\/first" and "telephony\/inner\/second" both act on .* the same SignalWire secret/);
  });

  it('knows one name imported in both as one bus', () => {
    const parent = new Stack(testApp(), 'telephony');
    new CallControl(parent, 'first', on({ existingEventBusName: 'ops' }));
    const inner = new NestedStack(parent, 'inner');

    expect(() => new CallControl(inner, 'second', on({ existingEventBusName: 'ops' }))).toThrow(SAME_SECRET);
  });

  it('warns without an "if" on one name imported in both with different secrets', () => {
    const parent = new Stack(testApp(), 'telephony');
    new CallControl(parent, 'first', on({ existingEventBusName: 'ops' }));
    const inner = new NestedStack(parent, 'inner');
    new CallControl(inner, 'second', on({ existingEventBusName: 'ops' }, 'signalwire/other'));

    expect(overlapWarnings(parent)).toEqual([
      expect.stringContaining('on event bus "ops", each with its own idempotency table. With different'),
    ]);
  });
});

describe('two CallControl constructs given one bus ARN as a token', () => {
  it('knows the same ARN token twice in one stack as one bus', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    const busArn = new CfnParameter(stack, 'BusArn').valueAsString;
    new CallControl(stack, 'first', on({ existingEventBusArn: busArn }));

    expect(() => new CallControl(stack, 'second', on({ existingEventBusArn: busArn }))).toThrow(
      /"telephony\/first" and "telephony\/second" both act on .* the same SignalWire secret/,
    );
  });

  it('lets two different ARN tokens be', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    for (const id of ['first', 'second'])
      new CallControl(
        stack,
        id,
        on({ existingEventBusArn: new CfnParameter(stack, `${id}-arn`).valueAsString }),
      );

    expect(overlapWarnings(stack)).toEqual([]);
  });
});

describe('two CallControl constructs on different buses', () => {
  it('lets a created bus and an imported one of another name be', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    new CallControl(
      stack,
      'first',
      on({ existingEventBus: new EventBus(stack, 'ops-bus', { eventBusName: 'ops' }) }),
    );
    new CallControl(stack, 'second', on({ existingEventBusName: 'telephony' }));

    expect(overlapWarnings(stack)).toEqual([]);
  });

  it('lets buses of one name in two accounts, or two regions, be', () => {
    const app = testApp();
    const ops = new EventBus(new Stack(app, 'shared', { env }), 'ops-bus', { eventBusName: 'ops' });
    new CallControl(new Stack(app, 'calls-blue', { env }), 'call-control', on({ existingEventBus: ops }));
    const elsewhere = [
      new Stack(app, 'other-account', { env: { ...env, account: '444455556666' } }),
      new Stack(app, 'other-region', { env: { ...env, region: 'eu-central-1' } }),
    ];
    for (const stack of elsewhere)
      new CallControl(stack, 'call-control', on({ existingEventBusName: 'ops' }));

    expect(elsewhere.flatMap(overlapWarnings)).toEqual([]);
  });

  it('lets two created buses whose names CDK generates, or names given as different tokens, be', () => {
    const stack = new Stack(testApp(), 'telephony', { env });
    new CallControl(stack, 'first', on({}));
    new CallControl(stack, 'second', on({}));
    for (const id of ['third', 'fourth']) {
      new CallControl(
        stack,
        id,
        on({ existingEventBusName: new CfnParameter(stack, `${id}-bus`).valueAsString }),
      );
    }

    expect(overlapWarnings(stack)).toEqual([]);
  });
});
