/**
 * The keep-alive comparison of bench/warm.ts: the project alone and the official SDK with `forever: true` alone,
 * each in its own process, in adjacent rounds whose order rotates, so both arms of a round meet the same load;
 * its rows, its note and its per-round details.
 */
import { percentile } from './harness.ts';
import { REPEATS, scaled, yesNo } from './measurement.ts';
import { ms, type ResultRow, ratioSpread, spread, spreadValues, us } from './report.ts';
import { WARM_SDK_SAMPLES, type WarmProcesses, warmSeries } from './warm-process.ts';
import type { World } from './world.ts';

/** Issue 22's target over https against the SDK with keep-alive. */
const TARGET_HTTPS_VS_SDK_KEEPALIVE = 0.8;

/**
 * Adjacent rounds of the keep-alive comparison: the project alone and the SDK with `forever: true` alone, each in
 * its own process, back to back, with the project as the rotation runs it (a bare `fetch` interleaved) beside
 * them; every order of the three once.
 */
export const KEEPALIVE_PAIRS = 6;
/** The orders of a round's three processes (project alone, SDK, project with a bare `fetch`): each once. */
const ROUND_ORDERS = [
  [0, 1, 2],
  [1, 0, 2],
  [2, 0, 1],
  [1, 2, 0],
  [0, 2, 1],
  [2, 1, 0],
] as const;

/** One pair of the keep-alive comparison: each arm's durations (ms), CPU per invocation, connections opened. */
export interface KeepAlivePair {
  /** Whether the project's process ran before the SDK's in this pair. */
  projectFirst: boolean;
  project: number[];
  /**
   * The project as the rotation's proxied process runs it, a bare `fetch` interleaved in the same process: the
   * method of the keep-alive row before the pairs, measured beside them for comparison.
   */
  projectWithFetch: number[];
  reference: number[];
  projectCpu: number;
  referenceCpu: number;
  /** Client connections the arm's process opened to its proxy (1: keep-alive held for the whole process). */
  projectConnections: number;
  referenceConnections: number;
}

const emptyPair = (): KeepAlivePair => ({
  projectFirst: false,
  project: [],
  projectWithFetch: [],
  reference: [],
  projectCpu: Number.NaN,
  referenceCpu: Number.NaN,
  projectConnections: 0,
  referenceConnections: 0,
});

/**
 * The keep-alive comparison: the project alone and the SDK with `forever: true` alone, each in its own process,
 * run back to back in adjacent pairs whose order alternates, so both arms of a pair meet the same load.
 */
export const measureKeepAlive = async (world: World, processes: WarmProcesses): Promise<KeepAlivePair[]> => {
  const { set, seedMany, run } = processes;
  const keepAlive = { ...set.reference.env, REFERENCE_KEEP_ALIVE: 'true' };
  const pairSamples = scaled(Math.round((WARM_SDK_SAMPLES * REPEATS) / KEEPALIVE_PAIRS), 20);
  const pairs: KeepAlivePair[] = [];
  for (let p = 0; p < KEEPALIVE_PAIRS; p++) {
    const pair = emptyPair();
    const arms = [
      async () => {
        const before = world.passThrough.connections;
        const got = await run(set.project.env, set.project.bundle, [
          warmSeries('handler', 'handler', seedMany(pairSamples)),
        ]);
        pair.project = got('handler');
        pair.projectCpu = got.cpuPerCall('handler');
        pair.projectConnections = world.passThrough.connections - before;
      },
      async () => {
        const before = world.rewriting.connections;
        const got = await run(keepAlive, set.reference.bundle, [
          warmSeries('handler', 'handler', seedMany(pairSamples)),
        ]);
        pair.reference = got('handler');
        pair.referenceCpu = got.cpuPerCall('handler');
        pair.referenceConnections = world.rewriting.connections - before;
      },
      async () => {
        const got = await run(set.project.env, set.project.bundle, [
          warmSeries('handler', 'handler', seedMany(pairSamples)),
          warmSeries('fetch', 'fetch', seedMany(pairSamples), world.passThrough.url),
        ]);
        pair.projectWithFetch = got('handler');
      },
    ];
    // The three processes back to back, each one first in turn; the SDK's and the project's alternate in order.
    const order = ROUND_ORDERS[p % ROUND_ORDERS.length] as readonly number[];
    pair.projectFirst = order.indexOf(0) < order.indexOf(1);
    for (const index of order) await (arms[index] as () => Promise<void>)();
    pairs.push(pair);
  }
  return pairs;
};

/** The keep-alive rows: project alone vs the SDK with `forever: true` alone, over the adjacent pairs. */
export const keepAliveRows = (pairs: readonly KeepAlivePair[], tls: boolean): ResultRow[] => {
  const over = tls ? ', https' : ', http';
  const n = pairs.reduce((total, pair) => total + pair.project.length, 0);
  const all = (key: 'project' | 'reference') => pairs.flatMap((pair) => pair[key]);
  const row = (metric: string, p: number, extra: { id?: string; target?: number; summary?: boolean }) => {
    const a = percentile(all('project'), p);
    const b = percentile(all('reference'), p);
    const s = spread(pairs.map((pair) => percentile(pair.project, p) / percentile(pair.reference, p)));
    return {
      item: 3,
      ...(extra.id ? { id: extra.id } : {}),
      metric,
      project: ms(a),
      reference: ms(b),
      ratio: ratioSpread(s).replace('repeats', 'adjacent rounds'),
      target: extra.target === undefined ? '— (context)' : `≤ ${extra.target}x`,
      met: extra.target === undefined ? ('n/a' as const) : yesNo(s.median <= extra.target),
      values: spreadValues(s, a, b, 'ms'),
      ...(extra.summary ? { summary: true } : {}),
    };
  };
  const cpu = spread(pairs.map((pair) => pair.projectCpu / pair.referenceCpu));
  const projectCpu = spread(pairs.map((pair) => pair.projectCpu)).median;
  const referenceCpu = spread(pairs.map((pair) => pair.referenceCpu)).median;
  return [
    row(
      `Warm p50${over}: project vs official SDK with keep-alive (\`forever: true\`; each alone in its own ` +
        `process, both through a proxy, ${pairs.length} adjacent rounds, every order once; n=${n} each)`,
      50,
      tls ? { id: 'warm-https-vs-sdk-keepalive', target: TARGET_HTTPS_VS_SDK_KEEPALIVE } : { summary: true },
    ),
    {
      item: 3,
      ...(tls ? { id: 'warm-https-cpu-vs-sdk-keepalive' } : {}),
      metric:
        `Context: CPU per invocation${over} (user + system, around each counted invocation), project vs official ` +
        'SDK with keep-alive, the same processes, median of the per-round ratios',
      project: us(projectCpu),
      reference: us(referenceCpu),
      ratio: ratioSpread(cpu).replace('repeats', 'adjacent rounds'),
      target: '— (context)',
      met: 'n/a',
      values: spreadValues(cpu, projectCpu, referenceCpu, 'ms'),
    },
    row(`Warm p99${over}: project vs official SDK with keep-alive`, 99, {}),
    withFetchRow(pairs, over),
  ];
};

/**
 * Context: the keep-alive p50 as measured before the rounds, with the project's process interleaving a bare
 * `fetch` (whose deferred work and GC it absorbs), in the same rounds: what the change of method moves.
 */
const withFetchRow = (pairs: readonly KeepAlivePair[], over: string): ResultRow => {
  const a = percentile(
    pairs.flatMap((pair) => pair.projectWithFetch),
    50,
  );
  const b = percentile(
    pairs.flatMap((pair) => pair.reference),
    50,
  );
  const s = spread(
    pairs.map((pair) => percentile(pair.projectWithFetch, 50) / percentile(pair.reference, 50)),
  );
  return {
    item: 3,
    metric:
      `Context: warm p50${over}, the project as the keep-alive row measured it before (its process interleaving ` +
      'a bare `fetch`) vs the official SDK with keep-alive, in the same rounds',
    project: ms(a),
    reference: ms(b),
    ratio: ratioSpread(s).replace('repeats', 'adjacent rounds'),
    target: '— (context)',
    met: 'n/a',
    values: spreadValues(s, a, b, 'ms'),
  };
};

/** The note on the keep-alive comparison: its method, what moves it, and the connections each process opened. */
export const keepAliveNote = (
  pairs: readonly KeepAlivePair[],
  rows: readonly ResultRow[],
  tls: boolean,
): string => {
  const over = tls ? 'https' : 'http';
  const row = rows.find((r) =>
    r.metric.startsWith(`Warm p50, ${over}: project vs official SDK with keep-alive`),
  );
  const referenceP50 = spread(pairs.map((pair) => percentile(pair.reference, 50)));
  const projectP50 = spread(pairs.map((pair) => percentile(pair.project, 50)));
  const order = (first: boolean) =>
    spread(
      pairs
        .filter((pair) => pair.projectFirst === first)
        .map((pair) => percentile(pair.project, 50) / percentile(pair.reference, 50)),
    ).median;
  const connections = (key: 'projectConnections' | 'referenceConnections') =>
    [...new Set(pairs.map((pair) => pair[key]))].sort((a, b) => a - b).join(' or ');
  const missed = row?.met === 'no';
  const cpu = spread(pairs.map((pair) => pair.projectCpu / pair.referenceCpu));
  const withFetch = withFetchRow(pairs, '').values;
  const digits = (value: number | undefined) => (value ?? Number.NaN).toFixed(3);
  const wall = spread(pairs.map((pair) => percentile(pair.project, 50) / percentile(pair.reference, 50)));
  return (
    `${missed ? 'Missed, warm' : 'Warm'} over ${over} against the SDK with keep-alive (${row?.ratio ?? '—'}): each arm ` +
    "runs alone in its own process (the project's without the bare `fetch` the other proxied rows interleave, " +
    `whose deferred work and GC it would absorb), in ${pairs.length} adjacent rounds, back to back, every order ` +
    "of the round's three processes once, so that neither arm always meets the load the other left; the ratio is " +
    'the median of the per-round ratios. Before, the two arms ran at different points of a rotation of six ' +
    "processes and the project's shared its process with a bare `fetch`; that process runs in every round too " +
    `(the context row below): ${digits(withFetch.ratio)}, per round ${digits(withFetch.ratioMin)}–` +
    `${digits(withFetch.ratioMax)}. Keep-alive ` +
    `holds: each project process opened ${connections('projectConnections')} connection(s) to its proxy, each ` +
    `SDK process ${connections('referenceConnections')} (counted by the proxy), so no TLS handshake after the ` +
    "first is in either arm's figures. What moves the ratio is each arm's p50 from process to process, with " +
    `the load of other work on this shared machine: the SDK ${ms(referenceP50.min)}–${ms(referenceP50.max)} over ` +
    `the rounds, the project ${ms(projectP50.min)}–${ms(projectP50.max)} (the ${
      referenceP50.max / referenceP50.min > projectP50.max / projectP50.min ? 'SDK' : 'project'
    } moved more). CPU ` +
    `per invocation, which waits do not enter, is steadier: its per-round ratios span ${cpu.min.toFixed(3)}–` +
    `${cpu.max.toFixed(3)} where the p50's span ${wall.min.toFixed(3)}–${wall.max.toFixed(3)}. By ` +
    `order: project first ${order(true).toFixed(3)}, SDK first ${order(false).toFixed(3)} (medians of those rounds).` +
    (missed
      ? ' What separates the two with the connection kept open is the work around the one exchange: the project ' +
        'runs its whole handler (the middy chain, validation, Powertools context, the audit line and the metrics ' +
        'flush), the SDK only builds its request.'
      : '')
  );
};

/** Per pair: its order, each arm's p50 and CPU per invocation, and the connections each process opened. */
export const pairDetails = (pairs: readonly KeepAlivePair[]) =>
  pairs.map((pair) => ({
    projectFirst: pair.projectFirst,
    projectP50: percentile(pair.project, 50),
    referenceP50: percentile(pair.reference, 50),
    projectCpu: pair.projectCpu,
    referenceCpu: pair.referenceCpu,
    projectConnections: pair.projectConnections,
    referenceConnections: pair.referenceConnections,
  }));
