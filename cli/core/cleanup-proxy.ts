import type { CallApi } from '#commons/calling/vocabulary';
import type { NativeCallsApi, ProjectCallsApi } from '#commons/calls/port';
import type { CleanupReport, FailedCall, ListingFailure } from '#commons/cleanup/run-cleanup';
import { type ProxyRefusal, proxyRefusalOf, proxyRefusedError } from './proxy.ts';

/**
 * `cleanup --local` / `--direct` runs the functions' engine here, and the engine reports what it could not do in
 * the functions' taxonomy: a CONNECT tunnel the proxy would not open is `UPSTREAM_UNREACHABLE` there, which says
 * "SignalWire could not be reached" when it was the proxy that refused. `calls end` and `calls list` name the proxy
 * (`PROXY_REFUSED`, which variable, what it answered, what to do); so does the cleanup report, for each call and
 * listing the proxy refused. The refusals are read from the errors the port's methods throw (the report keeps
 * only their description), and never change what the engine does.
 */

/** A failure of the report, said as the proxy's refusal: its code, words and what to do. */
export type ProxyAwareFailure<T extends { code: string }> = Omit<T, 'code'> & { code: string; hint?: string };

/** The cleanup report as this CLI prints it: failures the proxy caused are `PROXY_REFUSED`, with a hint. */
export type CliCleanupReport = Omit<CleanupReport, 'failedCalls' | 'listingFailures'> & {
  failedCalls: ProxyAwareFailure<FailedCall>[];
  listingFailures: ProxyAwareFailure<ListingFailure>[];
};

/**
 * What went past the run: for each call (by SID) and each listing, the proxy's refusal when its last request was
 * refused. A request that was carried, or failed otherwise, clears it. Listings are told apart as the report tells
 * them: a Compatibility listing by its state (the in-progress one refused by the proxy, then the ringing one
 * answered 500 by SignalWire, is SignalWire's 500), the voice logs as one.
 */
interface Refusals {
  calls: Map<string, ProxyRefusal>;
  listings: Map<string, ProxyRefusal>;
}

const listingKey = (api: CallApi, status: string | undefined): string =>
  api === 'compatibility' ? `compatibility ${status}` : 'calling';

/** `api` whose every method records the proxy refusal of the promise it returns; values pass unchanged. */
const watched = <T extends object>(api: T, kind: CallApi, refusals: Refusals): T => {
  // The state a Compatibility listing's first page asked for: its next pages (`{ nextPageUri }`) are that listing's.
  let listing: string | undefined;
  return new Proxy(api, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        // A call's method takes its SID first; a listing, its filter or page.
        const [first] = args;
        const status = (first as { Status?: unknown } | undefined)?.Status;
        if (typeof first === 'object' && first !== null && typeof status === 'string') listing = status;
        const [map, at] =
          typeof first === 'string'
            ? [refusals.calls, first.toLowerCase()]
            : [refusals.listings, listingKey(kind, listing)];
        return result.then(
          (answer: unknown) => {
            map.delete(at);
            return answer;
          },
          (error: unknown) => {
            const refusal = proxyRefusalOf(error);
            if (refusal) map.set(at, refusal);
            else map.delete(at);
            throw error;
          },
        );
      };
    },
  });
};

const asRefusal = <T extends { code: string; message: string }>(
  failure: T,
  refusal: ProxyRefusal | undefined,
): ProxyAwareFailure<T> => {
  // Only a failure the engine says is SignalWire out of reach is relabelled: a call the time budget stopped, or
  // one SignalWire (or the engine) refused after the proxy carried a request, keeps its own code.
  if (!refusal || failure.code !== 'UPSTREAM_UNREACHABLE') return failure;
  const error = proxyRefusedError(refusal, 'the request to SignalWire', 'your SignalWire space');
  const hint = typeof error.hint === 'string' ? error.hint : undefined;
  return { ...failure, code: error.code, message: error.message, ...(hint ? { hint } : {}) };
};

/**
 * The port for a cleanup run here, watched for the proxy's refusals, and `said`, which turns the run's report
 * into the CLI's: each failed call and listing whose last request the proxy refused is named as its refusal.
 */
export const watchProxyRefusals = (
  calls: ProjectCallsApi,
  native: NativeCallsApi,
): {
  calls: ProjectCallsApi;
  native: NativeCallsApi;
  said(report: CleanupReport): CliCleanupReport;
} => {
  const refusals: Refusals = { calls: new Map(), listings: new Map() };
  return {
    calls: watched(calls, 'compatibility', refusals),
    native: watched(native, 'calling', refusals),
    said: (report) => ({
      ...report,
      failedCalls: report.failedCalls.map((failed) =>
        asRefusal(failed, refusals.calls.get(failed.sid.toLowerCase())),
      ),
      listingFailures: report.listingFailures.map((failure) =>
        asRefusal(failure, refusals.listings.get(listingKey(failure.api, failure.status))),
      ),
    }),
  };
};
