import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorObject } from 'ajv/dist/2020.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { listCallsQuerySchema, updateCallFormSchema } from '#commons/signalwire/schemas';
import type { Call, CallResourceDirection, CallStatus, CallUpdate } from '#commons/signalwire/types';
import { isFinalStatus } from '#commons/signalwire/types';
/** Options for {@link SignalWireEmulator.start}. */
export interface SignalWireEmulatorOptions {
  /** Projects the emulator knows; Basic auth user = `projectId`, password = `apiToken`. */
  projects: Array<{ projectId: string; apiToken: string }>;
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** Added to every response. @default 0 */
  latencyMs?: number;
  /**
   * Each response waits a further uniformly random 0 to `latencySpreadMs` ms (a network whose round trips vary,
   * e.g. 50–150 ms as `latencyMs: 50, latencySpreadMs: 100`). @default 0
   */
  latencySpreadMs?: number;
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
  /** The caller ID name (CNAM) SignalWire shows for the caller: outside text. @default null */
  callerName?: string | null;
}

/** One request as the emulator received it. The Basic auth password is never kept. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** The parsed form body of a form-encoded POST; null otherwise. */
  form: Record<string, string> | null;
  /** The parsed JSON body of a POST to the native Calling API (absent otherwise, or when not JSON). */
  json?: unknown;
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
 * - `hold`: wait until the test's `until` settles (fulfilled or rejected), then process the request as usual: an answer held exactly as long
 *   as a test's steps take, with no guessed delay that a slow machine outruns (`until` settling is the release);
 * - `drop`: destroy the socket without answering; with `applyFirst` the request is processed first
 *   (it "reached" SignalWire, only the answer was lost);
 * - `garble`: process the request, then answer 200 with `body` (by default one that is not JSON);
 * - `raw`: process the request (unless `applyFirst` is false), then answer exactly `status`, `headers` and
 *   `body` as given (an HTML page from a proxy, a 204, an empty 200), and with `then` keep the connection open
 *   without ending the answer (`stall`) or destroy it (`reset`) after writing them;
 * - `circle`: answer List Calls as usual, but with `next_page_uri` set to its `first_page_uri`: page links that
 *   go round in a circle, which a client must notice instead of reading for ever (the voice logs' circle is
 *   scripted with `garble`).
 * `pathPrefix` narrows a fault to requests whose path starts with it (e.g. `/api/calling/`: the native
 * commands only, not the Compatibility update a write-first change sends before them).
 */
export type Fault = FaultKind & { pathPrefix?: string };

type FaultKind =
  | {
      kind: 'status';
      status: 400 | 404 | 429 | 500 | 502 | 503 | 504;
      retryAfter?: string;
      /** Replaces the status's usual error message (e.g. an oversized one from a gateway). */
      message?: string;
      applyFirst?: boolean;
      times?: number;
      method?: 'GET' | 'POST';
    }
  | { kind: 'delay'; ms: number; times?: number; method?: 'GET' | 'POST' }
  | { kind: 'hold'; until: Promise<unknown>; times?: number; method?: 'GET' | 'POST' }
  | { kind: 'drop'; applyFirst?: boolean; times?: number; method?: 'GET' | 'POST' }
  | { kind: 'garble'; body?: string; times?: number; method?: 'GET' | 'POST' }
  | { kind: 'circle'; times?: number; method?: 'GET' }
  | {
      kind: 'raw';
      status: number;
      headers?: Record<string, string>;
      body?: string;
      then?: 'stall' | 'reset';
      applyFirst?: boolean;
      times?: number;
      method?: 'GET' | 'POST';
    };

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

export const API_VERSION = '2010-04-01';
export const API_ROOT = `/api/laml/${API_VERSION}`;
export const MORE_INFO_URL = 'https://signalwire.com/docs/compatibility-api/reference/errors';
export const DEFAULT_PAGE_SIZE = 50;
export const DEFAULT_FROM = '+14155550100';
export const PRICE_PER_MINUTE = 0.0065;
/** Seconds between creation and answer of a seeded call, and the talk time of a seeded ended call. */
export const SEEDED_RING_SECONDS = 3;
export const SEEDED_TALK_SECONDS = 30;
export const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Errors: the one place that shapes an error body.

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A SignalWire API error; thrown anywhere in request handling and answered by {@link errorReply}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const errorReply = (error: ApiError): Reply => ({
  status: error.status,
  body: { code: error.code, message: error.message, more_info: MORE_INFO_URL, status: error.status },
  headers: error.headers,
});

export const unauthorized = () =>
  new ApiError(401, 20003, 'Authentication Failed', { 'www-authenticate': 'Basic realm="SignalWire"' });
export const notFound = (path: string) =>
  new ApiError(404, 20404, `The requested resource ${path} was not found`);
export const invalidArgument = (message: string, status = 400) => new ApiError(status, 10000, message);
export const retryAfterHeader = (retryAfter: string | undefined): Record<string, string> =>
  retryAfter === undefined ? {} : { 'retry-after': retryAfter };
export const tooManyRequests = (retryAfter: string | undefined) =>
  new ApiError(429, 20429, 'Too Many Requests', retryAfterHeader(retryAfter));

export const FAULT_ERRORS: Record<number, { code: number; message: string }> = {
  400: { code: 10000, message: 'Invalid argument' },
  404: { code: 20404, message: 'The requested resource was not found' },
  500: { code: 20500, message: 'Internal Server Error' },
  502: { code: 20502, message: 'Bad Gateway' },
  503: { code: 20503, message: 'Service Unavailable' },
  504: { code: 20504, message: 'Gateway Timeout' },
};

/** Whether a fault applies to a request (its method and path, when the fault names them). */
export const faultMatches = (fault: Fault, method: string, path: string): boolean =>
  (fault.method === undefined || fault.method === method) &&
  (fault.pathPrefix === undefined || path.startsWith(fault.pathPrefix));

/**
 * Until `until` settles, fulfilled or rejected (either releases the request); rejects once `stopping` aborts, already
 * aborted included. The abort listener goes with the hold: one per held request would otherwise pile up until stop.
 */
const holdUntil = (until: Promise<unknown>, stopping: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const stop = () => reject(stopping.reason);
    if (stopping.aborted) return stop();
    stopping.addEventListener('abort', stop, { once: true });
    const release = () => {
      stopping.removeEventListener('abort', stop);
      resolve();
    };
    until.then(release, release);
  });

/**
 * Waits as a `delay` or `hold` fault says (no time for any other); rejects once `stopping` aborts, so no answer is
 * written to a closed server.
 */
export const faultWait = async (fault: Fault | undefined, stopping: AbortSignal): Promise<void> => {
  if (fault?.kind === 'delay') await sleep(fault.ms, undefined, { signal: stopping });
  if (fault?.kind === 'hold') await holdUntil(fault.until, stopping);
};

/** Whether the request is processed (the call changed) before a fault's answer: a `status` only with `applyFirst`. */
export const faultProcessesRequest = (fault: Fault | undefined): boolean =>
  !((fault?.kind === 'status' && !fault.applyFirst) || (fault?.kind === 'raw' && fault.applyFirst === false));

export const faultError = (fault: Extract<Fault, { kind: 'status' }>): ApiError => {
  if (fault.status === 429) return tooManyRequests(fault.retryAfter);
  const { code, message } = FAULT_ERRORS[fault.status] ?? { code: 20500, message: 'Internal Server Error' };
  return new ApiError(fault.status, code, fault.message ?? message, retryAfterHeader(fault.retryAfter));
};

// ---------------------------------------------------------------------------------------------------
// Request validation against the project's own schemas, so the emulator accepts exactly what they do.

export const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
export const validateUpdateForm = ajv.compile<CallUpdate>(updateCallFormSchema);
export const validateListQuery = ajv.compile(listCallsQuerySchema);

/** Turns the first schema violation into SignalWire's error, naming the field but never echoing its value. */
export const schemaError = (error: ErrorObject | undefined): ApiError => {
  if (error?.keyword === 'additionalProperties') {
    return invalidArgument(`Unknown parameter: ${String(error.params.additionalProperty)}`);
  }
  const field = (error?.instancePath ?? '').slice(1).replaceAll('~1', '/').replaceAll('~0', '~');
  if (error?.keyword === 'enum' && field.endsWith('Method')) {
    return new ApiError(400, 21209, `Invalid ${field}: must be GET or POST`);
  }
  return invalidArgument(`Invalid value for ${field}: ${error?.message ?? 'not valid'}`);
};

export const isFormContentType = (contentType: string | undefined): boolean =>
  contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';

// ---------------------------------------------------------------------------------------------------
// Stored calls and their rendering: the one place that turns a call into the API's JSON.

export interface StoredCall {
  readonly sid: string;
  readonly accountSid: string;
  readonly phoneNumberSid: string;
  readonly parentCallSid: string | null;
  readonly to: string;
  readonly from: string;
  readonly direction: CallResourceDirection;
  readonly callerName?: string | null;
  /** Whole-second epoch ms: the API shows seconds, so storing more would make filters disagree with it. */
  readonly createdMs: number;
  updatedMs: number;
  status: CallStatus;
  startMs: number | null;
  endMs: number | null;
  callbacks: CallbackSettings | undefined;
  redirects: Redirect[] | undefined;
}

export const floorToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** RFC 2822 in GMT, as SignalWire writes it: `Wed, 19 Sep 2018 20:00:00 +0000`. */
export const rfc2822 = (ms: number): string => new Date(ms).toUTCString().replace('GMT', '+0000');
export const rfc2822OrNull = (ms: number | null): string | null => (ms === null ? null : rfc2822(ms));

export const formatAddress = (address: string): string => {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(address);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : address;
};

export const SIP_RESULT_CODES: Partial<Record<CallStatus, string>> = {
  'in-progress': '200',
  completed: '200',
  busy: '486',
  'no-answer': '480',
  canceled: '487',
  failed: '500',
};

export const callPath = (accountSid: string, sid: string): string =>
  `${API_ROOT}/Accounts/${accountSid}/Calls/${sid}`;

export const renderCall = (call: StoredCall): Call => {
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
    caller_name: call.callerName ?? null,
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

/** The fallback and status-callback settings an update carries, to store on its call. */
export const pickCallbacks = (update: CallUpdate): CallbackSettings => {
  const settings: CallbackSettings = {};
  if (update.FallbackUrl !== undefined) settings.FallbackUrl = update.FallbackUrl;
  if (update.FallbackMethod !== undefined) settings.FallbackMethod = update.FallbackMethod;
  if (update.StatusCallback !== undefined) settings.StatusCallback = update.StatusCallback;
  if (update.StatusCallbackMethod !== undefined) settings.StatusCallbackMethod = update.StatusCallbackMethod;
  return settings;
};
