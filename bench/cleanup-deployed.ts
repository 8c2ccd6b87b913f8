import type { RateLimit } from '#local/signalwire-emulator';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_FUNCTION_TIMEOUT_SECONDS,
} from '../functions/commons/platform/settings.ts';
import { type CleanupResult, runScenario } from './cleanup-scenarios.ts';
import { count, FUNCTION_MEMORY_MB, type Measurement, REPEATS, scaled, yesNo } from './measurement.ts';
import { ms, type ResultRow, ratioSpread, spread, spreadValues } from './report.ts';

/**
 * Item 4 as deployed: the cleanup at the construct's defaults (10 workers, 200 ends per second) rather than at
 * the account-wide budget the engine rows use; the same against a slow, varying SignalWire that rate-limits
 * with `Retry-After`; and the largest run the policy allows (10,000 calls) through the cleanup function's own
 * bundle, against its 5-minute timeout.
 */

const DEPLOYED = {
  concurrency: CLEANUP_CONCURRENCY.default,
  maxEndsPerSecond: CLEANUP_ENDS_PER_SECOND.default,
};
/** 5 s of work per run at 200 per second. */
const DEFAULTS_CALLS = scaled(1000, 100);
const DEFAULTS_LATENCY_MS = 20;
/** 50–150 ms per answer: SignalWire from a region away, round trips that vary. */
const SLOW_LATENCY = { latencyMs: 50, latencySpreadMs: 100 };
const SLOW_CALLS = scaled(240, 60);
/** 40 POSTs per second where 10 workers at ~100 ms ask for ~100: 429s with `Retry-After: 1` are certain. */
const SLOW_RATE_LIMIT: RateLimit = { maxPosts: 40, windowMs: 1000, retryAfterSeconds: 1 };
const LARGEST_CALLS = scaled(10_000, 500);
const TIMEOUT_MS = CLEANUP_FUNCTION_TIMEOUT_SECONDS * 1000;

const base = { memoryMb: FUNCTION_MEMORY_MB, trackMemory: false, ...DEPLOYED };

/** The shortest the run can take: the pacer's rate, the workers over the mean latency, or the rate limit. */
const floorMs = (calls: number, meanLatencyMs: number, limit?: RateLimit): number =>
  Math.max(
    (calls / DEPLOYED.maxEndsPerSecond) * 1000,
    (calls * meanLatencyMs) / DEPLOYED.concurrency,
    limit ? (calls / limit.maxPosts) * limit.windowMs : 0,
  );

const summary = (run: CleanupResult): string =>
  `${ms(run.wallMs)}, ${count(run.ended)} ended, ${run.stillLive} left` +
  (run.rateLimited > 0 ? `, ${count(run.rateLimited)} × 429` : '') +
  (run.runs > 1 ? `, ${run.runs} runs` : '');

const medianWall = (runs: CleanupResult[]): CleanupResult => {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle) throw new Error('no cleanup run to take the median of');
  return middle;
};

const pacedRow = (
  spec: { id: string; metric: string },
  runs: CleanupResult[],
  floor: number,
  floorLabel: string,
): ResultRow => {
  const s = spread(runs.map((run) => floor / run.wallMs));
  const median = medianWall(runs);
  const allEnded = runs.every((run) => run.stillLive === 0 && run.runs === 1);
  return {
    item: 4,
    id: spec.id,
    metric: spec.metric,
    project: summary(median),
    reference: `${floorLabel} ${ms(floor)}`,
    ratio: ratioSpread(s),
    target: 'every call ended in one run',
    met: yesNo(allEnded),
    values: spreadValues(s, median.wallMs, floor, 'ms'),
  };
};

export const cleanupDeployed: Measurement = {
  name: 'cleanup-deployed',
  async run(context) {
    const defaults: CleanupResult[] = [];
    const slow: CleanupResult[] = [];
    // The two scenarios alternate, so a disturbed minute of this shared machine touches both alike.
    for (let round = 1; round <= REPEATS; round++) {
      context.log(`cleanup-deployed: defaults and slow + Retry-After, round ${round} of ${REPEATS}`);
      defaults.push(
        await runScenario(context, {
          ...base,
          calls: DEFAULTS_CALLS,
          latencyMs: DEFAULTS_LATENCY_MS,
          maxRuns: 1,
          mode: 'engine',
        }),
      );
      slow.push(
        await runScenario(context, {
          ...base,
          calls: SLOW_CALLS,
          ...SLOW_LATENCY,
          rateLimit: SLOW_RATE_LIMIT,
          maxRuns: 1,
          mode: 'engine',
        }),
      );
    }
    context.log(`cleanup-deployed: ${LARGEST_CALLS} calls through the cleanup function's bundle`);
    await context.bundles();
    const largest = await runScenario(context, {
      ...base,
      calls: LARGEST_CALLS,
      latencyMs: DEFAULTS_LATENCY_MS,
      maxRuns: 1,
      mode: 'handler',
    });

    const slowMean = SLOW_LATENCY.latencyMs + SLOW_LATENCY.latencySpreadMs / 2;
    const rows: ResultRow[] = [
      pacedRow(
        {
          id: 'cleanup-deployed-defaults',
          metric:
            `Cleanup at the deployed defaults (${DEPLOYED.concurrency} workers, ${DEPLOYED.maxEndsPerSecond} ends/s), ` +
            `${count(DEFAULTS_CALLS)} calls, latency ${DEFAULTS_LATENCY_MS} ms: floor / wall time`,
        },
        defaults,
        floorMs(DEFAULTS_CALLS, DEFAULTS_LATENCY_MS),
        'pacer floor',
      ),
      pacedRow(
        {
          id: 'cleanup-slow-retry-after',
          metric:
            `Cleanup at the deployed defaults, latency ${SLOW_LATENCY.latencyMs}–` +
            `${SLOW_LATENCY.latencyMs + SLOW_LATENCY.latencySpreadMs} ms, rate-limited to ` +
            `${SLOW_RATE_LIMIT.maxPosts} POSTs / ${SLOW_RATE_LIMIT.windowMs} ms with \`Retry-After: ` +
            `${SLOW_RATE_LIMIT.retryAfterSeconds}\`, ${count(SLOW_CALLS)} calls: floor / wall time`,
        },
        slow,
        floorMs(SLOW_CALLS, slowMean, SLOW_RATE_LIMIT),
        'rate-limit floor',
      ),
    ];
    const largestMet = largest.stillLive === 0 && largest.runs === 1 && largest.wallMs < TIMEOUT_MS;
    rows.push({
      item: 4,
      id: 'cleanup-largest-run',
      metric:
        `The largest run the policy allows, ${count(LARGEST_CALLS)} stale calls, through the cleanup function's ` +
        `bundle at the deployed defaults (latency ${DEFAULTS_LATENCY_MS} ms), against its ` +
        `${CLEANUP_FUNCTION_TIMEOUT_SECONDS / 60}-minute timeout (one run: the pacer sets its length)`,
      project: summary(largest),
      reference: `timeout ${ms(TIMEOUT_MS)}, pacer floor ${ms(floorMs(LARGEST_CALLS, DEFAULTS_LATENCY_MS))}`,
      ratio: `${((largest.wallMs / TIMEOUT_MS) * 100).toFixed(1)} % of the timeout`,
      target: 'every call ended in one run, within the timeout',
      met: yesNo(largestMet),
      values: {
        project: largest.wallMs,
        reference: TIMEOUT_MS,
        ratio: largest.wallMs / TIMEOUT_MS,
        unit: 'ms',
      },
    });
    const notes = [
      'Cleanup as deployed: bench/cleanup-deployed.ts. The engine rows above run at the account-wide budget ' +
        `(${CLEANUP_ENDS_PER_SECOND.max} ends/s) to measure the engine; these run at the construct's defaults ` +
        `(${DEPLOYED.concurrency} workers, ${DEPLOYED.maxEndsPerSecond} ends/s), where the pacer, not the CPU, ` +
        'sets the pace: the floor is the slowest of the pacer, the workers over the mean latency and the rate ' +
        `limit, and the rows show floor / wall time (1 = no time lost), the median of ${REPEATS} alternated ` +
        'rounds with its min–max. With `Retry-After` the client waits the time SignalWire asks before it retries ' +
        '(functions/commons/signalwire/client.ts); a call whose retries run out is left for the next run. ' +
        `The largest run invokes the cleanup function's bundle (bench/invoke-driver.mjs) with a ` +
        `${CLEANUP_FUNCTION_TIMEOUT_SECONDS} s deadline in its context, as Lambda would.`,
    ];
    if (!largestMet) {
      notes.push(
        `Missed, the largest run: ${summary(largest)} (failed per run: ${largest.failedPerRun.join(', ')}).`,
      );
    }
    return { rows, notes, details: { defaults, slow, largest, rateLimit: SLOW_RATE_LIMIT } };
  },
};
