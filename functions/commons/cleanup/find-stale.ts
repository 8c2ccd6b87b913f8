import type { CallsApi, RequestOptions } from '../calls/port.ts';
import { SignalWireError } from '../errors.ts';
import { parseSignalWireDate } from '../signalwire/dates.ts';
import {
  type ActiveCallStatus,
  type Call,
  type CallListPage,
  type CallView,
  DIRECTION_MATCHES,
} from '../signalwire/types.ts';
import { type AddressFilter, CLEANED_STATES, type CleanupPolicy } from './policy.ts';

/**
 * What the policy makes of one listed call, checked in this order: the allow-list first (it wins over
 * everything), then the filters, then the age. A call whose age cannot be established is never stale.
 */
export type Verdict =
  | { kind: 'never-touch' }
  | { kind: 'filtered' }
  | { kind: 'unknown-age'; reason: string }
  | { kind: 'fresh' }
  | { kind: 'stale'; ageSeconds: number; maxAgeSeconds: number; basis: 'start_time' | 'date_created' };

/** Which API owns a listed call: the CLI's preview judges native calls by their own rules. */
export { apiOfCall } from '../calling/vocabulary.ts';
export { parseSignalWireDate };

/**
 * A filter of addresses. A listed call's fields are read as SignalWire sent them, and only `sid` and `status` are
 * checked on the way in: an address that is not a string (absent, null) is no address, and matches no filter.
 */
const addressMatcher = (filter: AddressFilter | undefined): ((address: unknown) => boolean) => {
  if (filter === undefined) return () => true;
  // Stryker disable next-line ArrayDeclaration: equivalent, no call's address is Stryker's placeholder text.
  const numbers = new Set(filter.numbers ?? []);
  // Stryker disable next-line ArrayDeclaration: equivalent, no call's address starts with the placeholder text.
  const prefixes = filter.prefixes ?? [];
  return (address) =>
    typeof address === 'string' &&
    (numbers.has(address) || prefixes.some((prefix) => address.startsWith(prefix)));
};

/** The verdicts that say nothing of the call itself: one of each for every call, never changed (frozen). */
const NEVER_TOUCH: Verdict = Object.freeze({ kind: 'never-touch' });
const FILTERED: Verdict = Object.freeze({ kind: 'filtered' });
const FRESH: Verdict = Object.freeze({ kind: 'fresh' });

/**
 * Compiles the policy into a verdict per call, against one reference time (the run's start, so every call of
 * a run is judged by the same clock). The sets are built once per run; judging a call allocates nothing
 * beyond the verdict of a stale call or of one of unknown age.
 */
export const createCallJudge = (
  policy: CleanupPolicy,
  nowMs: number,
): ((call: Pick<CallView, JudgedField>) => Verdict) => {
  const neverTouch = new Set(policy.neverTouch.map((entry) => entry.toLowerCase()));
  // A value that is not a string (a null `to`, an absent parent) names nothing on the allow-list: judging it
  // as one threw, which failed the listing of the whole state, every run, and ended none of its other calls.
  const listed = (value: unknown): boolean =>
    typeof value === 'string' && neverTouch.has(value.toLowerCase());
  const protectedCall = (call: Pick<CallView, JudgedField>): boolean =>
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, an empty set holds nothing;
    // the size check only skips the lookups.
    neverTouch.size > 0 &&
    (listed(call.sid) || listed(call.to) || listed(call.from) || listed(call.parent_call_sid));
  const toMatches = addressMatcher(policy.to);
  const fromMatches = addressMatcher(policy.from);
  const directions =
    policy.directions &&
    new Set<string>(policy.directions.flatMap((direction) => DIRECTION_MATCHES[direction]));
  const maxAges = new Map<string, number | undefined>(
    CLEANED_STATES.map(({ status, key }) => [status, policy.maxAgeSeconds[key]]),
  );

  return (call) => {
    if (protectedCall(call)) return NEVER_TOUCH;
    // A call of unknown status (`CallView`) is in no state a policy cleans.
    const maxAgeSeconds = call.status === null ? undefined : maxAges.get(call.status);
    if (
      maxAgeSeconds === undefined ||
      !toMatches(call.to) ||
      !fromMatches(call.from) ||
      (directions !== undefined && !directions.has(call.direction))
    ) {
      return FILTERED;
    }
    // An answered call's age counts from the answer; one not yet answered from its creation.
    const basis = call.status === 'in-progress' ? 'start_time' : 'date_created';
    const raw = basis === 'start_time' ? call.start_time : call.date_created;
    if (raw === null || raw === undefined || raw === '') {
      return { kind: 'unknown-age', reason: `${call.status} call without ${basis}` };
    }
    const since = typeof raw === 'string' ? parseSignalWireDate(raw) : undefined;
    if (since === undefined) return { kind: 'unknown-age', reason: `${basis} is not an RFC 2822 date` };
    const ageSeconds = Math.floor((nowMs - since) / 1000);
    return ageSeconds > maxAgeSeconds ? { kind: 'stale', ageSeconds, maxAgeSeconds, basis } : FRESH;
  };
};

/** The fields of a call the judge reads (its SID is also its key in the run). */
export type JudgedField =
  | 'sid'
  | 'status'
  | 'to'
  | 'from'
  | 'parent_call_sid'
  | 'direction'
  | 'start_time'
  | 'date_created';

/** A listed call as the run keeps it until it is examined: what the judge reads, nothing else. */
export type ListedCall = Pick<Call, JudgedField>;

/**
 * One page of List Calls as the run works through it: its own list of the page's calls (the port's page is left
 * as it is), from which the run drops each call once it has examined it.
 */
export interface ListedCalls {
  calls: Array<ListedCall | undefined>;
  nextPageUri: string | null;
}

/**
 * What the run keeps of a listed call. A page is worked through at the pacer's pace (200 calls, some 150 ms at
 * the highest), and the page ahead waits behind it: the calls outlive the young generation's collections and are
 * promoted to the old one, whose collections then grow with them. Some 30 fields of each (its URIs, prices,
 * formatted numbers) are garbage at once instead, and only these eight are promoted.
 */
const listedCall = (call: Call): ListedCall => ({
  sid: call.sid,
  status: call.status,
  to: call.to,
  from: call.from,
  parent_call_sid: call.parent_call_sid,
  direction: call.direction,
  start_time: call.start_time,
  date_created: call.date_created,
});

/**
 * A page's calls as the run keeps them ({@link listedCall}), and nothing else of it: with the page unreferenced,
 * a call the run has dropped from the list is garbage at once, instead of living until the whole page is done,
 * long enough at the run's pace to be copied by young-generation collections and promoted to the old one.
 * The look-ahead page is awaited only once the page before it is worked through; failing before that, it was a
 * rejection nothing handled, which ended the process (and a Lambda invocation) with no report: it is marked
 * handled here, and the `await` still throws.
 */
const listedCalls = (page: Promise<CallListPage>): Promise<ListedCalls> => {
  const listed = page.then(({ calls, next_page_uri }) => ({
    calls: calls.map(listedCall),
    nextPageUri: next_page_uri,
  }));
  listed.catch(() => undefined);
  return listed;
};

/**
 * A listing whose page links go round in a circle (`link`: the field that leads back, `pages`: which listing),
 * in the same words for List Calls and the voice logs.
 */
export const circularPages = (link: string, pages: string): SignalWireError =>
  new SignalWireError(502, {
    code: undefined,
    message: `SignalWire returned a ${link} that leads back to a ${pages} page already read`,
    moreInfo: undefined,
  });

/**
 * Every page of List Calls for one status, fetched one page ahead: the next page is requested while the
 * caller works through the current one, so at most two pages are held at a time. Paging follows
 * `next_page_uri`, whose PageToken is a cursor, so calls ended meanwhile do not shift later pages.
 * No server-side time filter is sent: its date format is not pinned down, and it would hide the calls
 * without a `start_time` that the run must report; the age is judged here, on every call.
 */
export async function* listCallPages(
  api: CallsApi,
  status: ActiveCallStatus,
  pageSize: number,
  options: RequestOptions = {},
): AsyncGenerator<ListedCalls, void, undefined> {
  let next: Promise<ListedCalls> | undefined = listedCalls(
    // The two filters as SignalWire spells them (signalwire/list-query-params.ts maps the API's to these): the
    // mapping's date handling is for the operator's filters, which a cleanup never sends.
    api.listCallsPage({ Status: status, PageSize: pageSize }, options),
  );
  // A page link followed twice leads round in a circle: the listing would never end (until the time budget), so it
  // stops there, said so, as the voice-log listing does. The page that holds the link is still worked through.
  // A consumer that stops early abandons the look-ahead request; its failure then concerns no one.
  const followed = new Set<string>();
  while (next !== undefined) {
    const page: ListedCalls = await next;
    const uri = page.nextPageUri;
    const circle = uri !== null && followed.has(uri);
    if (uri && !circle) followed.add(uri);
    next = uri && !circle ? listedCalls(api.listCallsPage({ nextPageUri: uri }, options)) : undefined;
    yield page;
    if (circle) throw circularPages('next_page_uri', 'List Calls');
  }
}
