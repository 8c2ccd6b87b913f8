import { expect } from 'vitest';
import type { ResultRow } from '../../bench/report.ts';

/**
 * What the layer tables of the bench (bench/warm-layers.ts, bench/cleanup-layers.ts) say alike: one context row
 * per layer, in order (`ids`), none with a target of its own (met `n/a`, target `— (context)`), each metric
 * opening with `metric`, and each row's median CPU with its step over the layer below (`projects`, in order).
 */
export const expectLayerRows = (
  rows: ResultRow[],
  expected: { ids: string[]; metric: string; projects: string[] },
): void => {
  expect(rows.map((row) => row.id)).toEqual(expected.ids);
  expect(rows.every((row) => row.met === 'n/a' && row.target === '— (context)')).toBe(true);
  expect(rows.every((row) => row.metric.startsWith(expected.metric))).toBe(true);
  expect(rows.map((row) => row.project)).toEqual(expected.projects);
};

/** A layer row's ratio to the bare request: the median of the per-round ratios, and their least and most. */
export const expectRatios = (
  row: ResultRow | undefined,
  [ratio, least, most]: [number, number, number],
): void => {
  expect(row?.values.ratio).toBeCloseTo(ratio, 10);
  expect(row?.values.ratioMin).toBeCloseTo(least, 10);
  expect(row?.values.ratioMax).toBeCloseTo(most, 10);
};

/** A layer note quotes each of `parts`. */
export const expectQuotes = (note: string, parts: string[]): void => {
  for (const part of parts) expect(note).toContain(part);
};
