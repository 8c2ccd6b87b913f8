/**
 * The design floor of the warm target (issue 22: where a target cannot be met, show with a measurement what
 * bounds it): bench/warm-design-floor.ts, the smallest handler the brief's required libraries allow, alone in its
 * own process in the warm rotation (bench/warm.ts, http only). Its rows set it against the bare `node:http`
 * request and the project's handler against it; its sentence in the warm note says how much of the target's
 * budget above the bare request those libraries alone take.
 */
import { percentile } from './harness.ts';
import { percent } from './measurement.ts';
import { ms, type ResultRow, ratio, spread, us } from './report.ts';
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

/** A floor measured in the warm rotation: the design floor, or the required-work floor. */
type Floor = 'floor' | 'required';

/** Whether the repeats measured `floor` (the http rotation does, the https one does not). */
const measured = (repeats: readonly WarmDurations[], floor: Floor): boolean =>
  repeats.some((w) => w[floor].length > 0);

/** Whether the repeats measured the design floor. */
export const hasDesignFloor = (repeats: readonly WarmDurations[]): boolean => measured(repeats, 'floor');

/** The median over the repeats of `a`'s p50 over `b`'s, each repeat's own. */
const p50Ratio = (repeats: readonly WarmDurations[], a: keyof WarmDurations, b: keyof WarmDurations) =>
  spread(repeats.map((w) => percentile(w[a], 50) / percentile(w[b], 50))).median;

const cpuOf = (
  repeats: readonly WarmDurations[],
  key: 'floorCpu' | 'httpCpu' | 'handlerCpu' | 'requiredCpu',
) => spread(all([...repeats], key)).median;

/**
 * What both floors' sentences read of the same run: p50s, the floor's ratio to the bare request and the handler's to
 * the floor (medians of the per-repeat ratios), and the CPU per invocation of the floor, the bare request, the handler.
 */
const floorFigures = (repeats: readonly WarmDurations[], floor: Floor) => ({
  p50: (key: keyof WarmDurations) => ms(percentile(all([...repeats], key), 50)),
  floorRatio: p50Ratio(repeats, floor, 'http'),
  overFloor: p50Ratio(repeats, 'handlerAlone', floor),
  floorCpu: cpuOf(repeats, floor === 'floor' ? 'floorCpu' : 'requiredCpu'),
  httpCpu: cpuOf(repeats, 'httpCpu'),
  handlerCpu: cpuOf(repeats, 'handlerCpu'),
});

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
  const { p50, floorRatio, overFloor, floorCpu, httpCpu, handlerCpu } = floorFigures(repeats, 'floor');
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

/** The row ids of the required-work floor: against the bare request, and the project's handler against it. */
export const REQUIRED_WORK_ROW = 'warm-required-work-vs-node-http';
export const VS_REQUIRED_WORK_ROW = 'warm-vs-required-work';

/** What the required-work floor does, for the rows' labels and the note. */
export const REQUIRED_WORK_LABEL =
  "the required-work floor (bench/warm-required-work.ts: the bare request's own code plus only what the design's " +
  'contract asks of a terminate in-process, by hand, no library: the API Gateway event read and its JSON body ' +
  'parsed, one validation, the credentials from a cache that expires, one timer giving up at the request timeout ' +
  "or 1 s before the function's, SignalWire's JSON answer parsed and checked as a usable Call, one audit line and " +
  'one EMF line written to stdout, the call serialised as the answer)';

/** Whether the repeats measured the required-work floor. */
export const hasRequiredWork = (repeats: readonly WarmDurations[]): boolean => measured(repeats, 'required');

/**
 * The sentence of the warm note that reads the required-work rows of the same run; empty without them. Unlike the
 * design floor it is a bound for the work it holds, done plainly: no step of it is optional, so whatever the
 * handler spends above it goes to the libraries the design keeps and to what the handler does beyond that list.
 */
export const requiredWorkSentence = (repeats: readonly WarmDurations[]): string => {
  if (!hasRequiredWork(repeats)) return '';
  const {
    p50,
    floorRatio,
    overFloor,
    floorCpu: requiredCpu,
    httpCpu,
    handlerCpu,
  } = floorFigures(repeats, 'required');
  return (
    ` What the design's contract itself requires, measured (the \`${REQUIRED_WORK_ROW}\` and ` +
    `\`${VS_REQUIRED_WORK_ROW}\` rows): ${REQUIRED_WORK_LABEL}, alone in its own process in the same rotation, ` +
    `has a p50 of ${p50('required')} against ${p50('http')} for the bare request (${ratio(floorRatio)}, median ` +
    `of the per-repeat ratios): that work alone takes ${budgetShare(floorRatio)}. Every step of it is one the ` +
    'contract asks for, nothing optional and no library, each done the plain way (objects serialised with ' +
    '`JSON.stringify`, one write per line): a handler comes below it only by doing the same steps more cleverly ' +
    `(the project writes its audit line from a template). The project's handler is ${ratio(overFloor)} the ` +
    `required-work floor${
      overFloor > 1
        ? ': what it spends above it goes to the libraries the design keeps (middy, Powertools Logger and ' +
          "Metrics) and to what the handler does beyond that list (the invocation's early timeout, the retries' " +
          "and the secret re-read's bookkeeping, the error answers' checks)"
        : ', at or below it in this run: the libraries the design keeps and the work beyond that list cost it ' +
          'nothing measurable here, or the rows moved within their spread (min–max in the rows)'
    }. ` +
    `CPU per invocation in the same processes: the required-work floor ${us(requiredCpu)} ` +
    `(${ratio(requiredCpu / httpCpu)} of the bare request's ${us(httpCpu)}), the handler ${us(handlerCpu)} ` +
    `(${ratio(handlerCpu / requiredCpu)} of the floor's). In instructions: ` +
    '`npx tsx bench/warm-instructions.ts bare required project` (callgrind).'
  );
};

/** How bench/warm.ts makes a row of two series' percentile ratio (its `warmRows`). */
type RowOf = (
  metric: string,
  project: keyof WarmDurations,
  reference: keyof WarmDurations,
  p: number,
  extra: { id?: string },
) => ResultRow;

/** The context rows of each floor the repeats measured (http only): against the bare request, the handler against it. */
export const floorRows = (repeats: readonly WarmDurations[], row: RowOf, over: string): ResultRow[] => [
  ...(hasDesignFloor(repeats)
    ? [
        row(
          `Context, what the required libraries cost used plainly${over}: warm p50 of ${DESIGN_FLOOR_LABEL} alone in its own ` +
            'process vs the bare `node:http` request alone in its own',
          'floor',
          'http',
          50,
          { id: DESIGN_FLOOR_ROW },
        ),
        row(
          `Context: warm p50${over}, the full handler vs that design floor, each alone in its own process`,
          'handlerAlone',
          'floor',
          50,
          { id: VS_DESIGN_FLOOR_ROW },
        ),
      ]
    : []),
  ...(hasRequiredWork(repeats)
    ? [
        row(
          `Context, what the design's contract requires${over}: warm p50 of ${REQUIRED_WORK_LABEL} alone in its ` +
            'own process vs the bare `node:http` request alone in its own',
          'required',
          'http',
          50,
          { id: REQUIRED_WORK_ROW },
        ),
        row(
          `Context: warm p50${over}, the full handler vs that required-work floor, each alone in its own process`,
          'handlerAlone',
          'required',
          50,
          { id: VS_REQUIRED_WORK_ROW },
        ),
      ]
    : []),
];
