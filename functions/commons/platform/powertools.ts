import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE } from './metric-names.ts';

/** Service name shared by logs and metrics; functions override it through POWERTOOLS_SERVICE_NAME. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control';

/** The one structured JSON logger of a function. */
export const logger = new Logger({ serviceName });

/** CloudWatch metrics through EMF (flushed by the `logMetrics` middleware). */
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
});
