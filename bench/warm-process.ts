/**
 * One warm process of bench/warm.ts and bench/warm-keepalive.ts: bench/warm-driver.mjs imports a bundle once,
 * then invokes it (or a bare `fetch` / `node:http` request) on a fresh in-progress call per sample, as a warm
 * container would; every call it was given must end.
 */
import { join } from 'node:path';
import { ipcRun, terminateEvent } from './harness.ts';
import { type BenchContext, scaled } from './measurement.ts';
import { assertEnded, PROJECT_ID, type Setup, seedLive, setups, type World } from './world.ts';

/** Samples per repeat (three alternated repeats per row). */
export const WARM_SAMPLES = 700;
export const WARM_SDK_SAMPLES = 350;
export const WARM_UP = 100;
/** Warm-up of the steady-state context row: enough invocations for V8 to have optimised the hot path. */
export const STEADY_WARM_UP = 2000;

interface WarmAnswer {
  series: Record<string, { durationsMs: number[]; failures: number; cpuMs: number }>;
}

export interface WarmSeries {
  label: string;
  kind: 'handler' | 'fetch' | 'http';
  sids: string[];
  origin?: string;
}

export const warmSeries = (
  label: string,
  kind: WarmSeries['kind'],
  sids: string[],
  origin?: string,
): WarmSeries => ({
  label,
  kind,
  sids,
  ...(origin ? { origin } : {}),
});

/** A series' durations (ms) by label, and its CPU per counted invocation. */
export type WarmRun = ((label: string) => number[]) & { cpuPerCall(label: string): number };

/** What the warm measurements share: the set-ups, the sample counts of this run, and how to run one process. */
export interface WarmProcesses {
  set: Record<'project' | 'projectDirect' | 'reference', Setup>;
  samples: number;
  sdkSamples: number;
  steadyWarmUp: number;
  /** In-progress calls for `count` counted invocations and `warm` warm-up ones. */
  seedMany(count: number, warm?: number): string[];
  run(
    env: NodeJS.ProcessEnv,
    bundleFile: string | undefined,
    series: WarmSeries[],
    warm?: number,
  ): Promise<WarmRun>;
}

export const warmProcesses = (world: World, context: BenchContext): WarmProcesses => {
  const driver = join(context.root, 'bench', 'warm-driver.mjs');
  const template = terminateEvent('00000000-0000-4000-8000-000000000000');
  const authorization = `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`;
  const warmUp = scaled(WARM_UP, 10);
  const seedMany = (count: number, warm = warmUp) =>
    Array.from({ length: count + warm }, () => seedLive(world));
  const run = async (
    env: NodeJS.ProcessEnv,
    bundleFile: string | undefined,
    series: WarmSeries[],
    warm = warmUp,
  ): Promise<WarmRun> => {
    const answer = await ipcRun<WarmAnswer>(driver, env, {
      ...(bundleFile ? { bundle: bundleFile } : {}),
      template,
      projectId: PROJECT_ID,
      authorization,
      warmup: warm,
      series,
    });
    for (const { label, sids } of series) {
      const failures = answer.series[label]?.failures ?? 0;
      if (failures > 0) throw new Error(`warm ${label}: ${failures} requests failed`);
      assertEnded(world, sids, `warm ${label}`);
    }
    const got = (label: string) => answer.series[label]?.durationsMs ?? [];
    const cpuPerCall = (label: string) => (answer.series[label]?.cpuMs ?? Number.NaN) / got(label).length;
    return Object.assign(got, { cpuPerCall });
  };
  return {
    set: setups(world, context.out),
    samples: scaled(WARM_SAMPLES, 20),
    sdkSamples: scaled(WARM_SDK_SAMPLES, 20),
    steadyWarmUp: scaled(STEADY_WARM_UP, 100),
    seedMany,
    run,
  };
};
