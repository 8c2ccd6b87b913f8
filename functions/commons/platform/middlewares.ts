import type { MiddlewareObj } from '@middy/core';
import { logger, metrics } from './powertools.ts';
import { traceHandler } from './tracing.ts';

/**
 * Powertools' logger middleware (`injectLambdaContext(logger, { resetKeys: true })`) as it runs: the sampling
 * decision and the Lambda context before the handler (the event logged when `POWERTOOLS_LOGGER_LOG_EVENT` says
 * so), the buffer cleared and the keys reset after it, failed or not. Powertools' own also copies
 * `request.internal` on every invocation to register its `after` there, for Powertools' early-returning middlewares
 * (idempotency) to call; no function here uses one.
 */
const logging: MiddlewareObj = {
  before: ({ event, context }) => {
    logger.refreshSampleRateCalculation();
    logger.addContext(context);
    logger.logEventIfEnabled(event);
  },
  after: () => {
    logger.clearBuffer();
    logger.resetKeys();
  },
};
logging.onError = logging.after;

/** Powertools' metrics middleware (`logMetrics(metrics)`) as it runs, without that registration either. */
const flushing: MiddlewareObj = { after: () => void metrics.publishStoredMetrics() };
flushing.onError = flushing.after;

/**
 * The one Powertools middleware set every function starts with: the Lambda context in every log line (keys
 * reset per invocation), the handler traced when the Tracer is bundled, metrics flushed after the handler.
 */
export const powertoolsMiddlewares = (): MiddlewareObj[] => [logging, ...traceHandler(), flushing];
