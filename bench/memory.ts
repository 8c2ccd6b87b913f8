import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENGINE,
  type CleanupResult,
  type CleanupScenario,
  MAX_CALLS_PER_RUN,
  runScenario,
} from './cleanup-scenarios.ts';
import { lambdaHeapFlags } from './harness.ts';
import {
  type BenchContext,
  count,
  type Measurement,
  percent,
  SMALLEST_MEMORY_MB,
  scaled,
  yesNo,
} from './measurement.ts';
import { mib, type ResultRow, ratio } from './report.ts';

const MEMORY_SMALL = scaled(10_000, 200);
const MEMORY_LARGE = scaled(50_000, 1000);
/** Peak RSS varies with GC timing from one run to the next: the small case is run this often, worst kept. */
const MEMORY_REPEATS = 3;
/** Calls the function-bundle memory row cleans: one scheduled invocation at the policy's largest cap. */
const HANDLER_MEMORY_CALLS = scaled(10_000, 200);
/** Issue 22's target over https: peak RSS at most this multiple of a bare `node:http` pool's, and under 100 MiB. */
const TARGET_HTTPS_VS_NODE_HTTP = 1.15;
const TARGET_HTTPS_PEAK_BYTES = 100 * 1024 * 1024;
const LAMBDA_MIN_MEMORY_BYTES = SMALLEST_MEMORY_MB * 1024 * 1024;
/** Peak RSS may grow this share from 10,000 to 50,000 calls and still count as flat (GC noise). */
const FLAT_GROWTH_SHARE = 0.1;

const scenario = (calls: number, mode: 'engine' | 'bare' | 'bare-http'): CleanupScenario => ({
  calls,
  latencyMs: 0,
  maxRuns: Math.ceil(calls / MAX_CALLS_PER_RUN) + 1,
  memoryMb: SMALLEST_MEMORY_MB,
  mode,
});

/** RSS of a bare `node` at start, with the heap flags of a 128 MB function. */
const bareNodeRss = (): number =>
  Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage.rss()))'], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: lambdaHeapFlags(SMALLEST_MEMORY_MB) },
    }).toString(),
  );

type HttpsRuns = Record<'engine' | 'pool', CleanupResult[]> | undefined;

/**
 * Over https, as in production: the cleanup and a bare `node:http` pool (its transport, doing nothing else),
 * alternated, each in its own process. Undefined without `openssl`.
 */
const measureHttps = async (context: BenchContext): Promise<HttpsRuns> => {
  const certificates = await context.certificates();
  if (!certificates) return undefined;
  const runs: Record<'engine' | 'pool', CleanupResult[]> = { engine: [], pool: [] };
  for (let repeat = 1; repeat <= MEMORY_REPEATS; repeat++) {
    context.log(
      `memory: ${MEMORY_SMALL} calls over https, cleanup and bare node:http pool (${repeat} of ${MEMORY_REPEATS})`,
    );
    runs.engine.push(await runScenario(context, { ...scenario(MEMORY_SMALL, 'engine'), certificates }));
    runs.pool.push(await runScenario(context, { ...scenario(MEMORY_SMALL, 'bare-http'), certificates }));
  }
  return runs;
};

/** `rss-https-vs-node-http`: the worst peak of each side. */
const rssHttpsRow = (httpsRuns: HttpsRuns): ResultRow => {
  const target = `≤ ${TARGET_HTTPS_VS_NODE_HTTP}x and < 100 MiB`;
  if (!httpsRuns) {
    return {
      item: 5,
      id: 'rss-https-vs-node-http',
      metric: 'Peak RSS over https',
      project: 'not measured: the `openssl` CLI is not installed',
      reference: '—',
      ratio: '—',
      target,
      met: 'not measured',
      values: {},
    };
  }
  const peaks = (runs: CleanupResult[]) => runs.map((r) => mib(r.peakRssBytes)).join(', ');
  const httpsPeak = Math.max(...httpsRuns.engine.map((result) => result.peakRssBytes));
  const poolPeak = Math.max(...httpsRuns.pool.map((result) => result.peakRssBytes));
  const left = httpsRuns.engine.reduce((total, result) => total + result.stillLive, 0);
  const value = httpsPeak / poolPeak;
  return {
    item: 5,
    id: 'rss-https-vs-node-http',
    metric:
      `Peak RSS over https, runCleanup over ${count(MEMORY_SMALL)} calls (worst of ${MEMORY_REPEATS}) vs a ` +
      'bare `node:http` keep-alive pool ending the same calls (worst of as many), 128 MB heap flags',
    project: `${mib(httpsPeak)} (runs ${peaks(httpsRuns.engine)}), ${left} left`,
    reference: `bare node:http ${mib(poolPeak)} (runs ${peaks(httpsRuns.pool)})`,
    ratio: ratio(value),
    target,
    met: yesNo(value <= TARGET_HTTPS_VS_NODE_HTTP && httpsPeak < TARGET_HTTPS_PEAK_BYTES && left === 0),
    values: { project: httpsPeak, reference: poolPeak, ratio: value, unit: 'bytes' },
  };
};

/** Item 5: peak RSS of cleanups under the heap flags of a 128 MB function. */
export const memory: Measurement = {
  name: 'memory',
  async run(context) {
    if (!existsSync(join(context.root, CLEANUP_ENGINE))) {
      return {
        rows: [],
        notes: [`Memory rows are not measured: ${CLEANUP_ENGINE} is missing.`],
        details: {},
      };
    }
    await context.bundles();
    const memorySmall: CleanupResult[] = [];
    for (let repeat = 1; repeat <= MEMORY_REPEATS; repeat++) {
      context.log(`memory: ${MEMORY_SMALL} calls (${repeat} of ${MEMORY_REPEATS})`);
      memorySmall.push(await runScenario(context, scenario(MEMORY_SMALL, 'engine')));
    }
    context.log(`memory: ${MEMORY_LARGE} calls`);
    const memoryLarge = await runScenario(context, scenario(MEMORY_LARGE, 'engine'));
    context.log(`memory: ${MEMORY_SMALL} calls with a bare fetch pool`);
    const memoryBare = await runScenario(context, scenario(MEMORY_SMALL, 'bare'));
    context.log(`memory: the cleanup function's bundle, ${HANDLER_MEMORY_CALLS} calls`);
    const handler = await runScenario(context, {
      calls: HANDLER_MEMORY_CALLS,
      latencyMs: 0,
      maxRuns: 1,
      memoryMb: SMALLEST_MEMORY_MB,
      mode: 'handler',
    });
    const httpsRuns = await measureHttps(context);
    const bareNodeRssBytes = bareNodeRss();

    const smallPeak = Math.max(...memorySmall.map((result) => result.peakRssBytes));
    const smallLeft = memorySmall.reduce((total, result) => total + result.stillLive, 0);
    const barePeak = memoryBare.peakRssBytes;
    const heapSmallPeak = Math.max(...memorySmall.map((result) => result.peaks.heapUsed));
    const memoryRow = (metric: string, peak: number, detail: string, left: number): ResultRow => ({
      item: 5,
      metric,
      project: `${mib(peak)} (${detail}), ${left} left`,
      reference: `bare fetch pool ${mib(barePeak)}`,
      ratio: ratio(peak / barePeak),
      target: '< 128 MiB (134,217,728 B)',
      met: yesNo(peak < LAMBDA_MIN_MEMORY_BYTES && left === 0),
      values: { project: peak, reference: barePeak, ratio: peak / barePeak, unit: 'bytes' },
    });
    const growth = memoryLarge.peakRssBytes - smallPeak;
    const httpsRow = rssHttpsRow(httpsRuns);
    const rows: ResultRow[] = [
      httpsRow,
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
      {
        item: 5,
        metric: `Peak RSS growth, ${count(MEMORY_SMALL)} → ${count(MEMORY_LARGE)} calls`,
        project:
          `${growth >= 0 ? '+' : ''}${mib(growth)} (JS heap peak ${mib(heapSmallPeak)} → ` +
          `${mib(memoryLarge.peaks.heapUsed)})`,
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
      },
      memoryRow(
        `Peak RSS, the cleanup function's bundle over ${count(HANDLER_MEMORY_CALLS)} calls (one scheduled invocation, 128 MB heap flags)`,
        handler.peakRssBytes,
        `${mib(handler.rssBeforeBytes)} after import`,
        handler.stillLive,
      ),
      {
        item: 5,
        metric: 'Bare `node` with the 128 MB heap flags (RSS at start)',
        project: mib(bareNodeRssBytes),
        reference: '—',
        ratio: '—',
        target: '— (baseline)',
        met: 'n/a',
        values: { project: bareNodeRssBytes, unit: 'bytes' },
      },
    ];
    const notes = [
      'Memory: the cleanup child of item 4 with emulator latency 0 and the heap flags Lambda gives a 128 MB ' +
        `function (\`${lambdaHeapFlags(SMALLEST_MEMORY_MB)}\`); peak RSS is \`process.resourceUsage().maxRSS\` ` +
        "of the cleanup's process alone (the emulator runs in the parent). 50,000 calls take five consecutive " +
        'runs in the same process (a warm container serving five scheduled invocations). The function-bundle ' +
        "row runs functions/cleanup.ts's own bundle (bench/invoke-driver.mjs) with " +
        `CLEANUP_CONCURRENCY=${CLEANUP_CONCURRENCY} and its secret in the local Secrets Manager. Every child ` +
        'runs with MALLOC_ARENA_MAX=2, as deployed.',
    ];
    if (rows.some((row) => row.met === 'no')) {
      notes.push(
        `Missed, memory: a bare \`node\` with the same heap flags is already ${mib(bareNodeRssBytes)}, and a ` +
          `bare \`fetch\` pool ending the same ${count(MEMORY_SMALL)} calls peaks at ${mib(barePeak)} ` +
          `(${percent(barePeak, smallPeak)} of the cleanup's peak). The cleanup starts at ` +
          `${mib(memorySmall[0]?.rssBeforeBytes ?? 0)} after loading; the function bundle at ` +
          `${mib(handler.rssBeforeBytes)}.`,
      );
    }
    return {
      rows,
      notes,
      details: { memorySmall, memoryLarge, memoryBare, handler, bareNodeRssBytes, https: httpsRuns },
    };
  },
};
