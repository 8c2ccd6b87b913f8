import { LIST_CALLS_FILTERS } from '#commons/signalwire/types';
import {
  DAY_MS,
  DEFAULT_PAGE_SIZE,
  floorToSecond,
  invalidArgument,
  type Reply,
  renderCall,
  type StoredCall,
  schemaError,
  validateListQuery,
} from './calls.ts';
import type { Paging } from './native-render.ts';
// ---------------------------------------------------------------------------------------------------
// Listing: calls kept newest first, paged by an opaque cursor on that (immutable) order.

export interface Cursor {
  createdMs: number;
  sid: string;
}

/** Newest first, then by SID, so that every call has one stable position whatever its status becomes. */
export const compareOrder = (a: Cursor, b: Cursor): number =>
  b.createdMs - a.createdMs || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0);

/** A project's calls: a SID index plus the listing order, re-sorted lazily after out-of-order seeds. */
export class CallStore {
  readonly #bySid = new Map<string, StoredCall>();
  readonly #ordered: StoredCall[] = [];
  #sorted = true;

  get(sid: string): StoredCall | undefined {
    return this.#bySid.get(sid);
  }

  add(call: StoredCall): void {
    const last = this.#ordered.at(-1);
    if (last && compareOrder(last, call) > 0) this.#sorted = false;
    this.#bySid.set(call.sid, call);
    this.#ordered.push(call);
  }

  /** Calls newest first; sorting happens once per batch of seeds, not per listing. */
  ordered(): readonly StoredCall[] {
    if (!this.#sorted) {
      this.#ordered.sort(compareOrder);
      this.#sorted = true;
    }
    return this.#ordered;
  }
}

/** Index of the first call after the cursor (`inclusive`: at or after it), by binary search. */
export const boundary = (ordered: readonly StoredCall[], cursor: Cursor, inclusive: boolean): number => {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareOrder(ordered[middle]!, cursor);
    if (order < 0 || (order === 0 && !inclusive)) low = middle + 1;
    else high = middle;
  }
  return low;
};

export type PageToken = { direction: 'A' | 'B'; cursor: Cursor };

export const encodePageToken = (direction: 'A' | 'B', call: StoredCall): string =>
  `P${direction}${Buffer.from(`${call.createdMs}.${call.sid}`).toString('base64url')}`;

export const decodePageToken = (token: string): PageToken => {
  const direction = token[1];
  const decoded = Buffer.from(token.slice(2), 'base64url').toString();
  const separator = decoded.indexOf('.');
  const createdMs = Number(decoded.slice(0, separator));
  const sid = decoded.slice(separator + 1);
  if ((direction !== 'A' && direction !== 'B') || separator < 1 || !Number.isSafeInteger(createdMs) || !sid) {
    throw invalidArgument('Invalid value for PageToken');
  }
  return { direction, cursor: { createdMs, sid } };
};

export type CallPredicate = (call: StoredCall) => boolean;

export interface ListRequest {
  /** The filters as received, in a fixed order, for the page URIs. */
  filters: Array<[string, string]>;
  matches: CallPredicate;
  page: number;
  pageSize: number;
  pageToken: string | undefined;
}

/**
 * A time filter's bounds: a date-only value means that whole UTC day (as Twilio reads it), anything else
 * the instant, with RFC 2822 and ISO 8601 both accepted (an ISO time without offset is UTC).
 */
export const parseTimeFilter = (name: string, value: string): { from: number; to: number } => {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(day)) return { from: day, to: day + DAY_MS };
  }
  const isoWithoutOffset = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value);
  const instant = Date.parse(isoWithoutOffset ? `${value}Z` : value);
  if (Number.isNaN(instant)) {
    throw invalidArgument(`Invalid value for ${name}: expected an RFC 2822 or ISO 8601 date`);
  }
  return { from: instant, to: floorToSecond(instant) + 1000 };
};

/** `X` matches within the value's day or second, `X<` strictly before it, `X>` on or after it. */
export const timePredicate = (
  name: string,
  value: string,
  timeOf: (call: StoredCall) => number | null,
): CallPredicate => {
  const { from, to } = parseTimeFilter(name, value);
  if (name.endsWith('<')) return (call) => (timeOf(call) ?? Number.POSITIVE_INFINITY) < from;
  if (name.endsWith('>')) return (call) => (timeOf(call) ?? Number.NEGATIVE_INFINITY) >= from;
  return (call) => {
    const time = timeOf(call);
    return time !== null && time >= from && time < to;
  };
};

export const predicateFor = (name: string, value: string): CallPredicate => {
  switch (name) {
    case 'Status':
      return (call) => call.status === value;
    case 'To':
      return (call) => call.to === value;
    case 'From':
      return (call) => call.from === value;
    case 'ParentCallSid':
      return (call) => call.parentCallSid === value;
    case 'StartTime':
    case 'StartTime<':
    case 'StartTime>':
      return timePredicate(name, value, (call) => call.startMs);
    default:
      return timePredicate(name, value, (call) => call.endMs);
  }
};

export const FILTER_NAMES = LIST_CALLS_FILTERS.filter((name) => name !== 'PageSize');
export const INTEGER_PARAMS = new Set(['Page', 'PageSize']);

export const parseListRequest = (query: URLSearchParams): ListRequest => {
  const params: Record<string, string | number> = {};
  for (const [name, value] of query) {
    params[name] = INTEGER_PARAMS.has(name) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  if (!validateListQuery(params)) throw schemaError(validateListQuery.errors?.[0]);
  const filters: Array<[string, string]> = [];
  const predicates: CallPredicate[] = [];
  for (const name of FILTER_NAMES) {
    const value = query.get(name);
    if (value === null) continue;
    filters.push([name, value]);
    predicates.push(predicateFor(name, value));
  }
  return {
    filters,
    matches: (call) => predicates.every((predicate) => predicate(call)),
    page: typeof params.Page === 'number' ? params.Page : 0,
    pageSize: typeof params.PageSize === 'number' ? params.PageSize : DEFAULT_PAGE_SIZE,
    pageToken: query.get('PageToken') ?? undefined,
  };
};

export const anyMatchFrom = (
  ordered: readonly StoredCall[],
  start: number,
  matches: CallPredicate,
): boolean => {
  for (let index = start; index < ordered.length; index++) if (matches(ordered[index]!)) return true;
  return false;
};

/** One page of matching calls and whether any match lies beyond it; work is proportional to what it skips. */
export const selectPage = (
  ordered: readonly StoredCall[],
  request: ListRequest,
): { calls: StoredCall[]; hasNext: boolean } => {
  const { matches, pageSize } = request;
  const token = request.pageToken === undefined ? undefined : decodePageToken(request.pageToken);
  if (token?.direction === 'B') {
    const end = boundary(ordered, token.cursor, true);
    const calls: StoredCall[] = [];
    for (let index = end - 1; index >= 0 && calls.length < pageSize; index--) {
      if (matches(ordered[index]!)) calls.push(ordered[index]!);
    }
    return { calls: calls.reverse(), hasNext: anyMatchFrom(ordered, end, matches) };
  }
  // Without a token, `Page` counts pages of matches from the start (offset paging, as the API allows).
  let skip = token ? 0 : request.page * pageSize;
  const calls: StoredCall[] = [];
  for (let index = token ? boundary(ordered, token.cursor, false) : 0; index < ordered.length; index++) {
    const call = ordered[index]!;
    if (!matches(call)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    if (calls.length === pageSize) return { calls, hasNext: true };
    calls.push(call);
  }
  return { calls, hasNext: false };
};

export const pageUri = (
  listPath: string,
  request: ListRequest,
  page: number,
  pageToken: string | undefined,
): string => {
  const query = new URLSearchParams(request.filters);
  query.set('Page', String(page));
  query.set('PageSize', String(request.pageSize));
  if (pageToken !== undefined) query.set('PageToken', pageToken);
  return `${listPath}?${query}`;
};

/**
 * One answer of List Calls over `ordered` (newest first), cut as `paging` says (`SignalWireEmulator.setPaging`):
 * by the page token (a cursor), or by `Page` alone (offset paging, so that calls arriving between reads shift it).
 */
export const listCallsAnswer = (
  ordered: readonly StoredCall[],
  query: URLSearchParams,
  listPath: string,
  paging: Paging,
): unknown => {
  const request = parseListRequest(query);
  const offset = paging.mode === 'offset';
  const { calls, hasNext } = selectPage(ordered, offset ? { ...request, pageToken: undefined } : request);
  paging.afterPage?.();
  const first = calls[0];
  const last = calls.at(-1);
  const { page } = request;
  const previousToken = first ? encodePageToken('B', first) : undefined;
  return {
    calls: calls.map(renderCall),
    uri: pageUri(listPath, request, page, request.pageToken),
    first_page_uri: pageUri(listPath, request, 0, undefined),
    next_page_uri: hasNext && last ? pageUri(listPath, request, page + 1, encodePageToken('A', last)) : null,
    previous_page_uri: page > 0 ? pageUri(listPath, request, page - 1, previousToken) : null,
    page,
    page_size: request.pageSize,
  };
};

/**
 * A List Calls answer with its `next_page_uri` leading back to its first page (`first_page_uri`): the `circle`
 * fault. Any other answer (an error, one call) is left as it is.
 */
export const circled = (reply: Reply): Reply => {
  const body = reply.body as Record<string, unknown> | null;
  if (reply.status !== 200 || typeof body !== 'object' || body === null || !('next_page_uri' in body))
    return reply;
  return { ...reply, body: { ...body, next_page_uri: body.first_page_uri } };
};
