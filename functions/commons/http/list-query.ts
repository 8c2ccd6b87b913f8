import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { validateListCallsEvent } from '#commons/generated/validators';
import type { CallApi } from '../calling/vocabulary.ts';
import {
  apisFor,
  type BothListFrom,
  type BothListPage,
  type ListPosition,
  NATIVE_FILTER_NAMES,
} from '../calls/list-both.ts';
import { RequestValidationError } from '../errors.ts';
import {
  DATE_FILTERS,
  DATE_RULE,
  dateViolations,
  LIST_QUERY_TO_SIGNALWIRE,
  toSignalWireFilter,
} from '../signalwire/list-query-params.ts';
import { CALL_UPDATE_FIELDS } from '../signalwire/types.ts';
import { fieldLabel, violationsFromAjv } from '../validation/violations.ts';
import { isSealedWith, type OpenedCursor, openCursor, sealCursor } from './cursor-seal.ts';
import type { ListQuery } from './schemas.ts';

/** The list route's query: the API's camelCase names, SignalWire's PascalCase accepted as aliases. */
export const LIST_QUERY_ALIASES: Record<string, string> = Object.fromEntries(
  Object.entries(LIST_QUERY_TO_SIGNALWIRE).map(([camel, pascal]) => [pascal, camel]),
);

const ADDRESS_RULE =
  'must be a number, SIP address or client name without control characters or spaces at either end (a + in a query string reads as a space: write it %2B)';

/** How the operator API words Ajv's refusals: which fields exist, what each pattern means. */
export const VIOLATION_CONTEXT = {
  allowed: {
    body: [...CALL_UPDATE_FIELDS, 'api'],
    queryStringParameters: [...Object.keys(LIST_QUERY_TO_SIGNALWIRE), 'cursor', 'api'],
  },
  patterns: {
    cursor: 'must be a cursor this API returned (next_cursor)',
    pageSize: 'must be a whole number from 1 to 1000, in decimal digits',
    to: ADDRESS_RULE,
    from: ADDRESS_RULE,
    ...Object.fromEntries(DATE_FILTERS.map((name) => [name, DATE_RULE])),
  },
  patternRules: { pageSize: 'range', to: 'characters', from: 'characters' },
};

/** The transfer route's wording: its own body fields, and what `dest` may be. */
export const TRANSFER_VIOLATION_CONTEXT = {
  ...VIOLATION_CONTEXT,
  allowed: { ...VIOLATION_CONTEXT.allowed, body: ['dest', 'api'] },
  patterns: {
    ...VIOLATION_CONTEXT.patterns,
    dest: 'must be a SIP URI (sip:agent@example.com), a phone number in E.164 (+14155550100) or the http(s) URL of a SWML script, with no user:password@',
  },
};

/** The single-call routes' wording: their query takes `api` alone. */
const CALL_ROUTE_QUERY = { queryStringParameters: ['api'] };
const CALL_ROUTE_VIOLATION_CONTEXT = {
  ...VIOLATION_CONTEXT,
  allowed: { ...VIOLATION_CONTEXT.allowed, ...CALL_ROUTE_QUERY },
};
const TRANSFER_ROUTE_VIOLATION_CONTEXT = {
  ...TRANSFER_VIOLATION_CONTEXT,
  allowed: { ...TRANSFER_VIOLATION_CONTEXT.allowed, ...CALL_ROUTE_QUERY },
};

/** How the operator API words a refusal on the route `routeKey` names (the list's wording by default). */
export const violationContextOf = (routeKey: string | undefined) => {
  if (routeKey?.endsWith('/transfer')) return TRANSFER_ROUTE_VIOLATION_CONTEXT;
  // Every single-call route names `{callSid}` (the console's end-all, `/end-all/{callSid}`, is a terminate too).
  return routeKey?.includes('{callSid}') ? CALL_ROUTE_VIOLATION_CONTEXT : VIOLATION_CONTEXT;
};

/**
 * What a cursor seals: the position's text. A Compatibility position is its `next_page_uri` (as cursors were
 * before the native calls were listed: such a cursor lists Compatibility calls only), prefixed with `both:`
 * when the native calls follow; a native position is `calling:<project>:` and the voice logs' `links.next`,
 * with the filters compared on the client side added in List Calls' names (`Status`, `To`, `From`,
 * `ParentCallSid`; the voice logs' own parameters are snake_case, so the two cannot be confused). Either ends
 * in `#` and the anchor of the last call shown (`after`), when there is one: a page link written here never
 * holds a `#` (a query spells it `%23`), and a cursor issued before anchors has none.
 */
export const positionText = (position: ListPosition, projectId: string): string => {
  let text: string;
  if (position.api === 'compatibility') {
    text = position.thenCalling ? `${BOTH_PREFIX}${position.nextPageUri}` : position.nextPageUri;
  } else {
    const url = new URL(position.next);
    for (const [name, value] of Object.entries(position.filter)) url.searchParams.append(name, String(value));
    text = `${CALLING_PREFIX}${projectId}:${url.toString()}`;
  }
  return position.after ? `${text}#${position.after}` : text;
};

export const encodeCursor = (position: ListPosition | null, projectId: string, key: Buffer): string | null =>
  position === null ? null : sealCursor(positionText(position, projectId), key);

const BOTH_PREFIX = 'both:';
const CALLING_PREFIX = 'calling:';

const PAGE_NUMBER = /^\d{1,9}$/;
const VOICE_LOG_TIME = /^[0-9A-Za-z:.+-]{1,64}$/;
/** What a cursor may carry besides the filters: SignalWire's page number and page token. */
const PAGE_PARAMETERS: Readonly<Record<string, RegExp>> = {
  Page: PAGE_NUMBER,
  PageToken: /^P[AB][A-Za-z0-9_.=-]{0,512}$/,
};
const CURSOR_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([0-9a-f-]{36})\/Calls\.json\?(.*)$/s;
const NATIVE_CURSOR = /^calling:([0-9a-f-]{36}):(https?:\/\/[^/?#\s]+\/api\/voice\/logs)\?([^#\s]*)$/s;
/** The voice logs' own parameters a native cursor may carry (its `links.next`), with the values each may take. */
const VOICE_LOG_PARAMETERS: Readonly<Record<string, RegExp>> = {
  created_after: VOICE_LOG_TIME,
  created_before: VOICE_LOG_TIME,
  created_on: VOICE_LOG_TIME,
  include_deleted: /^(?:true|false)$/,
  page_number: PAGE_NUMBER,
  page_size: /^(?:[1-9][0-9]{0,2}|1000)$/,
  page_token: /^[A-Za-z0-9_.=-]{1,512}$/,
};
/** A position's text, then `#` and the anchor `anchorOf` writes (11 base64url characters), if any. */
const ANCHORED = /^([^#]*)(?:#([\w-]{11}))?$/;

const badCursor = (message = `cursor ${VIOLATION_CONTEXT.patterns.cursor}`) =>
  new RequestValidationError([{ field: 'cursor', rule: 'format', message }]);

/** A position's text taken apart: the project it belongs to, its filters in the API's names, its page. */
export interface DecodedPosition {
  projectId: string;
  filters: ListQuery;
  page: Array<[string, string]>;
  /** Which page: a Compatibility one (then native calls or not), or a voice-log page at `voiceLogs`. */
  phase: { api: 'compatibility'; thenCalling: boolean } | { api: 'calling'; voiceLogs: string };
  /** The anchor of the last call the pages before showed (`ListPosition`), if any. */
  after?: string;
}

/** A cursor taken apart: its position and its seal. */
export type DecodedCursor = DecodedPosition & { opened: OpenedCursor };

/** The filters a cursor carries, checked by the query's own validator and date rules. */
const checkedFilters = (filters: Array<[string, string]>): ListQuery => {
  const event = { queryStringParameters: Object.fromEntries(filters) };
  const violations = validateListCallsEvent(event)
    ? dateViolations(event.queryStringParameters as ListQuery)
    : violationsFromAjv(validateListCallsEvent.errors, VIOLATION_CONTEXT);
  const first = violations[0];
  if (first) throw badCursor(`cursor carries an invalid filter: ${first.message}`);
  return event.queryStringParameters as ListQuery;
};

/** A cursor's parameters sorted into page parameters and filters, each given at most once. */
const sortParameters = (
  query: string,
  pageParameters: Readonly<Record<string, RegExp>>,
  filterNames: readonly string[],
) => {
  const filters: Array<[string, string]> = [];
  const page: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (seen.has(name)) throw badCursor(`cursor gives ${fieldLabel(name)} more than once`);
    seen.add(name);
    const pattern = Object.hasOwn(pageParameters, name) ? pageParameters[name] : undefined;
    if (pattern) {
      if (!pattern.test(value)) throw badCursor(`cursor carries an invalid ${name}`);
      page.push([name, value]);
      continue;
    }
    const filter = Object.hasOwn(LIST_QUERY_ALIASES, name) ? LIST_QUERY_ALIASES[name] : undefined;
    if (filter === undefined || !filterNames.includes(name)) {
      throw badCursor(`cursor carries ${fieldLabel(name)}, which is not a List Calls filter`);
    }
    filters.push([filter, value]);
  }
  return { filters: checkedFilters(filters), page };
};

/**
 * A position's text ({@link positionText}) read back and checked. It is the caller's input (a cursor seals it),
 * so its filters are checked by the same validator and date rules as the query's (nothing can be smuggled in a
 * cursor): each parameter at most once, only List Calls filters and page parameters, every value as a query
 * must spell it. The CLI reads the text of its own cursors with it too.
 * @throws RequestValidationError naming `cursor`
 */
export const readPositionText = (positionText: string): DecodedPosition => {
  const anchored = ANCHORED.exec(positionText);
  if (!anchored) throw badCursor();
  const [, text = '', after] = anchored;
  const native = NATIVE_CURSOR.exec(text);
  if (native) {
    const query = native[3] as string;
    const { filters, page } = sortParameters(query, VOICE_LOG_PARAMETERS, NATIVE_FILTER_NAMES);
    const voiceLogs = `${native[2]}?${new URLSearchParams(page).toString()}`;
    return { projectId: native[1] as string, filters, page, phase: { api: 'calling', voiceLogs }, after };
  }
  const thenCalling = text.startsWith(BOTH_PREFIX);
  const match = CURSOR_PATH.exec(thenCalling ? text.slice(BOTH_PREFIX.length) : text);
  if (!match) throw badCursor();
  const parameters = sortParameters(match[2] as string, PAGE_PARAMETERS, Object.keys(LIST_QUERY_ALIASES));
  return {
    projectId: match[1] as string,
    ...parameters,
    phase: { api: 'compatibility', thenCalling },
    after,
  };
};

const decodeCursor = (cursor: string): DecodedCursor => {
  const opened = openCursor(cursor);
  if (!opened) throw badCursor();
  return { ...readPositionText(opened.uri), opened };
};

/** A read position as the call service's position in this project: its filters as a query sends them. */
export const positionOf = (position: DecodedPosition, projectId: string): ListPosition => {
  if (position.projectId !== projectId) throw badCursor('cursor belongs to another project');
  const filter = toSignalWireFilter(position.filters);
  const { after } = position;
  if (position.phase.api === 'calling')
    return { api: 'calling', next: position.phase.voiceLogs, filter, after };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) query.set(name, String(value));
  for (const [name, value] of position.page) query.set(name, value);
  return {
    api: 'compatibility',
    nextPageUri: `/api/laml/2010-04-01/Accounts/${projectId}/Calls.json?${query.toString()}`,
    thenCalling: position.phase.thenCalling,
    after,
  };
};

/** A checked cursor as the position it names, once its seal is this project's. */
export const cursorPosition = (cursor: DecodedCursor, projectId: string, key: Buffer): ListPosition => {
  // Another project's cursor is refused as such (its seal is that project's): positionOf checks it first.
  const position = positionOf(cursor, projectId);
  if (!isSealedWith(cursor.opened, key)) {
    throw badCursor('cursor was not issued by this API (or the API token has changed since): list again');
  }
  return position;
};

/**
 * The list route's checks on the validated query, before anything is loaded: dates are dates, a cursor comes
 * alone and holds only what a query may. Answers the page the request asks for, once its project's cursor key
 * is known: its filters in SignalWire's names, or the page its cursor names in that project.
 */
export const listRequestOf = (
  event: APIGatewayProxyEventV2,
): ((projectId: string, key: Buffer) => BothListFrom) => {
  const query = (event.queryStringParameters ?? {}) as ListQuery;
  const violations = dateViolations(query);
  if (violations.length > 0) throw new RequestValidationError(violations);
  if (query.cursor === undefined) {
    const filter = toSignalWireFilter(query);
    // A filter one kind cannot honour is refused (or that kind left out) here, before anything is loaded.
    const apis = apisFor(filter, query.api as CallApi | undefined);
    return () => ({ filter, apis });
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
  return (projectId, key) => ({ position: cursorPosition(cursor, projectId, key) });
};

/** The list route's answer: the page's calls (each with its `api`), the next position as this API's cursor. */
export const listAnswer = (page: BothListPage, projectId: string, cursorKey: Buffer) => ({
  calls: page.calls,
  page: page.page,
  page_size: page.page_size,
  next_cursor: encodeCursor(page.next, projectId, cursorKey),
  apis: page.apis,
});
