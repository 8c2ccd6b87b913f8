import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';

/**
 * The Powertools Tracer (X-Ray subsegments for the handler, AWS SDK calls and the https requests to SignalWire), opt-in
 * at build time. The CDK construct replaces `process.env.CALL_CONTROL_POWERTOOLS_TRACER` with a constant when
 * it bundles (prop `powertoolsTracer`); when it is off, the bundler drops these imports, so neither the
 * Tracer nor the X-Ray SDK (a large part of the HTTP function: docs/benchmarks.md) is shipped or parsed at cold start.
 * Outside a bundle (tests, `npm start`) the variable is read at run time.
 */
const enabled = process.env.CALL_CONTROL_POWERTOOLS_TRACER === 'true';

const powertools = enabled ? await import('@aws-lambda-powertools/tracer') : undefined;
const middleware = enabled ? await import('@aws-lambda-powertools/tracer/middleware') : undefined;

/** The function's tracer, or undefined when the Tracer is not bundled. */
export const tracer: Tracer | undefined = powertools
  ? new powertools.Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'call-control' })
  : undefined;

/** Middy middlewares tracing the handler: none when the Tracer is not bundled (`.use([])` adds nothing). */
export const traceHandler = (): MiddlewareObj[] =>
  tracer && middleware ? [middleware.captureLambdaHandler(tracer) as MiddlewareObj] : [];

/** Wraps an AWS SDK v3 client so its calls become subsegments, when the Tracer is bundled. */
export const traced = <Client>(client: Client): Client =>
  tracer ? (tracer.captureAWSv3Client(client as never) as Client) : client;
