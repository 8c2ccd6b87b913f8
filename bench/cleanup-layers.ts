/**
 * Context for the cleanup's CPU target (issue 22: where a target cannot be met, show with a measurement what
 * bounds it): the same end requests sent through each layer of the project between a bare `node:http` pool and
 * the full cleanup, every layer the project's own module (bundled with the driver) doing nothing else, each in
 * its own process, alternated with the cleanup's rounds. The steps between the layers say where the CPU per call
 * above the bare pool goes.
 */
import { type CleanupResult, cpuPerCall } from './cleanup-scenarios.ts';
import { type ResultRow, ratioSpread, spread, spreadValues, us } from './report.ts';

/** The layers, bottom to top, as bench/cleanup-scenarios.ts runs them. */
export const LAYERS = [
  {
    key: 'transport',
    mode: 'layer-transport',
    label: "the project's transport (functions/commons/signalwire/transport.ts `exchange`)",
  },
  {
    key: 'client',
    mode: 'layer-client',
    label: '`SignalWireClient.updateCall` over that transport (the end request as the cleanup sends it)',
  },
  {
    key: 'apply',
    mode: 'layer-apply',
    label:
      '`applyToProject` (calls/service.ts) over that client, what the cleanup calls for each call it ends',
  },
  {
    key: 'paced',
    mode: 'layer-paced',
    label:
      'those calls started as the cleanup starts them: a slot of its pool (task-pool.ts), then a turn of its pacer ' +
      '(pacer.ts) at its pace',
  },
  {
    key: 'settled',
    mode: 'layer-settled',
    label:
      "each call also settled in the cleanup's ledger (report.ts `settle`: its counters and its audit record); " +
      'what is left above this layer is the listing, the judging and the run loop',
  },
] as const;

export type LayerKey = (typeof LAYERS)[number]['key'];

/** The alternated rounds of every arm the layers are set against. */
export type LayerRuns = Record<'plain' | 'bareHttp' | LayerKey, CleanupResult[]>;

/** The CPU a layer adds over the one below, signed; `±0 µs` when it rounds to nothing. */
const step = (top: number, bottom: number): string => {
  const shown = us(Math.abs(top - bottom));
  if (shown === us(0)) return `±${shown}`;
  return `${top >= bottom ? '+' : '−'}${shown}`;
};

/** The median CPU per ended call of an arm over its rounds. */
export const medianCpu = (results: CleanupResult[]): number => spread(results.map(cpuPerCall)).median;

/** One context row per layer: its CPU per call against the bare `node:http` pool of the same round. */
export const layerRows = (runs: LayerRuns, calls: string): ResultRow[] => {
  let below = medianCpu(runs.bareHttp);
  let belowName = 'the bare pool';
  return LAYERS.map(({ key, label }, index) => {
    const own = medianCpu(runs[key]);
    const perRound = runs[key].map((run, i) => {
      const pool = runs.bareHttp[i];
      return pool ? cpuPerCall(run) / cpuPerCall(pool) : Number.NaN;
    });
    const s = spread(perRound);
    // A layer that failed calls would show a CPU per ended call that is not comparable: say so in the row.
    const failed = runs[key].reduce((total, run) => total + run.failed, 0);
    const row: ResultRow = {
      item: 4,
      id: `cleanup-layer-${key}`,
      metric:
        `Context: what bounds the cleanup CPU target, layer ${index + 1} of ${LAYERS.length} above the bare ` +
        `\`node:http\` pool: ${label}, ending the same ${calls} calls and nothing else; client CPU per ended ` +
        'call, median of the alternated rounds',
      project: `${us(own)} (${step(own, below)} over ${belowName})${failed > 0 ? `, ${failed} calls failed` : ''}`,
      reference: `bare node:http ${us(medianCpu(runs.bareHttp))}`,
      ratio: ratioSpread(s),
      target: '— (context)',
      met: 'n/a',
      values: spreadValues(s, own, medianCpu(runs.bareHttp), 'ms'),
    };
    below = own;
    belowName = `the ${key} layer`;
    return row;
  });
};

/**
 * The sentence of the CPU note that quotes the layers of the same run: from the bare pool to the full cleanup,
 * and what each step adds.
 */
export const layerSentence = (runs: LayerRuns, target: number): string => {
  const pool = medianCpu(runs.bareHttp);
  const transport = medianCpu(runs.transport);
  const client = medianCpu(runs.client);
  const apply = medianCpu(runs.apply);
  const paced = medianCpu(runs.paced);
  const settled = medianCpu(runs.settled);
  const full = medianCpu(runs.plain);
  return (
    'Layer by layer in the same run (the `cleanup-layer-*` rows: each layer ends the same calls and nothing ' +
    'else, in its own process, alternated with the rounds above; medians of CPU per ended call): the bare ' +
    `\`node:http\` pool ${us(pool)}; through the project's transport ${us(transport)} (${step(transport, pool)}); ` +
    `through SignalWireClient's end request ${us(client)} (${step(client, transport)}); through ` +
    `\`applyToProject\` ${us(apply)} (${step(apply, client)}); started through the cleanup's pool and pacer ` +
    `${us(paced)} (${step(paced, apply)}); settled in its ledger with the audit record ${us(settled)} ` +
    `(${step(settled, paced)}); the full cleanup ${us(full)} (${step(full, settled)}: listing and parsing the ` +
    "pages, judging each call, the run's loop). So sending an end through the project's own modules, before any " +
    "of the cleanup's work, " +
    `costs ${(apply / pool).toFixed(2)}x the bare pool, and the cleanup's work around each end adds ` +
    `${(full / pool - apply / pool).toFixed(2)}x of it (ratios of these medians, where the rows show the ` +
    `median of the per-round ratios; the target: ${target}x in all).`
  );
};
