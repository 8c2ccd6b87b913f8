import type { CallApi } from '#commons/calling/vocabulary';
import type { CallActionResult } from '#commons/calls/service';
import type { ListQuery } from '#commons/http/schemas';
import type { CallUpdate, CallView } from '#commons/signalwire/types';
import { CliError, EXIT } from './errors.ts';

export type { CallApi } from '#commons/calling/vocabulary';

/**
 * A call as the project lists it: SignalWire's Call, with the API that owns it (`compatibility` or `calling`,
 * the native Calling API). A target that does not say it is read from the call itself ({@link apiOf}).
 */
export type ListedCall = CallView & { api?: CallApi };

/** One page of calls, with the cursor of the next one (null on the last page). */
export interface CallsPage {
  calls: ListedCall[];
  nextCursor: string | null;
}

/**
 * List filters, in the operator API's spelling (`status`, `to`, `startTimeBefore`, `pageSize`, ...), and the
 * API to list (`api`: both when absent).
 */
export type ListFilter = Omit<ListQuery, 'cursor'> & { api?: CallApi };

/**
 * What every call command needs, whichever target it talks to: the deployed API (SigV4), the local stack's
 * API, or SignalWire directly (`--direct`). Actions are audited by whoever performs them: the function
 * behind the API, or the CLI itself in direct mode. `api`, when given, names the API owning the call (no
 * resolution); when absent the call service finds it (README, "Two kinds of call").
 */
export interface CallsBackend {
  /** Where the calls go, in words, for previews and errors. */
  readonly where: string;
  listPage(filter: ListFilter, cursor?: string): Promise<CallsPage>;
  getCall(callSid: string, api?: CallApi): Promise<ListedCall>;
  /** Ends the call (cancels one not yet answered); an already-ended call is `already-ended`, not an error. */
  endCall(callSid: string, api?: CallApi): Promise<CallActionResult>;
  updateCall(callSid: string, update: CallUpdate, api?: CallApi): Promise<CallActionResult>;
  /** `calling.transfer` of a native call to a SIP URI, phone number or SWML URL; refused for a Compatibility call. */
  transferCall(callSid: string, dest: string, api?: CallApi): Promise<CallActionResult>;
}

/**
 * The API owning a call: what the target said, else what the call shows (a native call's view has
 * `api_version` `calling`, `calling/vocabulary.ts`).
 */
export const apiOf = (call: ListedCall): CallApi => {
  // Read from an answer: anything but the two names is not taken at its word.
  const said: unknown = call.api;
  if (said === 'calling' || said === 'compatibility') return said;
  return call.api_version === 'calling' ? 'calling' : 'compatibility';
};

/** Every call matching `filter`, page by page, up to `limit` calls. */
export async function* listAll(
  backend: CallsBackend,
  filter: ListFilter,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<ListedCall> {
  let cursor: string | undefined;
  let seen = 0;
  // A cursor names its page (the API seals the page's link, the same link the same cursor): one given again
  // leads back to a page already read, and followed, a listing that never ends.
  const followed = new Set<string>();
  // Bounded: SignalWire's pages end, and `limit` stops a runaway listing.
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await backend.listPage(filter, cursor);
    for (const call of page.calls) {
      if (seen++ >= limit) return;
      yield call;
    }
    if (!page.nextCursor) return;
    if (followed.has(page.nextCursor)) {
      throw new CliError(
        `the listing's next page leads back to a page already read (after ${pages + 1} pages): stopped rather than read for ever`,
        'SignalWire (or a proxy) answered page links that go round in a circle; the calls printed so far were read. Retry later, or narrow the listing with filters.',
        EXIT.failed,
        'UPSTREAM_ERROR',
      );
    }
    followed.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}
