import {
  Annotations,
  Arn,
  ArnFormat,
  Duration,
  Reference,
  type RemovalPolicy,
  Stack,
  Token,
  Tokenization,
} from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { CfnEventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Alias, Function as LambdaFunctionResource } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '../functions/commons/platform/settings.ts';
import { triggerAlias } from './call-control-function.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import { CALL_UPDATE_REQUESTED } from './event-contract.ts';
import { createIdempotencyTable, useIdempotencyTable } from './idempotency-table.ts';
import { durationIn, settingValue } from './props-validation.ts';

/** How "Call Update Requested" events reach the call-update function. */
export interface CallUpdateEventsProps {
  /**
   * `source` values whose "Call Update Requested" events are acted on; anything else on the bus is ignored.
   * Must not be empty. Two constructs of one app on one bus must not share a source: with the same secret the
   * synth fails (each request would be applied twice), with different ones it warns
   * ({@link OVERLAPPING_CALL_UPDATE_SOURCES_WARNING}).
   */
  readonly allowedSources: readonly string[];
  /**
   * Retries of a failed delivery (by EventBridge) and of a failed invocation (by Lambda), each.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How old an event may get while being retried before it goes to a dead-letter queue. Between 1 minute
   * and 6 hours.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * How long a handled request is remembered, so that a redelivery or a repeated idempotency key is not
   * applied twice (`IDEMPOTENCY_TTL_SECONDS`). At most 30 days. It also bounds how old an event may be when
   * it arrives: older than this less twice the clock tolerance (5 minutes, or a tenth of it when shorter), an
   * event (an archive replay, a redrive) is refused with `EVENT_TOO_OLD`, since its record may be gone (one
   * still there and COMPLETED is replayed instead); so it
   * must be at least twice `maxEventAge` plus twice the tolerance (a first delivery EventBridge and then Lambda
   * retried for up to `maxEventAge` each), or the construct refuses it at synth.
   * @default Duration.days(1)
   */
  readonly idempotencyTtl?: Duration;
}

/** Props of {@link CallUpdateEventsConsumer}. */
export interface CallUpdateEventsConsumerProps extends CallUpdateEventsProps {
  readonly eventBus: IEventBus;
  /** The call-update function; it gets `IDEMPOTENCY_TABLE_NAME` and access to the table. */
  readonly handler: LambdaFunctionResource;
  /** Removal policy of the idempotency table. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The rule that routes allowed "Call Update Requested" events to the call-update function, with retries and
 * dead-letter queues on both legs (EventBridge to Lambda, and the asynchronous invocation itself), and the
 * Powertools Idempotency table that makes a redelivered event harmless.
 */
export class CallUpdateEventsConsumer extends Construct {
  readonly rule: Rule;
  /**
   * The rule's target: the function's `event-rule` alias, which only this rule may invoke, so the audit records
   * attest the account and region EventBridge wrote; an invoke of the unqualified function records them as
   * claimed.
   */
  readonly ruleTarget: Alias;
  readonly idempotencyTable: Table;
  /** Events EventBridge could not deliver to the function. */
  readonly deliveryDeadLetterQueue: Queue;
  /** Invocations that still failed after Lambda's retries. */
  readonly failureDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: CallUpdateEventsConsumerProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    const maxEventAge = props.maxEventAge ?? Duration.hours(1);

    this.idempotencyTable = createIdempotencyTable(this, 'idempotency-table', props.removalPolicy);
    useIdempotencyTable(props.handler, this.idempotencyTable);
    props.handler.addEnvironment(
      ENV.idempotencyTtlSeconds,
      settingValue(
        durationIn('callUpdateEvents.idempotencyTtl', props.idempotencyTtl ?? Duration.days(1), 'seconds'),
      ),
    );
    // The function checks the window against it at cold start, which the synth cannot when either is a token.
    props.handler.addEnvironment(
      ENV.maxEventAgeSeconds,
      settingValue(durationIn('callUpdateEvents.maxEventAge', maxEventAge, 'seconds')),
    );
    // The rule filters on the sources; the function checks them again, so a second rule or a replay
    // pointed at it cannot widen the allow-list.
    props.handler.addEnvironment(ENV.allowedEventSources, props.allowedSources.join(','));

    this.deliveryDeadLetterQueue = createDeadLetterQueue(
      this,
      'delivery-dead-letter-queue',
      'Call Update Requested events EventBridge could not deliver to the function',
    );
    this.failureDeadLetterQueue = createDeadLetterQueue(
      this,
      'failure-dead-letter-queue',
      'Call Update Requested invocations that failed after all retries',
    );

    this.ruleTarget = triggerAlias(props.handler, 'event');
    // Asynchronous invoke settings are per qualifier: the rule's alias, and the unqualified function for a
    // hand invoke.
    for (const target of [props.handler, this.ruleTarget]) {
      target.configureAsyncInvoke({
        retryAttempts,
        maxEventAge,
        onFailure: new SqsDestination(this.failureDeadLetterQueue),
      });
    }

    this.rule = new Rule(this, 'call-update-requested-rule', {
      description: 'Routes Call Update Requested events from allowed sources to the call-update function',
      eventBus: props.eventBus,
      eventPattern: {
        detailType: [CALL_UPDATE_REQUESTED],
        source: [...props.allowedSources],
      },
      targets: [
        new LambdaFunction(this.ruleTarget, {
          retryAttempts,
          maxEventAge,
          deadLetterQueue: this.deliveryDeadLetterQueue,
        }),
      ],
    });
  }
}

// Two CallControl consumers of one bus whose allowed sources overlap would each act on the same
// "Call Update Requested" event, each with its own idempotency table: nothing in AWS stops it, so the synth does.

/** The warning's id, for `Annotations.of(scope).acknowledgeWarning` when two consumers are meant to share sources. */
export const OVERLAPPING_CALL_UPDATE_SOURCES_WARNING =
  'signalwire-call-control:overlapping-call-update-sources';

/** What the synth knows of the bus a rule is on. */
interface BusIdentity {
  /** The bus construct: one passed on to two constructs is one bus, whatever else is known. */
  readonly path: string;
  /**
   * Its physical name: a string at synth for an imported bus (`default` included) or one made with a literal
   * `eventBusName`, else a token's text, which only equals itself.
   */
  readonly name: string | undefined;
  /** Its ARN: a string, or a token's text (an ARN given as a token, or one built from pseudo parameters). */
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  /** The stack it deploys with (a nested stack's top-level parent). */
  readonly stack: Stack;
  readonly label: string;
}

/** One construct's "Call Update Requested" rule: where it listens, to whom, and with which SignalWire project. */
interface Subscription {
  readonly path: string;
  readonly bus: BusIdentity;
  readonly sources: readonly string[];
  /** Undefined when it cannot be told at synth whether two secrets are one (different tokens). */
  readonly secret: string | undefined;
  /** The stack it deploys with (a nested stack's top-level parent). */
  readonly stack: Stack;
  /** Whether its stack names its account and region: two env-agnostic stacks may deploy to different ones. */
  readonly placed: boolean;
}

/** Every subscription made so far in an app (its root construct), so the next one is compared with them. */
const subscriptionsByApp = new WeakMap<IConstruct, Subscription[]>();

/**
 * A bus's physical name: for one the app creates (whose `eventBusName` is a reference), the name its
 * `AWS::Events::EventBus` is given (a token CDK generates when none was); for an imported one (by name or ARN),
 * its `eventBusName`, a string or the token it was given.
 */
const busName = (bus: IEventBus): string | undefined => {
  const resource = bus.node.defaultChild;
  return resource instanceof CfnEventBus ? resource.name : bus.eventBusName;
};

/**
 * The bus an attribute token names, when it is one of an `AWS::Events::EventBus` this app creates with a literal
 * name: its `Ref` or `Name` (`bus.eventBusName`, `cfnBus.ref`, `cfnBus.attrName`) or its `Arn` (`bus.eventBusArn`,
 * `cfnBus.attrArn`). CDK keeps the resource such a token refers to, so the synth knows the name it resolves to.
 */
const createdBusNamedBy = (
  value: string | undefined,
  attributes: readonly string[],
): { name: string; stack: Stack } | undefined => {
  if (value === undefined || !Token.isUnresolved(value)) return undefined;
  const reference = Tokenization.reverse(value, { failConcat: false });
  if (!Reference.isReference(reference) || !attributes.includes(reference.displayName)) return undefined;
  const { target } = reference;
  const name = target instanceof CfnEventBus ? target.name : undefined;
  return name === undefined || Token.isUnresolved(name) ? undefined : { name, stack: Stack.of(target) };
};

/**
 * The stack a construct deploys with: a nested stack's top-level parent. A nested stack deploys in its parent's
 * account and region, and a token (a pseudo parameter, a parent's parameter) resolves there as in its parent.
 */
const deployedStack = (scope: IConstruct): Stack => {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent !== undefined) stack = stack.nestedStackParent;
  return stack;
};

const busIdentity = (bus: IEventBus): BusIdentity => {
  // A name token of a created bus is that bus's name in the importing stack's account and region (where the rule
  // is); an ARN token of one is the bus itself, in its own stack's.
  const byName = createdBusNamedBy(bus.eventBusName, ['Ref', 'Name']);
  const byArn = byName ? undefined : createdBusNamedBy(bus.eventBusArn, ['Arn']);
  const name = byName?.name ?? byArn?.name ?? busName(bus);
  return {
    path: bus.node.path,
    name,
    arn: bus.eventBusArn,
    account: byArn ? byArn.stack.account : bus.env.account,
    region: byArn ? byArn.stack.region : bus.env.region,
    stack: deployedStack(bus),
    label: name === undefined || Token.isUnresolved(name) ? bus.node.path : `"${name}"`,
  };
};

type Sameness = 'same' | 'maybe' | 'different';

/**
 * Whether two values at synth are one at deploy: two strings are, or are not; the same token is the same value
 * within one stack, but a pseudo parameter (`AWS::AccountId`) resolves per stack, so across two it may differ;
 * different tokens (or a token and a string) may be anything.
 */
const compareValues = (a: string, b: string, oneStack: boolean): Sameness => {
  const known = !Token.isUnresolved(a) && !Token.isUnresolved(b);
  if (known) return a === b ? 'same' : 'different';
  return a === b && oneStack ? 'same' : 'maybe';
};

/**
 * Whether two rules' buses are one: the same construct certainly; else the same physical name in the same account
 * and region. A name is compared only with itself: a bus whose name CDK generates, or names given as different
 * tokens (or a token and a string), cannot be told apart at synth, so they count as different buses rather than
 * warn on every pair. An account, region or name token (an env-agnostic stack's) seen from two stacks makes the
 * pair only possibly one bus: pseudo parameters resolve per stack.
 */
const compareBuses = (a: BusIdentity, b: BusIdentity): Sameness => {
  if (a.path === b.path) return 'same';
  // One ARN token given twice: its name, account and region are read from it as new tokens on each import.
  if (a.arn === b.arn && Token.isUnresolved(a.arn) && a.stack === b.stack) return 'same';
  if (a.name === undefined || a.name !== b.name) return 'different';
  const oneStack = a.stack === b.stack;
  const parts = [
    compareValues(a.name, b.name, oneStack),
    compareValues(a.account, b.account, oneStack),
    compareValues(a.region, b.region, oneStack),
  ];
  if (parts.includes('different')) return 'different';
  return parts.every((part) => part === 'same') ? 'same' : 'maybe';
};

/**
 * The secret's name in its account and region (an ARN's six-character suffix dropped), or the token itself:
 * the same token is the same secret, and two different ones cannot be told apart at synth.
 */
const secretIdentity = (
  scope: Construct,
  secret: { secretName?: string; secretArn?: string },
): string | undefined => {
  const { secretName, secretArn } = secret;
  if (secretArn !== undefined) {
    if (Token.isUnresolved(secretArn)) return `token ${secretArn}`;
    const { account, region, resourceName } = Arn.split(secretArn, ArnFormat.COLON_RESOURCE_NAME);
    return `${account}/${region}/${resourceName?.replace(/-[A-Za-z0-9]{6}$/, '')}`;
  }
  if (secretName === undefined) return undefined;
  if (Token.isUnresolved(secretName)) return `token ${secretName}`;
  const stack = Stack.of(scope);
  return `${stack.account}/${stack.region}/${secretName}`;
};

/**
 * Registers `scope`'s "Call Update Requested" rule and compares it with every one registered before it in the
 * same app: another rule on the same bus with a source in common consumes each of those events too.
 *
 * With the same secret (the same SignalWire project) each request would be applied twice, a redirect restarting
 * the call flow twice: that throws, naming both constructs. With different secrets (or ones that cannot be
 * compared at synth) the project without the call answers 404 and its construct publishes Call Update Failed
 * (`CALL_NOT_FOUND`) beside the other's outcome, and two secrets may still hold one project: a warning on
 * `scope`, which a team that means it can acknowledge ({@link OVERLAPPING_CALL_UPDATE_SOURCES_WARNING}). Two
 * env-agnostic stacks may deploy to different accounts: their pair is only warned about, whatever the secret.
 */
export const checkCallUpdateSubscription = (
  scope: Construct,
  bus: IEventBus,
  sources: readonly string[],
  secret: { secretName?: string; secretArn?: string },
): void => {
  const mine: Subscription = {
    path: scope.node.path,
    bus: busIdentity(bus),
    sources,
    secret: secretIdentity(scope, secret),
    stack: deployedStack(scope),
    placed: !Token.isUnresolved(Stack.of(scope).account) && !Token.isUnresolved(Stack.of(scope).region),
  };
  const root = scope.node.root;
  const earlier = subscriptionsByApp.get(root) ?? [];
  for (const other of earlier) {
    const oneBus = compareBuses(mine.bus, other.bus);
    if (oneBus === 'different') continue;
    const shared = mine.sources.filter((source) => other.sources.includes(source));
    if (shared.length === 0) continue;
    const both =
      `CallControl "${other.path}" and "${mine.path}" both act on Call Update Requested events from ` +
      `${shared.map((source) => `"${source}"`).join(', ')} on event bus ${mine.bus.label}, each with its own idempotency table`;
    const fix =
      'Give each construct its own callUpdateEvents.allowedSources, and each producer the source of the ' +
      'construct it addresses (grantPublishCallUpdateRequests)';
    // Certainly one bus, seen from one stack or two that name their account and region: one account, so a secret
    // known by name is one secret.
    const placed = mine.placed && other.placed;
    const certain = oneBus === 'same' && (mine.stack === other.stack || placed);
    if (certain && mine.secret !== undefined && mine.secret === other.secret) {
      throw new Error(
        `${both}, and the same SignalWire secret: every such request would be applied twice (a redirect ` +
          `restarts the call flow twice). ${fix}.`,
      );
    }
    const unless = certain
      ? ''
      : placed
        ? " if both are one bus (an env-agnostic stack's bus may be in another account or region)"
        : ' if their env-agnostic stacks deploy to one account and region';
    Annotations.of(scope).addWarningV2(
      OVERLAPPING_CALL_UPDATE_SOURCES_WARNING,
      `${both}${unless}. ` +
        'With different SignalWire projects, the one without the call answers 404 and its construct ' +
        "publishes Call Update Failed (CALL_NOT_FOUND) beside the other's outcome; if both secrets hold the " +
        `same project, every such request is applied twice. ${fix}; acknowledge this warning only if both ` +
        'are meant to receive every request.',
    );
  }
  subscriptionsByApp.set(root, [...earlier, mine]);
};
