import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_TIME_MARGIN_MS,
  ENV,
  SECRET_CACHE_TTL_SECONDS,
  SIGNALWIRE_TIMEOUT_MS,
} from '../functions/commons/platform/settings.ts';
import { CallControlMonitoring, type LabelledResource } from './alarms.ts';
import { CallControlApi, type CallControlApiAuth, type CallControlThrottle } from './api.ts';
import { CallControlAuditQueries } from './audit-queries.ts';
import {
  CallControlFunction,
  type CallControlFunctionProps,
  type CallControlLogLevel,
} from './call-control-function.ts';
import { EVENTS_FUNCTION_TIMEOUT, validateProps } from './call-control-props.ts';
import { CallUpdateEventsConsumer, type CallUpdateEventsProps } from './call-update-events.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import { CALL_UPDATE_REQUESTED, DEFAULT_EVENT_SOURCE } from './event-contract.ts';
import { CallControlEventSchemas } from './event-schemas.ts';
import { type CallControlBundling, PACKAGE_ROOT } from './function-bundles.ts';
import { createIdempotencyTable, useIdempotencyTable } from './idempotency-table.ts';
import {
  CALL_UPDATE_EVENTS_SERVICE_NAME,
  CLEANUP_SERVICE_NAME,
  DEFAULT_METRICS_NAMESPACE,
  HTTP_API_SERVICE_NAME,
  STATUS_CALLBACK_SERVICE_NAME,
} from './metric-names.ts';
import { type CleanupScheduleProps, CleanupSchedules } from './schedules.ts';
import { type MarkedOutput, markedDescription } from './stack-outputs.ts';

/** Props of {@link CallControl}. */
export interface CallControlProps {
  /**
   * Name of the Secrets Manager secret holding the SignalWire credentials. Give this or `secretArn`.
   * @default - none; `secretArn` is used
   */
  readonly secretName?: string;
  /**
   * Complete ARN (with the six-character suffix) of the secret. Give this or `secretName`.
   * @default - none; `secretName` is used
   */
  readonly secretArn?: string;
  /**
   * Customer-managed KMS key the secret is encrypted with; the functions get `kms:Decrypt` on it, and only
   * through Secrets Manager.
   * @default - the secret uses the AWS-managed key and no KMS permission is granted
   */
  readonly secretKmsKey?: IKey;
  /**
   * How operators authenticate to the API.
   * @default { type: 'iam' }
   */
  readonly apiAuth?: CallControlApiAuth;
  /**
   * Throttling of every route of the API stage.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: CallControlThrottle;
  /**
   * Throttling of the unauthenticated status-callback route (`POST /webhooks/signalwire/status`).
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly webhookThrottle?: CallControlThrottle;
  /**
   * Scheduled cleanup runs. Cleanup ends live calls, so nothing runs unless asked for.
   * @default [] - no schedule (the cleanup function is deployed and can be invoked by hand)
   */
  readonly cleanupSchedules?: readonly CleanupScheduleProps[];
  /**
   * Policy the cleanup function applies when its input has none (`CLEANUP_DEFAULT_POLICY`).
   * @default - unset: there is no built-in policy, so each schedule's input must then give at least
   *   `maxAgeSeconds` (a run without one is refused and ends nothing)
   */
  readonly cleanupDefaultPolicy?: Record<string, unknown>;
  /**
   * Calls the cleanup function updates in parallel (`CLEANUP_CONCURRENCY`).
   * @default 10
   */
  readonly cleanupConcurrency?: number;
  /**
   * End requests the cleanup function starts per second (`CLEANUP_MAX_ENDS_PER_SECOND`), 1 to 1380.
   * SignalWire allows 13,800 POSTs per 10 s for the whole account, shared with the API and the events.
   * @default 200
   */
  readonly cleanupMaxEndsPerSecond?: number;
  /**
   * Time the cleanup function keeps in reserve before its 5-minute timeout (`CLEANUP_TIME_MARGIN_MS`).
   * @default Duration.seconds(10)
   */
  readonly cleanupTimeMargin?: Duration;
  /**
   * Name of an existing event bus (same account and region) to use instead of creating one.
   * @default - a new bus
   */
  readonly existingEventBusName?: string;
  /**
   * ARN of an existing event bus (same account and region) to use instead of creating one.
   * @default - a new bus
   */
  readonly existingEventBusArn?: string;
  /**
   * `source` of every event the functions publish (Call Updated, Call Update Failed, Call Status Changed), and
   * the prefix of the event schemas' names. Consumers' rules match on it.
   * @default 'call-control' (before 0.2.0 the fixed `signalwire.call-control`; set that to keep old rules
   *   matching)
   */
  readonly eventSource?: string;

  /**
   * Declare stack outputs the `call-control` CLI finds by their Description marker
   * (`call-control:ApiUrl [<path>] …`): the API's URL and the cleanup function's name, so
   * `call-control --stack <your stack>` works for any stack embedding this construct.
   * @default true
   */
  readonly cliOutputs?: boolean;
  /**
   * Act on "Call Update Requested" events from these sources on the bus.
   * @default - no rule, no call-update function, no idempotency table
   */
  readonly callUpdateEvents?: CallUpdateEventsProps;
  /**
   * Public base URL SignalWire is configured with when a custom domain or proxy sits in front of the API,
   * e.g. `https://hooks.example.com/signalwire` (`PUBLIC_BASE_URL`). The status-callback signature covers the
   * URL SignalWire called, so it must be known exactly.
   * @default - unset; the function rebuilds the URL from the request (right for the execute-api URL)
   */
  readonly webhookPublicBaseUrl?: string;
  /**
   * How long an accepted status callback is remembered: the same signed callback again within it is answered
   * 204 and not published again (a replay, or SignalWire resending). 1 minute to 30 days.
   * @default Duration.days(1)
   */
  readonly callbackReplayWindow?: Duration;
  /**
   * Directory holding the event JSON Schemas published in the schema registry.
   * @default - `schemas/events` of this package
   */
  readonly schemasDirectory?: string;
  /**
   * SNS topic every alarm notifies (on alarm and on return to OK).
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;
  /**
   * Retention of every function log group and of the API access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools log level of every function.
   * @default 'INFO'
   */
  readonly logLevel?: CallControlLogLevel;
  /**
   * X-Ray active tracing of every function (Lambda's invocation segments).
   * @default true
   */
  readonly tracing?: boolean;
  /**
   * Also bundle the Powertools Tracer into every function: subsegments for the handler, the AWS SDK calls and
   * the `fetch` requests to SignalWire. It adds about 124 KB to every function (a third of the HTTP function),
   * which every cold start parses, so it is off unless asked for. Needs `tracing`.
   * @default false
   */
  readonly powertoolsTracer?: boolean;
  /**
   * What happens to the idempotency table and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * CloudWatch namespace of the functions' custom metrics (and of the alarms on them).
   * @default 'SignalWireCallControl'
   */
  readonly metricsNamespace?: string;
  /**
   * How long a warm function reuses the secret before reading it again (`SECRET_CACHE_TTL_SECONDS`).
   * @default Duration.minutes(5)
   */
  readonly secretCacheTtl?: Duration;
  /**
   * Timeout of one request to SignalWire (`SIGNALWIRE_TIMEOUT_MS`); between 100 ms and 20 s so that the
   * API function can still answer within API Gateway's limit, and at most 18,333 ms with `callUpdateEvents`
   * (a redirect's 3 requests plus 5 s must fit the event function's 60 s).
   * @default Duration.seconds(5)
   */
  readonly signalWireTimeout?: Duration;
  /**
   * Where the functions' code comes from. `prebuilt`: the bundles built with the package and shipped in it,
   * deployed as they are (what the package's tests ran; the app needs no esbuild). `source`: bundled from the
   * TypeScript sources at synth time with the same esbuild settings (a checkout of this repository only).
   * @default 'prebuilt'
   */
  readonly bundling?: CallControlBundling;
}

/** Options of {@link CallControl.grantPublishCallUpdateRequests}. */
export interface PublishCallUpdateRequestsOptions {
  /** The producer's event `source`; one of `callUpdateEvents.allowedSources`. */
  readonly source: string;
}

const HTTP_API_TIMEOUT = Duration.seconds(28);

/**
 * Everything that updates live SignalWire calls from AWS: an IAM- (or JWT-) protected HTTP API for operators,
 * a status-callback webhook, scheduled cleanup of stale calls, an optional EventBridge consumer of
 * "Call Update Requested" events, the event schemas, and alarms. Every function reads the one SignalWire
 * secret and nothing else it does not need.
 */
export class CallControl extends Construct {
  readonly secret: ISecret;
  readonly eventBus: IEventBus;
  readonly api: CallControlApi;
  readonly httpApiFunction: CallControlFunction;
  readonly statusCallbackFunction: CallControlFunction;
  readonly cleanupFunction: CallControlFunction;
  /** Present when `callUpdateEvents` is given. */
  readonly callUpdateEventsFunction?: CallControlFunction;
  /** Present when `callUpdateEvents` is given. */
  readonly callUpdateEvents?: CallUpdateEventsConsumer;
  /** Present when `cleanupSchedules` is not empty. */
  readonly cleanupSchedules?: CleanupSchedules;
  /** Where failed scheduled cleanup runs land (with their error), when there are schedules. */
  readonly cleanupFailureDeadLetterQueue?: IQueue;
  readonly eventSchemas: CallControlEventSchemas;
  readonly monitoring: CallControlMonitoring;
  /** The Powertools Idempotency table: call-update requests and accepted status callbacks. */
  readonly idempotencyTable: Table;
  /** Every dead-letter queue, labelled; watch and redrive them. */
  readonly deadLetterQueues: readonly LabelledResource<IQueue>[];
  /** `source` of the events the functions publish. */
  readonly eventSource: string;
  /** Saved Logs Insights queries over the audit records and cleanup reports. */
  readonly auditQueries: CallControlAuditQueries;

  private readonly props: CallControlProps;

  constructor(scope: Construct, id: string, props: CallControlProps) {
    super(scope, id);
    validateProps(props);
    this.props = props;
    this.eventSource = props.eventSource ?? DEFAULT_EVENT_SOURCE;

    this.secret = this.importSecret();
    this.eventBus = this.resolveEventBus();

    this.httpApiFunction = this.createFunction('http-api-function', {
      entry: 'http-api',
      serviceName: HTTP_API_SERVICE_NAME,
      description: 'Operator API: read, update and end SignalWire calls',
      timeout: HTTP_API_TIMEOUT,
    });
    this.statusCallbackFunction = this.createFunction('status-callback-function', {
      entry: 'status-callback',
      serviceName: STATUS_CALLBACK_SERVICE_NAME,
      description: 'Verifies SignalWire status callbacks and publishes Call Status Changed',
      timeout: Duration.seconds(10),
      environment: {
        [ENV.eventBusName]: this.eventBus.eventBusName,
        [ENV.eventSource]: this.eventSource,
        ...(props.webhookPublicBaseUrl ? { [ENV.publicBaseUrl]: props.webhookPublicBaseUrl } : {}),
      },
    });
    this.grantPublish(this.statusCallbackFunction);
    this.cleanupFunction = this.createFunction('cleanup-function', {
      entry: 'cleanup',
      serviceName: CLEANUP_SERVICE_NAME,
      description: 'Ends stale SignalWire calls on a schedule',
      timeout: Duration.minutes(5),
      // Two runs never overlap: a schedule firing during a run is throttled instead of racing it.
      reservedConcurrentExecutions: 1,
      environment: this.cleanupEnvironment(),
    });

    this.api = new CallControlApi(this, 'api', {
      operatorHandler: this.httpApiFunction,
      webhookHandler: this.statusCallbackFunction,
      auth: props.apiAuth ?? { type: 'iam' },
      throttle: props.apiThrottle ?? { rateLimit: 50, burstLimit: 100 },
      webhookThrottle: props.webhookThrottle ?? { rateLimit: 100, burstLimit: 200 },
      logRetention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });

    this.eventSchemas = new CallControlEventSchemas(this, 'event-schemas', {
      directory: props.schemasDirectory ?? join(PACKAGE_ROOT, 'schemas', 'events'),
      source: this.eventSource,
    });

    const deadLetterQueues: LabelledResource<IQueue>[] = [];
    if (props.callUpdateEvents) {
      this.callUpdateEventsFunction = this.createFunction('call-update-events-function', {
        entry: 'call-update-events',
        serviceName: CALL_UPDATE_EVENTS_SERVICE_NAME,
        description: 'Applies Call Update Requested events and publishes the outcome',
        timeout: EVENTS_FUNCTION_TIMEOUT,
        environment: { [ENV.eventBusName]: this.eventBus.eventBusName, [ENV.eventSource]: this.eventSource },
      });
      this.grantPublish(this.callUpdateEventsFunction);
      this.callUpdateEvents = new CallUpdateEventsConsumer(this, 'call-update-events', {
        ...props.callUpdateEvents,
        eventBus: this.eventBus,
        handler: this.callUpdateEventsFunction,
        removalPolicy: this.removalPolicy,
      });
      deadLetterQueues.push(
        { label: 'call-update-delivery-dlq', resource: this.callUpdateEvents.deliveryDeadLetterQueue },
        { label: 'call-update-failure-dlq', resource: this.callUpdateEvents.failureDeadLetterQueue },
      );
    }

    const schedules = props.cleanupSchedules ?? [];
    if (schedules.length > 0) {
      this.cleanupSchedules = new CleanupSchedules(this, 'cleanup-schedules', {
        handler: this.cleanupFunction,
        schedules,
        defaultPolicy: props.cleanupDefaultPolicy,
      });
      this.cleanupFailureDeadLetterQueue = createDeadLetterQueue(
        this,
        'cleanup-failure-dead-letter-queue',
        'cleanup runs that failed: a refused policy, a listing that failed, an unexpected error',
      );
      deadLetterQueues.push(
        { label: 'cleanup-schedule-dlq', resource: this.cleanupSchedules.deadLetterQueue },
        { label: 'cleanup-failure-dlq', resource: this.cleanupFailureDeadLetterQueue },
      );
    }
    // A failed run is not retried: the next scheduled run does the same work. It lands, with its error, in
    // the failure queue (alarmed). A run throttled behind another one waits at most 10 minutes, so runs
    // cannot pile up.
    this.cleanupFunction.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(10),
      ...(this.cleanupFailureDeadLetterQueue
        ? { onFailure: new SqsDestination(this.cleanupFailureDeadLetterQueue) }
        : {}),
    });
    this.deadLetterQueues = deadLetterQueues;

    // Accepted status callbacks are remembered in the idempotency table (the event consumer's, when there is one).
    this.idempotencyTable =
      this.callUpdateEvents?.idempotencyTable ??
      createIdempotencyTable(this, 'idempotency-table', this.removalPolicy);
    useIdempotencyTable(this.statusCallbackFunction, this.idempotencyTable);
    this.statusCallbackFunction.addEnvironment(
      ENV.replayWindowSeconds,
      String((props.callbackReplayWindow ?? Duration.days(1)).toSeconds()),
    );

    this.monitoring = new CallControlMonitoring(this, 'monitoring', {
      functions: [
        { label: 'http-api', resource: this.httpApiFunction },
        { label: 'status-callback', resource: this.statusCallbackFunction },
        { label: 'cleanup', resource: this.cleanupFunction },
        ...(this.callUpdateEventsFunction
          ? [{ label: 'call-update-events', resource: this.callUpdateEventsFunction }]
          : []),
      ],
      httpApi: this.api.httpApi,
      deadLetterQueues,
      metricsNamespace: this.metricsNamespace,
      alarmTopic: props.alarmTopic,
    });

    this.auditQueries = new CallControlAuditQueries(this, 'audit-queries', {
      logGroups: [
        this.httpApiFunction,
        this.statusCallbackFunction,
        this.cleanupFunction,
        ...(this.callUpdateEventsFunction ? [this.callUpdateEventsFunction] : []),
      ].map((fn) => fn.logGroup),
      folder: `${Stack.of(this).stackName}/${this.node.id}`,
    });

    if (props.cliOutputs !== false) this.declareCliOutputs();
  }

  /** Outputs the CLI discovers by marker; see infra/stack-outputs.ts. */
  private declareCliOutputs(): void {
    const path = this.node.path;
    const outputs: Array<[MarkedOutput, string, string]> = [
      ['ApiUrl', this.apiUrl, 'Base URL of the HTTP API'],
      ['CleanupFunctionName', this.cleanupFunction.functionName, 'Invoke for a one-off cleanup'],
    ];
    for (const [name, value, what] of outputs) {
      new CfnOutput(this, `cli-output-${name}`, { value, description: markedDescription(name, path, what) });
    }
  }

  /** Base URL of the API (`https://{api-id}.execute-api.{region}.amazonaws.com/`). */
  get apiUrl(): string {
    return this.api.url;
  }

  /**
   * Allows `grantee` to call every operator route (not the webhook). IAM authorization only; throws in
   * JWT mode.
   */
  grantInvoke(grantee: IGrantable): Grant {
    return this.api.grantInvoke(grantee);
  }

  /**
   * Onboards a producer: lets `grantee` put "Call Update Requested" events on the bus, and only under its own
   * `source` (IAM conditions on `events:source` and `events:detail-type`), so that the `allowedSources` list
   * means something: a producer cannot pass for another one, nor publish the functions' outcome events.
   */
  grantPublishCallUpdateRequests(grantee: IGrantable, options: PublishCallUpdateRequestsOptions): Grant {
    const { source } = options;
    const allowed = this.props.callUpdateEvents?.allowedSources;
    if (!allowed) {
      throw new Error(
        'grantPublishCallUpdateRequests needs callUpdateEvents: without it nothing acts on the requests',
      );
    }
    if (!allowed.includes(source)) {
      throw new Error(
        `grantPublishCallUpdateRequests: source "${source}" is not one of callUpdateEvents.allowedSources ` +
          `(${allowed.join(', ')}), so its requests would be ignored`,
      );
    }
    return Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.eventBus.eventBusArn],
      conditions: {
        StringEquals: { 'events:source': source, 'events:detail-type': CALL_UPDATE_REQUESTED },
      },
    });
  }

  private get logRetention(): RetentionDays {
    return this.props.logRetention ?? RetentionDays.ONE_MONTH;
  }

  private get removalPolicy(): RemovalPolicy {
    return this.props.removalPolicy ?? RemovalPolicy.RETAIN;
  }

  private get metricsNamespace(): string {
    return this.props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
  }

  /**
   * The secret's ARN as IAM must see it. Secrets Manager appends six random characters to every secret ARN,
   * so a secret known by name is matched with exactly six `?`; the imported secret's `secretArn` lacks them.
   */
  private get secretPolicyArn(): string {
    const { secretName, secretArn } = this.props;
    return (
      secretArn ??
      Stack.of(this).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${secretName}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })
    );
  }

  private importSecret(): ISecret {
    const { secretName, secretArn } = this.props;
    return secretArn !== undefined
      ? Secret.fromSecretCompleteArn(this, 'signalwire-secret', secretArn)
      : Secret.fromSecretNameV2(this, 'signalwire-secret', secretName ?? '');
  }

  private resolveEventBus(): IEventBus {
    const { existingEventBusName, existingEventBusArn } = this.props;
    if (existingEventBusArn !== undefined) {
      return EventBus.fromEventBusArn(this, 'event-bus', existingEventBusArn);
    }
    if (existingEventBusName !== undefined) {
      return EventBus.fromEventBusName(this, 'event-bus', existingEventBusName);
    }
    return new EventBus(this, 'event-bus', {
      description:
        'SignalWire call-control: Call Update Requested in; Call Updated, Call Update Failed, Call Status Changed out',
    });
  }

  /**
   * A function with the settings every call-control function shares: the secret's ID (never its value),
   * Powertools configuration, log retention, tracing, and read access to that one secret.
   */
  private createFunction(id: string, props: CallControlFunctionProps): CallControlFunction {
    const fn = new CallControlFunction(this, id, {
      ...props,
      metricsNamespace: this.metricsNamespace,
      logLevel: this.props.logLevel,
      logRetention: this.logRetention,
      logRemovalPolicy: this.removalPolicy,
      tracing: this.props.tracing,
      powertoolsTracer: this.props.powertoolsTracer,
      bundling: this.props.bundling,
      environment: {
        // A name is resolved by Secrets Manager; a complete ARN pins the exact secret.
        [ENV.signalWireSecretId]: this.props.secretArn ?? this.props.secretName ?? '',
        [ENV.secretCacheTtlSeconds]: String(
          this.props.secretCacheTtl?.toSeconds() ?? SECRET_CACHE_TTL_SECONDS.default,
        ),
        [ENV.signalWireTimeoutMs]: String(
          this.props.signalWireTimeout?.toMilliseconds() ?? SIGNALWIRE_TIMEOUT_MS.default,
        ),
        ...props.environment,
      },
    });
    // GetSecretValue only: DescribeSecret (part of grantRead) would expose the secret's metadata for nothing.
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secretPolicyArn] }),
    );
    if (this.props.secretKmsKey) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.props.secretKmsKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }
    return fn;
  }

  /** PutEvents on this bus only, and only as `eventSource`. */
  private grantPublish(fn: CallControlFunction): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: { StringEquals: { 'events:source': this.eventSource } },
      }),
    );
  }

  private cleanupEnvironment(): Record<string, string> {
    const {
      cleanupDefaultPolicy,
      cleanupConcurrency = CLEANUP_CONCURRENCY.default,
      cleanupMaxEndsPerSecond = CLEANUP_ENDS_PER_SECOND.default,
      cleanupTimeMargin = Duration.millis(CLEANUP_TIME_MARGIN_MS.default),
    } = this.props;
    return {
      [ENV.cleanupConcurrency]: String(cleanupConcurrency),
      [ENV.cleanupMaxEndsPerSecond]: String(cleanupMaxEndsPerSecond),
      [ENV.cleanupTimeMarginMs]: String(cleanupTimeMargin.toMilliseconds()),
      ...(cleanupDefaultPolicy ? { [ENV.cleanupDefaultPolicy]: JSON.stringify(cleanupDefaultPolicy) } : {}),
    };
  }
}
