import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Metric, type MetricOptions, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import {
  CALL_UPDATE_EVENTS_SERVICE_NAME,
  CLEANUP_CALLS_ENDED_METRIC,
  CLEANUP_CALLS_FAILED_METRIC,
  CLEANUP_CIRCUIT_BREAKER_TRIPPED_METRIC,
  CLEANUP_RUNS_METRIC,
  CLEANUP_SERVICE_NAME,
  EVENTS_CALLS_FAILED_METRIC,
  EVENTS_CALLS_UPDATED_METRIC,
  HTTP_API_SERVICE_NAME,
  HTTP_CALL_ACTIONS_FAILED_METRIC,
  HTTP_CALL_ACTIONS_REJECTED_METRIC,
  HTTP_CALLS_UPDATED_METRIC,
  METRICS_INSTANCE_DIMENSION,
  STATUS_CALLBACK_SERVICE_NAME,
  STATUS_CALLBACKS_REJECTED_METRIC,
} from './metric-names.ts';

/** What acted on a call: the operator API, a "Call Update Requested" event, or a scheduled cleanup run. */
export type CallControlTrigger = 'http' | 'event' | 'cleanup';

/** The default period of every custom metric and of the alarms on them. */
export const METRIC_PERIOD = Duration.minutes(5);

const SERVICE_OF_TRIGGER: Readonly<Record<CallControlTrigger, string>> = {
  http: HTTP_API_SERVICE_NAME,
  event: CALL_UPDATE_EVENTS_SERVICE_NAME,
  cleanup: CLEANUP_SERVICE_NAME,
};

const UPDATED_METRIC_OF_TRIGGER: Readonly<Record<CallControlTrigger, string>> = {
  http: HTTP_CALLS_UPDATED_METRIC,
  event: EVENTS_CALLS_UPDATED_METRIC,
  cleanup: CLEANUP_CALLS_ENDED_METRIC,
};

const FAILED_METRIC_OF_TRIGGER: Readonly<Record<CallControlTrigger, string>> = {
  http: HTTP_CALL_ACTIONS_FAILED_METRIC,
  event: EVENTS_CALLS_FAILED_METRIC,
  cleanup: CLEANUP_CALLS_FAILED_METRIC,
};

/**
 * The longest dimension value an alarm can watch: CloudWatch takes 1024 characters in `PutMetricData`, but
 * aws-cdk-lib's `Metric` (every alarm and `metric…()` method) refuses more than 255.
 */
const MAX_DIMENSION_VALUE_LENGTH = 255;
/** CloudWatch's limit on a namespace. */
const MAX_NAMESPACE_LENGTH = 255;

/**
 * The `instance` dimension of a construct's metrics when no `metricsInstance` is given: its stack's name and
 * its path inside that stack. CloudFormation keeps stack names unique per account and region and CDK keeps
 * paths unique per stack, so two constructs never share it, whether they sit in one stack or in two.
 */
export const defaultMetricsInstance = (scope: Construct): string => {
  const stack = Stack.of(scope);
  const inStack = scope.node.path.slice(stack.node.path.length + 1);
  const instance = Token.isUnresolved(stack.stackName) ? scope.node.path : `${stack.stackName}/${inStack}`;
  if (instance.length > MAX_DIMENSION_VALUE_LENGTH) {
    throw new Error(
      `the default metricsInstance "${instance}" (stack name and construct path) is longer than ` +
        `${MAX_DIMENSION_VALUE_LENGTH} characters, the limit of a CloudWatch alarm's dimension: set metricsInstance`,
    );
  }
  return instance;
};

/** Refuses an `instance` dimension value CloudWatch would refuse, at synth time. */
export const checkMetricsInstance = (instance: string): void => {
  if (Token.isUnresolved(instance)) return;
  if (instance.trim() === '' || instance.length > MAX_DIMENSION_VALUE_LENGTH) {
    throw new Error(
      `metricsInstance must be 1 to ${MAX_DIMENSION_VALUE_LENGTH} characters, got "${instance}"`,
    );
  }
};

/**
 * Refuses a namespace CloudWatch would refuse (`PutMetricData` drops the functions' metrics at run time, and
 * the alarms would watch nothing), at synth time: 1 to 255 of letters, digits, `.-_/#:` and spaces, at least
 * one of them not a space, not starting with `:` and not `AWS/` (AWS's own).
 */
export const checkMetricsNamespace = (namespace: string): void => {
  if (Token.isUnresolved(namespace)) return;
  if (
    namespace.trim() === '' ||
    namespace.length > MAX_NAMESPACE_LENGTH ||
    !/^[\w.\-/#: ]+$/.test(namespace) ||
    namespace.startsWith(':') ||
    namespace.startsWith('AWS/')
  ) {
    throw new Error(
      `metricsNamespace must be 1 to ${MAX_NAMESPACE_LENGTH} letters, digits, spaces or ".-_/#:", not starting ` +
        `with ":" or "AWS/", got "${namespace}"`,
    );
  }
};

/**
 * The custom metrics of one `CallControl`: every one carries the function's `service` dimension and the
 * construct's `instance` dimension, exactly as the functions publish them, so a metric (and an alarm on it)
 * sees this construct's data and no other's. Sum over 5 minutes unless `props` say otherwise.
 */
export class CallControlMetrics {
  constructor(
    readonly namespace: string,
    readonly instance: string,
  ) {}

  /** Calls updated or ended: by the API (`CallsUpdated`), by an event (`CallUpdateRequestsApplied`), by cleanup (`CallsEnded`). */
  callsUpdated(trigger: CallControlTrigger, props?: MetricOptions): Metric {
    return this.metric(UPDATED_METRIC_OF_TRIGGER[trigger], SERVICE_OF_TRIGGER[trigger], props);
  }

  /**
   * Call actions that failed: by the API for SignalWire's or the network's fault (`CallActionsFailed`, a 5xx),
   * by an event (`CallUpdateRequestsFailed`, refused or failed), by cleanup (`CallsFailed`).
   */
  callsFailed(trigger: CallControlTrigger, props?: MetricOptions): Metric {
    return this.metric(FAILED_METRIC_OF_TRIGGER[trigger], SERVICE_OF_TRIGGER[trigger], props);
  }

  /** Call actions the API refused as the request's fault (`CallActionsRejected`, a 4xx). */
  callActionsRejected(props?: MetricOptions): Metric {
    return this.metric(HTTP_CALL_ACTIONS_REJECTED_METRIC, HTTP_API_SERVICE_NAME, props);
  }

  /** Cleanup runs its `maxCallsToEnd` cut short (`CircuitBreakerTripped`). */
  circuitBreakerTripped(props?: MetricOptions): Metric {
    return this.metric(CLEANUP_CIRCUIT_BREAKER_TRIPPED_METRIC, CLEANUP_SERVICE_NAME, props);
  }

  /** Status callbacks refused for a missing or wrong signature (`StatusCallbacksRejected`). */
  statusCallbacksRejected(props?: MetricOptions): Metric {
    return this.metric(STATUS_CALLBACKS_REJECTED_METRIC, STATUS_CALLBACK_SERVICE_NAME, props);
  }

  /** Cleanup runs that produced a report, dry runs included (`CleanupRuns`). */
  cleanupRuns(props?: MetricOptions): Metric {
    return this.metric(CLEANUP_RUNS_METRIC, CLEANUP_SERVICE_NAME, props);
  }

  private metric(metricName: string, service: string, props: MetricOptions = {}): Metric {
    return new Metric({
      statistic: Stats.SUM,
      period: METRIC_PERIOD,
      ...props,
      namespace: this.namespace,
      metricName,
      dimensionsMap: { service, [METRICS_INSTANCE_DIMENSION]: this.instance, ...props.dimensionsMap },
    });
  }
}
