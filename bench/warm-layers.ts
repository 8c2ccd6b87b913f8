/**
 * `npm run bench -- warm-layers`: context for the warm target (issue 22: where a target cannot be met, show with
 * a measurement what bounds it). The terminate request a warm invocation sends, through each layer of the
 * project between a bare `node:http` keep-alive request and the full http-api handler: every layer the
 * project's own modules doing nothing else (bench/warm-layers-entry.ts, bundled the production way), each alone
 * in its own process, alternated within every repeat. The steps between the layers say where the CPU per
 * invocation above the bare request goes.
 */
import { bundle } from './build.ts';
import { type Measurement, REPEATS, scaled } from './measurement.ts';
import { type ResultRow, ratioSpread, spread, spreadValues, us } from './report.ts';
import { warmProcesses, warmSeries } from './warm-process.ts';
import { PROJECT_ID, startWorld } from './world.ts';

/** Counted invocations per process (after the usual warm-up). */
export const LAYER_CALLS = 2000;

/** The layers, bottom to top, as bench/warm-layers-entry.ts builds them. */
export const WARM_LAYERS = [
  { key: 'transport', label: "the project's transport (signalwire/transport.ts `exchange`)" },
  { key: 'client', label: '`SignalWireClient.updateCall` over that transport' },
  {
    key: 'service',
    label: "the call service's `apply` over that client (credentials read, outcome, audit line)",
  },
  {
    key: 'route',
    label:
      'the route-key router and the terminate route over that service (its checks, deadline, answer and EMF ' +
      'metrics counted; their line is flushed by the full function), without the middy chain',
  },
  { key: 'middy', label: 'that router in a middy chain with no middleware and no early timeout' },
  { key: 'middy-timeout', label: "the same with the function's early timeout (`timeoutEarlyInMillis`)" },
  {
    key: 'full',
    label:
      "the full function (the operator chain's middlewares around that router, the EMF line's flush among them)",
  },
] as const;

export type WarmLayerKey = (typeof WARM_LAYERS)[number]['key'];

/** CPU per counted invocation (ms), one figure per alternated repeat, of the bare request and every layer. */
export type WarmLayerRuns = Record<'bareHttp' | WarmLayerKey, number[]>;

/** The CPU a layer adds over the one below, signed; `±0 µs` when it rounds to nothing. */
const step = (top: number, bottom: number): string => {
  const shown = us(Math.abs(top - bottom));
  if (shown === us(0)) return `±${shown}`;
  return `${top >= bottom ? '+' : '−'}${shown}`;
};

const median = (figures: number[]): number => spread(figures).median;

/** One context row per layer: its CPU per invocation against the bare `node:http` request of the same repeat. */
export const warmLayerRows = (runs: WarmLayerRuns): ResultRow[] => {
  const bare = median(runs.bareHttp);
  let below = bare;
  let belowName = 'the bare request';
  return WARM_LAYERS.map(({ key, label }, index) => {
    const own = median(runs[key]);
    const s = spread(runs[key].map((cpu, repeat) => cpu / (runs.bareHttp[repeat] ?? Number.NaN)));
    const row: ResultRow = {
      item: 3,
      id: `warm-layer-${key}`,
      metric:
        `Context: what bounds the warm target, layer ${index + 1} of ${WARM_LAYERS.length} above a bare ` +
        `\`node:http\` keep-alive request: ${label}, ending one call per invocation and nothing else; CPU per ` +
        'invocation, each layer alone in its own process, median of the alternated repeats',
      project: `${us(own)} (${step(own, below)} over ${belowName})`,
      reference: `bare node:http ${us(bare)}`,
      ratio: ratioSpread(s),
      target: '— (context)',
      met: 'n/a',
      values: spreadValues(s, own, bare, 'ms'),
    };
    below = own;
    belowName = `the ${key} layer`;
    return row;
  });
};

/** The note under the table: what each step between the layers is, and the steps of this run. */
export const warmLayerNote = (runs: WarmLayerRuns, calls: number): string => {
  const bare = median(runs.bareHttp);
  let below = bare;
  const steps = WARM_LAYERS.map(({ key }) => {
    const own = median(runs[key]);
    const text = `${key} ${us(own)} (${step(own, below)})`;
    below = own;
    return text;
  });
  const full = median(runs.full);
  const project = median(runs.route);
  return (
    'Warm layers (the `warm-layer-*` rows): the terminate request of a warm invocation sent through each layer ' +
    "of the project's own code between a bare `node:http` keep-alive request and the full http-api handler " +
    '(bench/warm-layers-entry.ts, bundled the production way; the same emulator, event and context as the ' +
    `warm rows), each alone in its own process, ${calls} counted invocations after the warm-up, the arms ` +
    `alternated in each of ${REPEATS} repeats; CPU per invocation (user + system, measured around each). ` +
    `This run: the bare request ${us(bare)}; ${steps.join('; ')}. So the route and what it calls cost ` +
    `${(project / bare).toFixed(2)}x the bare request, and the middy chain around them adds ` +
    `${(full / bare - project / bare).toFixed(2)}x of it (ratios of these medians; the rows show the median of ` +
    'the per-repeat ratios). `middy` is middy itself (its hooks, the invocation it awaits); `middy-timeout` ' +
    "adds the early timeout's timer and AbortController per invocation; `full` adds the operator chain's " +
    'middlewares (Powertools context, request log keys, error answer, normalizers, request guard, body parsers, ' +
    'input shape) and the flush of the EMF metrics line (the layers below count the metrics without flushing them; ' +
    'Powertools writes their line on its own about every 100 values).'
  );
};

export const warmLayers: Measurement = {
  name: 'warm-layers',
  async run(context) {
    const built = await bundle(context.root, 'bench/warm-layers-entry.ts', 'warm-layers', context.out);
    const world = await startWorld();
    try {
      const warm = warmProcesses(world, context);
      const calls = scaled(LAYER_CALLS, 20);
      const authorization = `Basic ${Buffer.from(`${PROJECT_ID}:${world.apiToken}`).toString('base64')}`;
      const runs: WarmLayerRuns = Object.fromEntries(
        ['bareHttp', ...WARM_LAYERS.map(({ key }) => key)].map((key) => [key, [] as number[]]),
      ) as WarmLayerRuns;
      const arms = Object.keys(runs) as Array<keyof WarmLayerRuns>;
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        for (const arm of repeat % 2 === 0 ? arms : [...arms].reverse()) {
          const sids = warm.seedMany(calls);
          const kind = arm === 'bareHttp' ? 'http' : 'handler';
          const env = {
            ...warm.set.projectDirect.env,
            BENCH_WARM_LAYER: arm,
            BENCH_LAYER_ORIGIN: world.emulator.url,
            BENCH_LAYER_PROJECT: PROJECT_ID,
            BENCH_LAYER_AUTHORIZATION: authorization,
          };
          const got = await warm.run(env, kind === 'http' ? undefined : built.outfile, [
            warmSeries(arm, kind, sids, world.emulator.url),
          ]);
          runs[arm].push(got.cpuPerCall(arm));
          context.log(`warm-layers: repeat ${repeat + 1} ${arm} ${us(got.cpuPerCall(arm))}`);
        }
      }
      return { rows: warmLayerRows(runs), notes: [warmLayerNote(runs, calls)], details: { runs } };
    } finally {
      await world.stop();
    }
  },
};
