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
import type {
  CallingCall,
  CallingCommand,
  CallingDirection,
  CallingStatus,
  CallLegType,
} from '#commons/calling/types';
import { DEFAULT_FROM, type Reply, type StoredCall } from './calls.ts';
import {
  attributeOf,
  badRequest,
  compiledCommands,
  invalid,
  type Listed,
  listLogs,
  NativeError,
  type NativeRedirect,
  newestFirst,
  notFound,
  type Paging,
  renderCallingCall,
  renderLamlLog,
  renderNativeEvents,
  renderNativeLog,
  type StoredNativeCall,
  unauthorized,
  VOICE_LOGS_PATH,
} from './native-render.ts';

export { type NativeRedirect, nativeFaultReply } from './native-render.ts';

/** A POST body as JSON, or undefined when it is not JSON (recorded for tests). */
export const parseJsonOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export const CALLING_PATH = '/api/calling/calls';
const VOICE_LOG_PATH = /^\/api\/voice\/logs\/([^/]+)$/;
const VOICE_LOG_EVENTS_PATH = /^\/api\/voice\/logs\/([^/]+)\/events$/;

/** Whether a path belongs to the native side (so its errors take the native shapes). */
export const isNativePath = (path: string): boolean =>
  path === CALLING_PATH || path === VOICE_LOGS_PATH || path.startsWith(`${VOICE_LOGS_PATH}/`);

/** A native call to create with {@link NativeCalls.seed}. */
export interface SeedNativeCall {
  status: CallingStatus;
  /** Seconds since `created_at`; an answered call was answered a few seconds after it. @default 0 */
  ageSeconds?: number;
  /**
   * Seconds from `created_at` to the answer of an answered call (a campaign call may wait long in the queue).
   * @default 3, or the call's age when younger
   */
  answeredAfterSeconds?: number;
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

/** SignalWire's native calls of every project, their commands and the voice logs; see the module comment. */
export class NativeCalls {
  readonly #projects = new Map<string, Map<string, StoredNativeCall>>();
  readonly #now: () => number;
  readonly #origin: () => string;
  readonly #lamlCalls: (projectId: string) => readonly StoredCall[];
  readonly #paging: Paging | undefined;
  #seeded = 0;

  /**
   * @param now whole-second epoch ms (the emulator's clock)
   * @param origin the emulator's URL, for the absolute page links
   * @param lamlCalls a project's Compatibility calls, listed in the voice logs beside the native ones
   * @param paging how the voice logs cut their pages (the emulator's, shared with List Calls)
   */
  constructor(
    now: () => number,
    origin: () => string,
    lamlCalls: (projectId: string) => readonly StoredCall[],
    paging?: Paging,
  ) {
    this.#now = now;
    this.#origin = origin;
    this.#lamlCalls = lamlCalls;
    this.#paging = paging;
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
    const ringSeconds = Math.min(init.answeredAfterSeconds ?? SEEDED_RING_SECONDS, ageSeconds);
    const answeredMs = answered ? createdMs + ringSeconds * 1000 : null;
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
    if (path === VOICE_LOGS_PATH) {
      return listLogs(this.#entries(projectId), query, this.#origin(), this.#paging);
    }
    const eventsOf = VOICE_LOG_EVENTS_PATH.exec(path)?.[1];
    if (eventsOf !== undefined) {
      // Only native calls' events are kept here; a Compatibility call's voice log has none to show.
      const call = this.#projects.get(projectId)?.get(eventsOf);
      if (!call) throw notFound();
      return renderNativeEvents(call, projectId);
    }
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
