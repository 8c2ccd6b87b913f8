import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarmAction,
  type IMetric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type CallControlMetrics, METRIC_PERIOD } from './metrics.ts';

const PERIOD = METRIC_PERIOD;

/** A resource to watch, with the kebab-case label its alarms are named after. */
export interface LabelledResource<T> {
  readonly label: string;
  readonly resource: T;
}

/** Props of {@link CallControlMonitoring}. */
export interface CallControlMonitoringProps {
  readonly functions: readonly LabelledResource<IFunction>[];
  readonly httpApi: IHttpApi;
  readonly deadLetterQueues: readonly LabelledResource<IQueue>[];
  /** The construct's custom metrics (its namespace and `instance` dimension). */
  readonly metrics: CallControlMetrics;
  /**
   * Run on every alarm and on its return to OK.
   * @default [] - alarms have no actions
   */
  readonly alarmActions?: readonly IAlarmAction[];
}

/**
 * Alarms on everything that means "a call did not get updated": function errors and throttles, API 5xx,
 * messages waiting in a dead-letter queue, calls the cleanup failed to end and cleanup runs its circuit
 * breaker (`maxCallsToEnd`) cut short; and on refused status callbacks, which a missing or rotated signing
 * key turns into 403s that nobody else would see. Plus a dashboard of the same signals.
 */
export class CallControlMonitoring extends Construct {
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: CallControlMonitoringProps) {
    super(scope, id);

    const callbacksRejected = props.metrics.statusCallbacksRejected();
    const callsFailed = props.metrics.callsFailed('cleanup');
    const circuitBreakerTripped = props.metrics.circuitBreakerTripped();
    const serverErrors = props.httpApi.metricServerError({ statistic: Stats.SUM, period: PERIOD });

    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, metric: IMetric, description: string): void => {
      alarms.push(this.failureAlarm(alarmId, metric, description, props.alarmActions ?? []));
    };

    for (const { label, resource: fn } of props.functions) {
      alarm(
        `${label}-errors`,
        fn.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
        `The ${label} function failed at least once in 5 minutes; see its log group.`,
      );
      alarm(
        `${label}-throttles`,
        fn.metricThrottles({ statistic: Stats.SUM, period: PERIOD }),
        `The ${label} function was throttled at least once in 5 minutes.`,
      );
    }
    alarm('api-5xx', serverErrors, 'The HTTP API answered 5xx at least once in 5 minutes.');
    for (const { label, resource: queue } of props.deadLetterQueues) {
      alarm(
        `${label}-messages-visible`,
        queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: PERIOD }),
        `The ${label} dead-letter queue holds failed deliveries; inspect and redrive them.`,
      );
    }
    alarm(
      'cleanup-calls-failed',
      callsFailed,
      'The scheduled cleanup failed to end at least one stale call.',
    );
    alarm(
      'cleanup-circuit-breaker-tripped',
      circuitBreakerTripped,
      'A cleanup run found more stale calls than its maxCallsToEnd allows and left the rest alone.',
    );
    alarm(
      'status-callbacks-rejected',
      callbacksRejected,
      'A status callback was refused for a missing or wrong signature: if SignalWire sent it, the signingKey in ' +
        'the secret is missing or was rotated without updating the secret, and no Call Status Changed is published.',
    );
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new GraphWidget({
            title: 'HTTP API requests and errors',
            left: [
              props.httpApi.metricCount({ statistic: Stats.SUM, period: PERIOD }),
              props.httpApi.metricClientError({ statistic: Stats.SUM, period: PERIOD }),
              serverErrors,
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'HTTP API latency (p99)',
            left: [
              props.httpApi.metricLatency({ statistic: Stats.p(99), period: PERIOD }),
              props.httpApi.metricIntegrationLatency({ statistic: Stats.p(99), period: PERIOD }),
            ],
            width: 12,
          }),
        ],
        props.functions.map(
          ({ label, resource: fn }) =>
            new GraphWidget({
              title: `${label}: invocations, errors, throttles`,
              left: [
                fn.metricInvocations({ statistic: Stats.SUM, period: PERIOD }),
                fn.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
                fn.metricThrottles({ statistic: Stats.SUM, period: PERIOD }),
              ],
              right: [fn.metricDuration({ statistic: Stats.p(99), period: PERIOD })],
              width: Math.max(6, Math.floor(24 / props.functions.length)),
            }),
        ),
        [
          new GraphWidget({
            title: 'Dead-letter queues: messages visible',
            left: props.deadLetterQueues.map(({ label, resource: queue }) =>
              queue.metricApproximateNumberOfMessagesVisible({
                statistic: Stats.MAXIMUM,
                period: PERIOD,
                label,
              }),
            ),
            width: 12,
          }),
          new GraphWidget({
            title: 'Cleanup: failed calls and circuit-breaker trips',
            left: [callsFailed, circuitBreakerTripped],
            width: 12,
          }),
          new GraphWidget({ title: 'Status callbacks refused', left: [callbacksRejected], width: 12 }),
        ],
      ],
    });
  }

  /** Every signal watched counts failures, so a single one within a period is worth an alarm. */
  private failureAlarm(
    alarmId: string,
    metric: IMetric,
    description: string,
    actions: readonly IAlarmAction[],
  ): Alarm {
    const created = new Alarm(this, alarmId, {
      metric,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No data means nothing happened: no invocation, no message, no cleanup run.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (actions.length > 0) {
      created.addAlarmAction(...actions);
      created.addOkAction(...actions);
    }
    return created;
  }
}
