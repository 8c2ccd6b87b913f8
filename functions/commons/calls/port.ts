import type {
  CallingCall,
  HangupReason,
  UpdateParams,
  VoiceLog,
  VoiceLogEvents,
  VoiceLogPage,
  VoiceLogQuery,
} from '../calling/types.ts';
import type { Call, CallListPage, CallUpdate, ListCallsFilter } from '../signalwire/types.ts';

/**
 * The port every handler, the cleanup policy and the tests depend on. One adapter implements it over
 * `node:https` (`signalwire/client.ts` over `signalwire/transport.ts`); the local emulator serves the same HTTP contract, so the real
 * adapter runs in every integration test.
 */
export interface CallsApi {
  /** Update a Call: POST the given fields, form-encoded, and return the Call as SignalWire answers it. */
  updateCall(callSid: string, update: CallUpdate, options?: RequestOptions): Promise<Call>;
  /** Retrieve a Call. */
  getCall(callSid: string, options?: RequestOptions): Promise<Call>;
  /** One page of List Calls: the first (from filters) or the one a `next_page_uri` names. */
  listCallsPage(
    from: ListCallsFilter | { nextPageUri: string },
    options?: RequestOptions,
  ): Promise<CallListPage>;
  /** Every call matching the filters, page by page, following `next_page_uri` to the end. */
  listCalls(filter: ListCallsFilter, options?: RequestOptions): AsyncGenerator<CallListPage, void, undefined>;
}

/** The Calls API of one project: the port every trigger reaches SignalWire through. */
export interface ProjectCallsApi extends CallsApi {
  /** The project (account SID) the API acts for. */
  readonly projectId: string;
}

/**
 * The native Calling API and voice logs of one project (`calling/client.ts`): the second port, for calls
 * created from SWML, the RELAY SDKs, the Calling API's `dial`, Call Fabric and AI agents (`realtime_api`).
 */
export interface NativeCallsApi {
  readonly projectId: string;
  /** `calling.end`. Safe to repeat: a second one is refused because the call has ended. */
  endCall(id: string, reason: HangupReason, options?: RequestOptions): Promise<CallingCall>;
  /** `update` with a new `url` or `swml` (a redirect: sent at most once), optionally `fallback_url`, `status`. */
  updateCall(id: string, params: Omit<UpdateParams, 'id'>, options?: RequestOptions): Promise<CallingCall>;
  /** `calling.transfer` (a redirect: sent at most once). */
  transferCall(
    id: string,
    dest: string | Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<CallingCall>;
  /** Get voice log: one call of either kind, by id. */
  getVoiceLog(id: string, options?: RequestOptions): Promise<VoiceLog>;
  /** List voice log events: what happened to one call, and when (the cleanup reads an answer time there). */
  voiceLogEvents(id: string, options?: RequestOptions): Promise<VoiceLogEvents>;
  /** One page of voice logs: the first (from the query) or the one a `links.next` names. */
  listVoiceLogsPage(from: VoiceLogQuery | { next: string }, options?: RequestOptions): Promise<VoiceLogPage>;
  /** Native calls that may still be live, created after `createdAfter`, page by page (filtered here). */
  liveCalls(
    window: { createdAfter: Date; pageSize?: number },
    options?: RequestOptions,
  ): AsyncGenerator<VoiceLog[], void, undefined>;
}

export interface RequestOptions {
  /** Aborts the request and any retry still waiting. */
  signal?: AbortSignal;
}
