import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { type ILogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CLEANUP_FUNCTION_TIMEOUT_SECONDS,
  ENV,
  SECRET_CACHE_TTL_SECONDS,
  SIGNALWIRE_TIMEOUT_MS,
} from '../functions/commons/platform/settings.ts';
import { CallControlMonitoring, type LabelledResource } from './alarms.ts';
import { CallControlApi } from './api.ts';
import { CallControlAuditQueries } from './audit-queries.ts';
import { CallControlFunction, type CallControlFunctionProps, triggerAlias } from './call-control-function.ts';
import { CallUpdateEventsConsumer, checkCallUpdateSubscription } from './call-update-events.ts';
import { CallControlConsole } from './console.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import { CALL_UPDATE_REQUESTED, DEFAULT_EVENT_SOURCE } from './event-contract.ts';
import { CallControlEventSchemas } from './event-schemas.ts';
import { PACKAGE_ROOT } from './function-bundles.ts';
import { createIdempotencyTable, useIdempotencyTable } from './idempotency-table.ts';
import {
  CALL_UPDATE_EVENTS_SERVICE_NAME,
  CLEANUP_DRY_RUN_SERVICE_NAME,
  CLEANUP_SERVICE_NAME,
  DEFAULT_METRICS_NAMESPACE,
  HTTP_API_SERVICE_NAME,
  STATUS_CALLBACK_SERVICE_NAME,
} from './metric-names.ts';
import { CallControlMetrics, type CallControlTrigger, defaultMetricsInstance } from './metrics.ts';
import type { CallControlProps, PublishCallUpdateRequestsOptions } from './props.ts';
import { durationSetting, EVENTS_FUNCTION_TIMEOUT, validateProps } from './props-validation.ts';
import { CleanupSchedules } from './schedules.ts';
import {
  cleanupEnvironment,
  declareCliOutputs,
  grantSecretValue,
  importSecret,
  resolveEventBus,
} from './shared-resources.ts';

export type { CallControlProps, PublishCallUpdateRequestsOptions } from './props.ts';

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
  /** The operator routes' integration: the HTTP function's `api-gateway` alias, which only this API may invoke. */
  readonly httpApiAlias: Alias;
  /** What the schedules invoke: the cleanup function's `scheduler` alias, which only their role may invoke. */
  readonly cleanupSchedulerAlias: Alias;
  readonly statusCallbackFunction: CallControlFunction;
  readonly cleanupFunction: CallControlFunction;
  /** Present when `console` is given: the console's cleanup dry run (its own function: see README). */
  readonly cleanupDryRunFunction?: CallControlFunction;
  /** The event consumer's function and rule: present when `callUpdateEvents` is given. */
  readonly callUpdateEventsFunction?: CallControlFunction;
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
  /** The `instance` dimension of this construct's custom metrics (see the `metricsInstance` prop). */
  readonly metricsInstance: string;
  /** This construct's custom metrics; the `metric…()` methods read from it. */
  readonly metrics: CallControlMetrics;
  /** Present when `console` is given: the operator console, its user pool and its routes. */
  readonly console?: CallControlConsole;

  private readonly props: CallControlProps;

  constructor(scope: Construct, id: string, props: CallControlProps) {
    super(scope, id);
    validateProps(props, this);
    this.props = props;
    this.eventSource = props.eventSource ?? DEFAULT_EVENT_SOURCE;
    this.metricsInstance = props.metricsInstance ?? defaultMetricsInstance(this);
    this.metrics = new CallControlMetrics(this.metricsNamespace, this.metricsInstance);

    this.secret = importSecret(this, props);
    this.eventBus = resolveEventBus(this, props);

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
      timeout: Duration.seconds(CLEANUP_FUNCTION_TIMEOUT_SECONDS),
      // Two runs never overlap: a schedule firing during a run is throttled instead of racing it.
      reservedConcurrentExecutions: 1,
      environment: cleanupEnvironment(props),
    });

    // Each AWS trigger invokes its own alias, so the audit records can tell it from a hand invoke.
    this.httpApiAlias = triggerAlias(this.httpApiFunction, 'http');
    this.cleanupSchedulerAlias = triggerAlias(this.cleanupFunction, 'schedule');
    if (props.console) {
      this.cleanupDryRunFunction = this.createFunction('cleanup-dry-run-function', {
        entry: 'cleanup-dry-run',
        serviceName: CLEANUP_DRY_RUN_SERVICE_NAME,
        description: 'Console: what a cleanup policy would end now, ending nothing',
        timeout: HTTP_API_TIMEOUT,
      });
    }

    this.api = new CallControlApi(this, 'api', {
      operatorHandler: this.httpApiAlias,
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
      ({ fn: this.callUpdateEventsFunction, consumer: this.callUpdateEvents } = this.createCallUpdateEvents(
        props.callUpdateEvents,
      ));
      deadLetterQueues.push(
        { label: 'call-update-delivery-dlq', resource: this.callUpdateEvents.deliveryDeadLetterQueue },
        { label: 'call-update-failure-dlq', resource: this.callUpdateEvents.failureDeadLetterQueue },
      );
    }

    const schedules = props.cleanupSchedules ?? [];
    if (schedules.length > 0) {
      ({ schedules: this.cleanupSchedules, failureQueue: this.cleanupFailureDeadLetterQueue } =
        this.createCleanupSchedules(schedules));
      deadLetterQueues.push(
        { label: 'cleanup-schedule-dlq', resource: this.cleanupSchedules.deadLetterQueue },
        { label: 'cleanup-failure-dlq', resource: this.cleanupFailureDeadLetterQueue },
      );
    }
    this.configureCleanupRetries();
    this.deadLetterQueues = deadLetterQueues;

    this.idempotencyTable = this.rememberStatusCallbacks();

    this.monitoring = this.createMonitoring(deadLetterQueues);

    this.auditQueries = new CallControlAuditQueries(this, 'audit-queries', {
      logGroups: this.auditLogGroups(),
      folder: `${Stack.of(this).stackName}/${this.node.id}`,
    });

    if (props.console && this.cleanupDryRunFunction) {
      this.console = new CallControlConsole(this, 'console', {
        ...props.console,
        httpApi: this.api.httpApi,
        apiUrl: this.api.url,
        // The aliases only API Gateway invokes: the signed-in user the JWT authorizer checked is attested.
        operatorHandler: this.httpApiAlias,
        cleanupDryRunHandler: triggerAlias(this.cleanupDryRunFunction, 'http'),
        auditLogGroups: this.auditLogGroups(),
        functions: { ...props, ...this.functionDefaults },
      });
    }

    if (props.cliOutputs !== false) declareCliOutputs(this, this.apiUrl, this.cleanupFunction.functionName);
  }

  /** The "Call Update Requested" consumer: its function (publishing its results) and its rule and queues. */
  private createCallUpdateEvents(options: NonNullable<CallControlProps['callUpdateEvents']>): {
    fn: CallControlFunction;
    consumer: CallUpdateEventsConsumer;
  } {
    checkCallUpdateSubscription(this, this.eventBus, options.allowedSources, this.props);
    const fn = this.createFunction('call-update-events-function', {
      entry: 'call-update-events',
      serviceName: CALL_UPDATE_EVENTS_SERVICE_NAME,
      description: 'Applies Call Update Requested events and publishes the outcome',
      timeout: EVENTS_FUNCTION_TIMEOUT,
      environment: { [ENV.eventBusName]: this.eventBus.eventBusName, [ENV.eventSource]: this.eventSource },
    });
    this.grantPublish(fn);
    const consumer = new CallUpdateEventsConsumer(this, 'call-update-events', {
      ...options,
      eventBus: this.eventBus,
      handler: fn,
      removalPolicy: this.removalPolicy,
    });
    return { fn, consumer };
  }

  /** The cleanup's schedules (invoking its scheduler alias) and the queue its failed runs land in. */
  private createCleanupSchedules(schedules: NonNullable<CallControlProps['cleanupSchedules']>): {
    schedules: CleanupSchedules;
    failureQueue: IQueue;
  } {
    return {
      schedules: new CleanupSchedules(this, 'cleanup-schedules', {
        handler: this.cleanupSchedulerAlias,
        schedules,
        defaultPolicy: this.props.cleanupDefaultPolicy,
      }),
      failureQueue: createDeadLetterQueue(
        this,
        'cleanup-failure-dead-letter-queue',
        'cleanup runs that failed: a refused policy, a listing that failed, an unexpected error',
      ),
    };
  }

  /**
   * A failed run is not retried: the next scheduled run does the same work. It lands, with its error, in
   * the failure queue (alarmed). A run throttled behind another one waits at most 10 minutes, so runs
   * cannot pile up.
   * Per qualifier: the schedules' alias, and the unqualified function the CLI's `cleanup` invokes.
   */
  private configureCleanupRetries(): void {
    for (const target of [this.cleanupFunction, this.cleanupSchedulerAlias]) {
      target.configureAsyncInvoke({
        retryAttempts: 0,
        maxEventAge: Duration.minutes(10),
        ...(this.cleanupFailureDeadLetterQueue
          ? { onFailure: new SqsDestination(this.cleanupFailureDeadLetterQueue) }
          : {}),
      });
    }
  }

  /** Accepted status callbacks are remembered in the idempotency table (the event consumer's, when there is one). */
  private rememberStatusCallbacks(): Table {
    const table =
      this.callUpdateEvents?.idempotencyTable ??
      createIdempotencyTable(this, 'idempotency-table', this.removalPolicy);
    useIdempotencyTable(this.statusCallbackFunction, table);
    this.statusCallbackFunction.addEnvironment(
      ENV.replayWindowSeconds,
      durationSetting('callbackReplayWindow', this.props.callbackReplayWindow ?? Duration.days(1), 'seconds'),
    );
    return table;
  }

  /** The alarms on every function, the API and the dead-letter queues, sent to the alarm actions. */
  private createMonitoring(deadLetterQueues: LabelledResource<IQueue>[]): CallControlMonitoring {
    return new CallControlMonitoring(this, 'monitoring', {
      functions: [
        { label: 'http-api', resource: this.httpApiFunction },
        { label: 'status-callback', resource: this.statusCallbackFunction },
        { label: 'cleanup', resource: this.cleanupFunction },
        ...(this.callUpdateEventsFunction
          ? [{ label: 'call-update-events', resource: this.callUpdateEventsFunction }]
          : []),
        ...(this.cleanupDryRunFunction
          ? [{ label: 'cleanup-dry-run', resource: this.cleanupDryRunFunction }]
          : []),
      ],
      httpApi: this.api.httpApi,
      deadLetterQueues,
      metrics: this.metrics,
      // `alarmTopic` (as an SNS action) first, then `alarmActions`.
      alarmActions: [
        ...(this.props.alarmTopic ? [new SnsAction(this.props.alarmTopic)] : []),
        ...(this.props.alarmActions ?? []),
      ],
    });
  }

  /** The log groups that hold audit records: every function that acts on calls. */
  private auditLogGroups(): ILogGroup[] {
    return [
      this.httpApiFunction,
      this.statusCallbackFunction,
      this.cleanupFunction,
      ...(this.callUpdateEventsFunction ? [this.callUpdateEventsFunction] : []),
      // The dry run's `would-end` records, under the signed-in admin.
      ...(this.cleanupDryRunFunction ? [this.cleanupDryRunFunction] : []),
    ].map((fn) => fn.logGroup);
  }

  /** Base URL of the API (`https://{api-id}.execute-api.{region}.amazonaws.com/`). */
  get apiUrl(): string {
    return this.api.url;
  }

  /** Allows `grantee` to call every operator route (not the webhook). IAM authorization only; throws in JWT mode. */
  grantInvoke(grantee: IGrantable): Grant {
    return this.api.grantInvoke(grantee);
  }

  /**
   * Lets `grantee` run a one-off cleanup (`call-control cleanup`): invoke the unqualified cleanup function and
   * read its configuration, and nothing else. Not its `scheduler` alias: its runs are audited as claimed,
   * never as a schedule's (README, "Who can act, and what is attested"). CDK's `grantInvoke` would also grant
   * `function:<name>:*`, every alias included, and with it the schedules' attestation.
   */
  grantCleanupInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
      resourceArns: [this.cleanupFunction.functionArn],
    });
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

  /** Calls updated or ended (then: failed) by the API (`http`), events (`event`), the cleanup (`cleanup`). */
  metricCallsUpdated = (trigger: CallControlTrigger, props?: MetricOptions): Metric =>
    this.metrics.callsUpdated(trigger, props);
  metricCallsFailed = (trigger: CallControlTrigger, props?: MetricOptions): Metric =>
    this.metrics.callsFailed(trigger, props);
  /** Call actions the API refused as the request's fault (4xx); what each metric counts: infra/metrics.ts. */
  metricCallActionsRejected = (props?: MetricOptions): Metric => this.metrics.callActionsRejected(props);
  /** Cleanup runs cut short by their `maxCallsToEnd` circuit breaker (alarmed). */
  metricCircuitBreakerTripped = (props?: MetricOptions): Metric => this.metrics.circuitBreakerTripped(props);
  /** Status callbacks refused for a wrong or missing signature (alarmed); then cleanup runs with a report. */
  metricStatusCallbacksRejected = (props?: MetricOptions): Metric =>
    this.metrics.statusCallbacksRejected(props);
  metricCleanupRuns = (props?: MetricOptions): Metric => this.metrics.cleanupRuns(props);

  private get logRetention(): RetentionDays {
    return this.props.logRetention ?? RetentionDays.ONE_MONTH;
  }

  private get removalPolicy(): RemovalPolicy {
    return this.props.removalPolicy ?? RemovalPolicy.RETAIN;
  }

  /** What the console's functions share with the others. */
  private get functionDefaults() {
    const { logRetention, removalPolicy, metricsNamespace } = this;
    return { logRetention, removalPolicy, metricsNamespace };
  }

  private get metricsNamespace(): string {
    return this.props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
  }

  /**
   * A function with the settings every call-control function shares: the secret's ID (never its value),
   * Powertools configuration, log retention, tracing, and read access to that one secret.
   */
  private createFunction(id: string, props: CallControlFunctionProps): CallControlFunction {
    const secretCacheTtl = this.props.secretCacheTtl ?? Duration.seconds(SECRET_CACHE_TTL_SECONDS.default);
    const signalWireTimeout = this.props.signalWireTimeout ?? Duration.millis(SIGNALWIRE_TIMEOUT_MS.default);
    const fn = new CallControlFunction(this, id, {
      ...props,
      metricsNamespace: this.metricsNamespace,
      runtime: this.props.runtime,
      logLevel: this.props.logLevel,
      logRetention: this.logRetention,
      logRemovalPolicy: this.removalPolicy,
      tracing: this.props.tracing,
      powertoolsTracer: this.props.powertoolsTracer,
      bundling: this.props.bundling,
      environment: {
        // A name is resolved by Secrets Manager; a complete ARN pins the exact secret.
        [ENV.signalWireSecretId]: this.props.secretArn ?? this.props.secretName ?? '',
        [ENV.secretCacheTtlSeconds]: durationSetting('secretCacheTtl', secretCacheTtl, 'seconds'),
        [ENV.signalWireTimeoutMs]: durationSetting('signalWireTimeout', signalWireTimeout, 'millis'),
        [ENV.metricsInstance]: this.metricsInstance,
        ...props.environment,
      },
    });
    grantSecretValue(fn, this.props);
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
}
