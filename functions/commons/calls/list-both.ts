/**
 * One listing over both kinds of call: the Compatibility API's List Calls first, then the native calls found
 * in the voice logs, each call marked with the API that owns it. The listing rule (the README's "two kinds of
 * call" and HTTP API sections say the same):
 * 1. The filters mean the same for both kinds. `Status` is compared on the client side for native calls, in the
 *    one vocabulary (`nativeStatusesFor`); `To`, `From` and `ParentCallSid` are compared exactly; the start
 *    bounds (`StartTime>`, `StartTime<`) window the voice logs by `created_after` / `created_before`.
 * 2. A filter the voice logs cannot honour (an exact `StartTime` instant, any `EndTime` filter: a voice log has
 *    no end time) leaves the native kind out of a listing that did not name an API, and is refused by name
 *    when the listing names the Calling API. The page says which kinds it covers (`apis`).
 * 3. A status that only a live call has (`queued`, `ringing`, `in-progress`) bounds the voice logs by the live
 *    call window (`assumptions.ts`): an older native call cannot still be live.
 * 4. The Compatibility pages come first; the page on which they end also holds the first voice-log page. So a
 *    page holds at most `PageSize` calls of each kind, and a native page may hold fewer (even none: the voice
 *    logs are filtered here) while the listing goes on.
 * 5. A page lists each call once (`unique-calls.ts`): a call read twice on it (a voice-log page repeating an
 *    entry, or a call both APIs list) is shown where it was first listed, as its freshest reading.
 * 6. A page does not show again what the pages before it showed. Neither API says its page token is a cursor: a
 *    call created between two page reads pushes the listing down, and the last calls read come first on the next
 *    page, in the same order (the voice logs list newest first by creation; List Calls' reference names no order,
 *    and this assumes one that a call's changes never move it down in). So a position names the last
 *    call its API's pages showed (`after`, a digest of its id), and the next page of that API leaves out every
 *    entry up to its first reading, and its other readings, when it is there. Up to `PageSize` arrivals between
 *    two reads, nothing is shown twice; more push it past the next page, which is then shown again (nothing is
 *    skipped for it). Calls leaving a filter SignalWire applies (a `Status` one) shift the other way: the listing
 *    may skip, and this cannot tell; calls coming to match a filter where the page before was read are left out.
 */
import { createHash } from 'node:crypto';
import { formatVoiceLogTime, LIVE_CALL_WINDOW_SECONDS, NATIVE_SOURCES } from '../calling/assumptions.ts';
import { isCallLog } from '../calling/client.ts';
import type { VoiceLog, VoiceLogEntry, VoiceLogQuery } from '../calling/types.ts';
import { CALL_APIS, type CallApi, nativeCallView, nativeStatusesFor } from '../calling/vocabulary.ts';
import { RequestValidationError } from '../errors.ts';
import { parseFilterDate } from '../signalwire/dates.ts';
import { LIST_QUERY_TO_SIGNALWIRE } from '../signalwire/list-query-params.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import {
  type CallView,
  isFinalStatus,
  LIST_CALLS_FILTERS,
  type ListCallsFilter,
} from '../signalwire/types.ts';
import type { NativeCallsApi, ProjectCallsApi, RequestOptions } from './port.ts';
import { uniqueCalls } from './unique-calls.ts';

/** A listed call, with the API that owns it. */
export type ListedCall = CallView & { api: CallApi };

/** The filters compared on the client side for native calls (the voice logs have none of them). */
export type NativeFilter = Pick<ListCallsFilter, 'Status' | 'To' | 'From' | 'ParentCallSid'>;
export const NATIVE_FILTER_NAMES = ['Status', 'To', 'From', 'ParentCallSid'] as const;

/**
 * Where a listing over both APIs stands: the next page to read, of one API, and (`after`, rule 6) the
 * {@link anchorOf} the last call that API's pages showed, when they showed one.
 */
export type ListPosition =
  /** A `next_page_uri` of List Calls; `thenCalling`: the native calls follow the Compatibility ones. */
  | { api: 'compatibility'; nextPageUri: string; thenCalling: boolean; after?: string }
  /** A voice-log page (`links.next`), with the filters compared on the client side. */
  | { api: 'calling'; next: string; filter: NativeFilter; after?: string };

/** What a listing over both APIs starts from: the filters (and the APIs, both by default), or a position. */
export type BothListFrom =
  | { filter: ListCallsFilter; apis?: readonly CallApi[] }
  | { position: ListPosition };

/** One page of a listing over both APIs. */
export interface BothListPage {
  calls: ListedCall[];
  /** The page number and size of the API the page ends in (SignalWire's List Calls, or the voice logs). */
  page: number;
  page_size: number;
  /** The next page, or null at the end. */
  next: ListPosition | null;
  /** The kinds of call this page and the pages after it cover. */
  apis: CallApi[];
}

/** The default page size of both SignalWire listings. */
const DEFAULT_PAGE_SIZE = 50;

/** The filters the voice logs cannot honour, in SignalWire's names. */
const NOT_FOR_NATIVE = ['StartTime', 'EndTime', 'EndTime<', 'EndTime>'] as const;

/** The operator API's name of a List Calls filter (`EndTime>` is `endTimeAfter`), for a refusal. */
const apiNameOf = (signalwire: string): string =>
  Object.entries(LIST_QUERY_TO_SIGNALWIRE).find(([, name]) => name === signalwire)?.[0] ?? signalwire;

/**
 * The kinds of call a listing covers: the one named, or both; the native kind left out (rule 2) when a filter
 * the voice logs cannot honour is given.
 * @throws RequestValidationError naming the filter, when the listing names the Calling API
 */
export const apisFor = (filter: ListCallsFilter, named?: CallApi): CallApi[] => {
  const unhonoured = NOT_FOR_NATIVE.filter((name) => filter[name] !== undefined);
  if (named === 'calling' && unhonoured.length > 0) {
    throw new RequestValidationError(
      unhonoured.map((name) => ({
        field: apiNameOf(name),
        rule: 'api',
        message: `${apiNameOf(name)} cannot be applied to native calls (their voice logs have ${
          name === 'StartTime' ? 'no exact start time' : 'no end time'
        }): list without api=calling, or without ${apiNameOf(name)}`,
      })),
    );
  }
  if (named) return [named];
  return unhonoured.length > 0 ? ['compatibility'] : [...CALL_APIS];
};

/** The List Calls filters a `next_page_uri` carries (the native phase takes its filters from them). */
export const filterOfPageUri = (nextPageUri: string): ListCallsFilter => {
  const query = new URLSearchParams(nextPageUri.slice(nextPageUri.indexOf('?') + 1));
  const filter: Record<string, string | number> = {};
  for (const name of LIST_CALLS_FILTERS) {
    const value = query.get(name);
    if (value !== null) filter[name] = name === 'PageSize' ? Number(value) : value;
  }
  return filter as ListCallsFilter;
};

const isoOf = (date: string | undefined): number | undefined =>
  date === undefined ? undefined : parseFilterDate(date);

/** The first voice-log page's query for the filters (rules 1 and 3). */
export const voiceLogQueryOf = (filter: ListCallsFilter, nowMs: number): VoiceLogQuery => {
  let after = isoOf(filter['StartTime>']);
  if (filter.Status !== undefined && !isFinalStatus(filter.Status)) {
    after = Math.max(after ?? 0, nowMs - LIVE_CALL_WINDOW_SECONDS * 1000);
  }
  const before = isoOf(filter['StartTime<']);
  return {
    ...(after === undefined ? {} : { created_after: formatVoiceLogTime(new Date(after)) }),
    ...(before === undefined ? {} : { created_before: formatVoiceLogTime(new Date(before)) }),
    page_size: filter.PageSize ?? DEFAULT_PAGE_SIZE,
  };
};

const nativeFilterOf = (filter: ListCallsFilter): NativeFilter =>
  Object.fromEntries(
    NATIVE_FILTER_NAMES.flatMap((name) => (filter[name] === undefined ? [] : [[name, filter[name]]])),
  );

/** Whether a voice-log entry is a native call the filters keep (rule 1). */
export const matchesNative = (entry: VoiceLogEntry, filter: NativeFilter): entry is VoiceLog => {
  if (!isCallLog(entry) || !(NATIVE_SOURCES as readonly string[]).includes(entry.source)) return false;
  if (filter.Status !== undefined && !nativeStatusesFor(filter.Status).includes(entry.status)) return false;
  if (filter.To !== undefined && entry.to !== filter.To) return false;
  if (filter.From !== undefined && entry.from !== filter.From) return false;
  return (
    filter.ParentCallSid === undefined ||
    (entry.parent_id !== null && canonicalSid(entry.parent_id) === canonicalSid(filter.ParentCallSid))
  );
};

const numberParam = (link: string, name: string): number | undefined => {
  const value = new URL(link, 'https://voice.logs').searchParams.get(name);
  return value === null || !/^\d+$/.test(value) ? undefined : Number(value);
};

/** What a position keeps of a call (rule 6): 11 base64url characters (66 bits) of the SHA-256 of its id. */
export const anchorOf = (id: string): string =>
  createHash('sha256').update(canonicalSid(id)).digest('base64url').slice(0, 11);

/**
 * The entries of a page read after one of the same API's pages (rule 6): those past the first reading of the
 * call `after` names (all of them when it is not on the page), but for its other readings, that `shown` keeps;
 * and the anchor of the last of them, else `after` again. The first reading, not the last: a call read twice
 * on a page may be read there again further down, past calls never shown, which the last would leave out (a
 * skip); the first can only show again calls the page before showed (a repeat, as past `PageSize` arrivals).
 */
const pastAnchor = <T>(
  entries: readonly T[],
  idOf: (entry: T) => string,
  shown: (entry: T) => boolean,
  after?: string,
) => {
  const named = (entry: T) => after !== undefined && anchorOf(idOf(entry)) === after;
  const kept = entries.slice(entries.findIndex(named) + 1).filter((entry) => !named(entry) && shown(entry));
  const last = kept.at(-1);
  return { kept, after: last === undefined ? after : anchorOf(idOf(last)) };
};

/** One voice-log page as a page of the listing. */
const nativePage = async (
  native: NativeCallsApi,
  from: VoiceLogQuery | { next: string },
  filter: NativeFilter,
  options: RequestOptions,
  anchor?: string,
): Promise<BothListPage> => {
  const page = await native.listVoiceLogsPage(from, options);
  const { kept, after } = pastAnchor(
    page.data,
    (entry) => entry.id,
    (entry): entry is VoiceLog => matchesNative(entry, filter),
    anchor,
  );
  const calls = uniqueCalls(
    (kept as VoiceLog[]).map(
      (log): ListedCall => ({ ...nativeCallView(log, native.projectId), api: 'calling' }),
    ),
  );
  const { next, self } = page.links;
  return {
    calls,
    page: numberParam(self, 'page_number') ?? 0,
    page_size: numberParam(self, 'page_size') ?? ('next' in from ? DEFAULT_PAGE_SIZE : (from.page_size ?? 0)),
    next: next === undefined ? null : { api: 'calling', next, filter, after },
    apis: ['calling'],
  };
};

/** The APIs a listing over both reaches for one project (the native one only when its phase comes). */
export interface BothListAccess {
  compatibility(): Promise<ProjectCallsApi>;
  native(): Promise<NativeCallsApi>;
}

/** One page of the listing over both APIs (the module comment's rule). */
export const listOverBoth = async (
  access: BothListAccess,
  from: BothListFrom,
  options: RequestOptions = {},
  nowMs: number = Date.now(),
): Promise<BothListPage> => {
  if ('position' in from && from.position.api === 'calling') {
    const { next, filter, after } = from.position;
    return nativePage(await access.native(), { next }, filter, options, after);
  }
  let filter: ListCallsFilter;
  let thenCalling: boolean;
  let compatibilityFrom: ListCallsFilter | { nextPageUri: string };
  let anchor: string | undefined;
  if ('position' in from) {
    const { nextPageUri } = from.position as Extract<ListPosition, { api: 'compatibility' }>;
    ({ thenCalling, after: anchor } = from.position as Extract<ListPosition, { api: 'compatibility' }>);
    filter = filterOfPageUri(nextPageUri);
    compatibilityFrom = { nextPageUri };
  } else {
    const apis = from.apis ?? apisFor(from.filter);
    filter = from.filter;
    thenCalling = apis.includes('calling');
    if (!apis.includes('compatibility')) {
      return nativePage(
        await access.native(),
        voiceLogQueryOf(filter, nowMs),
        nativeFilterOf(filter),
        options,
      );
    }
    compatibilityFrom = filter;
  }
  const apis: CallApi[] = thenCalling ? [...CALL_APIS] : ['compatibility'];
  const page = await (await access.compatibility()).listCallsPage(compatibilityFrom, options);
  const { kept, after } = pastAnchor(
    page.calls,
    (call) => call.sid,
    () => true,
    anchor,
  );
  const calls = uniqueCalls(kept.map((call): ListedCall => ({ ...call, api: 'compatibility' })));
  if (page.next_page_uri !== null || !thenCalling) {
    const next: ListPosition | null =
      page.next_page_uri === null
        ? null
        : { api: 'compatibility', nextPageUri: page.next_page_uri, thenCalling, after };
    return { calls, page: page.page, page_size: page.page_size, next, apis };
  }
  // The Compatibility pages end here: the first voice-log page fills the rest of this one (rule 4).
  const natives = await nativePage(
    await access.native(),
    voiceLogQueryOf(filter, nowMs),
    nativeFilterOf(filter),
    options,
  );
  return { ...natives, calls: uniqueCalls([...calls, ...natives.calls]), apis };
};
