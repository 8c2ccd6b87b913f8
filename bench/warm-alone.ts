/**
 * The warm rows of bench/warm.ts that set the full handler, alone in its own process, against a bare `node:http`
 * request alone in its own: their durations per repeat, the CPU per invocation that bounds the warm target, and
 * the steady state counted after V8 has optimised the hot path.
 */
import { percentile } from './harness.ts';
import { count, percent, scaled } from './measurement.ts';
import { ms, type ResultRow, ratio, ratioSpread, spread, spreadValues, us } from './report.ts';
import { STEADY_WARM_UP, WARM_UP } from './warm-process.ts';

/** Issue 22's target: p50 against a bare `node:http` request in its own process. */
export const TARGET_VS_NODE_HTTP = 1.3;

/** Durations (ms) of each compared series in one repeat. */
export interface WarmDurations {
  handler: number[];
  fetch: number[];
  /** A bare `node:http(s)` keep-alive request, alone in its own process: the floor of the handler's transport. */
  http: number[];
  proxiedHandler: number[];
  proxiedFetch: number[];
  reference: number[];
  /**
   * CPU per counted invocation (ms, one figure per repeat) of the full handler alone in its own process, and
   * of the bare `node:http` request (the `http` step): what bounds the warm target, in the same run.
   */
  handlerCpu: number[];
  httpCpu: number[];
  /**
   * The full handler and the bare request, each alone in its own process, counted after
   * {@link STEADY_WARM_UP} warm-up invocations instead of {@link WARM_UP} (http only; empty over https).
   */
  handlerSteady: number[];
  httpSteady: number[];
  /** The durations of the `handlerCpu` process: the full handler alone, after the usual warm-up. */
  handlerAlone: number[];
  /**
   * The design floor (bench/warm-design-floor.ts) alone in its own process: its durations and its CPU per
   * counted invocation (ms, one figure per repeat); http only (empty over https).
   */
  floor: number[];
  floorCpu: number[];
  /**
   * The required-work floor (bench/warm-required-work.ts) alone in its own process: its durations and its CPU per
   * counted invocation (ms, one figure per repeat); http only (empty over https).
   */
  required: number[];
  requiredCpu: number[];
}

/** Every duration of one series over the repeats. */
export const all = (repeats: WarmDurations[], key: keyof WarmDurations): number[] =>
  repeats.flatMap((w) => w[key]);

/** The median of the per-repeat CPU figures of one arm. */
const medianCpu = (repeats: WarmDurations[], key: 'handlerCpu' | 'httpCpu'): number =>
  spread(all(repeats, key)).median;

/** The handler's CPU over the bare request's, per repeat (each repeat runs both). */
const cpuRatios = (repeats: WarmDurations[]) =>
  spread(repeats.map((w) => (w.handlerCpu[0] ?? Number.NaN) / (w.httpCpu[0] ?? Number.NaN)));

/** Context for the target against `node:http`: CPU per invocation, each arm alone in its own process. */
export const warmCpuRow = (repeats: WarmDurations[], tls: boolean): ResultRow => {
  const handler = medianCpu(repeats, 'handlerCpu');
  const http = medianCpu(repeats, 'httpCpu');
  const s = cpuRatios(repeats);
  return {
    item: 3,
    ...(tls ? {} : { id: 'warm-cpu-vs-node-http' }),
    metric:
      `Context: what bounds the warm target${tls ? ', https' : ', http'}: CPU per invocation (user + system, ` +
      'measured around each counted invocation) of the full handler alone in its own process vs the bare ' +
      '`node:http` request alone in its own, median of the repeats',
    project: us(handler),
    reference: `bare node:http ${us(http)}`,
    ratio: ratioSpread(s),
    target: '— (context)',
    met: 'n/a',
    values: spreadValues(s, handler, http, 'ms'),
  };
};

/** The sentence of the warm note that quotes the CPU row of the same run. */
export const warmCpuSentence = (repeats: WarmDurations[]): string => {
  const handler = medianCpu(repeats, 'handlerCpu');
  const http = medianCpu(repeats, 'httpCpu');
  const bound = TARGET_VS_NODE_HTTP * percentile(all(repeats, 'http'), 50);
  return (
    'CPU per invocation in the same run (the `warm-cpu-vs-node-http` row: each arm alone in its own process, ' +
    `measured around each counted invocation): the handler ${us(handler)}, the bare request ${us(http)} ` +
    `(${ratio(cpuRatios(repeats).median)}, the row's median ratio), so the handler does ${us(handler - http)} more work per invocation than the ` +
    'bare request' +
    (handler > bound
      ? `, and its CPU alone is above ${TARGET_VS_NODE_HTTP}x the bare request's p50 (${us(bound)})`
      : `; the target allows ${us(bound)} (${TARGET_VS_NODE_HTTP}x the bare request's p50)`) +
    '.'
  );
};

/** The sentence of the warm note that reads the steady-state row: how much of the gap is JIT warm-up. */
export const steadySentence = (repeats: WarmDurations[]): string => {
  if (!repeats.some((w) => w.handlerSteady.length > 0)) return '';
  const p50 = (key: keyof WarmDurations) => percentile(all(repeats, key), 50);
  const perRepeat = (a: keyof WarmDurations, b: keyof WarmDurations) =>
    spread(repeats.map((w) => percentile(w[a], 50) / percentile(w[b], 50))).median;
  const steady = perRepeat('handlerSteady', 'httpSteady');
  const early = perRepeat('handlerAlone', 'http');
  const withFetch = perRepeat('handler', 'http');
  return (
    ` JIT warm-up, measured (the \`warm-steady-vs-node-http\` row): counted after ` +
    `${count(scaled(STEADY_WARM_UP, 100))} warm-up invocations instead of ${scaled(WARM_UP, 10)}, each arm alone in its ` +
    `own process, the handler's p50 is ${ms(p50('handlerSteady'))} against ${ms(p50('httpSteady'))} for the bare ` +
    `request (${ratio(steady)}), against ${ratio(early)} for the same two arms alone after ${scaled(WARM_UP, 10)} ` +
    `(the target row; with a bare \`fetch\` sharing the handler's process, as the method before measured it: ` +
    `${ratio(withFetch)}), so ` +
    (steady <= TARGET_VS_NODE_HTTP
      ? `the target's ${TARGET_VS_NODE_HTTP}x is met once V8 has optimised the hot path: what the target row ` +
        'measures above it is warm-up, which a Lambda container serving steady traffic leaves behind.'
      : `even at steady state the handler stays above ${TARGET_VS_NODE_HTTP}x the bare request: warm-up ` +
        (early > steady
          ? `accounts for ${percent(early - steady, early - 1)} of the handler's excess over the bare request ` +
            `(the ratio falls from ${early.toFixed(2)} to ${steady.toFixed(2)}), the rest is the `
          : 'is not what bounds it; the gap is the ') +
        "handler's own work per invocation (the CPU row).")
  );
};
