/**
 * What bounds the cleanup's CPU and wall targets (issue 22: where a target cannot be met, show with a measurement
 * what bounds it): the cleanup's required-work floor (bench/cleanup-required-work.ts), run in its own process in
 * the cleanup's alternated rounds beside the cleanup and the bare `node:http` pool. Its rows set it against that
 * pool and the cleanup against it, per round; its sentences say, from those figures, whether the floor alone is
 * already beyond a target (the target is bounded by the contract's work) or by how much the cleanup exceeds it.
 */
import { type CleanupResult, cpuPerCall } from './cleanup-scenarios.ts';
import { ms, type ResultRow, ratio, ratioSpread, spread, spreadValues, us } from './report.ts';

/** The row ids: CPU and wall, the floor against the pool and the cleanup against the floor. */
export const REQUIRED_WORK_CPU_ROW = 'cleanup-required-work-vs-node-http';
export const VS_REQUIRED_WORK_CPU_ROW = 'cleanup-vs-required-work';
export const REQUIRED_WORK_WALL_ROW = 'cleanup-wall-required-work';
export const VS_REQUIRED_WORK_WALL_ROW = 'cleanup-wall-vs-required-work';

/** What the floor does, for the rows' labels and the notes. */
export const CLEANUP_FLOOR_LABEL =
  "the cleanup's required-work floor (bench/cleanup-required-work.ts: the bare `node:http` pool's ends plus only " +
  "what README's cleanup contract asks, by hand, no library: List Calls page by page over the same agent, each " +
  "call's age judged against the policy, the starts paced with the pacer's promise, a timeout per request, 429s " +
  'retried as asked, one audit line per ended call and the run report written to stdout)';

/** The arms of the same rounds these rows read: the cleanup, the bare `node:http` pool, the floor. */
export type FloorRuns = Record<'plain' | 'bareHttp' | 'required', readonly CleanupResult[]>;

/** Per round, `figure(a, b)` of the two arms' runs of that round. */
const perRound = (
  a: readonly CleanupResult[],
  b: readonly CleanupResult[],
  figure: (a: CleanupResult, b: CleanupResult) => number,
): number[] => a.map((run, i) => (b[i] ? figure(run, b[i] as CleanupResult) : Number.NaN));

const medianOf = (runs: readonly CleanupResult[], figure: (run: CleanupResult) => number): number =>
  spread(runs.map(figure)).median;

const wallOf = (run: CleanupResult): number => run.wallMs;

/** Calls the floor's runs failed: a floor that did not end every call is no measure of the required work. */
const floorFailed = (runs: FloorRuns): number => runs.required.reduce((total, run) => total + run.failed, 0);

/** The verdict in place of a bound when the floor's runs failed calls (its CPU per ended call is then inflated). */
const failedVerdict = (failed: number): string =>
  `not read as a bound: ${failed} of the floor's calls failed, so its figures are not the required work's`;

/** The four figures both the rows and the sentences read: per-round ratios, their spread. */
const floorFigures = (runs: FloorRuns) => ({
  cpuFloor: spread(perRound(runs.required, runs.bareHttp, (f, p) => cpuPerCall(f) / cpuPerCall(p))),
  cpuOver: spread(perRound(runs.plain, runs.required, (c, f) => cpuPerCall(c) / cpuPerCall(f))),
  wallFloor: spread(perRound(runs.bareHttp, runs.required, (p, f) => p.wallMs / f.wallMs)),
  wallOver: spread(perRound(runs.required, runs.plain, (f, c) => f.wallMs / c.wallMs)),
});

/** A context row over the rounds (median of the per-round ratios, min–max). */
const contextRow = (
  id: string,
  metric: string,
  s: ReturnType<typeof spread>,
  [project, reference]: [number, number],
  [shownProject, shownReference]: [string, string],
): ResultRow => ({
  item: 4,
  id,
  metric,
  project: shownProject,
  reference: shownReference,
  ratio: ratioSpread(s),
  target: '— (context)',
  met: 'n/a',
  values: spreadValues(s, project, reference, 'ms'),
});

/** The floor's four context rows; none when the rounds did not run it. */
export const cleanupFloorRows = (runs: FloorRuns, calls: string): ResultRow[] => {
  if (runs.required.length === 0) return [];
  const { cpuFloor, cpuOver, wallFloor, wallOver } = floorFigures(runs);
  const cpu = {
    floor: medianOf(runs.required, cpuPerCall),
    pool: medianOf(runs.bareHttp, cpuPerCall),
    cleanup: medianOf(runs.plain, cpuPerCall),
  };
  const wall = {
    floor: medianOf(runs.required, wallOf),
    pool: medianOf(runs.bareHttp, wallOf),
    cleanup: medianOf(runs.plain, wallOf),
  };
  const failed = floorFailed(runs);
  const floorShown = (figure: string) => `${figure}${failed > 0 ? `, ${failed} calls failed` : ''}`;
  return [
    contextRow(
      REQUIRED_WORK_CPU_ROW,
      `Context, what bounds the cleanup CPU target: client CPU per ended call of ${CLEANUP_FLOOR_LABEL}, ending ` +
        `the same ${calls} calls, vs the bare \`node:http\` pool, each in its own process, per-round ratios`,
      cpuFloor,
      [cpu.floor, cpu.pool],
      [floorShown(us(cpu.floor)), `bare node:http ${us(cpu.pool)}`],
    ),
    contextRow(
      VS_REQUIRED_WORK_CPU_ROW,
      'Context: cleanup client CPU per ended call vs that required-work floor, same rounds, per-round ratios',
      cpuOver,
      [cpu.cleanup, cpu.floor],
      [us(cpu.cleanup), `required work ${us(cpu.floor)}`],
    ),
    contextRow(
      REQUIRED_WORK_WALL_ROW,
      'Context, what bounds the cleanup wall target: bare `node:http` pool time / required-work floor time, same ' +
        'calls and latency, per-round ratios',
      wallFloor,
      [wall.pool, wall.floor],
      [`bare node:http ${ms(wall.pool)}`, floorShown(`required work ${ms(wall.floor)}`)],
    ),
    contextRow(
      VS_REQUIRED_WORK_WALL_ROW,
      'Context: required-work floor time / cleanup time, same rounds, per-round ratios',
      wallOver,
      [wall.floor, wall.cleanup],
      [`required work ${ms(wall.floor)}`, `cleanup ${ms(wall.cleanup)}`],
    ),
  ];
};

/** The CPU note's sentence on the floor, from the figures: bounded by it, or how far the cleanup is above it. */
export const floorCpuSentence = (runs: FloorRuns, target: number): string => {
  if (runs.required.length === 0) return '';
  const { cpuFloor, cpuOver } = floorFigures(runs);
  const floorCpu = medianOf(runs.required, cpuPerCall);
  const above = medianOf(runs.plain, cpuPerCall) - floorCpu;
  const failed = floorFailed(runs);
  const verdict =
    failed > 0
      ? failedVerdict(failed)
      : cpuFloor.median > target
        ? `beyond the ${target}x target on its own: on this machine the target is bounded by the work the contract ` +
          `requires, done plainly; the cleanup is ${ratio(cpuOver.median)} that floor`
        : `within the ${target}x target (${(target - cpuFloor.median).toFixed(2)}x of the pool to spare): the ` +
          `target is not bounded by it, and the cleanup exceeds it by ${ratio(cpuOver.median)} (${
            above > 0 ? `${us(above)} per call more` : 'nothing measurable'
          })`;
  return (
    ` What the contract itself requires, measured (the \`${REQUIRED_WORK_CPU_ROW}\` and ` +
    `\`${VS_REQUIRED_WORK_CPU_ROW}\` rows): ${CLEANUP_FLOOR_LABEL}, in its own process in the same rounds, spends ` +
    `${us(floorCpu)} per ended call, ${ratio(cpuFloor.median)} the bare \`node:http\` pool (median of the ` +
    `per-round ratios, min–max ${cpuFloor.min.toFixed(2)}–${cpuFloor.max.toFixed(2)}): ${verdict}. In ` +
    'instructions: `npx tsx bench/cleanup-instructions.ts bare-http required-work engine` (callgrind).'
  );
};

/** The wall note's sentence on the floor, from the figures: bounded by it, or how far the cleanup is behind it. */
export const floorWallSentence = (runs: FloorRuns, target: number): string => {
  if (runs.required.length === 0) return '';
  const { wallFloor, wallOver } = floorFigures(runs);
  const failed = floorFailed(runs);
  const verdict =
    failed > 0
      ? failedVerdict(failed)
      : wallFloor.median < target
        ? `below the ${target} target on its own: the contract's required work alone keeps the pool's pace out of ` +
          'reach on this machine'
        : `at or above the ${target} target: the target is not bounded by it, and the cleanup takes ${
            wallOver.median < 1
              ? `${((1 / wallOver.median - 1) * 100).toFixed(1)} % longer than`
              : 'no longer than'
          } the floor (floor time / cleanup time ${ratio(wallOver.median)})`;
  return (
    ` The required-work floor's wall time (the \`${REQUIRED_WORK_WALL_ROW}\` and \`${VS_REQUIRED_WORK_WALL_ROW}\` ` +
    `rows): pool time / floor time ${ratio(wallFloor.median)} (median of the per-round ratios, min–max ` +
    `${wallFloor.min.toFixed(3)}–${wallFloor.max.toFixed(3)}), ${verdict}.`
  );
};
