import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
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
type RouteHandler = (
  event: HttpEvent,
  context: Context,
  extra: { signal: AbortSignal },
) => Promise<HttpResult>;

interface PathParams {
  callSid: string;
  accountSid?: string;
}

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
const paramsOf = (event: HttpEvent): PathParams => {
  const { callSid, accountSid } = event.pathParameters as unknown as PathParams;
  return { callSid: callSid.toLowerCase(), ...(accountSid ? { accountSid: accountSid.toLowerCase() } : {}) };
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

/** Date filters must be dates: SignalWire would refuse anything else, and nothing is sent to be refused. */
const checkDates = (query: ListQuery): void => {
  const violations = DATE_FILTERS.flatMap((name) => {
    const value = query[name];
    return value === undefined || !Number.isNaN(Date.parse(String(value)))
      ? []
      : [{ field: name, rule: 'date', message: `${name} must be a date (RFC 2822 or ISO 8601)` }];
  });
  if (violations.length > 0) throw new RequestValidationError(violations);
};

/** A refused update or terminate still gets its audit record (reads are not actions). */
const auditRefusedAction = (event: HttpEvent, error: unknown): void => {
  if (event.requestContext?.http?.method !== 'POST') return;
  const params = event.pathParameters ?? {};
  const change = event.rawPath?.endsWith('/terminate') ? { Status: 'completed' } : event.body;
  auditRefusal(logger, { trigger: 'http', actor: actorOf(event) }, params, change, error);
};

/** Builds the handler around an access to SignalWire; tests and the local server pass their own. */
export const createHttpApiHandler = (access: SignalWireAccess) => {
  const act = async (event: HttpEvent, signal: AbortSignal, action: CallAction): Promise<HttpResult> => {
    const { callSid, accountSid } = paramsOf(event);
    logger.appendKeys({ callSid, ...(accountSid ? { accountSid } : {}) });
    const calls = await access.forAccount(accountSid);
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

  const route = (schema: ValidateFunction, handler: RouteHandler, before: object[] = []) => {
    let chain = middy<HttpEvent, HttpResult>();
    for (const middleware of before) chain = chain.use(middleware);
    // middy types `eventSchema` as an Ajv instance; at run time it takes any compiled validate function.
    return chain.use(validator({ eventSchema: schema as unknown as Ajv })).handler(handler);
  };

  const update = route(
    validateUpdateCallEvent,
    (event, _context, { signal }) =>
      act(event, signal, { kind: 'update', update: event.body as unknown as CallUpdate }),
    [bodyDefault, renameFields('body', CALL_UPDATE_ALIASES)],
  );
  const terminate = route(
    validateTerminateCallEvent,
    (event, _context, { signal }) => act(event, signal, { kind: 'terminate' }),
    [bodyDefault],
  );
  const get = route(validateGetCallEvent, async (event, _context, { signal }) => {
    const { callSid, accountSid } = paramsOf(event);
    logger.appendKeys({ callSid });
    const calls = await access.forAccount(accountSid);
    return jsonResponse(200, await calls.getCall(callSid, { signal }));
  });
  const list = route(
    validateListCallsEvent,
    async (event, _context, { signal }) => {
      const { accountSid } = (event.pathParameters ?? {}) as Partial<PathParams>;
      const query = (event.queryStringParameters ?? {}) as ListQuery;
      checkDates(query);
      const calls = await access.forAccount(accountSid);
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
    [renameFields('queryStringParameters', LIST_QUERY_ALIASES)],
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
