/**
 * The emulator's native Calling API (`POST /api/calling/calls`: `calling.end`, `update`, `calling.transfer`)
 * and voice logs (`GET /api/voice/logs`, `GET /api/voice/logs/{id}`), beside the Compatibility API of
 * `server.ts` and mounted on the same server (same projects, Basic auth, rate limit and faults).
 *
 * It accepts exactly what the project's own schemas (`functions/commons/calling/schemas.ts`, written from
 * SignalWire's OpenAPI) allow, answers in the documented shapes (a 422 names the `attribute`), applies the
 * spec's state rules, and lists every call of the project in the voice logs: its native calls and its
 * Compatibility calls (`source: laml`), newest first, paged by an opaque `page_token`.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { callingCommandSchemas } from '#commons/calling/schemas';
import type {
  CallingCall,
  CallingCommand,
  CallingDirection,
  CallingStatus,
  CallLegType,
  RestApiErrorItem,
  VoiceLog,
  VoiceLogStatus,
} from '#commons/calling/types';
import { isFinalStatus } from '#commons/signalwire/types';
import { ajv, callPath, DEFAULT_FROM, type Fault, type Reply, type StoredCall } from './calls.ts';

export const CALLING_PATH = '/api/calling/calls';
export const VOICE_LOGS_PATH = '/api/voice/logs';
const VOICE_LOG_PATH = /^\/api\/voice\/logs\/([^/]+)$/;
const ERROR_DOCS_URL = 'https://signalwire.com/docs/apis/error-codes';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const PRICE_PER_MINUTE = 0.004;

/** Whether a path belongs to the native side (so its errors take the native shapes). */
export const isNativePath = (path: string): boolean =>
  path === CALLING_PATH || path === VOICE_LOGS_PATH || path.startsWith(`${VOICE_LOGS_PATH}/`);

/** A native call to create with {@link NativeCalls.seed}. */
export interface SeedNativeCall {
  status: CallingStatus;
  /** Seconds since `created_at`; an answered call was answered a few seconds after it. @default 0 */
  ageSeconds?: number;
  /** @default 'relay_pstn_call' */
  type?: CallLegType;
  /** @default 'outbound-api' */
  direction?: CallingDirection;
  /** @default '+14155550100' */
  from?: string;
  /** @default a +1 212 555 number that changes with every seeded call */
  to?: string;
  /** The SWML URL the call runs, shown as its `url`. @default null */
  url?: string | null;
  /** A UUID. @default a random UUID */
  id?: string;
  /** The call that dialled this leg (a UUID). @default null */
  parentId?: string | null;
}

/** What an `update` carrying `url` or `swml` did to a call, in order. */
export interface NativeRedirect {
  url?: string;
  swml?: Record<string, unknown>;
  fallbackUrl?: string;
}

interface StoredNativeCall {
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

/** The request as `server.ts` received it, with its authentication already checked. */
export interface NativeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string | null;
  contentType: string | undefined;
  /** The authenticated project, or null (answered 401). */
  projectId: string | null;
  /** Whether this POST is past the project's rate limit (answered 429). */
  overRateLimit: boolean;
}

const SEEDED_RING_SECONDS = 3;
const FINAL: readonly CallingStatus[] = ['ended', 'failed', 'canceled', 'completed'];
const UNCONNECTED: readonly CallingStatus[] = ['queued', 'initiated', 'created', 'ringing'];

class NativeError extends Error {
  constructor(readonly reply: Reply) {
    super(`native API error ${reply.status}`);
  }
}

const statusError = (status: 400 | 401 | 404 | 500, error: string, headers?: Record<string, string>) =>
  new NativeError({ status, body: { error }, ...(headers ? { headers } : {}) });
const badRequest = () => statusError(400, 'Bad Request');
const unauthorized = () =>
  statusError(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="SignalWire"' });
const notFound = () => statusError(404, 'Not Found');

/** A 422 naming the request parameter at fault, never echoing its value. */
const invalid = (attribute: string, message: string, code = 'invalid_parameter') => {
  const item: RestApiErrorItem = { type: 'validation_error', code, message, attribute, url: ERROR_DOCS_URL };
  return new NativeError({ status: 422, body: { errors: [item] } });
};

const FAULT_REASONS: Record<number, string> = {
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

const compiledCommands = {
  'calling.end': ajv.compile(callingCommandSchemas['calling.end']),
  update: ajv.compile(callingCommandSchemas.update),
  'calling.transfer': ajv.compile(callingCommandSchemas['calling.transfer']),
};

/** The parameter a schema error is about: a missing or unknown property, else the last path segment. */
const attributeOf = (errors: ErrorObject[] | null | undefined): string => {
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

const renderCallingCall = (call: StoredNativeCall): CallingCall => {
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

const renderNativeLog = (call: StoredNativeCall): VoiceLog => ({
  ...renderCallingCall(call),
  status: call.status as VoiceLogStatus,
  direction: call.direction,
  source: 'realtime_api',
});

/** A Compatibility call's entry in the voice logs (`laml_call`). */
const renderLamlLog = (call: StoredCall, origin: string): VoiceLog => {
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

interface Listed {
  createdMs: number;
  id: string;
  render: () => VoiceLog;
}

/** Newest first, then by id: one stable position for every call. */
const newestFirst = (a: Pick<Listed, 'createdMs' | 'id'>, b: Pick<Listed, 'createdMs' | 'id'>): number =>
  b.createdMs - a.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

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

/** SignalWire's native calls of every project, their commands and the voice logs; see the module comment. */
export class NativeCalls {
  readonly #projects = new Map<string, Map<string, StoredNativeCall>>();
  readonly #now: () => number;
  readonly #origin: () => string;
  readonly #lamlCalls: (projectId: string) => readonly StoredCall[];
  #seeded = 0;

  /**
   * @param now whole-second epoch ms (the emulator's clock)
   * @param origin the emulator's URL, for the absolute page links
   * @param lamlCalls a project's Compatibility calls, listed in the voice logs beside the native ones
   */
  constructor(
    now: () => number,
    origin: () => string,
    lamlCalls: (projectId: string) => readonly StoredCall[],
  ) {
    this.#now = now;
    this.#origin = origin;
    this.#lamlCalls = lamlCalls;
  }

  /** Creates a native call in the given state and age, as if SignalWire had been handling it. */
  seed(projectId: string, init: SeedNativeCall): CallingCall {
    const calls = this.#calls(projectId);
    const id = init.id ?? randomUUID();
    if (calls.has(id)) throw new Error(`seedNativeCall: id ${id} is taken`);
    const nowMs = this.#now();
    const ageSeconds = Math.max(0, Math.floor(init.ageSeconds ?? 0));
    const createdMs = nowMs - ageSeconds * 1000;
    const answered =
      !UNCONNECTED.includes(init.status) && init.status !== 'failed' && init.status !== 'canceled';
    const answeredMs = answered ? createdMs + Math.min(SEEDED_RING_SECONDS, ageSeconds) * 1000 : null;
    this.#seeded++;
    const call: StoredNativeCall = {
      id,
      from: init.from ?? DEFAULT_FROM,
      to: init.to ?? `+1212555${String(this.#seeded % 10_000).padStart(4, '0')}`,
      direction: init.direction ?? 'outbound-api',
      type: init.type ?? 'relay_pstn_call',
      url: init.url ?? null,
      parentId: init.parentId ?? null,
      createdMs,
      status: init.status,
      answeredMs,
      endMs: FINAL.includes(init.status) ? nowMs : null,
      redirects: [],
      transfers: [],
    };
    calls.set(id, call);
    return renderCallingCall(call);
  }

  /** The call as the Calling API would render it now, or undefined. */
  get(projectId: string, id: string): CallingCall | undefined {
    const call = this.#projects.get(projectId)?.get(id);
    return call && renderCallingCall(call);
  }

  /** The redirects (`update` with `url`/`swml`) applied to a call, in order. */
  redirectsOf(projectId: string, id: string): NativeRedirect[] {
    return (this.#projects.get(projectId)?.get(id)?.redirects ?? []).map((redirect) => ({ ...redirect }));
  }

  /** The destinations a call was transferred to, in order. */
  transfersOf(projectId: string, id: string): Array<string | Record<string, unknown>> {
    return [...(this.#projects.get(projectId)?.get(id)?.transfers ?? [])];
  }

  /** Answers one native request; every refusal takes the documented shape of its status. */
  respond(request: NativeRequest): Reply {
    try {
      return { status: 200, body: this.#handle(request) };
    } catch (error) {
      if (error instanceof NativeError) return error.reply;
      throw error;
    }
  }

  #handle({ method, path, query, body, contentType, projectId, overRateLimit }: NativeRequest): unknown {
    if (projectId === null) throw unauthorized();
    if (overRateLimit) {
      throw new NativeError({ status: 429, body: { error: 'Too Many Requests' } });
    }
    if (path === CALLING_PATH && method === 'POST') return this.#command(projectId, body, contentType);
    if (method !== 'GET') throw notFound();
    if (path === VOICE_LOGS_PATH) return this.#listLogs(projectId, query);
    const id = VOICE_LOG_PATH.exec(path)?.[1];
    const entry = id === undefined ? undefined : this.#entries(projectId).find((listed) => listed.id === id);
    if (!entry) throw notFound();
    return entry.render();
  }

  #command(projectId: string, body: string | null, contentType: string | undefined): CallingCall {
    if (contentType?.split(';', 1)[0]?.trim().toLowerCase() !== 'application/json') throw badRequest();
    let json: unknown;
    try {
      json = JSON.parse(body ?? '');
    } catch {
      throw badRequest();
    }
    const commandName = (json as { command?: unknown } | null)?.command;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badRequest();
    if (typeof commandName !== 'string' || !Object.hasOwn(compiledCommands, commandName)) {
      throw invalid(
        'command',
        'command is not one of calling.end, update, calling.transfer (the emulator implements no other)',
      );
    }
    const validate = compiledCommands[commandName as keyof typeof compiledCommands];
    if (!validate(json)) {
      const attribute = attributeOf(validate.errors);
      throw invalid(attribute, `${attribute} is missing or not valid`);
    }
    const command = json as CallingCommand;
    const id = command.command === 'update' ? command.params.id : command.id;
    const call = this.#projects.get(projectId)?.get(id);
    if (!call) throw notFound();
    if (FINAL.includes(call.status)) {
      throw invalid('id', `the call has already ended (${call.status}) and cannot be changed`);
    }
    const nowMs = this.#now();
    switch (command.command) {
      case 'calling.end':
        // A call not yet connected is cancelled, a connected one ended (assumptions.ts).
        this.#finish(call, UNCONNECTED.includes(call.status) ? 'canceled' : 'ended', nowMs);
        break;
      case 'update':
        this.#update(call, command.params, nowMs);
        break;
      case 'calling.transfer':
        if (call.status !== 'answered') throw invalid('id', 'only an answered call can be transferred');
        call.transfers.push(command.params.dest);
        break;
    }
    return renderCallingCall(call);
  }

  /** The spec's state rules for `update`: every check before any change. */
  #update(
    call: StoredNativeCall,
    params: Extract<CallingCommand, { command: 'update' }>['params'],
    nowMs: number,
  ) {
    if (params.status === 'canceled' && call.status !== 'queued' && call.status !== 'ringing') {
      throw invalid('status', 'status canceled applies only to a queued or ringing call');
    }
    if (params.status === 'completed' && call.status !== 'answered') {
      throw invalid('status', 'status completed applies only to an answered call');
    }
    if (params.status !== undefined) {
      // Ending the call wins over the url/swml sent with it.
      this.#finish(call, params.status, nowMs);
      return;
    }
    if (call.status !== 'answered') {
      throw invalid(
        params.url === undefined ? 'swml' : 'url',
        'a new url or swml applies only to an answered call',
      );
    }
    call.redirects.push({
      ...(params.url === undefined ? {} : { url: params.url }),
      ...(params.swml === undefined ? {} : { swml: params.swml }),
      ...(params.fallback_url === undefined ? {} : { fallbackUrl: params.fallback_url }),
    });
  }

  #finish(call: StoredNativeCall, status: CallingStatus, nowMs: number): void {
    call.status = status;
    call.endMs = Math.max(nowMs, call.answeredMs ?? nowMs);
  }

  #listLogs(projectId: string, query: URLSearchParams): unknown {
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
    if (
      pageNumberText !== null &&
      (!/^\d+$/.test(pageNumberText) || (Number(pageNumberText) > 0 && !token))
    ) {
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
    const matching = this.#entries(projectId).filter((entry) =>
      predicates.every((matches) => matches(entry)),
    );
    const start = token ? matching.findIndex((entry) => newestFirst(entry, token) > 0) : 0;
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
      return `${this.#origin()}${VOICE_LOGS_PATH}?${params}`;
    };
    const self = new URLSearchParams(query);
    return {
      links: {
        self: `${this.#origin()}${VOICE_LOGS_PATH}${self.size > 0 ? `?${self}` : ''}`,
        first: link({}),
        ...(last && begin + pageSize < matching.length
          ? {
              next: link({
                page_number: String(pageNumber + 1),
                page_token: encodeToken(last, pageNumber + 1),
              }),
            }
          : {}),
      },
      data: page.map((entry) => entry.render()),
    };
  }

  /** Every call of the project as a voice-log entry, newest first. */
  #entries(projectId: string): Listed[] {
    const origin = this.#origin();
    const entries: Listed[] = [];
    for (const call of this.#projects.get(projectId)?.values() ?? []) {
      entries.push({ createdMs: call.createdMs, id: call.id, render: () => renderNativeLog(call) });
    }
    for (const call of this.#lamlCalls(projectId)) {
      entries.push({ createdMs: call.createdMs, id: call.sid, render: () => renderLamlLog(call, origin) });
    }
    return entries.sort(newestFirst);
  }

  #calls(projectId: string): Map<string, StoredNativeCall> {
    let calls = this.#projects.get(projectId);
    if (!calls) {
      calls = new Map();
      this.#projects.set(projectId, calls);
    }
    return calls;
  }
}
