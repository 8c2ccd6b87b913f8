import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LocalAws } from '#local/aws-emulator';
import { LAMBDA_ON_DEMAND_ENVIRONMENT } from '#local/lambda-context';
import { type RateLimit, SignalWireEmulator } from '#local/signalwire-emulator';
import { CLEANUP_ENDS_PER_SECOND } from '../functions/commons/platform/settings.ts';
import { FUNCTION_RUNTIME_ENVIRONMENT } from '../infra/runtime.ts';
import { bundle, unpacedCleanupDriver } from './build.ts';
import type { BareTransport, CleanupOutcome, CleanupPlan } from './cleanup-driver.ts';
import { functionEnv, ipcRun, lambdaHeapFlags } from './harness.ts';
import type { BenchContext } from './measurement.ts';
import type { BenchCertificates } from './tls.ts';
import { PROJECT_ID } from './world.ts';

export const CLEANUP_CONCURRENCY = 25;
export const STALE_AGE_SECONDS = 7200;
export const MAX_AGE_SECONDS = 3600;
/** The policy's largest circuit breaker: bigger cleanups take several (scheduled) runs. */
export const MAX_CALLS_PER_RUN = 10_000;

/** The engine the cleanup rows measure; without it they say "not measured". */
export const CLEANUP_ENGINE = 'functions/commons/cleanup/run-cleanup.ts';

export interface CleanupScenario {
  calls: number;
  latencyMs: number;
  /** Each answer waits up to this much longer, at random (the emulator's `latencySpreadMs`). @default 0 */
  latencySpreadMs?: number;
  /** Workers of the cleanup. @default CLEANUP_CONCURRENCY (25, the engine's rows) */
  concurrency?: number;
  /** The cleanup's pace. @default the account-wide budget (see CleanupPlan) */
  maxEndsPerSecond?: number;
  rateLimit?: RateLimit;
  maxRuns: number;
  /** Lambda memory size whose heap flags the child gets. */
  memoryMb: number;
  /**
   * `engine`: runCleanup with a SignalWireClient (bench/cleanup-driver.ts); `bare`: a bare fetch pool ending
   * the same calls (`bare-http`: over `node:http` on a keep-alive agent, SignalWireClient's transport, doing
   * nothing else); `handler`: the cleanup function's own bundle, invoked like a schedule would; `audit`:
   * only the audit records of as many calls, nothing sent; `engine-unpaced`: `engine` with the pacer released
   * (bench/build.ts `unpacedCleanupDriver`, bench only); `layer-*`: the same calls ended through one layer of
   * the project above `node:http` and nothing else (CleanupPlan's `bareTransport`); `write`: as many bare
   * `process.stdout.write` calls of one audit line, the write alone (CleanupPlan's `writeLines`);
   * `audit-required`: as many audit lines made by hand with no work per line the contract does not require
   * (`requiredLines`);
   * `required-work`: the cleanup's required-work floor, bench/cleanup-required-work.ts (`requiredWork`).
   */
  mode:
    | 'engine'
    | 'engine-unpaced'
    | 'handler'
    | 'audit'
    | 'write'
    | 'audit-required'
    | 'required-work'
    | keyof typeof BARE_TRANSPORTS;
  /** Serve the emulator over https with this certificate (the child trusts only its CA). */
  certificates?: BenchCertificates;
  /** Sample memory during the run (the memory rows); off where CPU is compared. @default true */
  trackMemory?: boolean;
  /**
   * The policy's in-progress age: above {@link STALE_AGE_SECONDS}, no seeded call is stale and the cleanup only
   * lists and judges them (bench/cleanup-listing.ts). @default MAX_AGE_SECONDS
   */
  maxAgeSeconds?: number;
  /** CleanupPlan's `requestTimeoutMs`: the child's per-attempt request timeout. @default the client's (5 s) */
  requestTimeoutMs?: number;
}

/** The modes that end the given calls without the cleanup, and how (CleanupPlan's `bareTransport`). */
const BARE_TRANSPORTS = {
  bare: 'fetch',
  'bare-http': 'http',
  'layer-transport': 'transport',
  'layer-client': 'client',
  'layer-apply': 'apply',
  'layer-paced': 'paced',
  'layer-settled': 'settled',
} as const satisfies Record<string, BareTransport>;

const bareTransportOf = (mode: CleanupScenario['mode']): BareTransport | undefined =>
  mode in BARE_TRANSPORTS ? BARE_TRANSPORTS[mode as keyof typeof BARE_TRANSPORTS] : undefined;

export interface CleanupResult extends CleanupOutcome {
  stillLive: number;
  posts: number;
  rateLimited: number;
}

/** Client CPU (ms) per ended call of one cleanup run: the measure every cleanup CPU row compares. */
export const cpuPerCall = (run: Pick<CleanupOutcome, 'cpuMs' | 'ended'>): number =>
  run.cpuMs / Math.max(1, run.ended);

const drivers = new Map<string, Promise<string>>();

/** bench/cleanup-driver.ts bundled the production way, once per run. */
export const cleanupDriver = (context: BenchContext): Promise<string> => {
  let driver = drivers.get(context.out);
  if (!driver) {
    driver = bundle(context.root, 'bench/cleanup-driver.ts', 'cleanup-driver', context.out).then(
      (report) => report.outfile,
    );
    drivers.set(context.out, driver);
  }
  return driver;
};

const unpacedDrivers = new Map<string, Promise<string>>();

/** The same driver with the cleanup's pacer released (every start at once): bench only, for one context row. */
const unpacedDriver = (context: BenchContext): Promise<string> => {
  let driver = unpacedDrivers.get(context.out);
  if (!driver) {
    driver = unpacedCleanupDriver(context.root, context.out).then((report) => report.outfile);
    unpacedDrivers.set(context.out, driver);
  }
  return driver;
};

const cleanupEvent = (maxCallsToEnd: number) => ({
  scheduleName: 'bench-cleanup',
  // The Compatibility path these rows measure; native calls have their own row (bench/cleanup-native.ts).
  policy: { maxAgeSeconds: { inProgress: MAX_AGE_SECONDS }, maxCallsToEnd, apis: ['compatibility'] },
});

/** Runs the cleanup function's bundle in a child, with its secret in a local Secrets Manager. */
const cleanupHandler = async (
  context: BenchContext,
  scenario: CleanupScenario,
  emulator: SignalWireEmulator,
  apiToken: string,
): Promise<CleanupOutcome> => {
  const aws = await LocalAws.start();
  try {
    aws.putSecret(
      'bench/cleanup',
      JSON.stringify({ projectId: PROJECT_ID, apiToken, spaceUrl: emulator.url }),
    );
    const env = functionEnv({
      awsEndpoint: aws.url,
      memoryMb: scenario.memoryMb,
      secretId: 'bench/cleanup',
      localSpaceOrigin: emulator.url,
      functionName: 'call-control-cleanup',
      extra: {
        CLEANUP_CONCURRENCY: String(scenario.concurrency ?? CLEANUP_CONCURRENCY),
        CLEANUP_MAX_ENDS_PER_SECOND: String(scenario.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.max),
      },
    });
    const answer = await ipcRun<{
      results: Array<{ ended: number; failed: number; found: number; pagesRead: number }>;
      wallMs: number;
      rssBeforeBytes: number;
      peakRssBytes: number;
    }>(join(context.root, 'bench', 'invoke-driver.mjs'), env, {
      bundle: join(context.out, 'cleanup', 'index.mjs'),
      event: cleanupEvent(Math.min(MAX_CALLS_PER_RUN, scenario.calls)),
      times: scenario.maxRuns,
      timeoutMs: 300_000,
    });
    const sum = (key: 'ended' | 'failed' | 'found' | 'pagesRead') =>
      answer.results.reduce((total, report) => total + report[key], 0);
    return {
      runs: answer.results.length,
      wallMs: answer.wallMs,
      cpuMs: Number.NaN,
      found: sum('found'),
      ended: sum('ended'),
      alreadyEnded: 0,
      failed: sum('failed'),
      pagesRead: sum('pagesRead'),
      retries: {},
      failedPerRun: answer.results.map((report) => report.failed),
      failures: [],
      rssBeforeBytes: answer.rssBeforeBytes,
      peakRssBytes: answer.peakRssBytes,
      runPeakRssBytes: [],
      runPeakHeapBytes: [],
      runPagesRead: answer.results.map((report) => report.pagesRead),
      peaks: { rss: answer.peakRssBytes, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
    };
  } finally {
    await aws.stop();
  }
};

/** One cleanup scenario on a fresh emulator, the cleanup in a child process. */
export const runScenario = async (
  context: BenchContext,
  scenario: CleanupScenario,
): Promise<CleanupResult> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: PROJECT_ID, apiToken }],
    latencyMs: scenario.latencyMs,
    ...(scenario.latencySpreadMs ? { latencySpreadMs: scenario.latencySpreadMs } : {}),
    maxRecordedRequests: scenario.rateLimit ? 200_000 : 1000,
    ...(scenario.rateLimit ? { rateLimit: scenario.rateLimit } : {}),
    ...(scenario.certificates ? { tls: scenario.certificates.server } : {}),
  });
  try {
    const sids = Array.from(
      { length: scenario.calls },
      () => emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: STALE_AGE_SECONDS }).sid,
    );
    let outcome: CleanupOutcome;
    if (scenario.mode === 'handler') {
      outcome = await cleanupHandler(context, scenario, emulator, apiToken);
    } else {
      const bareTransport = bareTransportOf(scenario.mode);
      const plan: CleanupPlan = {
        projectId: PROJECT_ID,
        apiToken,
        spaceOrigin: emulator.url,
        concurrency: scenario.concurrency ?? CLEANUP_CONCURRENCY,
        ...(scenario.maxEndsPerSecond ? { maxEndsPerSecond: scenario.maxEndsPerSecond } : {}),
        maxCallsToEnd: Math.min(MAX_CALLS_PER_RUN, scenario.calls),
        maxAgeSeconds: scenario.maxAgeSeconds ?? MAX_AGE_SECONDS,
        maxRuns: scenario.maxRuns,
        ...(bareTransport ? { bareSids: sids, bareTransport } : {}),
        ...(scenario.mode === 'audit' ? { auditLines: scenario.calls } : {}),
        ...(scenario.mode === 'write' ? { writeLines: scenario.calls } : {}),
        ...(scenario.mode === 'audit-required' ? { requiredLines: scenario.calls } : {}),
        ...(scenario.mode === 'required-work' ? { requiredWork: true } : {}),
        trackMemory: scenario.trackMemory ?? true,
        ...(scenario.requestTimeoutMs ? { requestTimeoutMs: scenario.requestTimeoutMs } : {}),
      };
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TZ: 'UTC',
        POWERTOOLS_SERVICE_NAME: 'call-control-cleanup',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...FUNCTION_RUNTIME_ENVIRONMENT,
        ...LAMBDA_ON_DEMAND_ENVIRONMENT,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(scenario.memoryMb),
        // BENCH_CPU_PROF_DIR=dir profiles the child (bench/harness.ts: Node refuses --cpu-prof in NODE_OPTIONS).
        NODE_OPTIONS: lambdaHeapFlags(scenario.memoryMb),
        ...(scenario.certificates ? { NODE_EXTRA_CA_CERTS: scenario.certificates.caFile } : {}),
      };
      const driver =
        scenario.mode === 'engine-unpaced' ? await unpacedDriver(context) : await cleanupDriver(context);
      outcome = await ipcRun<CleanupOutcome>(driver, env, plan);
    }
    const stillLive = sids.filter(
      (sid) => emulator.getCall(PROJECT_ID, sid)?.status === 'in-progress',
    ).length;
    const posts = emulator.requests.filter((request) => request.method === 'POST').length;
    return { ...outcome, stillLive, posts, rateLimited: scenario.rateLimit ? posts - outcome.ended : 0 };
  } finally {
    await emulator.stop();
  }
};

/** Calls on one List Calls page as the cleanup reads them (its default page size). */
export const LIST_PAGE_SIZE = 200;

/**
 * CPU of `JSON.parse` per listed call: one List Calls page of {@link LIST_PAGE_SIZE} stale calls, as the emulator
 * serves it, parsed whole repeatedly in this process. Sets the cost of parsing whole pages against the cleanup's
 * CPU per call.
 */
export const listPageParseCpu = async (): Promise<{ pageBytes: number; msPerCall: number }> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT_ID, apiToken }] });
  try {
    for (let i = 0; i < LIST_PAGE_SIZE; i++) {
      emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: STALE_AGE_SECONDS });
    }
    const response = await fetch(
      `${emulator.url}/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls.json?PageSize=${LIST_PAGE_SIZE}`,
      { headers: { authorization: `Basic ${Buffer.from(`${PROJECT_ID}:${apiToken}`).toString('base64')}` } },
    );
    const page = await response.text();
    const rounds = 1000;
    for (let round = 0; round < 100; round++) JSON.parse(page);
    const started = process.cpuUsage();
    for (let round = 0; round < rounds; round++) JSON.parse(page);
    const used = process.cpuUsage(started);
    return {
      pageBytes: Buffer.byteLength(page),
      msPerCall: (used.user + used.system) / 1000 / rounds / LIST_PAGE_SIZE,
    };
  } finally {
    await emulator.stop();
  }
};

/**
 * CPU of one wake of an idle event loop by a timer, on this machine: `setTimeout(1)` awaited in a loop in this
 * process, with nothing else to do. What a wait costs the cleanup's process beyond the work it then does.
 */
export const timerWakeCpu = async (wakes = 500): Promise<number> => {
  const sleep = () => new Promise<void>((resolve) => setTimeout(resolve, 1));
  for (let warm = 0; warm < 20; warm++) await sleep();
  const started = process.cpuUsage();
  for (let wake = 0; wake < wakes; wake++) await sleep();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / wakes;
};
