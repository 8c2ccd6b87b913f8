import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import { logger, metrics } from './powertools.ts';
import { traceHandler } from './tracing.ts';

/**
 * The one Powertools middleware set every function starts with: the Lambda context in every log line (keys
 * reset per invocation), the handler traced when the Tracer is bundled, metrics flushed after the handler.
 */
export const powertoolsMiddlewares = (): MiddlewareObj[] => [
  injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj,
  ...traceHandler(),
  logMetrics(metrics) as MiddlewareObj,
];
