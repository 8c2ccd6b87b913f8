import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import { CallControlLogger } from './audit-logger.ts';
import { CallControlMetrics } from './emf-metrics.ts';
import { initStore } from './invoke-store.ts';
import {
  DEFAULT_METRICS_NAMESPACE,
  EMPTY_METRICS_WARNING_PREFIX,
  METRICS_INSTANCE_DIMENSION,
} from './metric-names.ts';
import { ENV } from './settings.ts';

export { CallControlLogger };

/** Service name shared by logs and metrics; functions override it through POWERTOOLS_SERVICE_NAME. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control';

/**
 * The one structured JSON logger of a function. Built outside any context even under concurrent invocations:
 * Powertools' Logger reads no per-invocation state at construction, and a level it set inside a context would be
 * that context's only.
 */
export const logger = new CallControlLogger({ serviceName });

type MetricsLogger = NonNullable<MetricsOptions['logger']>;

/**
 * What Metrics says goes through the function's own logger, with one change: "No application metrics to
 * publish" is a DEBUG line, not a WARN. Most invocations have nothing to count (a GET, a refused request, a
 * local run), so the warning said nothing but filled every log; `POWERTOOLS_LOG_LEVEL=DEBUG` still shows it.
 */
export const metricsLogger = (target: MetricsLogger): MetricsLogger => ({
  debug: (...content) => target.debug(...content),
  info: (...content) => target.info(...content),
  error: (...content) => target.error(...content),
  warn: (...content) =>
    typeof content[0] === 'string' && content[0].startsWith(EMPTY_METRICS_WARNING_PREFIX)
      ? target.debug(...content)
      : target.warn(...content),
});

/**
 * The construct instance the metrics belong to (`CALL_CONTROL_METRICS_INSTANCE`, set by the construct): a
 * dimension of every metric, so two `CallControl`s in one account and region never feed each other's alarms.
 */
const instance = process.env[ENV.metricsInstance]?.trim();

const buildMetrics = () =>
  new CallControlMetrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    logger: metricsLogger(logger),
    ...(instance ? { defaultDimensions: { [METRICS_INSTANCE_DIMENSION]: instance } } : {}),
  });

/**
 * CloudWatch metrics through EMF (flushed by the `logMetrics` middleware; `emf-metrics.ts`). Under concurrent
 * invocations built in an init context of its own (invoke-store.ts): Powertools' constructor reads the current
 * invocation's dimensions.
 */
export const metrics = initStore ? initStore.run({}, buildMetrics) : buildMetrics();
