import middy, { type MiddyfiedHandler, type MiddyHandlerObject } from '@middy/core';
import validator from '@middy/validator';
import type { Ajv, ValidateFunction } from 'ajv';
import type {
  Context,
  Handler,
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { httpActor } from '../calls/audit-actors.ts';
import type { CallService } from '../calls/service.ts';
import type { ErrorDescription } from '../errors.ts';
import { withDeadline } from '../platform/deadline.ts';
import { REQUEST_DEADLINE_MARGIN_MS } from '../platform/settings.ts';
import { terminateChange } from '../signalwire/api-facts.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import { canonicalAccountSid } from './middlewares.ts';
import { actionOfRoute } from './routes.ts';

/** How long before the Lambda timeout the function answers whatever happens, so API Gateway gets it. */
export const TIMEOUT_EARLY_MS = 500;

/** A route's handler, as @middy/http-router takes it. */
export type Route = Handler<HttpEvent, HttpResult>;

/**
 * One route's chain: `before` (body defaults, alternative spellings), the precompiled validator, `checks`
 * that need the validated event, then the handler with a deadline for its SignalWire requests. Nothing
 * reaches the secret, let alone SignalWire, before the request is known to be valid. The chain is built on
 * the route's first request, so a cold start builds only the chain it serves.
 */
export const route = (
  schema: ValidateFunction,
  handler: (event: HttpEvent, signal: AbortSignal, context: Context) => Promise<HttpResult>,
  before: object[] = [],
  checks: object[] = [],
): Route => {
  const build = (): MiddyfiedHandler<HttpEvent, HttpResult> => {
    // No early timeout of its own: the deadline ends SignalWire requests in time.
    let chain = middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 0 });
    for (const middleware of before) chain = chain.use(middleware);
    // middy types `eventSchema` as an Ajv instance; at run time it takes any compiled validate function.
    chain = chain.use(validator({ eventSchema: schema as unknown as Ajv }) as object);
    for (const middleware of [canonicalAccountSid, ...checks]) chain = chain.use(middleware);
    return chain.handler((event, context) => {
      // SignalWire requests give up a second before the invocation ends, so a lost request is reported and
      // audited like any other timeout (the outer chain's early timeout is the last resort).
      const left = context.getRemainingTimeInMillis() - REQUEST_DEADLINE_MARGIN_MS;
      return withDeadline(left, (signal) => handler(event, signal, context));
    }) as unknown as MiddyfiedHandler<HttpEvent, HttpResult>;
  };
  let built: MiddyfiedHandler<HttpEvent, HttpResult> | undefined;
  // The router calls a route as it calls a middy handler, `(event, context, { signal })`, whatever the third
  // parameter's type says (aws-lambda types it as the old callback).
  return (event, context, options) => {
    built ??= build();
    return built(event, context, options as unknown as MiddyHandlerObject) as Promise<HttpResult>;
  };
};

/**
 * Describes an error the chain threw and, for an update or terminate refused before it reached the call
 * service, has the service audit it (once). An action the service took is answered from its outcome by the
 * handler, so only the outer chain's early timeout is left to skip.
 */
export const refusalAuditor =
  (calls: CallService) =>
  (
    event: HttpEvent,
    error: unknown,
    context: Pick<Context, 'invokedFunctionArn'>,
  ): ErrorDescription | undefined => {
    const action = actionOfRoute(event.routeKey);
    if (!action || (error as Error | undefined)?.name === 'TimeoutError') return undefined;
    const { callSid, accountSid } = event.pathParameters ?? {};
    // A transfer is audited as the service audits it: `Transfer`, its destination.
    const dest = (event.body as unknown as { dest?: unknown } | undefined)?.dest;
    const change =
      action === 'terminate' ? terminateChange() : action === 'transfer' ? { Transfer: dest } : event.body;
    const target = { callSid: callSid && canonicalSid(callSid), accountSid, change };
    return calls.refuse(
      { trigger: 'http', actor: httpActor(event, context.invokedFunctionArn) },
      target,
      error,
    );
  };
