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
import { httpActor } from '#commons/audit-actors';
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
import { canonicalSid, requireCanonicalAccountSidInPath } from '#commons/sids';
import type { AccountCalls } from '#commons/signalwire/account-calls';
import { parseSignalWireDate } from '#commons/signalwire/dates';
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
/**
 * What a route handler gets: the Lambda context with the Calls API of the request's SignalWire project, and
 * a deadline for its requests to SignalWire.
 */
type CallsContext = Context & { calls: AccountCalls; deadline: AbortSignal };
type RouteHandler = (event: HttpEvent, context: CallsContext) => Promise<HttpResult>;

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

/** A caller may paste a call SID in upper case; it is used in its canonical form. */
const callSidOf = (event: HttpEvent): string => canonicalSid(event.pathParameters?.callSid ?? '');

/** An account SID in the path must be canonical already, so path-scoped IAM policies hold. */
const canonicalAccountSid = {
  before: ({ event }: { event: HttpEvent }) =>
    requireCanonicalAccountSidInPath(event.pathParameters?.accountSid),
};

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

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * RFC 2822 as SignalWire writes dates, or ISO 8601 (date, or date and time): checked field by field, since
 * `Date.parse` also takes "1" or "March 7" and rolls 2024-02-30 over into March.
 */
const isFilterDate = (value: string): boolean => {
  if (parseSignalWireDate(value) !== undefined) return true;
  const match = ISO_8601.exec(value);
  if (!match) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const date = new Date(Date.UTC(year!, month! - 1, day));
  return (
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60
  );
};

/** Date filters must be dates: SignalWire would refuse anything else, and nothing is sent to be refused. */
const datesAreDates = {
  before: ({ event }: { event: HttpEvent }) => checkDates((event.queryStringParameters ?? {}) as ListQuery),
};

const checkDates = (query: ListQuery): void => {
  const violations = DATE_FILTERS.flatMap((name) => {
    const value = query[name];
    return value === undefined || isFilterDate(String(value))
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
    const accountSid = request.event.pathParameters?.accountSid;
    if (accountSid) logger.appendKeys({ accountSid });
    request.context.calls = await access.forAccount(accountSid);
    // SignalWire requests give up a second before the invocation ends (the outer chain's own early timeout
    // is the last resort), so a lost request is reported and audited like any other timeout.
    const left = request.context.getRemainingTimeInMillis() - REQUEST_DEADLINE_MARGIN_MS;
    request.context.deadline = AbortSignal.timeout(Math.max(0, left));
  },
});

/** Requests whose action reached `performCallAction`, which writes their audit record whatever happens. */
const actionsStarted = new WeakSet<HttpEvent>();

/** How long before the Lambda timeout the function answers whatever happens, so API Gateway gets it. */
const TIMEOUT_EARLY_MS = 500;
/** How long before the Lambda timeout requests to SignalWire are abandoned (before TIMEOUT_EARLY_MS). */
const REQUEST_DEADLINE_MARGIN_MS = 1_000;

/**
 * An update or terminate refused before it reached SignalWire still gets its audit record. Reads are not
 * actions, and an action already started has its own record (even when the function then runs out of time).
 */
const auditRefusedAction = (event: HttpEvent, error: unknown): void => {
  const routeKey = event.routeKey ?? '';
  const action = /^POST .*\/calls\/\{callSid\}(\/terminate)?$/.exec(routeKey);
  if (!action || actionsStarted.has(event)) return;
  const { callSid, accountSid } = event.pathParameters ?? {};
  auditRefusal(
    logger,
    { trigger: 'http', actor: httpActor(event) },
    { callSid: callSid && canonicalSid(callSid), accountSid },
    action[1] ? { Status: 'completed' } : event.body,
    error,
  );
};

/** Builds the handler around an access to SignalWire; tests and the local server pass their own. */
export const createHttpApiHandler = (access: SignalWireAccess) => {
  const act = async (
    event: HttpEvent,
    { calls, deadline }: CallsContext,
    action: CallAction,
  ): Promise<HttpResult> => {
    const callSid = callSidOf(event);
    logger.appendKeys({ callSid });
    actionsStarted.add(event);
    const result = await performCallAction(
      calls,
      logger,
      { trigger: 'http', actor: httpActor(event) },
      callSid,
      action,
      { signal: deadline },
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
    // No early timeout of its own: the deadline in the context ends SignalWire requests in time.
    let chain = middy<HttpEvent, HttpResult, Error, CallsContext>({ timeoutEarlyInMillis: 0 });
    for (const middleware of before) chain = chain.use(middleware);
    // middy types `eventSchema` as an Ajv instance; at run time it takes any compiled validate function.
    chain = chain.use(validator({ eventSchema: schema as unknown as Ajv }) as object);
    for (const middleware of [canonicalAccountSid, ...checks]) chain = chain.use(middleware);
    return chain.use(signalWireAccount(access)).handler(handler) as unknown as MiddyfiedHandler<
      HttpEvent,
      HttpResult
    >;
  };

  const update = route(
    validateUpdateCallEvent,
    (event, context) => act(event, context, { kind: 'update', update: event.body as unknown as CallUpdate }),
    { before: [bodyDefault, renameFields('body', CALL_UPDATE_ALIASES)] },
  );
  const terminate = route(
    validateTerminateCallEvent,
    (event, context) => act(event, context, { kind: 'terminate' }),
    { before: [bodyDefault] },
  );
  const get = route(validateGetCallEvent, async (event, { calls, deadline: signal }) => {
    const callSid = callSidOf(event);
    logger.appendKeys({ callSid });
    return jsonResponse(200, await calls.getCall(callSid, { signal }));
  });
  const list = route(
    validateListCallsEvent,
    async (event, { calls, deadline: signal }) => {
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

  return middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
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
