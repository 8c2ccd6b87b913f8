/**
 * Context for the cleanup's CPU target (issue 22: where a target cannot be met, show with a measurement what
 * bounds it): what the cleanup does per call that the bare pool, handed the SIDs, never does. The same cleanup over
 * the same seeded calls with a policy none of them is stale under: it reads every List Calls page, parses and
 * checks it and judges each call, and ends nothing. Run once more in every round of bench/cleanup.ts.
 */
import { medianCpu } from './cleanup-layers.ts';
import { type CleanupResult, cpuPerCall, STALE_AGE_SECONDS } from './cleanup-scenarios.ts';
import { type ResultRow, ratioSpread, spread, spreadValues, us } from './report.ts';

/** The policy's in-progress age of the listing runs: twice the seeded calls' age, so none is stale. */
export const LISTING_MAX_AGE_SECONDS = 2 * STALE_AGE_SECONDS;

/** The alternated rounds the listing is set against: the cleanup and the bare `node:http` pool. */
export interface ListingRuns {
  plain: CleanupResult[];
  bareHttp: CleanupResult[];
  listing: CleanupResult[];
}

/** Client CPU (ms) per listed call of a run that ended nothing. */
export const cpuPerListedCall = (run: Pick<CleanupResult, 'cpuMs' | 'found'>): number =>
  run.cpuMs / Math.max(1, run.found);

/**
 * The listing's row: its CPU per listed call against the bare `node:http` pool of the same round (median and
 * min–max of the per-round ratios), and the cleanup's CPU per ended call without it beside the pool's.
 */
export const listingRow = (runs: ListingRuns, calls: string): ResultRow => {
  const listing = spread(runs.listing.map(cpuPerListedCall)).median;
  const pool = medianCpu(runs.bareHttp);
  const cleanup = medianCpu(runs.plain);
  const perRound = runs.listing.map((run, i) => {
    const bare = runs.bareHttp[i];
    return bare ? cpuPerListedCall(run) / cpuPerCall(bare) : Number.NaN;
  });
  const s = spread(perRound);
  const ended = runs.listing.reduce((total, run) => total + run.ended, 0);
  // A listing run that listed fewer calls than the cleanup of its round (a listing failure, the time budget)
  // divides its CPU by what it did list: say so in the row rather than show it as the listing of every call.
  const short = runs.listing.filter((run, i) => run.found < (runs.plain[i]?.found ?? 0)).length;
  return {
    item: 4,
    id: 'cleanup-listing-cpu-vs-node-http',
    metric:
      'Context: what bounds the cleanup CPU target, the listing the bare pool is spared (it is handed the SIDs): ' +
      `the same cleanup over the same ${calls} calls under a policy none of them is stale by (every List Calls ` +
      'page read, parsed and checked, every call judged, nothing ended), client CPU per listed call (of the whole ' +
      "run: its set-up and first compilation are included, as in the cleanup's, and subtracted with it) vs the bare " +
      '`node:http` pool per ended call, median of the alternated rounds' +
      (ended > 0 ? ` (${ended} calls ended: not comparable)` : '') +
      (short > 0
        ? ` (fewer calls listed than the cleanup found in ${short} of ${runs.listing.length} rounds: not comparable)`
        : ''),
    project: `${us(listing)} per listed call; the cleanup less it ${us(cleanup - listing)} per ended call (${(
      (cleanup - listing) / pool
    ).toFixed(2)}x the pool)`,
    reference: `bare node:http ${us(pool)}`,
    ratio: ratioSpread(s),
    target: '— (context)',
    met: 'n/a',
    values: spreadValues(s, listing, pool, 'ms'),
  };
};
