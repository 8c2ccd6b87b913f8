import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler from '@middy/http-router';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import validator from '@middy/validator';
import type { Ajv, ValidateFunction } from 'ajv';
import type {
  APIGatewayProxyEventV2 as HttpEvent,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { httpActor } from '#commons/audit-actors';
import { CALL_UPDATE_ALIASES } from '#commons/call-update-schema';
import { type CallAction, type CallService, createCallService } from '#commons/calls/service';
import { readSignalWireConfig } from '#commons/config';
import * as validators from '#commons/generated/validators';
import {
  cursorUri,
  decodedCursorOf,
  encodeCursor,
  LIST_QUERY_ALIASES,
  listChecks,
  toSignalWireFilter,
  VIOLATION_CONTEXT,
} from '#commons/http/list-query';
import {
  bodyDefault,
  canonicalAccountSid,
  errorResponse,
  failureResponse,
  inputShape,
  jsonResponse,
  renameFields,
  requestGuard,
  requestLogKeys,
} from '#commons/http/middlewares';
import { ACCOUNT_PREFIX, actionOfRoute, OPERATOR_ROUTES, type OperatorRouteKey } from '#commons/http/routes';
import type { ListQuery } from '#commons/http/schemas';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger, metrics } from '#commons/powertools';
import { canonicalSid } from '#commons/sids';
import type { CallUpdate } from '#commons/signalwire/types';
import { createSignalWireAccess } from '#commons/signalwire-access';

/** The operator API: update, terminate, read and list calls over API Gateway HTTP API (payload v2). */

/** How long before the Lambda timeout the function answers whatever happens, so API Gateway gets it. */
const TIMEOUT_EARLY_MS = 500;
/** How long before the Lambda timeout requests to SignalWire are abandoned (before TIMEOUT_EARLY_MS). */
const REQUEST_DEADLINE_MARGIN_MS = 1_000;

type Route = MiddyfiedHandler<HttpEvent, HttpResult>;

/** One route: alternative spellings, the precompiled validator, checks on the validated event, the handler. */
const route = (
  schema: ValidateFunction,
  handler: (event: HttpEvent, signal: AbortSignal) => Promise<HttpResult>,
  before: object[] = [],
  checks: object[] = [],
): Route => {
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
    return handler(event, AbortSignal.timeout(Math.max(0, left)));
  }) as unknown as Route;
};

/** Builds the handler around the call service; tests and the local server pass their own. */
export const createHttpApiHandler = (calls: CallService) => {
  /** The project the path names (logged with every line), or undefined for the secret's default. */
  const project = (event: HttpEvent): string | undefined => {
    const accountSid = event.pathParameters?.accountSid;
    if (accountSid) logger.appendKeys({ accountSid });
    return accountSid;
  };
  const act = async (event: HttpEvent, signal: AbortSignal, action: CallAction): Promise<HttpResult> => {
    const callSid = canonicalSid(event.pathParameters?.callSid ?? '');
    logger.appendKeys({ callSid });
    const accountSid = project(event);
    const outcome = await calls.apply({
      trigger: 'http',
      actor: httpActor(event),
      callSid,
      action,
      signal,
      ...(accountSid ? { project: accountSid } : {}),
    });
    if (!outcome.ok)
      return failureResponse(logger, outcome.error, outcome.cause, event.requestContext?.requestId);
    metrics.addMetric(
      outcome.outcome === 'updated' ? 'CallsUpdated' : 'CallsAlreadyEnded',
      MetricUnit.Count,
      1,
    );
    return jsonResponse(200, outcome.call, { 'x-call-outcome': outcome.outcome });
  };

  const handlers: Record<OperatorRouteKey, Route> = {
    'POST /calls/{callSid}': route(
      validators.validateUpdateCallEvent,
      (event, signal) => act(event, signal, { kind: 'update', update: event.body as unknown as CallUpdate }),
      [bodyDefault, renameFields('body', CALL_UPDATE_ALIASES)],
    ),
    'POST /calls/{callSid}/terminate': route(
      validators.validateTerminateCallEvent,
      (event, signal) => act(event, signal, { kind: 'terminate' }),
      [bodyDefault],
    ),
    'GET /calls/{callSid}': route(validators.validateGetCallEvent, async (event, signal) => {
      const callSid = event.pathParameters?.callSid ?? '';
      logger.appendKeys({ callSid: canonicalSid(callSid) });
      return jsonResponse(200, await calls.get({ project: project(event), callSid, signal }));
    }),
    'GET /calls': route(
      validators.validateListCallsEvent,
      async (event, signal) => {
        const cursor = decodedCursorOf(event);
        const from = cursor
          ? (projectId: string) => ({ nextPageUri: cursorUri(cursor, projectId) })
          : toSignalWireFilter((event.queryStringParameters ?? {}) as ListQuery);
        const page = await calls.list({ project: project(event), signal, from });
        return jsonResponse(200, {
          calls: page.calls,
          page: page.page,
          page_size: page.page_size,
          next_cursor: encodeCursor(page.next_page_uri),
        });
      },
      [renameFields('queryStringParameters', LIST_QUERY_ALIASES)],
      [listChecks],
    ),
  };

  /**
   * An update or terminate refused before it reached the call service still gets its one audit record. Once
   * the service has it, its outcome is answered by the handler, so only the early timeout is left to skip.
   */
  const describeRefusal = (event: HttpEvent, error: unknown) => {
    const action = actionOfRoute(event.routeKey);
    if (!action || (error as Error | undefined)?.name === 'TimeoutError') return undefined;
    const { callSid, accountSid } = event.pathParameters ?? {};
    return calls.refuse(
      { trigger: 'http', actor: httpActor(event) },
      {
        callSid: callSid && canonicalSid(callSid),
        accountSid,
        change: action === 'terminate' ? { Status: 'completed' } : event.body,
      },
      error,
    );
  };

  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(powertoolsMiddlewares())
    .use(requestLogKeys(logger))
    .use(errorResponse({ logger, violations: VIOLATION_CONTEXT, describe: describeRefusal }))
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(requestGuard({ maxBodyBytes: 8 * 1024 }))
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .use(inputShape())
    .handler(
      httpRouterHandler<HttpEvent, HttpResult>(
        OPERATOR_ROUTES.flatMap(({ method, path }) => {
          const handler = handlers[`${method} ${path}` as OperatorRouteKey];
          return [
            { method, path, handler },
            { method, path: `${ACCOUNT_PREFIX}${path}`, handler },
          ];
        }),
      ),
    );
};

export const handler = createHttpApiHandler(
  createCallService(createSignalWireAccess(readSignalWireConfig(), logger), logger),
);
