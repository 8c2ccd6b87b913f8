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

export interface RequestOptions {
  /** Aborts the request and any retry still waiting. */
  signal?: AbortSignal;
}
