/**
 * A local stand-in for SignalWire's Compatibility API Calls resource
 * (`https://{space}.signalwire.com/api/laml/2010-04-01/...`) over real HTTP on loopback. It serves the
 * same contract the real adapter speaks (Basic auth, form bodies, error bodies, cursor paging), so
 * integration tests, `npm start` and the benchmark exercise the production client unchanged.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorObject } from 'ajv/dist/2020.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { listCallsQuerySchema, updateCallFormSchema } from '#commons/signalwire/schemas';
import { isSid } from '#commons/signalwire/sids';
import type { Call, CallResourceDirection, CallStatus, CallUpdate } from '#commons/signalwire/types';
import { isFinalStatus, LIST_CALLS_FILTERS } from '#commons/signalwire/types';

/** Options for {@link SignalWireEmulator.start}. */
export interface SignalWireEmulatorOptions {
  /** Projects the emulator knows; Basic auth user = `projectId`, password = `apiToken`. */
  projects: Array<{ projectId: string; apiToken: string }>;
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** Added to every response. @default 0 */
  latencyMs?: number;
  /** POSTs beyond `maxPosts` per `windowMs` and project are answered 429 / 20429. @default no limit */
  rateLimit?: RateLimit;
  /** The clock behind every call timestamp. @default real time */
  now?: () => Date;
  /** Recorded requests kept; older ones are dropped in bulk once twice as many piled up. @default 10_000 */
  maxRecordedRequests?: number;
  /** Serve https with this key and certificate instead of http (the benchmark's TLS rows). @default http */
  tls?: { key: string; cert: string };
}

/** A fixed-window limit on POSTs, per project (SignalWire limits write requests per account). */
export interface RateLimit {
  maxPosts: number;
  windowMs: number;
  /** Sent as `Retry-After` when given; SignalWire documents no such header, so it is absent by default. */
  retryAfterSeconds?: number;
}

/** A call to create with {@link SignalWireEmulator.seedCall}. */
export interface SeedCall {
  status: CallStatus;
  /** Seconds since `date_created`; an answered or ended call started a few seconds after it. @default 0 */
  ageSeconds?: number;
  /** Overrides the derived `start_time`; null for a call that never started. */
  startTime?: Date | null;
  /** @default a +1 310 555 number that changes with every seeded call (cycling after 10,000) */
  to?: string;
  /** @default '+14155550100' */
  from?: string;
  /** One of the published Call schema's values. @default 'outbound' */
  direction?: CallResourceDirection;
  /** A UUID. @default a random UUID */
  sid?: string;
  /** A UUID or null. @default null */
  parentCallSid?: string | null;
}

/** One request as the emulator received it. The Basic auth password is never kept. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The parsed form body of a form-encoded POST; null otherwise. */
  form: Record<string, string> | null;
  contentType: string | undefined;
  basicUser: string | null;
  authOk: boolean;
  /** Wall-clock epoch ms (real time, not the `now` option), so tests can measure a client's back-off. */
  at: number;
}

/**
 * A fault applied to the next matching request(s), in the order injected. `times` defaults to 1.
 * - `status`: answer that status with a SignalWire error body instead of processing the request; with
 *   `applyFirst` the request is processed first (a gateway in front of SignalWire gave up after forwarding);
 * - `delay`: wait `ms`, then process the request as usual;
 * - `drop`: destroy the socket without answering; with `applyFirst` the request is processed first
 *   (it "reached" SignalWire, only the answer was lost);
 * - `garble`: process the request, then answer 200 with a body that is not JSON.
 */
export type Fault =
  | {
      kind: 'status';
      status: 429 | 500 | 502 | 503 | 504;
      retryAfter?: string;
      applyFirst?: boolean;
      times?: number;
      method?: 'GET' | 'POST';
    }
  | { kind: 'delay'; ms: number; times?: number; method?: 'GET' | 'POST' }
  | { kind: 'drop'; applyFirst?: boolean; times?: number; method?: 'GET' | 'POST' }
  | { kind: 'garble'; times?: number; method?: 'GET' | 'POST' };

/** A LaML redirect applied to a call by `Url` (+ `Method`). */
export interface Redirect {
  url: string;
  method: string;
}

/** Callback settings an update stored on a call. */
export type CallbackSettings = Pick<
  CallUpdate,
  'FallbackUrl' | 'FallbackMethod' | 'StatusCallback' | 'StatusCallbackMethod'
>;

const API_VERSION = '2010-04-01';
const API_ROOT = `/api/laml/${API_VERSION}`;
const MORE_INFO_URL = 'https://signalwire.com/docs/compatibility-api/reference/errors';
const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_FROM = '+14155550100';
const PRICE_PER_MINUTE = 0.0065;
/** Seconds between creation and answer of a seeded call, and the talk time of a seeded ended call. */
const SEEDED_RING_SECONDS = 3;
const SEEDED_TALK_SECONDS = 30;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Errors: the one place that shapes an error body.

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A SignalWire API error; thrown anywhere in request handling and answered by {@link errorReply}. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const errorReply = (error: ApiError): Reply => ({
  status: error.status,
  body: { code: error.code, message: error.message, more_info: MORE_INFO_URL, status: error.status },
  headers: error.headers,
});

const unauthorized = () =>
  new ApiError(401, 20003, 'Authentication Failed', { 'www-authenticate': 'Basic realm="SignalWire"' });
const notFound = (path: string) => new ApiError(404, 20404, `The requested resource ${path} was not found`);
const invalidArgument = (message: string, status = 400) => new ApiError(status, 10000, message);
const retryAfterHeader = (retryAfter: string | undefined): Record<string, string> =>
  retryAfter === undefined ? {} : { 'retry-after': retryAfter };
const tooManyRequests = (retryAfter: string | undefined) =>
  new ApiError(429, 20429, 'Too Many Requests', retryAfterHeader(retryAfter));

const FAULT_ERRORS: Record<number, { code: number; message: string }> = {
  500: { code: 20500, message: 'Internal Server Error' },
  502: { code: 20502, message: 'Bad Gateway' },
  503: { code: 20503, message: 'Service Unavailable' },
  504: { code: 20504, message: 'Gateway Timeout' },
};

const faultError = (fault: Extract<Fault, { kind: 'status' }>): ApiError => {
  if (fault.status === 429) return tooManyRequests(fault.retryAfter);
  const { code, message } = FAULT_ERRORS[fault.status] ?? { code: 20500, message: 'Internal Server Error' };
  return new ApiError(fault.status, code, message, retryAfterHeader(fault.retryAfter));
};

// ---------------------------------------------------------------------------------------------------
// Request validation against the project's own schemas, so the emulator accepts exactly what they do.

const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
const validateUpdateForm = ajv.compile<CallUpdate>(updateCallFormSchema);
const validateListQuery = ajv.compile(listCallsQuerySchema);

/** Turns the first schema violation into SignalWire's error, naming the field but never echoing its value. */
const schemaError = (error: ErrorObject | undefined): ApiError => {
  if (error?.keyword === 'additionalProperties') {
    return invalidArgument(`Unknown parameter: ${String(error.params.additionalProperty)}`);
  }
  const field = (error?.instancePath ?? '').slice(1).replaceAll('~1', '/').replaceAll('~0', '~');
  if (error?.keyword === 'enum' && field.endsWith('Method')) {
    return new ApiError(400, 21209, `Invalid ${field}: must be GET or POST`);
  }
  return invalidArgument(`Invalid value for ${field}: ${error?.message ?? 'not valid'}`);
};

const isFormContentType = (contentType: string | undefined): boolean =>
  contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';

// ---------------------------------------------------------------------------------------------------
// Stored calls and their rendering: the one place that turns a call into the API's JSON.

interface StoredCall {
  readonly sid: string;
  readonly accountSid: string;
  readonly phoneNumberSid: string;
  readonly parentCallSid: string | null;
  readonly to: string;
  readonly from: string;
  readonly direction: CallResourceDirection;
  /** Whole-second epoch ms: the API shows seconds, so storing more would make filters disagree with it. */
  readonly createdMs: number;
  updatedMs: number;
  status: CallStatus;
  startMs: number | null;
  endMs: number | null;
  callbacks: CallbackSettings | undefined;
  redirects: Redirect[] | undefined;
}

const floorToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** RFC 2822 in GMT, as SignalWire writes it: `Wed, 19 Sep 2018 20:00:00 +0000`. */
const rfc2822 = (ms: number): string => new Date(ms).toUTCString().replace('GMT', '+0000');
const rfc2822OrNull = (ms: number | null): string | null => (ms === null ? null : rfc2822(ms));

const formatAddress = (address: string): string => {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(address);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : address;
};

const SIP_RESULT_CODES: Partial<Record<CallStatus, string>> = {
  'in-progress': '200',
  completed: '200',
  busy: '486',
  'no-answer': '480',
  canceled: '487',
  failed: '500',
};

const callPath = (accountSid: string, sid: string): string =>
  `${API_ROOT}/Accounts/${accountSid}/Calls/${sid}`;

const renderCall = (call: StoredCall): Call => {
  const connected = call.startMs !== null && (call.status === 'completed' || call.status === 'in-progress');
  const ended = isFinalStatus(call.status);
  const duration =
    connected && call.endMs !== null && call.startMs !== null
      ? Math.max(0, Math.floor((call.endMs - call.startMs) / 1000))
      : 0;
  const billedMinutes = Math.max(1, Math.ceil(duration / 60));
  const price = !ended ? null : connected ? -Number((billedMinutes * PRICE_PER_MINUTE).toFixed(5)) : 0;
  const metrics = ended && connected;
  const formattedTo = formatAddress(call.to);
  const formattedFrom = formatAddress(call.from);
  const path = callPath(call.accountSid, call.sid);
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    date_created: rfc2822(call.createdMs),
    date_updated: rfc2822(call.updatedMs),
    parent_call_sid: call.parentCallSid,
    to: call.to,
    formatted_to: formattedTo,
    to_formatted: formattedTo,
    from: call.from,
    formatted_from: formattedFrom,
    from_formatted: formattedFrom,
    phone_number_sid: call.phoneNumberSid,
    status: call.status,
    start_time: rfc2822OrNull(call.startMs),
    end_time: rfc2822OrNull(call.endMs),
    duration,
    price,
    price_unit: 'USD',
    direction: call.direction,
    answered_by: null,
    api_version: API_VERSION,
    forwarded_from: null,
    caller_name: null,
    uri: `${path}.json`,
    subresource_uris: { notifications: null, recordings: `${path}/Recordings.json` },
    annotation: null,
    group_sid: null,
    audio_in_mos: metrics ? 4.3 : null,
    // A call ended before anyone answered was cancelled at the SIP level, whatever status ended it.
    sip_result_code:
      ended && !connected && call.status === 'completed' ? '487' : (SIP_RESULT_CODES[call.status] ?? null),
    audio_rtt_avg: metrics ? 48 : null,
    audio_rtt_min: metrics ? 21 : null,
    audio_rtt_max: metrics ? 97 : null,
    audio_out_jitter_min: metrics ? 0 : null,
    audio_out_jitter_max: metrics ? 9 : null,
    audio_out_jitter_avg: metrics ? 3 : null,
    audio_out_lost: metrics ? 0 : null,
  };
};

// ---------------------------------------------------------------------------------------------------
// Listing: calls kept newest first, paged by an opaque cursor on that (immutable) order.

interface Cursor {
  createdMs: number;
  sid: string;
}

/** Newest first, then by SID, so that every call has one stable position whatever its status becomes. */
const compareOrder = (a: Cursor, b: Cursor): number =>
  b.createdMs - a.createdMs || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0);

/** A project's calls: a SID index plus the listing order, re-sorted lazily after out-of-order seeds. */
class CallStore {
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
const boundary = (ordered: readonly StoredCall[], cursor: Cursor, inclusive: boolean): number => {
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

type PageToken = { direction: 'A' | 'B'; cursor: Cursor };

const encodePageToken = (direction: 'A' | 'B', call: StoredCall): string =>
  `P${direction}${Buffer.from(`${call.createdMs}.${call.sid}`).toString('base64url')}`;

const decodePageToken = (token: string): PageToken => {
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

type CallPredicate = (call: StoredCall) => boolean;

interface ListRequest {
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
const parseTimeFilter = (name: string, value: string): { from: number; to: number } => {
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
const timePredicate = (
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

const predicateFor = (name: string, value: string): CallPredicate => {
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

const FILTER_NAMES = LIST_CALLS_FILTERS.filter((name) => name !== 'PageSize');
const INTEGER_PARAMS = new Set(['Page', 'PageSize']);

const parseListRequest = (query: URLSearchParams): ListRequest => {
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

const anyMatchFrom = (ordered: readonly StoredCall[], start: number, matches: CallPredicate): boolean => {
  for (let index = start; index < ordered.length; index++) if (matches(ordered[index]!)) return true;
  return false;
};

/** One page of matching calls and whether any match lies beyond it; work is proportional to what it skips. */
const selectPage = (
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

const pageUri = (
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

// ---------------------------------------------------------------------------------------------------
// Routing and authentication.

type Route =
  | { kind: 'list'; accountSid: string }
  | { kind: 'call'; accountSid: string; callSid: string }
  | { kind: 'none'; accountSid: string | null };

const LIST_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\.json)?$/;
const CALL_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+?)(?:\.json)?$/;
const ACCOUNT_PATH = /^\/api\/laml\/2010-04-01\/Accounts\/([^/]+)/;

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const matchRoute = (method: string, path: string): Route => {
  const list = LIST_PATH.exec(path);
  if (list?.[1] && method === 'GET') return { kind: 'list', accountSid: decodeSegment(list[1]) };
  const call = CALL_PATH.exec(path);
  if (call?.[1] && call[2] && (method === 'GET' || method === 'POST')) {
    return { kind: 'call', accountSid: decodeSegment(call[1]), callSid: decodeSegment(call[2]) };
  }
  const account = ACCOUNT_PATH.exec(path)?.[1];
  return { kind: 'none', accountSid: account === undefined ? null : decodeSegment(account) };
};

interface Credentials {
  user: string;
  password: string;
}

const parseBasicAuth = (header: string | undefined): Credentials | null => {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString();
  const separator = decoded.indexOf(':');
  return separator < 0 ? null : { user: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
};

const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

const send = (res: ServerResponse, reply: Reply): void => {
  if (res.destroyed) return;
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
};

// ---------------------------------------------------------------------------------------------------
// The emulator.

interface Project {
  apiToken: string;
  readonly phoneNumberSid: string;
  readonly calls: CallStore;
  /** Start (performance.now) and count of the current rate-limit window. */
  window: { start: number; count: number } | undefined;
}

interface IncomingRequest {
  method: string;
  path: string;
  route: Route;
  query: URLSearchParams;
  form: Record<string, string> | null;
  contentType: string | undefined;
  user: string | null;
  authOk: boolean;
}

/** SignalWire's Calls API on 127.0.0.1; see the module comment. */
export class SignalWireEmulator {
  /** The space URL to point a client at, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly #server: Server;
  readonly #projects = new Map<string, Project>();
  readonly #clock: () => Date;
  readonly #maxRecorded: number;
  readonly #requests: RecordedRequest[] = [];
  readonly #faults: Array<{ fault: Fault; remaining: number }> = [];
  readonly #stopping = new AbortController();
  #latencyMs: number;
  #rateLimit: RateLimit | undefined;
  #seeded = 0;

  private constructor(server: Server, options: SignalWireEmulatorOptions) {
    this.#server = server;
    this.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.#clock = options.now ?? (() => new Date());
    this.#latencyMs = options.latencyMs ?? 0;
    this.#rateLimit = options.rateLimit;
    this.#maxRecorded = options.maxRecordedRequests ?? 10_000;
    for (const { projectId, apiToken } of options.projects) {
      this.#projects.set(projectId, {
        apiToken,
        phoneNumberSid: randomUUID(),
        calls: new CallStore(),
        window: undefined,
      });
    }
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void this.#serve(req, res);
    });
  }

  /** Starts listening on 127.0.0.1 (`port` 0 picks a free one). */
  static async start(options: SignalWireEmulatorOptions): Promise<SignalWireEmulator> {
    const server: Server = options.tls ? createHttpsServer(options.tls) : createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new SignalWireEmulator(server, options);
  }

  /** Every request received, oldest first (bounded by `maxRecordedRequests`). */
  get requests(): RecordedRequest[] {
    return this.#requests;
  }

  /** Forgets every recorded request. */
  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** Rotates a project's API token; the old one answers 401 from now on. */
  setToken(projectId: string, apiToken: string): void {
    this.#project(projectId).apiToken = apiToken;
  }

  /** Creates a call in the given state and age, as if SignalWire had been handling it. */
  seedCall(projectId: string, init: SeedCall): Call {
    const project = this.#project(projectId);
    const sid = init.sid ?? randomUUID();
    if (!isSid(sid) || project.calls.get(sid)) throw new Error(`seedCall: sid ${sid} is not a new UUID`);
    const parentCallSid = init.parentCallSid ?? null;
    if (parentCallSid !== null && !isSid(parentCallSid)) {
      throw new Error('seedCall: parentCallSid is not a UUID');
    }
    const nowMs = this.#nowMs();
    const ageSeconds = Math.max(0, Math.floor(init.ageSeconds ?? 0));
    const createdMs = nowMs - ageSeconds * 1000;
    const startMs = this.#seededStart(init, createdMs, ageSeconds);
    const endMs = isFinalStatus(init.status)
      ? Math.max(startMs ?? createdMs, Math.min(nowMs, (startMs ?? createdMs) + SEEDED_TALK_SECONDS * 1000))
      : null;
    this.#seeded++;
    const call: StoredCall = {
      sid,
      accountSid: projectId,
      phoneNumberSid: project.phoneNumberSid,
      parentCallSid,
      to: init.to ?? `+1310555${String(this.#seeded % 10_000).padStart(4, '0')}`,
      from: init.from ?? DEFAULT_FROM,
      direction: init.direction ?? 'outbound',
      createdMs,
      updatedMs: endMs ?? startMs ?? createdMs,
      status: init.status,
      startMs,
      endMs,
      callbacks: undefined,
      redirects: undefined,
    };
    project.calls.add(call);
    return renderCall(call);
  }

  /** The call as the API would render it now, or undefined. */
  getCall(projectId: string, sid: string): Call | undefined {
    const call = this.#projects.get(projectId)?.calls.get(sid);
    return call && renderCall(call);
  }

  /** LaML redirects applied to a call, in order. */
  redirectsOf(sid: string): Redirect[] {
    return (this.#findCall(sid)?.redirects ?? []).map((redirect) => ({ ...redirect }));
  }

  /** Fallback and status-callback settings updates stored on a call. */
  callbacksOf(sid: string): CallbackSettings {
    return { ...this.#findCall(sid)?.callbacks };
  }

  /** Queues a fault behind those already injected. */
  injectFault(fault: Fault): void {
    this.#faults.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Drops every fault not yet consumed. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Sets the delay added to every response from now on. */
  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Replaces the POST rate limit (undefined removes it) and starts every window afresh. */
  setRateLimit(limit: RateLimit | undefined): void {
    this.#rateLimit = limit;
    for (const project of this.#projects.values()) project.window = undefined;
  }

  /** Closes every connection, abandons delayed answers and stops listening. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const request = await this.#receive(req);
      const fault = this.#takeFault(request.method);
      if (fault?.kind === 'delay') await this.#pause(fault.ms);
      if (fault?.kind === 'drop' && !fault.applyFirst) {
        req.socket.destroy();
        return;
      }
      const applied = fault?.kind === 'status' && !fault.applyFirst ? undefined : this.#respond(request);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      await this.#pause(this.#latencyMs);
      if (fault?.kind === 'garble') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"sid": "');
        return;
      }
      send(res, fault?.kind === 'status' ? errorReply(faultError(fault)) : (applied as Reply));
    } catch (error) {
      // A client that went away mid-body, or a stop during a delay, needs no answer.
      if (this.#stopping.signal.aborted || res.destroyed) return;
      console.error('SignalWire emulator: unexpected error', error);
      send(res, errorReply(new ApiError(500, 20500, 'Internal Server Error')));
    }
  }

  /** Reads and records the request before any fault or check, so tests see what reached the emulator. */
  async #receive(req: IncomingMessage): Promise<IncomingRequest> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart < 0 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart < 0 ? '' : target.slice(queryStart + 1));
    const route = matchRoute(method, path);
    const contentType = req.headers['content-type'];
    const body = method === 'POST' ? await readBody(req) : null;
    const form =
      body !== null && isFormContentType(contentType) ? Object.fromEntries(new URLSearchParams(body)) : null;
    const credentials = parseBasicAuth(req.headers.authorization);
    const authOk = this.#authenticate(credentials, route.accountSid);
    const user = credentials?.user ?? null;
    this.#record({
      method,
      path,
      query: Object.fromEntries(query),
      form,
      contentType,
      basicUser: user,
      authOk,
      at: Date.now(),
    });
    return { method, path, route, query, form, contentType, user, authOk };
  }

  #respond(request: IncomingRequest): Reply {
    try {
      return { status: 200, body: this.#handle(request) };
    } catch (error) {
      if (error instanceof ApiError) return errorReply(error);
      throw error;
    }
  }

  #handle({ method, path, route, query, form, contentType, user, authOk }: IncomingRequest): unknown {
    if (!authOk || user === null) throw unauthorized();
    const project = this.#project(user);
    if (method === 'POST' && this.#overRateLimit(project)) throw tooManyRequests(this.#rateLimitRetryAfter());
    if (route.kind === 'none') throw notFound(path);
    if (route.kind === 'list') return this.#listCalls(project, route.accountSid, query);
    const call = isSid(route.callSid) ? project.calls.get(route.callSid) : undefined;
    if (!call) throw notFound(path);
    if (method === 'GET') return renderCall(call);
    if (!isFormContentType(contentType) || form === null) {
      throw invalidArgument('Content-Type must be application/x-www-form-urlencoded');
    }
    return renderCall(this.#updateCall(call, form));
  }

  #listCalls(project: Project, accountSid: string, query: URLSearchParams): unknown {
    const request = parseListRequest(query);
    const listPath = `${API_ROOT}/Accounts/${accountSid}/Calls.json`;
    const { calls, hasNext } = selectPage(project.calls.ordered(), request);
    const first = calls[0];
    const last = calls.at(-1);
    const { page } = request;
    const previousToken = first ? encodePageToken('B', first) : undefined;
    return {
      calls: calls.map(renderCall),
      uri: pageUri(listPath, request, page, request.pageToken),
      first_page_uri: pageUri(listPath, request, 0, undefined),
      next_page_uri:
        hasNext && last ? pageUri(listPath, request, page + 1, encodePageToken('A', last)) : null,
      previous_page_uri: page > 0 ? pageUri(listPath, request, page - 1, previousToken) : null,
      page,
      page_size: request.pageSize,
    };
  }

  /** Validates everything before changing anything, so a rejected update leaves the call untouched. */
  #updateCall(call: StoredCall, form: Record<string, string>): StoredCall {
    if (!validateUpdateForm(form)) throw schemaError(validateUpdateForm.errors?.[0]);
    const update: CallUpdate = form;
    if (isFinalStatus(call.status)) {
      throw invalidArgument(`Call ${call.sid} has already ended (${call.status}) and cannot be updated`, 422);
    }
    if (update.Status === 'canceled' && call.status === 'in-progress') {
      throw invalidArgument(
        'Status canceled applies only to queued or ringing calls; use completed to hang up',
      );
    }
    // Ending the call wins over a redirect sent with it.
    const redirectUrl = update.Status === undefined ? update.Url : undefined;
    if (redirectUrl !== undefined && call.status !== 'in-progress') {
      throw new ApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    }
    const nowMs = this.#nowMs();
    if (update.Status !== undefined) {
      call.status = update.Status;
      call.endMs = Math.max(nowMs, call.startMs ?? nowMs);
    }
    if (redirectUrl !== undefined) {
      call.redirects = [...(call.redirects ?? []), { url: redirectUrl, method: update.Method ?? 'POST' }];
    }
    call.callbacks = { ...call.callbacks, ...pickCallbacks(update) };
    call.updatedMs = nowMs;
    return call;
  }

  #seededStart(init: SeedCall, createdMs: number, ageSeconds: number): number | null {
    if (init.startTime !== undefined)
      return init.startTime === null ? null : floorToSecond(init.startTime.getTime());
    if (init.status === 'queued' || init.status === 'ringing') return null;
    return createdMs + Math.min(SEEDED_RING_SECONDS, ageSeconds) * 1000;
  }

  #authenticate(credentials: Credentials | null, accountSid: string | null): boolean {
    if (credentials === null) return false;
    const project = this.#projects.get(credentials.user);
    if (!project || !sameSecret(credentials.password, project.apiToken)) return false;
    return accountSid === null || accountSid === credentials.user;
  }

  #overRateLimit(project: Project): boolean {
    const limit = this.#rateLimit;
    if (!limit) return false;
    const now = performance.now();
    if (!project.window || now - project.window.start >= limit.windowMs)
      project.window = { start: now, count: 0 };
    project.window.count++;
    return project.window.count > limit.maxPosts;
  }

  #rateLimitRetryAfter(): string | undefined {
    const seconds = this.#rateLimit?.retryAfterSeconds;
    return seconds === undefined ? undefined : String(seconds);
  }

  #takeFault(method: string): Fault | undefined {
    const index = this.#faults.findIndex(
      ({ fault }) => fault.method === undefined || fault.method === method,
    );
    const entry = this.#faults[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) this.#faults.splice(index, 1);
    return entry.fault;
  }

  #record(request: RecordedRequest): void {
    this.#requests.push(request);
    // Trimming in bulk keeps recording O(1) amortised instead of shifting the array on every request.
    if (this.#requests.length >= 2 * this.#maxRecorded) this.#requests.splice(0, this.#maxRecorded);
  }

  /** Waits `ms`; rejects once the emulator stops so no answer is written to a closed server. */
  async #pause(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.#stopping.signal });
  }

  #nowMs(): number {
    return floorToSecond(this.#clock().getTime());
  }

  #project(projectId: string): Project {
    const project = this.#projects.get(projectId);
    if (!project) throw new Error(`Unknown project ${projectId}`);
    return project;
  }

  #findCall(sid: string): StoredCall | undefined {
    for (const project of this.#projects.values()) {
      const call = project.calls.get(sid);
      if (call) return call;
    }
    return undefined;
  }
}

const pickCallbacks = (update: CallUpdate): CallbackSettings => {
  const settings: CallbackSettings = {};
  if (update.FallbackUrl !== undefined) settings.FallbackUrl = update.FallbackUrl;
  if (update.FallbackMethod !== undefined) settings.FallbackMethod = update.FallbackMethod;
  if (update.StatusCallback !== undefined) settings.StatusCallback = update.StatusCallback;
  if (update.StatusCallbackMethod !== undefined) settings.StatusCallbackMethod = update.StatusCallbackMethod;
  return settings;
};
