import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Alias, Function as LambdaFunctionResource } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
   * Must not be empty.
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
   * event (an archive replay, a redrive) is refused with `EVENT_TOO_OLD`, since its record may be gone; so it
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
