import type { MiddlewareObj } from '@middy/core';
import { logger, metrics } from './powertools.ts';
import { traceHandler } from './tracing.ts';

/**
 * `POWERTOOLS_LOGGER_LOG_EVENT` is never obeyed, in any function: the HTTP events carry credentials (the operator
 * API's `Authorization` header, a SigV4 signature or a console bearer token, cookies; the status callback's
 * `X-SignalWire-Signature`), and secrets never go to the logs. Redacting them instead does not fit the http-api
 * bundle's budget (test/unit/bundle-size.test.ts). Said once per cold start, as a WARN; README's configuration
 * table says what to read instead (the API access logs, the lines keyed by `apiRequestId`).
 */
if (logger.getLogEvent()) logger.warn('POWERTOOLS_LOGGER_LOG_EVENT ignored: events hold secrets');

/**
 * Whether Powertools samples debug logging (`POWERTOOLS_LOGGER_SAMPLE_RATE`), as its logger decided it once at
 * construction. Without a rate, its per-invocation sampling decision only sets the level it started with again
 * (nothing here changes the level), about a microsecond of every warm invocation: it is then skipped. Read from
 * the logger's own record of the rate, so any way Powertools takes one counts; were that record ever missing,
 * the decision is made every time, as Powertools does.
 */
const sampling =
  (logger as unknown as { powertoolsLogData?: { sampleRateValue?: unknown } }).powertoolsLogData
    ?.sampleRateValue !== 0;

/**
 * Powertools' logger middleware (`injectLambdaContext(logger, { resetKeys: true })`) as it runs, except that it
 * never logs the event (above): the sampling decision (when sampling) and the Lambda context before the handler,
 * the buffer cleared and the keys reset after it, failed or not. Powertools' own also copies `request.internal` on
 * every invocation to register its `after` there, for Powertools' early-returning middlewares (idempotency) to
 * call; no function here uses one.
 */
const settle = () => {
  logger.clearBuffer();
  logger.resetKeys();
};
const logging: MiddlewareObj = {
  before: (request) => {
    if (sampling) logger.refreshSampleRateCalculation();
    logger.addContext(request.context);
  },
  after: settle,
  onError: settle,
};

/** Powertools' metrics middleware (`logMetrics(metrics)`) as it runs, without that registration either. */
const flush = () => void metrics.publishStoredMetrics();
const flushing: MiddlewareObj = { after: flush, onError: flush };

/**
 * The one Powertools middleware set every function starts with: the Lambda context in every log line (keys
 * reset per invocation), the handler traced when the Tracer is bundled, metrics flushed after the handler.
 */
export const powertoolsMiddlewares = (): MiddlewareObj[] => [logging, ...traceHandler(), flushing];
