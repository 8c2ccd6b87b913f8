/**
 * The native side's rendering, errors and voice-log paging (`native.ts` holds the calls and their commands):
 * the one place that turns a stored call into the Calling API's or the voice logs' JSON.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { ANSWERED_EVENT_NAME } from '#commons/calling/assumptions';
import { callingCommandSchemas } from '#commons/calling/schemas';
import type {
  CallingCall,
  CallingDirection,
  CallingStatus,
  CallLegType,
  RestApiErrorItem,
  VoiceLog,
  VoiceLogEvents,
  VoiceLogStatus,
} from '#commons/calling/types';
import { isFinalStatus } from '#commons/signalwire/types';
import { ajv, callPath, type Fault, type Reply, type StoredCall } from './calls.ts';

export const VOICE_LOGS_PATH = '/api/voice/logs';
const ERROR_DOCS_URL = 'https://signalwire.com/docs/apis/error-codes';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const PRICE_PER_MINUTE = 0.004;

/** What an `update` carrying `url` or `swml` did to a call, in order. */
export interface NativeRedirect {
  url?: string;
  swml?: Record<string, unknown>;
  fallbackUrl?: string;
}

export interface StoredNativeCall {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallingDirection;
  readonly type: CallLegType;
  readonly url: string | null;
  readonly parentId: string | null;
  readonly createdMs: number;
  status: CallingStatus;
  answeredMs: number | null;
  endMs: number | null;
  redirects: NativeRedirect[];
  transfers: Array<string | Record<string, unknown>>;
}

export class NativeError extends Error {
  constructor(readonly reply: Reply) {
    super(`native API error ${reply.status}`);
  }
}

const statusError = (status: 400 | 401 | 404 | 500, error: string, headers?: Record<string, string>) =>
  new NativeError({ status, body: { error }, ...(headers ? { headers } : {}) });
export const badRequest = () => statusError(400, 'Bad Request');
export const unauthorized = () =>
  statusError(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="SignalWire"' });
export const notFound = () => statusError(404, 'Not Found');

/** A 422 naming the request parameter at fault, never echoing its value. */
export const invalid = (attribute: string, message: string, code = 'invalid_parameter') => {
  const item: RestApiErrorItem = { type: 'validation_error', code, message, attribute, url: ERROR_DOCS_URL };
  return new NativeError({ status: 422, body: { errors: [item] } });
};

const FAULT_REASONS: Record<number, string> = {
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A `status` fault on a native path, in the native shape (`{ error }`; 429/502/503/504 assumed the same). */
export const nativeFaultReply = (fault: Extract<Fault, { kind: 'status' }>): Reply => ({
  status: fault.status,
  body: fault.status === 400 ? { error: 'Bad Request' } : { error: FAULT_REASONS[fault.status] },
  ...(fault.retryAfter === undefined ? {} : { headers: { 'retry-after': fault.retryAfter } }),
});

export const compiledCommands = {
  'calling.end': ajv.compile(callingCommandSchemas['calling.end']),
  update: ajv.compile(callingCommandSchemas.update),
  'calling.transfer': ajv.compile(callingCommandSchemas['calling.transfer']),
};

/** The parameter a schema error is about: a missing or unknown property, else the last path segment. */
export const attributeOf = (errors: ErrorObject[] | null | undefined): string => {
  // anyOf reports every branch: prefer an error about a named property over the bare "must match".
  const error =
    errors?.find((e) => e.keyword === 'required' || e.keyword === 'additionalProperties') ?? errors?.[0];
  if (!error) return 'params';
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  return error.instancePath.split('/').filter(Boolean).at(-1) ?? 'params';
};

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Seconds and milliseconds talked, and the charge, of an ended call that was answered. */
const usage = (call: { answeredMs: number | null; endMs: number | null }) => {
  if (call.answeredMs === null || call.endMs === null) {
    return { duration: null, durationMs: null, billingMs: null, charge: 0 };
  }
  const durationMs = Math.max(0, call.endMs - call.answeredMs);
  const billingMs = Math.max(60_000, Math.ceil(durationMs / 60_000) * 60_000);
  const charge = Number(((billingMs / 60_000) * PRICE_PER_MINUTE).toFixed(5));
  return { duration: Math.floor(durationMs / 1000), durationMs, billingMs, charge };
};

export const renderCallingCall = (call: StoredNativeCall): CallingCall => {
  const { duration, durationMs, billingMs, charge } = usage(call);
  return {
    id: call.id,
    from: call.from,
    to: call.to,
    direction: call.direction,
    source: 'realtime_api',
    url: call.url,
    charge,
    created_at: iso(call.createdMs),
    charge_details: charge > 0 ? [{ description: 'Outbound Voice', charge }] : [],
    status: call.status,
    duration,
    duration_ms: durationMs,
    billing_ms: billingMs,
    type: call.type,
    parent_id: call.parentId,
  };
};

export const renderNativeLog = (call: StoredNativeCall): VoiceLog => ({
  ...renderCallingCall(call),
  status: call.status as VoiceLogStatus,
  direction: call.direction,
  source: 'realtime_api',
});

/**
 * A native call's voice-log events: its creation, its answer (named as `assumptions.ts` assumes SignalWire
 * names it) and its end, each when it happened.
 */
export const renderNativeEvents = (call: StoredNativeCall, projectId: string): VoiceLogEvents => {
  const event = (name: string, ms: number, details: Record<string, unknown> = {}) => ({
    event_at: iso(ms),
    level: 'info' as const,
    name,
    details,
    project_id: projectId,
    log_id: call.id,
  });
  return {
    data: [
      event('calling_call_initiated', call.createdMs),
      ...(call.answeredMs === null ? [] : [event(ANSWERED_EVENT_NAME, call.answeredMs)]),
      ...(call.endMs === null ? [] : [event('calling_call_ended', call.endMs, { status: call.status })]),
    ],
  };
};

/** A Compatibility call's entry in the voice logs (`laml_call`). */
export const renderLamlLog = (call: StoredCall, origin: string): VoiceLog => {
  const ended = isFinalStatus(call.status);
  const { duration, durationMs, billingMs, charge } = usage({
    answeredMs: call.startMs,
    endMs: ended ? call.endMs : null,
  });
  return {
    id: call.sid,
    from: call.from,
    to: call.to,
    source: 'laml',
    charge,
    charge_details: charge > 0 ? [{ description: 'Outbound Voice', charge }] : [],
    created_at: iso(call.createdMs),
    type: 'laml_call',
    url: `${origin}${callPath(call.accountSid, call.sid)}.json`,
    direction: call.direction,
    status: call.status,
    duration,
    duration_ms: durationMs,
    billing_ms: billingMs,
    parent_id: call.parentCallSid,
  };
};

/** How the emulator's listings cut their pages (`SignalWireEmulator.setPaging`). */
export interface Paging {
  mode: 'cursor' | 'offset';
  afterPage: (() => void) | undefined;
}

export interface Listed {
  createdMs: number;
  id: string;
  render: () => VoiceLog;
}

/** Newest first, then by id: one stable position for every call. */
export const newestFirst = (
  a: Pick<Listed, 'createdMs' | 'id'>,
  b: Pick<Listed, 'createdMs' | 'id'>,
): number => b.createdMs - a.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const encodeToken = (entry: Listed, page: number): string =>
  `PA${Buffer.from(`${page}.${entry.createdMs}.${entry.id}`).toString('base64url')}`;

const decodeToken = (token: string): { page: number; createdMs: number; id: string } => {
  const [page, createdMs, id] = Buffer.from(token.slice(2), 'base64url').toString().split('.');
  if (
    !token.startsWith('PA') ||
    !id ||
    !Number.isSafeInteger(Number(page)) ||
    !Number.isSafeInteger(Number(createdMs))
  ) {
    throw invalid('page_token', 'page_token is not valid');
  }
  return { page: Number(page), createdMs: Number(createdMs), id };
};

/** An ISO 8601 date (that whole UTC day) or instant (that second); anything else is refused by name. */
const parseTime = (name: string, value: string): { from: number; to: number } => {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const ms = dayOnly || instant ? Date.parse(dayOnly ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(name, `${name} must be an ISO 8601 date or date-time`);
  return dayOnly ? { from: ms, to: ms + 86_400_000 } : { from: ms, to: Math.floor(ms / 1000) * 1000 + 1000 };
};

const LIST_PARAMS = new Set([
  'created_after',
  'created_before',
  'created_on',
  'include_deleted',
  'page_number',
  'page_size',
  'page_token',
]);

/** One page of List voice logs over `entries` (newest first), with its checks and absolute page links. */
export const listLogs = (
  entries: Listed[],
  query: URLSearchParams,
  origin: string,
  paging: Paging = { mode: 'cursor', afterPage: undefined },
): unknown => {
  for (const name of query.keys()) {
    if (!LIST_PARAMS.has(name)) throw invalid(name, `${name} is not a parameter of this endpoint`);
  }
  const pageSizeText = query.get('page_size');
  const pageSize = pageSizeText === null ? DEFAULT_PAGE_SIZE : Number(pageSizeText);
  if (!/^\d+$/.test(pageSizeText ?? '1') || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw invalid('page_size', `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  const includeDeleted = query.get('include_deleted');
  if (includeDeleted !== null && includeDeleted !== 'true' && includeDeleted !== 'false') {
    throw invalid('include_deleted', 'include_deleted must be true or false');
  }
  const tokenText = query.get('page_token');
  const token = tokenText === null ? undefined : decodeToken(tokenText);
  const pageNumberText = query.get('page_number');
  if (pageNumberText !== null && (!/^\d+$/.test(pageNumberText) || (Number(pageNumberText) > 0 && !token))) {
    throw invalid('page_number', 'page_number must be a whole number, and above 0 only with page_token');
  }
  const predicates: Array<(entry: Listed) => boolean> = [];
  const after = query.get('created_after');
  if (after !== null) {
    const { from } = parseTime('created_after', after);
    predicates.push((entry) => entry.createdMs > from);
  }
  const before = query.get('created_before');
  if (before !== null) {
    const { from } = parseTime('created_before', before);
    predicates.push((entry) => entry.createdMs < from);
  }
  const on = query.get('created_on');
  if (on !== null) {
    const { from, to } = parseTime('created_on', on);
    predicates.push((entry) => entry.createdMs >= from && entry.createdMs < to);
  }
  const matching = entries.filter((entry) => predicates.every((matches) => matches(entry)));
  // Offset paging: the token's page number alone places the page (see `Paging`).
  const start = !token
    ? 0
    : paging.mode === 'offset'
      ? Math.min(matching.length, token.page * pageSize)
      : matching.findIndex((entry) => newestFirst(entry, token) > 0);
  const begin = start < 0 ? matching.length : start;
  const page = matching.slice(begin, begin + pageSize);
  const last = page.at(-1);
  const pageNumber = token ? token.page : 0;
  const link = (extra: Record<string, string>) => {
    const params = new URLSearchParams(query);
    params.delete('page_token');
    params.delete('page_number');
    params.set('page_size', String(pageSize));
    for (const [name, value] of Object.entries(extra)) params.set(name, value);
    return `${origin}${VOICE_LOGS_PATH}?${params}`;
  };
  const data = page.map((entry) => entry.render());
  paging.afterPage?.();
  const self = new URLSearchParams(query);
  // The previous page starts a page size earlier: after the entry that ends the page before it, if any.
  const previousBegin = Math.max(0, begin - pageSize);
  const beforePrevious = matching[previousBegin - 1];
  const prev =
    begin === 0 || pageNumber === 0
      ? undefined
      : beforePrevious
        ? link({
            page_number: String(pageNumber - 1),
            page_token: encodeToken(beforePrevious, pageNumber - 1),
          })
        : link({ page_number: '0' });
  return {
    links: {
      self: `${origin}${VOICE_LOGS_PATH}${self.size > 0 ? `?${self}` : ''}`,
      first: link({}),
      ...(prev === undefined ? {} : { prev }),
      ...(last && begin + pageSize < matching.length
        ? {
            next: link({
              page_number: String(pageNumber + 1),
              page_token: encodeToken(last, pageNumber + 1),
            }),
          }
        : {}),
    },
    data,
  };
};
