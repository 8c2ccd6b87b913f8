/**
 * The design floor of the warm target (issue 22: where a target cannot be met, show with a measurement what
 * bounds it): bench/warm-design-floor.ts, the smallest handler the brief's required libraries allow, alone in its
 * own process in the warm rotation (bench/warm.ts, http only). Its rows set it against the bare `node:http`
 * request and the project's handler against it; its sentence in the warm note says how much of the target's
 * budget above the bare request those libraries alone take.
 */
import { percentile } from './harness.ts';
import { percent } from './measurement.ts';
import { ms, ratio, spread, us } from './report.ts';
import { all, TARGET_VS_NODE_HTTP, type WarmDurations } from './warm-alone.ts';

/** The row ids: the floor against the bare request, the project's handler against the floor. */
export const DESIGN_FLOOR_ROW = 'warm-design-floor-vs-node-http';
export const VS_DESIGN_FLOOR_ROW = 'warm-vs-design-floor';

/** What the floor runs, for the rows' labels and the note. */
export const DESIGN_FLOOR_LABEL =
  'the design floor (bench/warm-design-floor.ts: middy with one check of the request, Powertools Logger with ' +
  'the Lambda context and one info line, Powertools Metrics with one metric flushed as EMF, the Secrets Manager ' +
  'value from a cache, the same keep-alive `node:http` POST; written and bundled as a user would, none of the ' +
  "project's code)";

/**
 * Why the floor is no lower bound: it lets Powertools build both of its lines its own way, which the project's
 * handler does not (functions/commons/platform/audit-logger.ts and emf-metrics.ts write the same lines for less).
 */
const NOT_A_BOUND =
  'Not a lower bound: the floor lets Powertools build its two lines its own way (each line from scratch, the ' +
  "metric through Powertools' store), where the project's handler, through its own subclasses of the same " +
  'Logger and Metrics, writes its audit line from a template and its EMF line from counters kept out of ' +
  "Powertools' store, for less CPU per invocation.";

/** Whether the repeats measured the floor (the http rotation does, the https one does not). */
export const hasDesignFloor = (repeats: readonly WarmDurations[]): boolean =>
  repeats.some((w) => w.floor.length > 0);

/** The median over the repeats of `a`'s p50 over `b`'s, each repeat's own. */
const p50Ratio = (repeats: readonly WarmDurations[], a: keyof WarmDurations, b: keyof WarmDurations) =>
  spread(repeats.map((w) => percentile(w[a], 50) / percentile(w[b], 50))).median;

const cpuOf = (repeats: readonly WarmDurations[], key: 'floorCpu' | 'httpCpu' | 'handlerCpu') =>
  spread(all([...repeats], key)).median;

/** How much of the target's budget above the bare request (1.3x − 1) a ratio to it takes, in words. */
export const budgetShare = (floorRatio: number): string => {
  const budget = TARGET_VS_NODE_HTTP - 1;
  const above = floorRatio - 1;
  if (above <= 0)
    return `none of the ${budget.toFixed(2)} the ${TARGET_VS_NODE_HTTP}x target allows above it`;
  const share = `${above.toFixed(2)} of the ${budget.toFixed(2)} the ${TARGET_VS_NODE_HTTP}x target allows above it`;
  return above >= budget
    ? `${share}: more than the whole budget (${percent(above, budget)})`
    : `${share} (${percent(above, budget)}), leaving ${(budget - above).toFixed(2)} for everything else`;
};

/** The sentence of the warm note that reads the floor rows of the same run; empty without them. */
export const designFloorSentence = (repeats: readonly WarmDurations[]): string => {
  if (!hasDesignFloor(repeats)) return '';
  const p50 = (key: keyof WarmDurations) => ms(percentile(all([...repeats], key), 50));
  const floorRatio = p50Ratio(repeats, 'floor', 'http');
  const overFloor = p50Ratio(repeats, 'handlerAlone', 'floor');
  const floorCpu = cpuOf(repeats, 'floorCpu');
  const httpCpu = cpuOf(repeats, 'httpCpu');
  const handlerCpu = cpuOf(repeats, 'handlerCpu');
  return (
    ` What the required libraries cost used plainly, measured (the \`${DESIGN_FLOOR_ROW}\` and \`${VS_DESIGN_FLOOR_ROW}\` ` +
    `rows): ${DESIGN_FLOOR_LABEL}, alone in its own process in the same rotation, has a p50 of ` +
    `${p50('floor')} against ${p50('http')} for the bare request (${ratio(floorRatio)}, median of the ` +
    `per-repeat ratios): the libraries used so take ${budgetShare(floorRatio)}. ${NOT_A_BOUND} The project's handler is ` +
    `${ratio(overFloor)} the floor${
      overFloor < 1
        ? ": below it, where the project's own use of Powertools (the audit line's template, the metrics kept " +
          "out of Powertools' store until the flush) does less per invocation than those libraries used plainly"
        : ''
    }. CPU per invocation in the same processes: the floor ${us(floorCpu)} ` +
    `(${ratio(floorCpu / httpCpu)} of the bare request's ${us(httpCpu)}), the handler ${us(handlerCpu)} ` +
    `(${ratio(handlerCpu / floorCpu)} of the floor's). Instructions per warm invocation, which the load of ` +
    'other work does not move: `npx tsx bench/warm-instructions.ts bare floor project` (callgrind).'
  );
};
