/**
 * `npm run bench`: builds the production bundles, runs every measurement of the performance issue side by
 * side, and writes bench/results.json and docs/benchmarks.md. See docs/benchmarks.md for the method.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalAws } from '#local/aws-emulator';
import { type RateLimit, SignalWireEmulator } from '#local/signalwire-emulator';
import { FUNCTION_RUNTIME_ENVIRONMENT } from '../infra/runtime.ts';
import { type BundleReport, buildAll, bundle } from './build.ts';
import type { CleanupOutcome, CleanupPlan } from './cleanup-driver.ts';
import {
  coldRun,
  functionEnv,
  ipcRun,
  lambdaHeapFlags,
  median,
  percentile,
  terminateEvent,
} from './harness.ts';
import { addLamlPrefix, startProxy } from './proxy.ts';
import { kib, type Machine, mib, ms, type ResultRow, ratio, renderMarkdown } from './report.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const PROJECT_ID = '3f6b2a1c-8d4e-4b7a-9c5d-2e1f0a9b8c7d';

const COLD_SAMPLES = 15;
const WARM_SAMPLES = 2000;
const WARM_SDK_SAMPLES = 1000;
const WARM_UP = 100;
const CLEANUP_CALLS = 5000;
const CLEANUP_LATENCY_MS = 20;
const CLEANUP_CONCURRENCY = 25;
const STALE_AGE_SECONDS = 7200;
const MAX_AGE_SECONDS = 3600;
/** The policy's largest circuit breaker: bigger cleanups take several (scheduled) runs. */
const MAX_CALLS_PER_RUN = 10_000;
const MEMORY_SMALL = 10_000;
const MEMORY_LARGE = 50_000;
/** Peak RSS varies with GC timing from one run to the next: the small case is run this often, worst kept. */
const MEMORY_REPEATS = 3;
/** Calls the function-bundle memory row cleans: one scheduled invocation at the policy's largest cap. */
const HANDLER_MEMORY_CALLS = 10_000;
/** The memory size infra/call-control-function.ts gives every function. */
const FUNCTION_MEMORY_MB = 512;
/** Lambda's smallest memory size, the target of item 5. */
const SMALLEST_MEMORY_MB = 128;
const LAMBDA_MIN_MEMORY_BYTES = SMALLEST_MEMORY_MB * 1024 * 1024;
/** Peak RSS may grow this share from 10,000 to 50,000 calls and still count as flat (GC noise). */
const FLAT_GROWTH_SHARE = 0.1;
/** 500 POSTs per second where the cleanup asks for up to 1,250: 429s are certain. */
const RATE_LIMIT: RateLimit = { maxPosts: 250, windowMs: 500 };

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

const machine = (): Machine => ({
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  platform: `${platform()} ${release()}`,
  totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
  date: new Date().toISOString(),
});

const yesNo = (met: boolean): 'yes' | 'no' => (met ? 'yes' : 'no');

// ---------------------------------------------------------------------------------------------------
// 1. Bundle size

/** The HTTP update function first (it carries the target), then the others by name. */
const bundleRows = (functions: BundleReport[], reference: BundleReport): ResultRow[] =>
  [...functions]
    .sort((a, b) => Number(b.name === 'http-api') - Number(a.name === 'http-api'))
    .flatMap((fn) => {
      const isHttp = fn.name === 'http-api';
      const row = (kind: 'minified' | 'gzip'): ResultRow => {
        const project = kind === 'minified' ? fn.bytes : fn.gzipBytes;
        const ref = kind === 'minified' ? reference.bytes : reference.gzipBytes;
        const share = project / ref;
        return {
          item: 1,
          metric: `Bundle size, ${fn.name} (${kind === 'minified' ? 'minified' : 'minified + gzip -9'})`,
          project: kib(project),
          reference: kib(ref),
          ratio: ratio(share),
          target: isHttp ? '≤ 1/6 (0.167)' : '— (context)',
          met: isHttp ? yesNo(share <= 1 / 6) : 'n/a',
          values: { project, reference: ref, ratio: share, unit: 'bytes' },
        };
      };
      return [row('minified'), row('gzip')];
    });

// ---------------------------------------------------------------------------------------------------
// The loopback world of rows 2 and 3: Secrets Manager, the emulator, and the two proxies.

interface World {
  aws: LocalAws;
  emulator: SignalWireEmulator;
  apiToken: string;
  /** Pass-through proxy (the project, where it is compared with the reference). */
  passThrough: Awaited<ReturnType<typeof startProxy>>;
  /** Path-rewriting proxy (the reference: the SDK's path lacks `/api/laml`). */
  rewriting: Awaited<ReturnType<typeof startProxy>>;
  secrets: { direct: string; passThrough: string; reference: string };
  stop(): Promise<void>;
}

const startWorld = async (): Promise<World> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: PROJECT_ID, apiToken }],
    maxRecordedRequests: 1000,
  });
  const aws = await LocalAws.start();
  const passThrough = await startProxy({ target: emulator.url });
  const rewriting = await startProxy({ target: emulator.url, rewrite: addLamlPrefix });
  const secret = (spaceUrl: string) => JSON.stringify({ projectId: PROJECT_ID, apiToken, spaceUrl });
  const secrets = { direct: 'bench/direct', passThrough: 'bench/pass-through', reference: 'bench/reference' };
  aws.putSecret(secrets.direct, secret(emulator.url));
  aws.putSecret(secrets.passThrough, secret(passThrough.url));
  aws.putSecret(secrets.reference, secret(rewriting.url));
  return {
    aws,
    emulator,
    apiToken,
    passThrough,
    rewriting,
    secrets,
    stop: async () => {
      await Promise.all([passThrough.stop(), rewriting.stop()]);
      await Promise.all([emulator.stop(), aws.stop()]);
    },
  };
};

/** The three function set-ups compared in rows 2 and 3. */
const setups = (world: World) => {
  const env = (secretId: string, localSpaceOrigin: string, functionName: string) =>
    functionEnv({
      awsEndpoint: world.aws.url,
      memoryMb: FUNCTION_MEMORY_MB,
      secretId,
      localSpaceOrigin,
      functionName,
    });
  return {
    project: {
      bundle: join(OUT, 'http-api', 'index.mjs'),
      env: env(world.secrets.passThrough, world.passThrough.url, 'call-control-http-api'),
    },
    projectDirect: {
      bundle: join(OUT, 'http-api', 'index.mjs'),
      env: env(world.secrets.direct, world.emulator.url, 'call-control-http-api'),
    },
    reference: {
      bundle: join(OUT, 'reference', 'index.mjs'),
      env: env(world.secrets.reference, world.rewriting.url, 'sdk-reference'),
    },
  };
};

/** The same set-up without `--enable-source-maps` (the heap flags stay). */
const withoutSourceMaps = (setup: { bundle: string; env: NodeJS.ProcessEnv }) => ({
  bundle: setup.bundle,
  env: { ...setup.env, NODE_OPTIONS: lambdaHeapFlags(FUNCTION_MEMORY_MB) },
});

const seedLive = (world: World): string =>
  world.emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: 60 }).sid;

const assertEnded = (world: World, sids: readonly string[], what: string): void => {
  const live = sids.filter((sid) => world.emulator.getCall(PROJECT_ID, sid)?.status !== 'completed');
  if (live.length > 0) throw new Error(`${what}: ${live.length} of ${sids.length} calls were not ended`);
};

// ---------------------------------------------------------------------------------------------------
// 2. Cold start

interface ColdSeries {
  /** Spawn to the first answer, measured by the parent. */
  wallMs: number[];
  /** `performance.now()` in the child when the answer was ready (ms since process start). */
  readyMs: number[];
  importMs: number[];
  firstInvokeMs: number[];
}

const coldStart = async (world: World) => {
  const base = setups(world);
  const set = {
    ...base,
    projectNoMaps: withoutSourceMaps(base.project),
    referenceNoMaps: withoutSourceMaps(base.reference),
  };
  const driver = join(ROOT, 'bench', 'cold-start-driver.mjs');
  const names = [
    'bare',
    'project',
    'projectDirect',
    'reference',
    'projectNoMaps',
    'referenceNoMaps',
  ] as const;
  const series = Object.fromEntries(
    names.map((name) => [name, { wallMs: [], readyMs: [], importMs: [], firstInvokeMs: [] }]),
  ) as unknown as Record<(typeof names)[number], ColdSeries>;

  // Round 0 warms the page cache and is not counted; the order rotates so none always runs first.
  for (let round = 0; round <= COLD_SAMPLES; round++) {
    for (let offset = 0; offset < names.length; offset++) {
      const name = names[(round + offset) % names.length] as (typeof names)[number];
      const target = series[name];
      if (name === 'bare') {
        const run = await coldRun(['-e', '0'], set.project.env, false);
        if (round > 0) target.wallMs.push(run.spawnToExitMs);
        continue;
      }
      const { bundle: file, env } = set[name];
      const sid = seedLive(world);
      const run = await coldRun(
        [driver, file],
        { ...env, BENCH_EVENT: JSON.stringify(terminateEvent(sid)) },
        true,
      );
      if (run.report?.statusCode !== 200) {
        throw new Error(`cold start of ${name} answered ${run.report?.statusCode}`);
      }
      assertEnded(world, [sid], `cold start of ${name}`);
      if (round === 0) continue;
      target.wallMs.push(run.spawnToAnswerMs);
      target.readyMs.push(run.report.readyMs ?? Number.NaN);
      target.importMs.push(run.report.importMs ?? Number.NaN);
      target.firstInvokeMs.push(run.report.firstInvokeMs ?? Number.NaN);
    }
  }
  return series;
};

const coldRows = (series: Awaited<ReturnType<typeof coldStart>>): ResultRow[] => {
  const bare = median(series.bare.wallMs);
  const project = median(series.project.wallMs);
  const reference = median(series.reference.wallMs);
  const direct = median(series.projectDirect.wallMs);
  const projectNoMaps = median(series.projectNoMaps.wallMs);
  const referenceNoMaps = median(series.referenceNoMaps.wallMs);
  const parts = (s: ColdSeries) =>
    `import ${ms(median(s.importMs))} + first request ${ms(median(s.firstInvokeMs))}`;
  const row = (
    metric: string,
    a: number,
    b: number,
    target: boolean,
    display?: { project: string; reference: string },
  ): ResultRow => ({
    item: 2,
    metric,
    project: display?.project ?? ms(a),
    reference: display?.reference ?? ms(b),
    ratio: ratio(a / b),
    target: target ? '≤ 1/3 (0.333)' : '— (context)',
    met: target ? yesNo(a / b <= 1 / 3) : 'n/a',
    values: { project: a, reference: b, ratio: a / b, unit: 'ms' },
  });
  return [
    row(
      `Cold start: spawn → first answer, median of ${COLD_SAMPLES} (as deployed: --enable-source-maps)`,
      project,
      reference,
      true,
    ),
    row('Cold start without --enable-source-maps, both sides', projectNoMaps, referenceNoMaps, true),
    row('Cold start minus bare `node -e 0` (as deployed)', project - bare, reference - bare, false),
    row(
      'Cold start inside the process: ready at (median, as deployed)',
      median(series.project.readyMs),
      median(series.reference.readyMs),
      false,
      { project: parts(series.project), reference: parts(series.reference) },
    ),
    row('Cold start, project without the proxy hop (as deployed)', direct, reference, false),
    {
      item: 2,
      metric: 'Bare `node -e 0` (spawn → exit, median)',
      project: ms(bare),
      reference: ms(bare),
      ratio: '—',
      target: '— (baseline)',
      met: 'n/a',
      values: { project: bare, reference: bare, unit: 'ms' },
    },
  ];
};

// ---------------------------------------------------------------------------------------------------
// 3. Warm overhead

interface WarmAnswer {
  series: Record<string, { durationsMs: number[]; failures: number }>;
}

const warmSeries = (label: string, kind: 'handler' | 'fetch', sids: string[], origin?: string) => ({
  label,
  kind,
  sids,
  ...(origin ? { origin } : {}),
});

const warm = async (world: World) => {
  const set = setups(world);
  const driver = join(ROOT, 'bench', 'warm-driver.mjs');
  const template = terminateEvent('00000000-0000-4000-8000-000000000000');
  const authorization = `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`;
  const seedMany = (count: number) => Array.from({ length: count }, () => seedLive(world));
  const plan = (bundleFile: string, series: ReturnType<typeof warmSeries>[]) => ({
    bundle: bundleFile,
    template,
    projectId: PROJECT_ID,
    authorization,
    warmup: WARM_UP,
    series,
  });
  const run = async (env: NodeJS.ProcessEnv, bundleFile: string, series: ReturnType<typeof warmSeries>[]) => {
    const answer = await ipcRun<WarmAnswer>(driver, env, plan(bundleFile, series));
    for (const { label, sids } of series) {
      const failures = answer.series[label]?.failures ?? 0;
      if (failures > 0) throw new Error(`warm ${label}: ${failures} requests failed`);
      assertEnded(world, sids, `warm ${label}`);
    }
    return answer.series;
  };

  const direct = await run(set.projectDirect.env, set.projectDirect.bundle, [
    warmSeries('handler', 'handler', seedMany(WARM_SAMPLES + WARM_UP)),
    warmSeries('fetch', 'fetch', seedMany(WARM_SAMPLES + WARM_UP), world.emulator.url),
  ]);
  const proxied = await run(set.project.env, set.project.bundle, [
    warmSeries('handler', 'handler', seedMany(WARM_SDK_SAMPLES + WARM_UP)),
    warmSeries('fetch', 'fetch', seedMany(WARM_SDK_SAMPLES + WARM_UP), world.passThrough.url),
  ]);
  const reference = await run(set.reference.env, set.reference.bundle, [
    warmSeries('handler', 'handler', seedMany(WARM_SDK_SAMPLES + WARM_UP)),
  ]);
  const durations = (answer: WarmAnswer['series'], label: string) => answer[label]?.durationsMs ?? [];
  return {
    handler: durations(direct, 'handler'),
    fetch: durations(direct, 'fetch'),
    proxiedHandler: durations(proxied, 'handler'),
    proxiedFetch: durations(proxied, 'fetch'),
    reference: durations(reference, 'handler'),
  };
};

const warmRows = (w: Awaited<ReturnType<typeof warm>>): ResultRow[] => {
  const row = (
    metric: string,
    project: number[],
    reference: number[],
    p: number,
    target?: number,
  ): ResultRow => {
    const a = percentile(project, p);
    const b = percentile(reference, p);
    return {
      item: 3,
      metric,
      project: ms(a),
      reference: ms(b),
      ratio: ratio(a / b),
      target: target === undefined ? '— (context)' : `≤ ${target}x`,
      met: target === undefined ? 'n/a' : yesNo(a / b <= target),
      values: { project: a, reference: b, ratio: a / b, unit: 'ms' },
    };
  };
  const proxyCost = percentile(w.proxiedFetch, 50) - percentile(w.fetch, 50);
  return [
    row(
      `Warm p50: full handler vs bare fetch (n=${w.handler.length} each, latency 0)`,
      w.handler,
      w.fetch,
      50,
      1.5,
    ),
    row('Warm p99: full handler vs bare fetch', w.handler, w.fetch, 99),
    row(
      `Warm p50: project vs official SDK (n=${w.reference.length}, both through a proxy)`,
      w.proxiedHandler,
      w.reference,
      50,
    ),
    row('Warm p99: project vs official SDK (both through a proxy)', w.proxiedHandler, w.reference, 99),
    {
      item: 3,
      metric: 'Proxy hop cost: bare fetch through the proxy minus direct (p50)',
      project: ms(proxyCost),
      reference: '—',
      ratio: '—',
      target: '— (context)',
      met: 'n/a',
      values: { project: proxyCost, unit: 'ms' },
    },
  ];
};

// ---------------------------------------------------------------------------------------------------
// 4 and 5. Cleanup: a fresh emulator per scenario, the cleanup in a child process.

const CLEANUP_ENGINE = 'functions/commons/cleanup/run-cleanup.ts';

interface CleanupScenario {
  calls: number;
  latencyMs: number;
  rateLimit?: RateLimit;
  maxRuns: number;
  /** Lambda memory size whose heap flags the child gets. */
  memoryMb: number;
  /**
   * `engine`: runCleanup with a SignalWireClient (bench/cleanup-driver.ts); `bare`: a bare fetch pool ending
   * the same calls; `handler`: the cleanup function's own bundle, invoked like a schedule would.
   */
  mode: 'engine' | 'bare' | 'handler';
}

interface CleanupResult extends CleanupOutcome {
  stillLive: number;
  posts: number;
  rateLimited: number;
}

const cleanupEvent = (maxCallsToEnd: number) => ({
  scheduleName: 'bench-cleanup',
  policy: { maxAgeSeconds: { inProgress: MAX_AGE_SECONDS }, maxCallsToEnd },
});

/** Runs the cleanup function's bundle in a child, with its secret in a local Secrets Manager. */
const cleanupHandler = async (
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
      extra: { CLEANUP_CONCURRENCY: String(CLEANUP_CONCURRENCY), CLEANUP_MAX_ENDS_PER_SECOND: '1380' },
    });
    const answer = await ipcRun<{
      results: Array<{ ended: number; failed: number; found: number; pagesRead: number }>;
      wallMs: number;
      rssBeforeBytes: number;
      peakRssBytes: number;
    }>(join(ROOT, 'bench', 'invoke-driver.mjs'), env, {
      bundle: join(OUT, 'cleanup', 'index.mjs'),
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
      peaks: { rss: answer.peakRssBytes, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
    };
  } finally {
    await aws.stop();
  }
};

const cleanup = async (driver: string, scenario: CleanupScenario): Promise<CleanupResult> => {
  const apiToken = `PT${randomBytes(24).toString('hex')}`;
  const emulator = await SignalWireEmulator.start({
    projects: [{ projectId: PROJECT_ID, apiToken }],
    latencyMs: scenario.latencyMs,
    maxRecordedRequests: scenario.rateLimit ? 200_000 : 1000,
    ...(scenario.rateLimit ? { rateLimit: scenario.rateLimit } : {}),
  });
  try {
    const sids = Array.from(
      { length: scenario.calls },
      () => emulator.seedCall(PROJECT_ID, { status: 'in-progress', ageSeconds: STALE_AGE_SECONDS }).sid,
    );
    let outcome: CleanupOutcome;
    if (scenario.mode === 'handler') {
      outcome = await cleanupHandler(scenario, emulator, apiToken);
    } else {
      const plan: CleanupPlan = {
        projectId: PROJECT_ID,
        apiToken,
        spaceOrigin: emulator.url,
        concurrency: CLEANUP_CONCURRENCY,
        maxCallsToEnd: Math.min(MAX_CALLS_PER_RUN, scenario.calls),
        maxAgeSeconds: MAX_AGE_SECONDS,
        maxRuns: scenario.maxRuns,
        ...(scenario.mode === 'bare' ? { bareSids: sids } : {}),
      };
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TZ: 'UTC',
        POWERTOOLS_SERVICE_NAME: 'call-control-cleanup',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...FUNCTION_RUNTIME_ENVIRONMENT,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(scenario.memoryMb),
        NODE_OPTIONS: lambdaHeapFlags(scenario.memoryMb),
      };
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

interface CleanupMeasurements {
  plain: CleanupResult;
  bare: CleanupResult;
  limited: CleanupResult;
  /** {@link MEMORY_REPEATS} runs over {@link MEMORY_SMALL} calls. */
  memorySmall: CleanupResult[];
  memoryLarge: CleanupResult;
  /** A bare fetch pool ending {@link MEMORY_SMALL} calls under the same heap flags. */
  memoryBare: CleanupResult;
  handler: CleanupResult;
}

const count = (value: number): string => value.toLocaleString('en');

const cleanupRows = ({
  plain,
  bare,
  limited,
  memorySmall,
  memoryLarge,
  memoryBare,
  handler,
}: CleanupMeasurements): ResultRow[] => {
  const ideal = (CLEANUP_CALLS * CLEANUP_LATENCY_MS) / CLEANUP_CONCURRENCY;
  const efficiency = ideal / plain.wallMs;
  const limitedIdeal = Math.max(ideal, (CLEANUP_CALLS * RATE_LIMIT.windowMs) / RATE_LIMIT.maxPosts);
  const cpuPerCall = (result: CleanupResult) => result.cpuMs / Math.max(1, result.ended);
  const rows: ResultRow[] = [
    {
      item: 4,
      metric: `Cleanup of ${count(CLEANUP_CALLS)} stale calls, latency ${CLEANUP_LATENCY_MS} ms, concurrency ${CLEANUP_CONCURRENCY}`,
      project: `${ms(plain.wallMs)}, ${count(plain.ended)} ended, ${plain.stillLive} left`,
      reference: `ideal ${ms(ideal)}`,
      ratio: `${(efficiency * 100).toFixed(1)} % of ideal`,
      target: '≥ 90 % of ideal, every call ended',
      met: yesNo(efficiency >= 0.9 && plain.stillLive === 0),
      values: { project: plain.wallMs, reference: ideal, ratio: efficiency, unit: 'ms' },
    },
    {
      item: 4,
      metric: 'Same calls ended by a bare fetch pool (what loopback and 2 shared cores allow)',
      project: ms(plain.wallMs),
      reference: `bare fetch ${ms(bare.wallMs)} (${((ideal / bare.wallMs) * 100).toFixed(1)} % of ideal)`,
      ratio: `${((bare.wallMs / plain.wallMs) * 100).toFixed(1)} % of bare fetch`,
      target: '— (context)',
      met: 'n/a',
      values: {
        project: plain.wallMs,
        reference: bare.wallMs,
        ratio: bare.wallMs / plain.wallMs,
        unit: 'ms',
      },
    },
    {
      item: 4,
      metric: 'Client CPU per ended call (user + system, the cleanup process only)',
      project: ms(cpuPerCall(plain)),
      reference: `bare fetch ${ms(cpuPerCall(bare))}`,
      ratio: ratio(cpuPerCall(plain) / cpuPerCall(bare)),
      target: '— (context)',
      met: 'n/a',
      values: {
        project: cpuPerCall(plain),
        reference: cpuPerCall(bare),
        ratio: cpuPerCall(plain) / cpuPerCall(bare),
        unit: 'ms',
      },
    },
    {
      item: 4,
      metric: `Same, emulator rate-limited to ${RATE_LIMIT.maxPosts} POSTs / ${RATE_LIMIT.windowMs} ms (429, no Retry-After)`,
      project:
        `${ms(limited.wallMs)} in ${limited.runs} run(s) (failed per run: ${limited.failedPerRun.join(', ')}), ` +
        `${count(limited.rateLimited)} × 429, ${limited.stillLive} left`,
      reference: `floor ${ms(limitedIdeal)} (rate limit)`,
      ratio: `${((limitedIdeal / limited.wallMs) * 100).toFixed(1)} % of floor`,
      target: 'every call ended in the run',
      met: yesNo(limited.stillLive === 0 && limited.runs === 1),
      values: {
        project: limited.wallMs,
        reference: limitedIdeal,
        ratio: limitedIdeal / limited.wallMs,
        unit: 'ms',
      },
    },
  ];
  const smallPeak = Math.max(...memorySmall.map((result) => result.peakRssBytes));
  const smallLeft = memorySmall.reduce((total, result) => total + result.stillLive, 0);
  const barePeak = memoryBare.peakRssBytes;
  const memoryRow = (metric: string, peak: number, detail: string, left: number): ResultRow => ({
    item: 5,
    metric,
    project: `${mib(peak)} (${detail}), ${left} left`,
    reference: `bare fetch pool ${mib(barePeak)}`,
    ratio: ratio(peak / barePeak),
    target: '< 128 MB (134,217,728 B)',
    met: yesNo(peak < LAMBDA_MIN_MEMORY_BYTES && left === 0),
    values: { project: peak, reference: barePeak, ratio: peak / barePeak, unit: 'bytes' },
  });
  rows.push(
    memoryRow(
      `Peak RSS, runCleanup over ${count(MEMORY_SMALL)} calls (latency 0, 128 MB heap flags; worst of ${MEMORY_REPEATS})`,
      smallPeak,
      `runs ${memorySmall.map((result) => mib(result.peakRssBytes)).join(', ')}; ` +
        `${mib(memorySmall[0]?.rssBeforeBytes ?? 0)} before the run`,
      smallLeft,
    ),
    memoryRow(
      `Peak RSS, runCleanup over ${count(MEMORY_LARGE)} calls (${memoryLarge.runs} runs of ≤ ${count(MAX_CALLS_PER_RUN)}, same set-up)`,
      memoryLarge.peakRssBytes,
      `per run ${memoryLarge.runPeakRssBytes.map((bytes) => mib(bytes)).join(', ')}`,
      memoryLarge.stillLive,
    ),
  );
  const growth = memoryLarge.peakRssBytes - smallPeak;
  rows.push({
    item: 5,
    metric: `Peak RSS growth, ${count(MEMORY_SMALL)} → ${count(MEMORY_LARGE)} calls`,
    project:
      `${growth >= 0 ? '+' : ''}${mib(growth)} (JS heap peak ` +
      `${mib(Math.max(...memorySmall.map((result) => result.peaks.heapUsed)))} → ${mib(memoryLarge.peaks.heapUsed)})`,
    reference: `${count(MEMORY_SMALL)} calls: ${mib(smallPeak)}`,
    ratio: ratio(memoryLarge.peakRssBytes / smallPeak),
    target: `flat (≤ +${FLAT_GROWTH_SHARE * 100} %)`,
    met: yesNo(growth <= smallPeak * FLAT_GROWTH_SHARE),
    values: {
      project: growth,
      reference: smallPeak,
      ratio: memoryLarge.peakRssBytes / smallPeak,
      unit: 'bytes',
    },
  });
  rows.push({
    item: 5,
    metric: `Peak RSS, the cleanup function's bundle over ${count(HANDLER_MEMORY_CALLS)} calls (one scheduled invocation, 128 MB heap flags)`,
    project: `${mib(handler.peakRssBytes)} (${mib(handler.rssBeforeBytes)} after import), ${handler.stillLive} left`,
    reference: `bare fetch pool ${mib(memoryBare.peakRssBytes)}`,
    ratio: ratio(handler.peakRssBytes / memoryBare.peakRssBytes),
    target: '< 128 MB (134,217,728 B)',
    met: yesNo(handler.peakRssBytes < LAMBDA_MIN_MEMORY_BYTES && handler.stillLive === 0),
    values: {
      project: handler.peakRssBytes,
      reference: memoryBare.peakRssBytes,
      ratio: handler.peakRssBytes / memoryBare.peakRssBytes,
      unit: 'bytes',
    },
  });
  return rows;
};

const notMeasuredRows = (reason: string): ResultRow[] =>
  [
    { item: 4 as const, metric: 'Cleanup throughput (5,000 calls, 20 ms, concurrency 25)' },
    { item: 4 as const, metric: 'Cleanup throughput, rate-limited' },
    { item: 5 as const, metric: 'Peak RSS, cleanup of 10,000 / 50,000 calls' },
  ].map(({ item, metric }) => ({
    item,
    metric,
    project: `not measured: ${reason}`,
    reference: '—',
    ratio: '—',
    target: item === 4 ? '≥ 90 % of ideal' : '< 128 MiB, flat',
    met: 'not measured' as const,
    values: {},
  }));

// ---------------------------------------------------------------------------------------------------
// Notes: method, and for every miss what limits it and what would close the gap.

const share = (report: BundleReport, group: string): number =>
  report.shares.find((entry) => entry.group === group)?.bytes ?? 0;

const percent = (part: number, whole: number): string => `${((part / whole) * 100).toFixed(0)} %`;

interface NoteInputs {
  rows: ResultRow[];
  functions: BundleReport[];
  reference: BundleReport;
  cold: Awaited<ReturnType<typeof coldStart>>;
  cleanup: CleanupMeasurements | undefined;
  /** RSS of a bare `node` with the 128 MB heap flags. */
  bareNodeRssBytes: number;
}

const methodNotes = ({ functions, reference, cleanup }: NoteInputs): string[] => {
  const http = functions.find((fn) => fn.name === 'http-api');
  const notes = [
    'Bundles: esbuild with the options of infra/call-control-function.ts (ESM, minify, target node24, ' +
      'platform node, main fields module/main, every dependency including @aws-sdk/* bundled, the ' +
      '`createRequire` banner, external source map without sources). Sizes are the .mjs alone; the ' +
      `source maps are ${http ? kib(http.mapBytes) : '—'} (http-api) and ${kib(reference.mapBytes)} (reference).` +
      (functions.some((fn) => fn.bytes < 1024)
        ? ' Functions under 1 KiB are still placeholders in this tree.'
        : ''),
    'Reference: bench/reference/sdk-update-handler.ts, a handler built on `@signalwire/compatibility-api` ' +
      '(`RestClient(...).calls(sid).update({ status: "completed" })`) and `@aws-sdk/client-secrets-manager`, ' +
      'reading the same secret and bundled the same way. The SDK always builds `https://{space}`; locally its ' +
      "own request client (axios) is kept and only the scheme is switched to http, through the SDK's " +
      '`httpClient` option. It sends `/2010-04-01/...` without `/api/laml`, so it reaches the emulator ' +
      'through a loopback proxy (bench/proxy.ts) that adds the prefix. Where the project is compared with it ' +
      '(cold start, the warm SDK rows) the project goes through the same proxy without the rewrite, so both ' +
      "pay the same hop; the hop's own cost is its row in item 3.",
    'Cold start: a fresh `node` (the Node 24 running the bench) per sample runs bench/cold-start-driver.mjs, ' +
      'which imports the bundle and invokes `handler` once with a real API Gateway v2 event for ' +
      '`POST /calls/{sid}/terminate` (built by local/api-gateway.ts): the secret comes from the local ' +
      'Secrets Manager over the real AWS SDK, the update goes to the emulator, and a fresh in-progress call is ' +
      'seeded per sample. The environment is Lambda-like for a 512 MB function: NODE_OPTIONS=' +
      `\`--enable-source-maps ${lambdaHeapFlags(FUNCTION_MEMORY_MB)}\` (source maps as the CDK construct ` +
      "sets them, heap limits as Lambda's bootstrap derives them), Powertools at INFO, dummy credentials. " +
      `Wall time is spawn to the answer line, measured by the parent; one unmeasured round, then ${COLD_SAMPLES} ` +
      'rounds in rotating order. The same pair also runs without `--enable-source-maps`: a reference user ' +
      'may not turn source maps on, and the flag costs the reference more (a bigger map). It does not include what Lambda adds before `node` starts (sandbox, code ' +
      'download), which is the same for both and grows with the package size.',
    'Warm: one process per set-up imports the bundle once, then invokes it on a fresh in-progress call ' +
      `each time (${WARM_UP} warm-up invocations not counted), interleaved with a bare \`fetch\` POSTing ` +
      'the same form body with Basic auth to the same emulator path and reading the JSON answer. The ' +
      "function's log lines go to a discarded stdout, as they would to CloudWatch. Emulator latency 0.",
    'TLS is not in the loop (the emulator speaks http). The official SDK sends `Connection: close` unless ' +
      '`forever` is set, so in production it pays a TCP and TLS handshake on every request while the ' +
      'project keeps its socket alive: the warm SDK rows understate the gap.',
    'Timings come from a shared 2-core machine; other work running at the same time shows up as noise, ' +
      'mostly in the p99 and cleanup rows.',
  ];
  if (cleanup) {
    notes.push(
      'Cleanup: bench/cleanup-driver.ts (bundled like a function) runs `runCleanup` with the real ' +
        '`SignalWireClient` in a child process; the emulator runs in the parent, so peak RSS ' +
        "(`process.resourceUsage().maxRSS`) is the cleanup's process alone. Stale calls: in-progress, " +
        `${STALE_AGE_SECONDS} s old, policy inProgress ${MAX_AGE_SECONDS} s, page size 200 (default), ` +
        `concurrency ${CLEANUP_CONCURRENCY}. The policy caps a run at ${count(MAX_CALLS_PER_RUN)} ends, so ` +
        '50,000 calls take five consecutive runs in the same process (a warm container serving five ' +
        'scheduled invocations). Memory rows use emulator latency 0 and the heap flags Lambda gives a ' +
        `128 MB function (\`${lambdaHeapFlags(SMALLEST_MEMORY_MB)}\`); throughput rows those of ` +
        `${FUNCTION_MEMORY_MB} MB. "Left" counts calls still live in the emulator afterwards. The ` +
        "function-bundle row runs functions/cleanup.ts's own bundle (bench/invoke-driver.mjs) with " +
        `CLEANUP_CONCURRENCY=${CLEANUP_CONCURRENCY} and its secret in the local Secrets Manager.`,
    );
  } else {
    notes.push(
      `Cleanup rows are not measured: ${CLEANUP_ENGINE} (runCleanup) is missing from this tree; the ` +
        'bench measures them as soon as it exists.',
    );
  }
  return notes;
};

const missNotes = (inputs: NoteInputs): string[] => {
  const { rows, functions, reference, cold, cleanup, bareNodeRssBytes } = inputs;
  const missed = (item: number) => rows.some((row) => row.item === item && row.met === 'no');
  const notes: string[] = [];
  const http = functions.find((fn) => fn.name === 'http-api');
  if (missed(1) && http) {
    const aws = share(http, 'AWS SDK v3 (Secrets Manager client)');
    const budget = reference.bytes / 6;
    notes.push(
      `Missed, bundle size: http-api is ${kib(http.bytes)} against a budget of ${kib(budget)} (1/6 of the ` +
        `reference). The AWS SDK's Secrets Manager client with @smithy/* is ${kib(aws)} of it ` +
        `(${percent(aws, http.bytes)}); Powertools ${kib(share(http, 'Powertools'))}, middy ` +
        `${kib(share(http, 'middy'))}, ajv ${kib(share(http, 'ajv'))}, the project's own code ` +
        `${kib(share(http, 'project code'))}. What would close the gap: ` +
        'read the secret without the SDK client, through the AWS Parameters and Secrets Lambda extension ' +
        '(a localhost GET) or one SigV4-signed `GetSecretValue` over `fetch`; that removes most of the AWS ' +
        'share (credential-provider chain, endpoint rules, protocol codecs). Writing the few EMF metric lines ' +
        'directly instead of Powertools Metrics would save its share too.',
    );
  }
  if (missed(2)) {
    const importOf = (series: ColdSeries) => ms(median(series.importMs));
    const which = rows
      .filter((row) => row.item === 2 && row.met === 'no')
      .map((row) => row.metric.replace(/^Cold start:? ?/, ''))
      .join('; ');
    notes.push(
      `Missed, cold start, ${which}: the import of the bundle dominates, median ${importOf(cold.project)} ` +
        `as deployed and ${importOf(cold.projectNoMaps)} without source maps, against ` +
        `${importOf(cold.reference)} and ${importOf(cold.referenceNoMaps)} for the reference; node itself ` +
        `costs ${ms(median(cold.bare.wallMs))} of every sample, which bounds the ratio of totals. With ` +
        '`--enable-source-maps` node parses the whole source map at load ' +
        `(${http ? kib(http.mapBytes) : '—'} against ${kib(reference.mapBytes)} for the reference), which is ` +
        'what separates the two target rows. What would close the gap: the smaller bundle above (most of ' +
        'what is evaluated at import is the AWS SDK client, then Powertools and middy), and creating what ' +
        'only some routes need on first use.',
    );
  }
  if (missed(3)) {
    notes.push(
      'Missed, warm overhead: per invocation the handler runs the middy chain (normalisers, body parsers, ' +
        'validation, router), Powertools context injection, an audit log line and an EMF metrics flush, and ' +
        'reads the cached secret; against a zero-latency emulator these fixed costs are set against a single ' +
        'loopback round trip. What would close the gap: fewer middlewares on the hot path and one log line ' +
        'per invocation.',
    );
  }
  if (cleanup && missed(4)) {
    const { plain, bare, limited } = cleanup;
    const ideal = (CLEANUP_CALLS * CLEANUP_LATENCY_MS) / CLEANUP_CONCURRENCY;
    const cpu = plain.cpuMs / Math.max(1, plain.ended);
    const bareCpu = bare.cpuMs / Math.max(1, bare.ended);
    const demand = (CLEANUP_CONCURRENCY / CLEANUP_LATENCY_MS) * 1000;
    if (plain.wallMs > ideal / 0.9) {
      notes.push(
        `Missed, cleanup throughput (${ms(plain.wallMs)} against an ideal of ${ms(ideal)}): the ideal assumes ` +
          `requests cost no CPU. Here ${count(demand)} requests per second must be produced by the cleanup ` +
          'and answered by the emulator on the same 2 cores: a bare `fetch` pool sending the same requests ' +
          `needs ${ms(bare.wallMs)} (${percent(ideal, bare.wallMs)} of ideal)` +
          (bare.wallMs > ideal / 0.9 ? ', so on this machine no client reaches 90 %. ' : '. ') +
          `The cleanup reaches ${percent(bare.wallMs, plain.wallMs)} of the bare pool's speed; ` +
          `it spends ${ms(cpu)} of CPU per ended call against ${ms(bareCpu)} for bare fetch ` +
          `(${ratio(cpu / bareCpu)}) on what the bare pool does not do: an audit log line per call ` +
          `(Powertools formatting and the write), ${plain.pagesRead} List Calls pages of 200 calls parsed in ` +
          'full, a timeout and a combined abort signal per request, the pool and retry bookkeeping; a CPU ' +
          'profile (`node --cpu-prof`) of the cleanup process puts the log line first among these. At that ' +
          `cost one vCPU tops out near ${count(Math.round(1000 / cpu))} calls per second, and a ` +
          `${FUNCTION_MEMORY_MB} MB Lambda has ${(FUNCTION_MEMORY_MB / 1769).toFixed(2)} of one (1,769 MB buys ` +
          'a full vCPU). ' +
          'What would close the gap: less CPU per call (a lighter audit record, list pages with fewer fields ' +
          'parsed, one timer for the whole pool instead of one per request) and, on Lambda, more memory ' +
          '(CPU scales with it) for large cleanups; against a real SignalWire the server side of the CPU is ' +
          'not on the function.',
      );
    }
    if (limited.stillLive > 0 || limited.runs > 1) {
      notes.push(
        `Missed, rate-limited cleanup: ${count(limited.rateLimited)} requests were answered 429; the first ` +
          `run left ${limited.failedPerRun[0] ?? 0} calls failed after the client's retry budget (4 attempts, ` +
          'full-jitter back-off from 200 ms, no Retry-After to honour), and the next run ended them ' +
          `(${limited.stillLive} left after ${limited.runs} runs). What would close the gap: treat 429 as ` +
          '"not done yet" at the pool level: put the call back in the queue and lower the concurrency for a ' +
          'while (adaptive concurrency or a token bucket), instead of spending a fixed number of attempts per ' +
          'call.',
      );
    }
  }
  if (cleanup && missed(5)) {
    const { memorySmall, memoryLarge, memoryBare, handler } = cleanup;
    const before = memorySmall[0]?.rssBeforeBytes ?? 0;
    const smallPeak = Math.max(...memorySmall.map((result) => result.peakRssBytes));
    const runPeaks = memoryLarge.runPeakRssBytes;
    const first = runPeaks[0] ?? 0;
    const last = runPeaks.at(-1) ?? 0;
    const heapSmallPeak = Math.max(...memorySmall.map((result) => result.peaks.heapUsed));
    const heapFlat = memoryLarge.peaks.heapUsed <= heapSmallPeak * (1 + FLAT_GROWTH_SHARE);
    const rssDrift =
      last > first * 1.03 ? `creep up by ${mib(last - first)} over the runs` : 'stay level from run to run';
    const trend = heapFlat
      ? `${rssDrift}, while the JS heap peak stays flat (${mib(heapSmallPeak)} → ` +
        `${mib(memoryLarge.peaks.heapUsed)}): nothing per call is kept on the heap; the RSS above it is ` +
        'native memory the allocator keeps after use (glibc malloc arenas, already capped at 2 by the ' +
        'MALLOC_ARENA_MAX=2 every function runs with) and ' +
        "V8's committed but unused heap"
      : `${rssDrift}, and the JS heap peak grows (${mib(heapSmallPeak)} → ${mib(memoryLarge.peaks.heapUsed)}): ` +
        'something per call is kept';
    const bareShare = memoryBare.peakRssBytes / smallPeak;
    notes.push(
      `Missed, memory: a bare \`node\` with the same heap flags is already ${mib(bareNodeRssBytes)}, and a ` +
        `bare \`fetch\` pool ending the same ${count(MEMORY_SMALL)} calls peaks at ${mib(memoryBare.peakRssBytes)} ` +
        `(${percent(memoryBare.peakRssBytes, smallPeak)} of the cleanup's peak)` +
        (bareShare >= 0.85
          ? ': at this request rate (latency 0, 25 in flight) most of the peak is node, undici and V8 working ' +
            'memory, not the cleanup. '
          : `: the cleanup needs ${mib(smallPeak - memoryBare.peakRssBytes)} more than bare fetch. `) +
        `The cleanup process starts at ${mib(before)} after loading and peaks at ${mib(smallPeak)}; over ` +
        `${count(MEMORY_LARGE)} calls its per-run RSS peaks ${runPeaks.map((bytes) => mib(bytes)).join(', ')} ` +
        `${trend}. The function bundle adds the AWS SDK ` +
        `client, middy and Powertools Metrics (${mib(handler.rssBeforeBytes)} after import). These rows already ` +
        'run with MALLOC_ARENA_MAX=2, as deployed, and at the account-wide POST budget (1,380 ends per second, ' +
        'not the deployed default of 200). What would close the gap: a smaller import (no SDK client, as for ' +
        `the bundle size), or running the cleanup at the ${FUNCTION_MEMORY_MB} MB that ` +
        'infra/call-control-function.ts gives every function (the deployed default).',
    );
  }
  return notes;
};

/** Items 4 and 5, each scenario on a fresh emulator. */
const measureCleanup = async (): Promise<CleanupMeasurements> => {
  const driver = (await bundle(ROOT, 'bench/cleanup-driver.ts', 'cleanup-driver', OUT)).outfile;
  const base = {
    calls: CLEANUP_CALLS,
    latencyMs: CLEANUP_LATENCY_MS,
    maxRuns: 1,
    memoryMb: FUNCTION_MEMORY_MB,
  };
  log(`cleanup: ${CLEANUP_CALLS} calls at ${CLEANUP_LATENCY_MS} ms`);
  const plain = await cleanup(driver, { ...base, mode: 'engine' });
  log('cleanup: the same calls with a bare fetch pool');
  const bare = await cleanup(driver, { ...base, mode: 'bare' });
  log('cleanup: rate-limited');
  const limited = await cleanup(driver, { ...base, rateLimit: RATE_LIMIT, maxRuns: 5, mode: 'engine' });
  const memoryScenario = (calls: number, mode: 'engine' | 'bare'): CleanupScenario => ({
    calls,
    latencyMs: 0,
    maxRuns: Math.ceil(calls / MAX_CALLS_PER_RUN) + 1,
    memoryMb: SMALLEST_MEMORY_MB,
    mode,
  });
  const memorySmall: CleanupResult[] = [];
  for (let repeat = 1; repeat <= MEMORY_REPEATS; repeat++) {
    log(`memory: ${MEMORY_SMALL} calls (${repeat} of ${MEMORY_REPEATS})`);
    memorySmall.push(await cleanup(driver, memoryScenario(MEMORY_SMALL, 'engine')));
  }
  log(`memory: ${MEMORY_LARGE} calls`);
  const memoryLarge = await cleanup(driver, memoryScenario(MEMORY_LARGE, 'engine'));
  log(`memory: ${MEMORY_SMALL} calls with a bare fetch pool`);
  const memoryBare = await cleanup(driver, memoryScenario(MEMORY_SMALL, 'bare'));
  log(`memory: the cleanup function's bundle, ${HANDLER_MEMORY_CALLS} calls`);
  const handler = await cleanup(driver, {
    calls: HANDLER_MEMORY_CALLS,
    latencyMs: 0,
    maxRuns: 1,
    memoryMb: SMALLEST_MEMORY_MB,
    mode: 'handler',
  });
  return { plain, bare, limited, memorySmall, memoryLarge, memoryBare, handler };
};

// ---------------------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const started = performance.now();
  if (!process.version.startsWith('v24.')) {
    log(`warning: running on Node ${process.version}; run it through \`npm run bench\` to get Node 24`);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  log('building the production bundles');
  const { functions, reference } = await buildAll(ROOT, OUT);
  const rows: ResultRow[] = [...bundleRows(functions, reference)];

  log('starting Secrets Manager, the SignalWire emulator and the proxies on loopback');
  const world = await startWorld();
  let cold: Awaited<ReturnType<typeof coldStart>>;
  let warmResult: Awaited<ReturnType<typeof warm>>;
  try {
    log(`cold start: ${COLD_SAMPLES} rounds`);
    cold = await coldStart(world);
    rows.push(...coldRows(cold));
    log('warm invocations');
    warmResult = await warm(world);
    rows.push(...warmRows(warmResult));
  } finally {
    await world.stop();
  }
  const proxyChecks = { rewritten: world.rewriting.rewritten, passedThrough: world.passThrough.forwarded };

  const engine = existsSync(join(ROOT, CLEANUP_ENGINE));
  const measured = engine ? await measureCleanup() : undefined;
  rows.push(...(measured ? cleanupRows(measured) : notMeasuredRows('cleanup engine missing')));

  const durationMs = performance.now() - started;
  const info = machine();
  const bareNodeRssBytes = Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage.rss()))'], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: lambdaHeapFlags(SMALLEST_MEMORY_MB) },
    }).toString(),
  );
  const noteInputs: NoteInputs = { rows, functions, reference, cold, cleanup: measured, bareNodeRssBytes };
  const notes = [...methodNotes(noteInputs), ...missNotes(noteInputs)];
  const results = {
    machine: info,
    durationMs,
    rows,
    notes,
    details: {
      bundles: { functions, reference },
      coldStart: cold,
      warm: {
        percentiles: Object.fromEntries(
          Object.entries(warmResult).map(([name, values]) => [
            name,
            {
              n: values.length,
              p50: percentile(values, 50),
              p90: percentile(values, 90),
              p99: percentile(values, 99),
            },
          ]),
        ),
      },
      proxies: proxyChecks,
      cleanup: measured ? { ...measured, rateLimit: RATE_LIMIT } : 'not measured: cleanup engine missing',
    },
  };
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), renderMarkdown(info, rows, notes, durationMs));
  log(`done in ${ms(durationMs)}: bench/results.json, docs/benchmarks.md`);
  for (const row of rows)
    log(`${row.met.padEnd(12)} ${row.metric}: ${row.project} | ${row.reference} | ${row.ratio}`);
};

await main();
