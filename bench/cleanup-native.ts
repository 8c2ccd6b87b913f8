/**
 * `npm run bench -- native-cleanup`: the cleanup's CPU per ended call over the voice logs (issue 19's row for
 * issue 22). The same child as the cleanup rows (bench/cleanup-driver.ts, bundled the production way) runs
 * `runCleanup` with `apis: ["calling"]` against the emulator's native calls: it reads the voice-log pages, the
 * events of each answered call already stale by `created_at` (its answer time), and sends one `calling.end` per
 * call. Set against the same engine ending as many Compatibility calls over List Calls, rounds alternated.
 */
import { randomBytes } from 'node:crypto';
import { LAMBDA_ON_DEMAND_ENVIRONMENT } from '#local/lambda-context';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { FUNCTION_RUNTIME_ENVIRONMENT } from '../infra/runtime.ts';
import type { CleanupOutcome, CleanupPlan } from './cleanup-driver.ts';
import {
  CLEANUP_CONCURRENCY,
  cleanupDriver,
  cpuPerCall,
  MAX_AGE_SECONDS,
  MAX_CALLS_PER_RUN,
  STALE_AGE_SECONDS,
} from './cleanup-scenarios.ts';
import { ipcRun, lambdaHeapFlags } from './harness.ts';
import {
  type BenchContext,
  count,
  FUNCTION_MEMORY_MB,
  type Measurement,
  REPEATS,
  scaled,
} from './measurement.ts';
import { ms, ratioSpread, spread, spreadValues } from './report.ts';
import { PROJECT_ID } from './world.ts';

const CALLS = scaled(2000, 100);
const LATENCY_MS = 5;

/** One run of the cleanup child over `calls` stale answered calls of one kind, on a fresh emulator. */
const cleanOnce = async (
  context: BenchContext,
  api: 'compatibility' | 'calling',
): Promise<CleanupOutcome> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: PROJECT_ID, apiToken }],
    latencyMs: LATENCY_MS,
    maxRecordedRequests: 1000,
  });
  try {
    for (let i = 0; i < CALLS; i++) {
      if (api === 'calling')
        emulator.native.seed(PROJECT_ID, { status: 'answered', ageSeconds: STALE_AGE_SECONDS });
      else emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: STALE_AGE_SECONDS });
    }
    const plan: CleanupPlan = {
      projectId: PROJECT_ID,
      apiToken,
      spaceOrigin: emulator.url,
      concurrency: CLEANUP_CONCURRENCY,
      maxCallsToEnd: Math.min(MAX_CALLS_PER_RUN, CALLS),
      maxAgeSeconds: MAX_AGE_SECONDS,
      maxRuns: 1,
      api,
      trackMemory: false,
    };
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      TZ: 'UTC',
      POWERTOOLS_SERVICE_NAME: 'call-control-cleanup',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...FUNCTION_RUNTIME_ENVIRONMENT,
      ...LAMBDA_ON_DEMAND_ENVIRONMENT,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MEMORY_MB),
      NODE_OPTIONS: lambdaHeapFlags(FUNCTION_MEMORY_MB),
    };
    const outcome = await ipcRun<CleanupOutcome>(await cleanupDriver(context), env, plan);
    if (outcome.ended !== CALLS) {
      throw new Error(
        `the ${api} cleanup ended ${outcome.ended} of ${CALLS} calls: ${JSON.stringify(outcome.failures)}`,
      );
    }
    return outcome;
  } finally {
    await emulator.stop();
  }
};

export const nativeCleanup: Measurement = {
  name: 'native-cleanup',
  async run(context) {
    const native: CleanupOutcome[] = [];
    const compatibility: CleanupOutcome[] = [];
    for (let round = 0; round < REPEATS; round++) {
      context.log(`native-cleanup: round ${round + 1} of ${REPEATS}, ${count(CALLS)} calls of each kind`);
      native.push(await cleanOnce(context, 'calling'));
      compatibility.push(await cleanOnce(context, 'compatibility'));
    }
    const ratios = native.map((run, i) => cpuPerCall(run) / cpuPerCall(compatibility[i] as CleanupOutcome));
    const s = spread(ratios);
    const nativeMs = spread(native.map(cpuPerCall)).median;
    const compatibilityMs = spread(compatibility.map(cpuPerCall)).median;
    return {
      rows: [
        {
          item: 4,
          id: 'native-cleanup-cpu',
          metric:
            'Cleanup CPU per ended native call (user + system) over the voice logs: pages read, the answer event ' +
            `of each stale answered call, one calling.end each; vs Compatibility calls over List Calls, ${count(CALLS)} calls`,
          project: ms(nativeMs),
          reference: `Compatibility ${ms(compatibilityMs)}`,
          ratio: ratioSpread(s),
          target: '— (context)',
          met: 'n/a',
          values: spreadValues(s, nativeMs, compatibilityMs, 'ms'),
        },
      ],
      notes: [
        `Native cleanup: bench/cleanup-native.ts runs the cleanup child (bench/cleanup-driver.ts) with apis ["calling"] over ${count(CALLS)} answered native calls (created and answered ${STALE_AGE_SECONDS} s ago, the policy allowing ${MAX_AGE_SECONDS} s), latency ${LATENCY_MS} ms, concurrency ${CLEANUP_CONCURRENCY}; each stale answered call costs a voice-log events read (its answer time) besides its calling.end, and every voice-log page is parsed whole. The reference is the same engine over as many Compatibility calls, rounds alternated.`,
      ],
      details: { calls: CALLS, native, compatibility },
    };
  },
};
