import { currentSession } from './auth.ts';

/** A refused or failed API request, with the API's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let apiBase = '/console-api';
export const setApiBase = (base: string): void => {
  apiBase = base;
};

/** One request to the console's API with the signed-in user's token. */
export const api = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  const session = currentSession();
  if (!session) throw new ApiError(401, 'Your session ended: sign in again.');
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${session.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const message = (parsed as { message?: unknown } | undefined)?.message;
    const detail =
      response.status === 403
        ? 'Your role does not allow this.'
        : typeof message === 'string'
          ? message
          : `The request failed (${response.status}).`;
    throw new ApiError(response.status, detail);
  }
  return parsed as T;
};

/** The fields of a call the console shows. */
export interface Call {
  sid: string;
  status: string;
  from: string;
  to: string;
  caller_name: string | null;
  direction: string;
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

/** Every live call (each live status, a few pages at most), newest first. */
export const listLiveCalls = async (): Promise<Call[]> => {
  const lists = await Promise.all(
    LIVE_STATUSES.map(async (status) => {
      const calls: Call[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const query = new URLSearchParams({ status, pageSize: '1000', ...(cursor ? { cursor } : {}) });
        const answer: { calls: Call[]; next_cursor: string | null } = await api('GET', `/calls?${query}`);
        calls.push(...answer.calls);
        cursor = answer.next_cursor;
        if (!cursor) break;
      }
      return calls;
    }),
  );
  return lists.flat().sort((a, b) => startedAt(b) - startedAt(a));
};

/** When the call started (answered), or was created if it has not. */
export const startedAt = (call: Call): number => Date.parse(call.start_time ?? call.date_created);

export const searchAudit = (filter: Record<string, string>): Promise<{ records: AuditEntry[] }> =>
  api('GET', `/audit?${new URLSearchParams(filter)}`);
