import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';

/**
 * A bench cleanup run for the rows' unit tests: `ended` calls for `cpuMs` of CPU, nothing failed or left, unless
 * `outcome` says otherwise (only CPU, calls and what a row reads enter the rows under test).
 */
export const cleanupRun = (
  cpuMs: number,
  ended = 1000,
  outcome: Partial<CleanupResult> = {},
): CleanupResult => ({
  runs: 1,
  wallMs: 1000,
  cpuMs,
  found: ended,
  ended,
  alreadyEnded: 0,
  failed: 0,
  pagesRead: 0,
  retries: {},
  failedPerRun: [0],
  failures: [],
  rssBeforeBytes: 0,
  peakRssBytes: 0,
  runPeakRssBytes: [],
  runPeakHeapBytes: [],
  runPagesRead: [],
  peaks: { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
  stillLive: 0,
  posts: ended,
  rateLimited: 0,
  ...outcome,
});
