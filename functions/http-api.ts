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
import { type FieldViolation, RequestValidationError } from '#commons/errors';
import {
  validateGetCallEvent,
  validateListCallsEvent,
  validateTerminateCallEvent,
  validateUpdateCallEvent,
} from '#commons/generated/validators';
import { isSealedWith, type OpenedCursor, openCursor, sealCursor } from '#commons/http/cursor-seal';
import {
  errorResponse,
  inputShape,
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
import { parseFilterDate, toSignalWireDate } from '#commons/signalwire/dates';
import { CALL_UPDATE_FIELDS, type CallUpdate, type ListCallsFilter } from '#commons/signalwire/types';
import { createSignalWireAccess, type SignalWireAccess } from '#commons/signalwire-access';
import { traceHandler } from '#commons/tracing';
import { fieldLabel, violationsFromAjv } from '#commons/validation';

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

const DATE_RULE = 'must be a date (RFC 2822 or ISO 8601, offset at most ±14:00)';

const VIOLATION_CONTEXT = {
  allowed: {
    body: CALL_UPDATE_FIELDS,
    queryStringParameters: [...Object.keys(LIST_QUERY_TO_SIGNALWIRE), 'cursor'],
  },
  patterns: {
    cursor: 'must be a cursor this API returned (next_cursor)',
    pageSize: 'must be a whole number from 1 to 1000, in decimal digits',
    ...Object.fromEntries(DATE_FILTERS.map((name) => [name, DATE_RULE])),
  },
  patternRules: { pageSize: 'range' },
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

const encodeCursor = (nextPageUri: string | null, key: Buffer): string | null =>
  nextPageUri === null ? null : sealCursor(nextPageUri, key);

/** What a cursor may carry besides the filters: SignalWire's page number and page token. */
const PAGE_PARAMETERS: Readonly<Record<string, RegExp>> = {
  Page: /^\d{1,9}$/,
  PageToken: /^P[AB][A-Za-z0-9_.=-]{0,512}$/,
};
const CURSOR_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([0-9a-f-]{36})\/Calls\.json\?(.*)$/s;

const badCursor = (message = 'cursor must be a cursor this API returned (next_cursor)') =>
  new RequestValidationError([{ field: 'cursor', rule: 'format', message }]);

/** A cursor taken apart: the project it belongs to, its filters in the API's names, its page parameters. */
interface DecodedCursor {
  opened: OpenedCursor;
  projectId: string;
  filters: ListQuery;
  page: Array<[string, string]>;
}

/** Date filters must be dates: SignalWire would refuse anything else, and nothing is sent to be refused. */
const dateViolations = (query: ListQuery): FieldViolation[] =>
  DATE_FILTERS.flatMap((name) => {
    const value = query[name];
    return value === undefined || parseFilterDate(String(value)) !== undefined
      ? []
      : [{ field: name, rule: 'date', message: `${name} ${DATE_RULE}` }];
  });

/**
 * A cursor is a `next_page_uri` of List Calls, base64url-encoded. It is the caller's input, so its filters are
 * checked by the same validator and date rules as the query's (nothing can be smuggled in a cursor): each
 * parameter at most once, only List Calls filters and page parameters, every value as a query must spell it.
 */
const decodeCursor = (cursor: string): DecodedCursor => {
  const opened = openCursor(cursor);
  const match = opened && CURSOR_PATH.exec(opened.uri);
  if (!match) throw badCursor();
  const filters: Array<[string, string]> = [];
  const page: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(match[2])) {
    if (seen.has(name)) throw badCursor(`cursor gives ${fieldLabel(name)} more than once`);
    seen.add(name);
    const pattern = Object.hasOwn(PAGE_PARAMETERS, name) ? PAGE_PARAMETERS[name] : undefined;
    if (pattern) {
      if (!pattern.test(value)) throw badCursor(`cursor carries an invalid ${name}`);
      page.push([name, value]);
      continue;
    }
    const filter = Object.hasOwn(LIST_QUERY_ALIASES, name) ? LIST_QUERY_ALIASES[name] : undefined;
    if (filter === undefined) {
      throw badCursor(`cursor carries ${fieldLabel(name)}, which is not a List Calls filter`);
    }
    filters.push([filter, value]);
  }
  const event = { queryStringParameters: Object.fromEntries(filters) };
  const violations = validateListCallsEvent(event)
    ? dateViolations(event.queryStringParameters as ListQuery)
    : violationsFromAjv(validateListCallsEvent.errors, VIOLATION_CONTEXT);
  const first = violations[0];
  if (first) throw badCursor(`cursor carries an invalid filter: ${first.message}`);
  return { opened, projectId: match[1] as string, filters: event.queryStringParameters as ListQuery, page };
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * The caller's filters in SignalWire's names, dates rewritten in RFC 2822 GMT (the form SignalWire documents),
 * `parentCallSid` in its canonical form (SignalWire compares it case-sensitively). An exact `startTime` or
 * `endTime` given as a date alone means that whole UTC day (Twilio's reading): it is sent as the pair
 * `X>`=the day's midnight (inclusive) and `X<`=the next midnight (exclusive), tightening any bound also given.
 */
const toSignalWireFilter = (query: ListQuery): ListCallsFilter => {
  const filter: Record<string, string | number> = {};
  const bounds: Record<string, number> = {};
  for (const [name, signalwire] of Object.entries(LIST_QUERY_TO_SIGNALWIRE)) {
    const value = query[name as keyof typeof LIST_QUERY_TO_SIGNALWIRE];
    if (value === undefined) continue;
    const date = (DATE_FILTERS as readonly string[]).includes(name)
      ? parseFilterDate(String(value))
      : undefined;
    if (date !== undefined && DATE_ONLY.test(String(value)) && !/[<>]$/.test(signalwire)) {
      bounds[`${signalwire}>`] = Math.max(bounds[`${signalwire}>`] ?? date, date);
      bounds[`${signalwire}<`] = Math.min(bounds[`${signalwire}<`] ?? date + DAY_MS, date + DAY_MS);
      continue;
    }
    if (date !== undefined && /[<>]$/.test(signalwire)) {
      const tighter = signalwire.endsWith('>') ? Math.max : Math.min;
      bounds[signalwire] = bounds[signalwire] === undefined ? date : tighter(bounds[signalwire], date);
      continue;
    }
    filter[signalwire] =
      date !== undefined
        ? toSignalWireDate(date)
        : name === 'parentCallSid'
          ? canonicalSid(String(value))
          : value;
  }
  for (const [signalwire, date] of Object.entries(bounds)) filter[signalwire] = toSignalWireDate(date);
  return filter as ListCallsFilter;
};

/** A checked cursor as the page URI sent to SignalWire: this project's path, the filters as a query sends them. */
const cursorUri = (cursor: DecodedCursor, projectId: string, key: Buffer): string => {
  if (cursor.projectId !== projectId) throw badCursor('cursor belongs to another project');
  if (!isSealedWith(cursor.opened, key)) {
    throw badCursor('cursor was not issued by this API (or the API token has changed since): list again');
  }
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(toSignalWireFilter(cursor.filters)))
    query.set(name, String(value));
  for (const [name, value] of cursor.page) query.set(name, value);
  return `/api/laml/2010-04-01/Accounts/${projectId}/Calls.json?${query.toString()}`;
};

/** Cursors decoded and checked before anything else is loaded, kept for the handler. */
const decodedCursors = new WeakMap<HttpEvent, DecodedCursor>();

/** The list route's checks on the validated query: dates are dates, a cursor holds only what a query may. */
const listChecks = {
  before: ({ event }: { event: HttpEvent }) => {
    const query = (event.queryStringParameters ?? {}) as ListQuery;
    const violations = dateViolations(query);
    if (violations.length > 0) throw new RequestValidationError(violations);
    if (query.cursor !== undefined) {
      if (Object.keys(query).some((name) => name !== 'cursor')) {
        throw new RequestValidationError([
          {
            field: 'cursor',
            rule: 'alone',
            message: 'cursor must be sent alone: its filters travel inside the cursor (page size too)',
          },
        ]);
      }
      decodedCursors.set(event, decodeCursor(query.cursor));
    }
  },
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
      const cursor = decodedCursors.get(event);
      const page = await calls.listCallsPage(
        cursor
          ? { nextPageUri: cursorUri(cursor, calls.projectId, calls.cursorKey()) }
          : toSignalWireFilter((event.queryStringParameters ?? {}) as ListQuery),
        { signal },
      );
      return jsonResponse(200, {
        calls: page.calls,
        page: page.page,
        page_size: page.page_size,
        next_cursor: encodeCursor(page.next_page_uri, calls.cursorKey()),
      });
    },
    { before: [renameFields('queryStringParameters', LIST_QUERY_ALIASES)], checks: [listChecks] },
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

export const handler = createHttpApiHandler(createSignalWireAccess(readSignalWireConfig(), logger));
