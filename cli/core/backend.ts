import type { CallActionResult } from '#commons/calls/service';
import type { ListQuery } from '#commons/http/schemas';
import type { Call, CallUpdate } from '#commons/signalwire/types';

/** One page of calls, with the cursor of the next one (null on the last page). */
export interface CallsPage {
  calls: Call[];
  nextCursor: string | null;
}

/** List filters, in the operator API's spelling (`status`, `to`, `startTimeBefore`, `pageSize`, ...). */
export type ListFilter = Omit<ListQuery, 'cursor'>;

/**
 * What every call command needs, whichever target it talks to: the deployed API (SigV4), the local stack's
 * API, or SignalWire directly (`--direct`). Actions are audited by whoever performs them: the function
 * behind the API, or the CLI itself in direct mode.
 */
export interface CallsBackend {
  /** Where the calls go, in words, for previews and errors. */
  readonly where: string;
  listPage(filter: ListFilter, cursor?: string): Promise<CallsPage>;
  getCall(callSid: string): Promise<Call>;
  /** Ends the call; an already-ended call is `already-ended`, not an error. */
  endCall(callSid: string): Promise<CallActionResult>;
  updateCall(callSid: string, update: CallUpdate): Promise<CallActionResult>;
}

/** Every call matching `filter`, page by page, up to `limit` calls. */
export async function* listAll(
  backend: CallsBackend,
  filter: ListFilter,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<Call> {
  let cursor: string | undefined;
  let seen = 0;
  // Bounded: SignalWire's pages end, and `limit` stops a runaway listing.
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await backend.listPage(filter, cursor);
    for (const call of page.calls) {
      if (seen++ >= limit) return;
      yield call;
    }
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
