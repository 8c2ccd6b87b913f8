import type { MiddlewareObj } from '@middy/core';
import { createError } from '@middy/util';
import type { ValidateFunction } from 'ajv';
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

/** A step of a route's chain: a middleware's `before`, given middy's request; a value it returns is the answer. */
type Step = (request: { event: HttpEvent; context: Context }) => unknown;

/**
 * One route's chain: `before` (body defaults, alternative spellings), the precompiled validator, `checks`
 * that need the validated event, then the handler with a deadline for its SignalWire requests. Nothing
 * reaches the secret, let alone SignalWire, before the request is known to be valid.
 *
 * The middlewares are middy's (`before` only: a chain of `before`s with no `after` or `onError` rethrows what
 * they throw, and an answer one returns is the chain's), run in order the way middy runs them, without a middy
 * chain per route: that one cost a request record, two async frames and an `AbortController` per invocation,
 * on top of the function's own middy chain. The steps are taken on the route's first request, so a cold start
 * builds only the validator of the route it serves.
 */
/**
 * The event check of @middy/validator (`validator({ eventSchema })`, which the error answer reads): the same
 * error for an invalid event, without the package's option handling (languages, context and answer schemas).
 */
const validate =
  (schema: ValidateFunction): Step =>
  ({ event }) => {
    if (!schema(event)) {
      throw createError(400, 'Event object failed validation', {
        cause: { package: '@middy/validator', data: schema.errors },
      });
    }
  };

export const route = (
  schema: ValidateFunction,
  handler: (event: HttpEvent, signal: AbortSignal, context: Context) => Promise<HttpResult>,
  before: object[] = [],
  checks: object[] = [],
): Route => {
  const build = (): Step[] => {
    // An `$async` validator answers a promise, which is truthy: every event would pass (@middy/validator refuses it).
    if ((schema as { $async?: unknown }).$async)
      throw new Error('a route validator is synchronous, not $async');
    return [...before, { before: validate(schema) }, canonicalAccountSid, ...checks].map((middleware) => {
      const { before: step, after, onError } = middleware as MiddlewareObj;
      if (!step || after || onError) throw new Error('a route middleware has a `before` and nothing else');
      return step as Step;
    });
  };
  let steps: Step[] | undefined;
  return async (event, context) => {
    steps ??= build();
    const request = { event, context };
    for (const step of steps) {
      let answer = step(request);
      if (answer instanceof Promise) answer = await answer;
      if (answer !== undefined) return answer as HttpResult;
    }
    // SignalWire requests give up a second before the invocation ends, so a lost request is reported and
    // audited like any other timeout (the outer chain's early timeout is the last resort).
    const left = context.getRemainingTimeInMillis() - REQUEST_DEADLINE_MARGIN_MS;
    return withDeadline(left, (signal) => handler(request.event, signal, context));
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
