import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler from '@middy/http-router';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import validator from '@middy/validator';
import type { Ajv, ValidateFunction } from 'ajv';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { auditRefusal, type CallAction, performCallAction } from '#commons/call-actions';
import { CALL_UPDATE_ALIASES } from '#commons/call-update-schema';
import { readSignalWireConfig } from '#commons/config';
import { RequestValidationError } from '#commons/errors';
import {
  validateGetCallEvent,
  validateListCallsEvent,
  validateTerminateCallEvent,
  validateUpdateCallEvent,
} from '#commons/generated/validators';
import {
  errorResponse,
  jsonResponse,
  renameFields,
  requestGuard,
  requestLogKeys,
} from '#commons/http/middlewares';
import { ACCOUNT_PREFIX, OPERATOR_ROUTES, type OperatorRouteKey } from '#commons/http/routes';
import { DATE_FILTERS, LIST_QUERY_TO_SIGNALWIRE, type ListQuery } from '#commons/http/schemas';
import { logger, metrics } from '#commons/powertools';
import type { AccountCalls } from '#commons/signalwire/account-calls';
import {
  CALL_UPDATE_FIELDS,
  type CallUpdate,
  LIST_CALLS_FILTERS,
  type ListCallsFilter,
} from '#commons/signalwire/types';
import { createSignalWireAccess, type SignalWireAccess } from '#commons/signalwire-access';
import { traceHandler } from '#commons/tracing';

/** The operator API: update, terminate, read and list calls over API Gateway HTTP API (payload v2). */

type HttpEvent = APIGatewayProxyEventV2;
type HttpResult = APIGatewayProxyStructuredResultV2;
/** What a route handler gets: the Lambda context with the Calls API of the request's SignalWire project. */
type CallsContext = Context & { calls: AccountCalls };
type RouteHandler = (
  event: HttpEvent,
  context: CallsContext,
  extra: { signal: AbortSignal },
) => Promise<HttpResult>;

const LIST_QUERY_ALIASES: Record<string, string> = Object.fromEntries(
  Object.entries(LIST_QUERY_TO_SIGNALWIRE).map(([camel, pascal]) => [pascal, camel]),
);

const VIOLATION_CONTEXT = {
  allowed: {
    body: CALL_UPDATE_FIELDS,
    queryStringParameters: [...Object.keys(LIST_QUERY_TO_SIGNALWIRE), 'cursor'],
  },
  patterns: {
    cursor: 'must be a cursor this API returned (next_cursor)',
    ...Object.fromEntries(DATE_FILTERS.map((name) => [name, 'must be a date (RFC 2822 or ISO 8601)'])),
  },
};

/** The caller, for audit records: the IAM principal, or the JWT subject when a JWT authorizer is used. */
const actorOf = (event: HttpEvent): string => {
  const authorizer = (event.requestContext as { authorizer?: Record<string, unknown> }).authorizer;
  const iam = authorizer?.iam as { userArn?: string } | undefined;
  const jwt = authorizer?.jwt as { claims?: Record<string, unknown> } | undefined;
  if (iam?.userArn) return iam.userArn;
  if (typeof jwt?.claims?.sub === 'string') return `jwt:${jwt.claims.sub}`;
  return 'unknown';
};

/** SIDs are UUIDs, which SignalWire writes in lower case; a caller may paste them in upper case. */
const callSidOf = (event: HttpEvent): string => (event.pathParameters?.callSid ?? '').toLowerCase();

/** An update or terminate without a body validates as an empty object, so the error names the fields. */
const bodyDefault = {
  before: ({ event }: { event: HttpEvent }) => {
    if (event.body === undefined) (event as { body?: unknown }).body = {};
  },
};

const encodeCursor = (nextPageUri: string | null): string | null =>
  nextPageUri === null ? null : Buffer.from(nextPageUri, 'utf8').toString('base64url');

const CURSOR_PARAMETERS = new Set<string>([...LIST_CALLS_FILTERS, 'Page', 'PageToken']);
const badCursor = () =>
  new RequestValidationError([
    { field: 'cursor', rule: 'format', message: 'cursor must be a cursor this API returned (next_cursor)' },
  ]);

/**
 * A cursor is a `next_page_uri` of this project's List Calls, base64url-encoded. It is the caller's input, so
 * it is checked like the filters: the project's path, only List Calls parameters, a page size in range.
 */
const decodeCursor = (cursor: string, projectId: string): string => {
  const uri = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `/api/laml/2010-04-01/Accounts/${projectId}/Calls.json?`;
  if (!uri.startsWith(prefix)) throw badCursor();
  const query = new URLSearchParams(uri.slice(prefix.length));
  for (const [name, value] of query) {
    if (!CURSOR_PARAMETERS.has(name)) throw badCursor();
    if (name === 'PageSize' && !(/^\d{1,4}$/.test(value) && Number(value) >= 1 && Number(value) <= 1000)) {
      throw badCursor();
    }
    if (name === 'Page' && !/^\d{1,9}$/.test(value)) throw badCursor();
  }
  return uri;
};

/** Date filters must be dates: SignalWire would refuse anything else, and nothing is sent to be refused. */
const datesAreDates = {
  before: ({ event }: { event: HttpEvent }) => checkDates((event.queryStringParameters ?? {}) as ListQuery),
};

const checkDates = (query: ListQuery): void => {
  const violations = DATE_FILTERS.flatMap((name) => {
    const value = query[name];
    return value === undefined || !Number.isNaN(Date.parse(String(value)))
      ? []
      : [{ field: name, rule: 'date', message: `${name} must be a date (RFC 2822 or ISO 8601)` }];
  });
  if (violations.length > 0) throw new RequestValidationError(violations);
};

/**
 * Loads the credentials of the request's project (the secret's default, or `/accounts/{accountSid}`) from
 * Secrets Manager, cached per warm container, once the request has been validated, and hands the handler
 * that project's Calls API.
 */
const signalWireAccount = (
  access: SignalWireAccess,
): MiddlewareObj<HttpEvent, HttpResult, Error, CallsContext> => ({
  before: async (request) => {
    const accountSid = request.event.pathParameters?.accountSid?.toLowerCase();
    if (accountSid) logger.appendKeys({ accountSid });
    request.context.calls = await access.forAccount(accountSid);
  },
});

/** A refused update or terminate still gets its audit record (reads are not actions). */
const auditRefusedAction = (event: HttpEvent, error: unknown): void => {
  if (event.requestContext?.http?.method !== 'POST') return;
  const params = event.pathParameters ?? {};
  const change = event.rawPath?.endsWith('/terminate') ? { Status: 'completed' } : event.body;
  auditRefusal(logger, { trigger: 'http', actor: actorOf(event) }, params, change, error);
};

/** Builds the handler around an access to SignalWire; tests and the local server pass their own. */
export const createHttpApiHandler = (access: SignalWireAccess) => {
  const act = async (
    event: HttpEvent,
    { calls }: CallsContext,
    signal: AbortSignal,
    action: CallAction,
  ): Promise<HttpResult> => {
    const callSid = callSidOf(event);
    logger.appendKeys({ callSid });
    const result = await performCallAction(
      calls,
      logger,
      { trigger: 'http', actor: actorOf(event) },
      callSid,
      action,
      {
        signal,
      },
    );
    metrics.addMetric(
      result.outcome === 'updated' ? 'CallsUpdated' : 'CallsAlreadyEnded',
      MetricUnit.Count,
      1,
    );
    return jsonResponse(200, result.call, { 'x-call-outcome': result.outcome });
  };

  /**
   * One route's chain: `before` (body defaults, alternative spellings), the precompiled validator, `checks`
   * that need the validated event, then the credentials. Nothing reaches the secret, let alone SignalWire,
   * before the request is known to be valid.
   */
  const route = (
    schema: ValidateFunction,
    handler: RouteHandler,
    { before = [], checks = [] }: { before?: object[]; checks?: object[] } = {},
  ) => {
    let chain = middy<HttpEvent, HttpResult, Error, CallsContext>();
    for (const middleware of before) chain = chain.use(middleware);
    // middy types `eventSchema` as an Ajv instance; at run time it takes any compiled validate function.
    chain = chain.use(validator({ eventSchema: schema as unknown as Ajv }) as object);
    for (const middleware of checks) chain = chain.use(middleware);
    return chain.use(signalWireAccount(access)).handler(handler) as unknown as MiddyfiedHandler<
      HttpEvent,
      HttpResult
    >;
  };

  const update = route(
    validateUpdateCallEvent,
    (event, context, { signal }) =>
      act(event, context, signal, { kind: 'update', update: event.body as unknown as CallUpdate }),
    { before: [bodyDefault, renameFields('body', CALL_UPDATE_ALIASES)] },
  );
  const terminate = route(
    validateTerminateCallEvent,
    (event, context, { signal }) => act(event, context, signal, { kind: 'terminate' }),
    { before: [bodyDefault] },
  );
  const get = route(validateGetCallEvent, async (event, { calls }, { signal }) => {
    const callSid = callSidOf(event);
    logger.appendKeys({ callSid });
    return jsonResponse(200, await calls.getCall(callSid, { signal }));
  });
  const list = route(
    validateListCallsEvent,
    async (event, { calls }, { signal }) => {
      const query = (event.queryStringParameters ?? {}) as ListQuery;
      const filter: ListCallsFilter = {};
      for (const [name, signalwire] of Object.entries(LIST_QUERY_TO_SIGNALWIRE)) {
        const value = query[name as keyof typeof LIST_QUERY_TO_SIGNALWIRE];
        if (value !== undefined) (filter as Record<string, string | number>)[signalwire] = value;
      }
      const page = await calls.listCallsPage(
        query.cursor ? { nextPageUri: decodeCursor(query.cursor, calls.projectId) } : filter,
        {
          signal,
        },
      );
      return jsonResponse(200, {
        calls: page.calls,
        page: page.page,
        page_size: page.page_size,
        next_cursor: encodeCursor(page.next_page_uri),
      });
    },
    { before: [renameFields('queryStringParameters', LIST_QUERY_ALIASES)], checks: [datesAreDates] },
  );

  // Typed by the shared route list: a route without a handler here does not compile.
  const handlers: Record<OperatorRouteKey, typeof update> = {
    'POST /calls/{callSid}': update,
    'POST /calls/{callSid}/terminate': terminate,
    'GET /calls/{callSid}': get,
    'GET /calls': list,
  };

  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 500 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(logMetrics(metrics))
    .use(requestLogKeys(logger))
    .use(errorResponse({ logger, violations: VIOLATION_CONTEXT, onRefused: auditRefusedAction }))
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(requestGuard({ maxBodyBytes: 8 * 1024 }))
    .use(httpJsonBodyParser({ disableContentTypeError: true }))
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
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

export const handler = createHttpApiHandler(createSignalWireAccess(readSignalWireConfig(), logger));
