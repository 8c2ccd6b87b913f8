import type { NativeCallsApi, RequestOptions } from '../calls/port.ts';
import {
  RedirectOutcomeUnknownError,
  redirectCertainlyNotApplied,
  SignalWireError,
  SignalWireNetworkError,
} from '../errors.ts';
import type { Attempt, SignalWireClient } from '../signalwire/client.ts';
import { formatVoiceLogTime, NATIVE_SOURCES } from './assumptions.ts';
import {
  CALLING_DIRECTIONS,
  type CallingCall,
  type CallingCommand,
  type HangupReason,
  RELAY_VOICE_TYPES,
  type UpdateParams,
  type VoiceLog,
  type VoiceLogEntry,
  type VoiceLogEvents,
  type VoiceLogPage,
  type VoiceLogQuery,
} from './types.ts';
import { isLiveNativeStatus, nativeStatusOf } from './vocabulary.ts';

const CALLING_PATH = '/api/calling/calls';
const VOICE_LOGS_PATH = '/api/voice/logs';
/** The query parameters this project sends to List voice logs, in a fixed order. */
const QUERY_PARAMS = ['created_after', 'created_before', 'created_on', 'page_size'] as const;

const unusable = (why: string): SignalWireError =>
  new SignalWireError(502, {
    code: undefined,
    message: `SignalWire answered the Calling API with a body that ${why}`,
    moreInfo: undefined,
  });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An RFC 3339 date-time with its offset, as the spec's `format: date-time` says (`2024-05-06T12:20:00Z`).
 * `Date.parse` alone also reads "0" or "2001" as a year: a call created (or answered) decades ago, which the
 * cleanup would end as stale.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
export const isIsoInstant = (value: unknown): value is string =>
  typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value));

/** Whether an answer's id is the one asked for (ids are UUIDs: any case). */
const isId = (answered: string, id: string): boolean =>
  answered === id || answered.toLowerCase() === id.toLowerCase();

/**
 * The least a command's answer must hold to be read as the call: the id asked for (another call's resource, from
 * a cache or a misrouting proxy, says nothing of this one) and a status word or null. A word the spec does not
 * list is a status this project does not know: the command was still applied, and the call's view says its
 * status is unknown (null, `nativeStatusOf`) rather than turning SignalWire's 2xx into a failure.
 */
const checkCall = (body: unknown, id: string): CallingCall => {
  if (!isRecord(body) || typeof body.id !== 'string') throw unusable('is not a call');
  if (!isId(body.id, id)) throw unusable('is another call, not the one asked for');
  const { status } = body;
  if (status !== null && typeof status !== 'string') throw unusable('holds a status that is not a word');
  // The date the call's view is built from (the spec says every field is always present): without it the
  // operator was answered a call created on "Invalid Date"; "0" would date it to the year 2000.
  if (!isIsoInstant(body.created_at)) throw unusable('is not a call (no ISO 8601 "created_at")');
  return body as unknown as CallingCall;
};

/** The fields of a call's view that describe it (who, which way, what it cost), beside what decides the outcome. */
const DESCRIBING_FIELDS = [
  'from',
  'to',
  'direction',
  'charge',
  'duration',
  'parent_id',
  'type',
  'url',
] as const;

/**
 * Whether a command's answer lacks (or garbles) what describes the call. The spec's answer holds every field; a
 * thin one still says the command was applied (a 2xx naming the call, with its status), so it is taken as applied
 * and its description read from the call's voice log (`CallingClient.described`).
 */
const isThin = (call: CallingCall): boolean => {
  const body = call as unknown as Record<string, unknown>;
  return (
    typeof body.from !== 'string' ||
    typeof body.to !== 'string' ||
    !(CALLING_DIRECTIONS as readonly unknown[]).includes(body.direction) ||
    typeof body.charge !== 'number' ||
    !Number.isFinite(body.charge) ||
    !(body.duration === null || Number.isInteger(body.duration)) ||
    !(body.parent_id === null || typeof body.parent_id === 'string')
  );
};

/**
 * The least a voice log must hold to be read (every log type has them): the id asked for and `created_at` (an
 * ISO 8601 instant: `isIsoInstant`). Which
 * API owns the call is decided from it, so `null`, `{}` or another call's log must not pass as "not native".
 */
const checkVoiceLog = (body: unknown, id: string): VoiceLog => {
  if (!isRecord(body) || typeof body.id !== 'string' || !isIsoInstant(body.created_at)) {
    throw unusable('is not a voice log');
  }
  if (!isId(body.id, id)) throw unusable("is another call's voice log, not the one asked for");
  return body as unknown as VoiceLog;
};

/**
 * The events of one voice log: each with a string `name` and `event_at` and the `log_id` asked for. The cleanup
 * dates an answered call by one, so another call's events (a cache, a misrouting proxy) must not pass as this one's.
 */
const checkEvents = (body: unknown, id: string): VoiceLogEvents => {
  if (!isRecord(body) || !Array.isArray(body.data)) throw unusable('is not a list of voice-log events');
  for (const event of body.data as unknown[]) {
    if (!isRecord(event) || typeof event.name !== 'string' || typeof event.event_at !== 'string') {
      throw unusable('lists an event without a string "name" or "event_at"');
    }
    if (typeof event.log_id !== 'string' || !isId(event.log_id, id)) {
      throw unusable("lists another call's voice-log events, not the one asked for");
    }
  }
  return body as unknown as VoiceLogEvents;
};

/**
 * A page of voice logs: `data` an array of entries each with a string `id` and `created_at` (every log type has
 * them), `links.next` a string when there is one (`null` read as none). An entry that is not a log would reach the listing as a call.
 */
const checkPage = (body: unknown): VoiceLogPage => {
  if (!isRecord(body) || !Array.isArray(body.data) || !isRecord(body.links)) {
    throw unusable('is not a page of voice logs');
  }
  // The spec leaves `next` out on the last page; a `null` there (as List Calls' `next_page_uri` is) says the same.
  if (body.links.next === null) delete body.links.next;
  else if (body.links.next !== undefined && typeof body.links.next !== 'string') {
    throw unusable('has a links.next that is not a string');
  } else if (typeof body.links.next === 'string' && body.links.next.trim() === '') {
    // Read against the list's own URL, an empty link is the first page again: a listing that never ends.
    throw unusable('has an empty links.next');
  }
  for (const entry of body.data as unknown[]) {
    if (!isRecord(entry) || typeof entry.id !== 'string' || !isIsoInstant(entry.created_at)) {
      throw unusable('lists an entry that is not a voice log (no string "id" or "created_at")');
    }
  }
  return body as unknown as VoiceLogPage;
};

/** A call log (of either kind) rather than a video-room leg, a Dialogflow or Fabric log, or a discarded one. */
export const isCallLog = (entry: VoiceLogEntry): entry is VoiceLog =>
  (RELAY_VOICE_TYPES as readonly unknown[]).includes(entry.type) && 'source' in entry;

/** A native call (not a Compatibility one) that may still be live: what the cleanup and listings look for. */
export const isLiveNativeCall = (entry: VoiceLogEntry): entry is VoiceLog =>
  isCallLog(entry) &&
  (NATIVE_SOURCES as readonly string[]).includes(entry.source) &&
  isLiveNativeStatus(entry.status);

/**
 * The native Calling API and voice-logs adapter, on a project's {@link SignalWireClient}: the same credentials,
 * transport (`node:http`/`node:https`, keep-alive pool), answer caps and retry rules (429 and 503 retried with
 * backoff, a refused connection retried, a request that may have been sent repeated only when harmless).
 *
 * A redirect reaches a call at most once: an `update` (it always carries a new `url` or `swml`) and a
 * `calling.transfer` are never resent once they may have been sent, and a lost answer to one is
 * {@link RedirectOutcomeUnknownError}. Before one, a socket that may have died while idle is proven by reading
 * the call's voice log, a request safe to repeat. `calling.end` is repeated like any harmless request: a second
 * one is refused because the call has ended.
 */
export class CallingClient implements NativeCallsApi {
  constructor(private readonly space: SignalWireClient) {}

  get projectId(): string {
    return this.space.projectId;
  }

  async endCall(id: string, reason: HangupReason, options: RequestOptions = {}): Promise<CallingCall> {
    const call = checkCall(
      await this.command({ command: 'calling.end', id, params: { reason } }, true, options),
      id,
    );
    return this.described(call, id, options);
  }

  updateCall(
    id: string,
    params: Omit<UpdateParams, 'id'>,
    options: RequestOptions = {},
  ): Promise<CallingCall> {
    return this.redirect(id, { command: 'update', params: { id, ...params } }, options);
  }

  transferCall(
    id: string,
    dest: string | Record<string, unknown>,
    options: RequestOptions = {},
  ): Promise<CallingCall> {
    return this.redirect(id, { command: 'calling.transfer', id, params: { dest } }, options);
  }

  async getVoiceLog(id: string, options: RequestOptions = {}): Promise<VoiceLog> {
    return checkVoiceLog(await this.#readLogs(`/${encodeURIComponent(id)}`, 'call', options), id);
  }

  /** List voice log events: what happened to one call, with when (the cleanup reads a call's answer time). */
  async voiceLogEvents(id: string, options: RequestOptions = {}): Promise<VoiceLogEvents> {
    return checkEvents(await this.#readLogs(`/${encodeURIComponent(id)}/events`, 'list', options), id);
  }

  /** A GET of the voice logs at `path` (under them) or `url`: a read, repeated when harmless. */
  #readLogs(at: string | URL, answer: 'call' | 'list', options: RequestOptions): Promise<unknown> {
    const url = typeof at === 'string' ? this.space.spaceUrl(`${VOICE_LOGS_PATH}${at}`) : at;
    return this.space.request<unknown>(
      { method: 'GET', url, repeatable: true, answer, native: true },
      options,
    );
  }

  async listVoiceLogsPage(
    from: VoiceLogQuery | { next: string },
    options: RequestOptions = {},
  ): Promise<VoiceLogPage> {
    const url = 'next' in from ? this.nextUrl(from.next) : this.listUrl(from);
    const page = checkPage(await this.#readLogs(url, 'list', options));
    // Checked as it is read, and made absolute: a position (a cursor, the cleanup's next read) holds only a link
    // this list may follow, whether SignalWire wrote it whole or relative to the space.
    if (page.links.next !== undefined) {
      const next = this.nextUrl(page.links.next).toString();
      // The page just read again: followed, a listing that never ends.
      if (next === url.toString()) throw unusable('has a links.next that leads back to the same page');
      page.links.next = next;
    }
    return page;
  }

  /**
   * The voice logs have no status filter: pages created after the window's start are read newest first and
   * filtered here to native calls that may still be live. Each yield is one page's live calls (maybe none).
   */
  async *liveCalls(
    window: { createdAfter: Date; pageSize?: number },
    options: RequestOptions = {},
  ): AsyncGenerator<VoiceLog[], void, undefined> {
    let page = await this.listVoiceLogsPage(
      { created_after: formatVoiceLogTime(window.createdAfter), page_size: window.pageSize ?? 1000 },
      options,
    );
    for (;;) {
      yield page.data.filter(isLiveNativeCall);
      const { next } = page.links;
      if (next === undefined) return;
      page = await this.listVoiceLogsPage({ next }, options);
    }
  }

  private async redirect(id: string, body: CallingCommand, options: RequestOptions): Promise<CallingCall> {
    if (this.space.connectionMayBeStale()) {
      // Prove (or replace) the pooled socket with a request safe to repeat; its failure sends no redirect.
      await this.getVoiceLog(id, options);
    }
    let call: CallingCall;
    try {
      call = checkCall(await this.command(body, false, options), id);
    } catch (error) {
      const lost =
        (error instanceof SignalWireError || error instanceof SignalWireNetworkError) &&
        !redirectCertainlyNotApplied(error);
      throw lost ? new RedirectOutcomeUnknownError(error) : error;
    }
    return this.described(call, id, options);
  }

  /**
   * A thin answer ({@link isThin}) with its description read from the call's voice log: the answer's id, status
   * and date stand (the command's own word, fresher than the log); what it lacks comes from the log. A log that
   * cannot be read (or names no such call) leaves the answer as it was: the command was applied all the same.
   */
  private async described(call: CallingCall, id: string, options: RequestOptions): Promise<CallingCall> {
    if (!isThin(call)) return call;
    const log = await this.getVoiceLog(id, options).catch(() => undefined);
    if (log === undefined) return call;
    const answered = call as unknown as Record<string, unknown>;
    const description = Object.fromEntries(
      DESCRIBING_FIELDS.map((field) => [field, log[field] ?? answered[field] ?? null]),
    );
    // The log may lag behind the command (still live, its charge and duration running or empty figures): they are
    // the call's only once it too shows the call over; until then, the answer's own or none (null: not known yet).
    if (nativeStatusOf(log.status) === null || isLiveNativeStatus(log.status)) {
      description.charge = answered.charge ?? null;
      description.duration = answered.duration ?? null;
    }
    return { ...call, ...description, id: call.id, status: call.status, created_at: call.created_at };
  }

  private command(body: CallingCommand, repeatable: boolean, options: RequestOptions): Promise<unknown> {
    const attempt: Attempt = {
      method: 'POST',
      url: this.space.spaceUrl(CALLING_PATH),
      body: JSON.stringify(body),
      native: true,
      repeatable,
      answer: 'call',
    };
    return this.space.request<unknown>(attempt, options);
  }

  private listUrl(query: VoiceLogQuery): URL {
    const url = this.space.spaceUrl(VOICE_LOGS_PATH);
    for (const name of QUERY_PARAMS) {
      const value = query[name];
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    return url;
  }

  /** `links.next` is absolute: refuse one that would send the credentials anywhere but this list. */
  private nextUrl(next: string): URL {
    const home = this.space.spaceUrl(VOICE_LOGS_PATH);
    let url: URL;
    try {
      url = new URL(next, home);
    } catch {
      throw unusable('holds a links.next that is not a URL');
    }
    if (url.origin !== home.origin || url.pathname !== VOICE_LOGS_PATH) {
      throw new SignalWireError(502, {
        code: undefined,
        message: 'SignalWire returned a links.next outside the voice logs of this space',
        moreInfo: undefined,
      });
    }
    return url;
  }
}
