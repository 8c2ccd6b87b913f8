import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { validateListCallsEvent } from '#commons/generated/validators';
import { type FieldViolation, RequestValidationError } from '../errors.ts';
import { parseFilterDate, toSignalWireDate } from '../signalwire/dates.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import { CALL_UPDATE_FIELDS, type CallListPage, type ListCallsFilter } from '../signalwire/types.ts';
import { fieldLabel, violationsFromAjv } from '../validation/violations.ts';
import { isSealedWith, type OpenedCursor, openCursor, sealCursor } from './cursor-seal.ts';
import { DATE_FILTERS, LIST_QUERY_TO_SIGNALWIRE, type ListQuery } from './schemas.ts';

/** The list route's query: the API's camelCase names, SignalWire's PascalCase accepted as aliases. */
export const LIST_QUERY_ALIASES: Record<string, string> = Object.fromEntries(
  Object.entries(LIST_QUERY_TO_SIGNALWIRE).map(([camel, pascal]) => [pascal, camel]),
);

const DATE_RULE = 'must be a date (RFC 2822 or ISO 8601, offset at most ±14:00)';

/** How the operator API words Ajv's refusals: which fields exist, what each pattern means. */
export const VIOLATION_CONTEXT = {
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

export const encodeCursor = (nextPageUri: string | null, key: Buffer): string | null =>
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
export interface DecodedCursor {
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
export const toSignalWireFilter = (query: ListQuery): ListCallsFilter => {
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
export const cursorUri = (cursor: DecodedCursor, projectId: string, key: Buffer): string => {
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

/** The page a list request asks for: its filters, or the page its (checked) cursor names in its project. */
export const listPageOf = (
  event: APIGatewayProxyEventV2,
): ListCallsFilter | ((projectId: string, key: Buffer) => { nextPageUri: string }) => {
  const cursor = decodedCursors.get(event);
  return cursor
    ? (projectId, key) => ({ nextPageUri: cursorUri(cursor, projectId, key) })
    : toSignalWireFilter((event.queryStringParameters ?? {}) as ListQuery);
};

/** The list route's answer: SignalWire's page with its `next_page_uri` as this API's cursor. */
export const listAnswer = (page: CallListPage & { cursorKey: Buffer }) => ({
  calls: page.calls,
  page: page.page,
  page_size: page.page_size,
  next_cursor: encodeCursor(page.next_page_uri, page.cursorKey),
});

/** Cursors decoded and checked before anything else is loaded, kept for the handler. */
const decodedCursors = new WeakMap<APIGatewayProxyEventV2, DecodedCursor>();

/** The list route's checks on the validated query: dates are dates, a cursor holds only what a query may. */
export const listChecks: MiddlewareObj<APIGatewayProxyEventV2> = {
  before: ({ event }) => {
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
