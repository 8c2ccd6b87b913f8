import { currentSession, endSession } from './auth.ts';
import { isLoopback } from './loopback.ts';
import { visible } from './text.ts';

/**
 * A refused or failed API request. `code` is the API's stable error code (`CALL_NOT_FOUND`, …), `NETWORK` when no
 * answer came (offline, connection lost, timed out): then the request may have reached the API and been applied;
 * `OFFLINE` when the browser was offline before sending a change to an API not on this machine, and nothing was sent.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /**
   * Whether the change may have been applied although it failed: no answer came, the function or SignalWire
   * did not answer in time, SignalWire's answer was lost or unusable, or the API says so itself.
   */
  get outcomeUnknown(): boolean {
    return (
      this.code === 'NETWORK' ||
      this.code === 'REDIRECT_OUTCOME_UNKNOWN' ||
      this.code === 'UPSTREAM_TIMEOUT' ||
      this.code === 'UPSTREAM_ERROR' ||
      // A connection reset after sending (the one resend lost too), and a gateway's 503 after forwarding: an end
      // or a cancel may have been applied although every answer was lost or a 503.
      this.code === 'UPSTREAM_UNREACHABLE' ||
      this.code === 'UPSTREAM_UNAVAILABLE' ||
      this.code === 'INTERNAL_ERROR' ||
      // A 2xx that was not the API's answer (a proxy's page, an empty body): the request may have reached it.
      this.code === 'UNREADABLE_ANSWER' ||
      // A gateway's own 5xx, without the API's error code (API Gateway answers 503 when the function outlives
      // its integration timeout): the function may have run and acted.
      (this.code === '' && this.status >= 500)
    );
  }
}

/** How long the console waits for an answer: API Gateway gives up on an integration after 30 s. */
export const ANSWER_TIMEOUT_MS = 32_000;

let apiBase = '/console-api';
export const setApiBase = (base: string): void => {
  apiBase = base;
};

/** The message of an API error body (`{"error": {"code", "message"}}`, or the gateway's `{"message"}`). */
const errorOf = (parsed: unknown): { code: string; message: string | undefined } => {
  const body = parsed as { error?: { code?: unknown; message?: unknown }; message?: unknown } | undefined;
  const code = typeof body?.error?.code === 'string' ? body.error.code : '';
  const message = body?.error?.message ?? body?.message;
  return { code, message: typeof message === 'string' ? clause(visible(message)) : undefined };
};

/**
 * A message from outside as a clause of the console's sentences ("Call … was not ended: ….", "…: …. Trying again"):
 * its own closing full stop goes, so the sentence ends in one. Nothing left (a message of only a full stop or
 * spaces) is no message: the sentence says none came, rather than ending in ": .".
 */
const clause = (message: string): string | undefined =>
  message.trimEnd().replace(/\.$/, '').trimEnd() || undefined;

const failure = (status: number, parsed: unknown): ApiError => {
  const { code, message } = errorOf(parsed);
  if (status === 401) {
    endSession();
    return new ApiError(
      401,
      'your session ended or was refused (this request changed nothing); sign in again',
      code,
    );
  }
  if (status === 403) return new ApiError(403, 'your role does not allow this', code);
  if (status === 429 && !code)
    // Part of the console's sentences ("Call … was not ended: …."): lower case, no full stop of its own.
    return new ApiError(
      429,
      'the API answered 429 (too many requests): wait a moment before trying again',
      code,
    );
  const said = message ?? 'no explanation came with it';
  return new ApiError(status, `the API answered ${status}${code ? ` ${code}` : ''}: ${said}`, code);
};

/** One request to the console's API with the signed-in user's token; the answer's body and headers. */
export const apiAnswer = async <T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ body: T; headers: Headers }> => {
  const session = currentSession();
  if (!session) {
    endSession();
    throw new ApiError(401, 'your session ended (nothing was sent); sign in again');
  }
  // A change an offline browser would send could leave the moment the network is back, unseen: it is never made, so
  // that the operator is told for certain that nothing was sent. Once made, a request that fails may have left before
  // it did (a fetch's rejection never says whether a byte was sent): its outcome is open, offline or not. A read is
  // tried all the same (it changes nothing, and an API on this machine answers an offline browser), and so is a
  // change to an API on this machine (`npm start` on a laptop with no network): offline says nothing about reaching it.
  if (method === 'POST' && !navigator.onLine && !isLoopback(new URL(apiBase, location.href)))
    throw new ApiError(0, 'this browser is offline, so nothing was sent', 'OFFLINE');
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${apiBase}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${session.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new ApiError(
      0,
      timedOut
        ? `no answer came within ${ANSWER_TIMEOUT_MS / 1000} s`
        : navigator.onLine
          ? 'the connection to the API failed before an answer came'
          : 'this browser is offline; no answer came',
      'NETWORK',
    );
  }
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw failure(response.status, parsed);
  // Every answer of the API is a JSON object. A 2xx with anything else (an empty body, a sign-in or error page a
  // proxy or CDN put in its place) is no answer from the API: a change may or may not have been applied.
  if (parsed === null || typeof parsed !== 'object')
    throw new ApiError(
      response.status,
      `the answer (${response.status}) was not the API's: ${text ? 'not JSON' : 'empty'}`,
      'UNREADABLE_ANSWER',
    );
  return { body: parsed as T, headers: response.headers };
};

/**
 * A change sent to call `sid`, its answer the call as it is now. A 2xx JSON object that is not that call (a
 * gateway's `{"message":"OK"}`, `{}`, a list) is no proof the change applied: UNREADABLE_ANSWER, it may or may not
 * have been (the SID compared in any case: SignalWire's are hex, a proxy may change their case).
 */
export const changeAnswer = async (
  path: string,
  sid: string,
  body?: unknown,
): Promise<{ body: Call; headers: Headers }> => {
  const answer = await apiAnswer<Partial<Record<keyof Call, unknown>>>('POST', path, body);
  const said = answer.body;
  if (
    Array.isArray(said) ||
    typeof said.sid !== 'string' ||
    said.sid.toLowerCase() !== sid.toLowerCase() ||
    // A native call's status is null when SignalWire did not give it: the call was still answered.
    !(typeof said.status === 'string' || said.status === null)
  )
    throw new ApiError(200, "the answer was not the API's: it was not the call", 'UNREADABLE_ANSWER');
  return { body: said as unknown as Call, headers: answer.headers };
};

/** One request to the console's API with the signed-in user's token. */
export const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> =>
  (await apiAnswer<T>(method, path, body)).body;

/** The fields of a call the console shows. */
export interface Call {
  sid: string;
  /** Null for a native call whose status SignalWire did not give: shown as unknown, never as a live state. */
  status: string | null;
  // The API's schema says strings, but a proxy or SignalWire may send null or leave them out (a native call may
  // have no number at all): everything that reads them takes them as possibly missing.
  from?: string | null;
  to?: string | null;
  caller_name?: string | null;
  direction?: string | null;
  start_time: string | null;
  date_created: string;
  end_time: string | null;
  duration: number;
  parent_call_sid: string | null;
  answered_by: string | null;
  /** The API that owns the call: `compatibility` (cXML) or `calling` (native: SWML, RELAY, AI agents). */
  api?: 'compatibility' | 'calling';
  /** `calling` for a native call's view, whatever the listing said. */
  api_version?: string;
}

/** The kinds of call the console tells apart, and how it names them. */
export const CALL_KINDS = [
  ['compatibility', 'Compatibility'],
  ['calling', 'Native'],
] as const;

/** The API that owns a call: what the API said, else what the call shows (a native call's `api_version`). */
export const apiOf = (call: Call): 'compatibility' | 'calling' => {
  const said: unknown = call.api;
  if (said === 'calling' || said === 'compatibility') return said;
  return call.api_version === 'calling' ? 'calling' : 'compatibility';
};

/** The API the listing named (one of the two), or undefined when it named none. */
export const namedApi = (call: Call): 'compatibility' | 'calling' | undefined => {
  const said: unknown = call.api;
  return said === 'calling' || said === 'compatibility' ? said : undefined;
};

/** `Native` or `Compatibility`, for a column or a confirmation. */
export const kindOf = (call: Call): string => (apiOf(call) === 'calling' ? 'Native' : 'Compatibility');

export interface AuditEntry {
  timestamp: string;
  audit: {
    trigger: string;
    actor: { name: string; attested: Record<string, string>; claimed: Record<string, string> };
    callSid: string;
    change: Record<string, string>;
    outcome: string;
    reason?: string;
    priorStatus?: string;
    resultingStatus?: string;
  };
}

export const LIVE_STATUSES = ['in-progress', 'ringing', 'queued'] as const;

/** The most pages of one status the console reads per refresh (a page is 1000 calls). */
export const MAX_PAGES = 5;

/**
 * Every live call (each live status, {@link MAX_PAGES} pages at most), newest first; `complete` is false when
 * more were left unread, so the page can say "at least".
 */
export const listLiveCalls = async (): Promise<{ calls: Call[]; complete: boolean }> => {
  const lists = await Promise.all(
    LIVE_STATUSES.map(async (status) => {
      const calls: Call[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        // A cursor goes alone: its filters and page size travel inside it, and the API refuses them beside it.
        const query = new URLSearchParams(cursor ? { cursor } : { status, pageSize: '1000' });
        const answer: { calls?: unknown; next_cursor?: unknown } = await api('GET', `/calls?${query}`);
        if (
          !Array.isArray(answer.calls) ||
          !(answer.next_cursor == null || typeof answer.next_cursor === 'string')
        )
          throw new ApiError(200, "the list's answer had no list of calls", 'UNREADABLE_ANSWER');
        // Only entries with a SID can be shown, keyed and acted on; anything else in the list is skipped.
        for (const call of answer.calls as Call[])
          if (typeof call?.sid === 'string' && call.sid !== '') calls.push(call);
        cursor = answer.next_cursor ?? null;
        if (!cursor) break;
      }
      return { calls, complete: !cursor };
    }),
  );
  // A call that moved on (ringing to in-progress) between the requests of two statuses is in both answers: it is
  // shown once, as the status further on (the statuses are asked in that order), so it is counted once.
  const seen = new Set<string>();
  const calls = lists
    .flatMap((list) => list.calls)
    .filter((call) => !seen.has(call.sid) && seen.add(call.sid))
    .map((call) => ({ call, at: startedAt(call) || 0 }))
    // Calls started in the same millisecond keep one order (by SID) from one refresh to the next: no row moves.
    .sort((a, b) => b.at - a.at || (a.call.sid < b.call.sid ? -1 : a.call.sid > b.call.sid ? 1 : 0))
    .map(({ call }) => call);
  return { calls, complete: lists.every((list) => list.complete) };
};

/** When the call started (answered), or was created if it has not. */
export const startedAt = (call: Call): number => Date.parse(call.start_time ?? call.date_created);

/** How many audit records one search asks for, unless it says (the API's own default). */
export const AUDIT_PAGE_LIMIT = 100;

/**
 * The newest audit records matching `filter`; `more` when the answer is as long as the limit, so more may match
 * (the API answers no cursor): the page says so instead of passing the first page off as all of them.
 */
export const searchAudit = async (
  filter: Record<string, string>,
): Promise<{ records: AuditEntry[]; more: boolean }> => {
  const limit = Number(filter.limit ?? AUDIT_PAGE_LIMIT);
  const { records } = await api<{ records: AuditEntry[] }>(
    'GET',
    `/audit?${new URLSearchParams({ limit: String(limit), ...filter })}`,
  );
  return { records, more: records.length >= limit };
};
