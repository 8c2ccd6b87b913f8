/**
 * Context for the cleanup's CPU target (issue 22: where a target cannot be met, show with a measurement what
 * bounds it): the same cleanup with its pacer released (bench/stand-ins/pacer.ts, built into a bench-only driver,
 * never a shipped setting), run once more in every round of bench/cleanup.ts; its row against the bare
 * `node:http` pool of the same round, and the sentence of the CPU note that reads it.
 */
import { medianCpu } from './cleanup-layers.ts';
import { type CleanupResult, cpuPerCall } from './cleanup-scenarios.ts';
import { type ResultRow, ratio, ratioSpread, spread, spreadValues, us } from './report.ts';

/** The alternated rounds the released pacer is set against: the paced cleanup and the bare `node:http` pool. */
export interface UnpacedRuns {
  plain: CleanupResult[];
  bareHttp: CleanupResult[];
  unpaced: CleanupResult[];
}

/** Per round: the paced cleanup's CPU per ended call minus the released one's (ms), what the pacer costs. */
const pacerCosts = (runs: UnpacedRuns): number[] =>
  runs.plain.map((run, i) => {
    const unpaced = runs.unpaced[i];
    return unpaced ? cpuPerCall(run) - cpuPerCall(unpaced) : Number.NaN;
  });

/**
 * Context for the CPU target: the cleanup with its pacer released (bench only, never a shipped setting), against
 * the bare `node:http` pool of the same round; the paced cleanup's figure beside it. `calls`: the count, shown.
 */
export const unpacedRow = (runs: UnpacedRuns, calls: string): ResultRow => {
  const unpaced = medianCpu(runs.unpaced);
  const paced = medianCpu(runs.plain);
  const pool = medianCpu(runs.bareHttp);
  const perRound = runs.unpaced.map((run, i) => {
    const bare = runs.bareHttp[i];
    return bare ? cpuPerCall(run) / cpuPerCall(bare) : Number.NaN;
  });
  const s = spread(perRound);
  const failed = runs.unpaced.reduce((total, run) => total + run.failed + run.stillLive, 0);
  return {
    item: 4,
    id: 'cleanup-cpu-unpaced-vs-node-http',
    metric:
      'Context: what bounds the cleanup CPU target, the pacer: the same cleanup with its pacer released (a ' +
      'bench-only build, never a shipped setting: every start at once, as the bare pool sends), client CPU per ' +
      `ended call vs the bare \`node:http\` pool, ${calls} calls, median of the alternated rounds` +
      (failed > 0 ? ` (${failed} calls failed or left: not comparable)` : ''),
    project: `${us(unpaced)} (paced ${us(paced)})`,
    reference: `bare node:http ${us(pool)}`,
    ratio: ratioSpread(s),
    target: '— (context)',
    met: 'n/a',
    values: spreadValues(s, unpaced, pool, 'ms'),
  };
};

/** The sentence of the CPU note that reads the released-pacer row, `target` the CPU target's bound. */
export const pacerSentence = (runs: UnpacedRuns, target: number): string => {
  if (runs.unpaced.length === 0) return '';
  const cost = spread(pacerCosts(runs));
  const unpacedRatio = unpacedRow(runs, '').values.ratio ?? Number.NaN;
  const wall = spread(runs.unpaced.map((run, i) => (runs.bareHttp[i]?.wallMs ?? Number.NaN) / run.wallMs));
  const wakes = (results: CleanupResult[]) =>
    spread(results.map((run) => (run.wakeups ?? Number.NaN) / Math.max(1, run.ended))).median;
  const wakeText = Number.isFinite(wakes(runs.unpaced))
    ? `; its event loop was woken ${wakes(runs.unpaced).toFixed(2)} times per ended call against ` +
      `${wakes(runs.plain).toFixed(2)} paced`
    : '';
  return (
    ` The pacer, measured (the \`cleanup-cpu-unpaced-vs-node-http\` row): released in a bench-only build, the ` +
    `same cleanup takes ${us(medianCpu(runs.unpaced))} per ended call, ${ratio(unpacedRatio)} of the bare pool ` +
    `(${unpacedRatio <= target ? 'within' : 'still above'} the ${target}x ` +
    `target), so the pacer costs ${us(cost.median)} per ended call (median of the per-round differences, ` +
    `${us(cost.min)} to ${us(cost.max)}${cost.min < 0 && cost.max > 0 ? ': they straddle zero, within the noise of this machine' : ''})${wakeText}; pool time / cleanup time ${wall.median.toFixed(3)} without ` +
    "it. The pacer is the promise to SignalWire's rate limit (at most W / interval + 4 starts in any window " +
    'of W ms), so a shipped cleanup keeps it.'
  );
};
