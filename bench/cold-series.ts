/**
 * A cold-start series of bench/cold-start.ts (one figure per counted round) and how two series become a row:
 * the median of each, and the median of the per-repeat ratios with their min–max.
 */
import { median } from './harness.ts';
import { REPEATS, yesNo } from './measurement.ts';
import { ms, type ResultRow, ratioSpread, spread, spreadValues } from './report.ts';

/** Issue 22's target against the reference deployed the default way (no source maps). */
export const TARGET_VS_SDK_DEFAULT = 0.3;

export interface ColdSeries {
  /** Spawn to the first answer, measured by the parent; index = round. */
  wallMs: number[];
  /** `performance.now()` in the child when the answer was ready (ms since process start). */
  readyMs: number[];
  importMs: number[];
  firstInvokeMs: number[];
  /** User + system CPU of the child from its start to the answer (ms): what other work on the machine stretches less. */
  cpuMs: number[];
}

export const emptySeries = (): ColdSeries => ({
  wallMs: [],
  readyMs: [],
  importMs: [],
  firstInvokeMs: [],
  cpuMs: [],
});

/** The per-repeat ratios of two series' wall times: repeat r is rounds [r·n, (r+1)·n). */
const repeatRatios = (
  a: ColdSeries,
  b: ColdSeries,
  perRepeat: number,
  key: 'wallMs' | 'cpuMs' = 'wallMs',
): number[] =>
  Array.from({ length: REPEATS }, (_, r) => {
    const slice = (values: number[]) => values.slice(r * perRepeat, (r + 1) * perRepeat);
    return median(slice(a[key])) / median(slice(b[key]));
  });

export interface RowSpec {
  id?: string;
  metric: string;
  project: ColdSeries;
  reference: ColdSeries;
  target?: { bound: number; display: string };
  summary?: boolean;
  /** The figure compared: wall time, spawn to answer (default), or the child's CPU from its start to the answer. */
  figure?: 'wallMs' | 'cpuMs';
}

export const coldRow = (spec: RowSpec, perRepeat: number): ResultRow => {
  const figure = spec.figure ?? 'wallMs';
  const a = median(spec.project[figure]);
  const b = median(spec.reference[figure]);
  const s = spread(repeatRatios(spec.project, spec.reference, perRepeat, figure));
  return {
    item: 2,
    ...(spec.id ? { id: spec.id } : {}),
    metric: spec.metric,
    project: ms(a),
    reference: ms(b),
    ratio: ratioSpread(s),
    target: spec.target?.display ?? '— (context)',
    met: spec.target ? yesNo(s.median <= spec.target.bound) : 'n/a',
    values: spreadValues(s, a, b, 'ms'),
    ...(spec.summary ? { summary: true } : {}),
  };
};
