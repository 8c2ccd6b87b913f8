import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { validateListCallsEvent } from '#commons/generated/validators';
import { RequestValidationError } from '../errors.ts';
import {
  DATE_FILTERS,
  DATE_RULE,
  dateViolations,
  LIST_QUERY_TO_SIGNALWIRE,
  toSignalWireFilter,
} from '../signalwire/list-query-params.ts';
import { CALL_UPDATE_FIELDS, type CallListPage, type ListCallsFilter } from '../signalwire/types.ts';
import { fieldLabel, violationsFromAjv } from '../validation/violations.ts';
import { isSealedWith, type OpenedCursor, openCursor, sealCursor } from './cursor-seal.ts';
import type { ListQuery } from './schemas.ts';

/** The list route's query: the API's camelCase names, SignalWire's PascalCase accepted as aliases. */
export const LIST_QUERY_ALIASES: Record<string, string> = Object.fromEntries(
  Object.entries(LIST_QUERY_TO_SIGNALWIRE).map(([camel, pascal]) => [pascal, camel]),
);

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

/**
 * The list route's checks on the validated query, before anything is loaded: dates are dates, a cursor comes
 * alone and holds only what a query may. Answers the page the request asks for, once its project's cursor key
 * is known: its filters in SignalWire's names, or the page its cursor names in that project.
 */
export const listRequestOf = (
  event: APIGatewayProxyEventV2,
): ((projectId: string, key: Buffer) => ListCallsFilter | { nextPageUri: string }) => {
  const query = (event.queryStringParameters ?? {}) as ListQuery;
  const violations = dateViolations(query);
  if (violations.length > 0) throw new RequestValidationError(violations);
  if (query.cursor === undefined) {
    const filter = toSignalWireFilter(query);
    return () => filter;
  }
  if (Object.keys(query).some((name) => name !== 'cursor')) {
    throw new RequestValidationError([
      {
        field: 'cursor',
        rule: 'alone',
        message: 'cursor must be sent alone: its filters travel inside the cursor (page size too)',
      },
    ]);
  }
  const cursor = decodeCursor(query.cursor);
  return (projectId, key) => ({ nextPageUri: cursorUri(cursor, projectId, key) });
};

/** The list route's answer: SignalWire's page with its `next_page_uri` as this API's cursor. */
export const listAnswer = (page: CallListPage, cursorKey: Buffer) => ({
  calls: page.calls,
  page: page.page,
  page_size: page.page_size,
  next_cursor: encodeCursor(page.next_page_uri, cursorKey),
});
