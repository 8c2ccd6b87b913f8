import { describe, expect, it } from 'vitest';
import { type WarmDurations, warmCpuRow, warmCpuSentence } from '../../bench/warm-alone.ts';

/** One repeat: the bare request's durations (ms) and the CPU per invocation of both arms (ms). */
const repeat = (http: number[], handlerCpu: number, httpCpu: number): WarmDurations => ({
  handler: [],
  fetch: [],
  http,
  proxiedHandler: [],
  proxiedFetch: [],
  reference: [],
  handlerCpu: [handlerCpu],
  httpCpu: [httpCpu],
  handlerSteady: [],
  httpSteady: [],
  handlerAlone: [],
  floor: [],
  floorCpu: [],
  required: [],
  requiredCpu: [],
});

describe("the warm target's CPU context", () => {
  it('sets the handler CPU per invocation against the bare request of the same repeat, with the row id over http only', () => {
    // Prepare: per-repeat ratios 3, 2.5 and 2.8; the median is 2.8.
    const repeats = [repeat([0.3], 0.45, 0.15), repeat([0.3], 0.4, 0.16), repeat([0.3], 0.42, 0.15)];

    // Act
    const row = warmCpuRow(repeats, false);
    const overTls = warmCpuRow(repeats, true);

    // Assess
    expect(row.id).toBe('warm-cpu-vs-node-http');
    expect(overTls.id).toBeUndefined();
    expect(row.met).toBe('n/a');
    expect(row.metric).toMatch(/^Context: what bounds the warm target/);
    expect(row.project).toBe('420 µs');
    expect(row.reference).toBe('bare node:http 150 µs');
    expect(row.values.ratio).toBeCloseTo(2.8, 10);
    expect(row.values.ratioMin).toBeCloseTo(2.5, 10);
    expect(row.values.ratioMax).toBeCloseTo(3, 10);
  });

  it("says the handler's CPU alone exceeds the target's allowance only when it does", () => {
    // Prepare: the bare request's p50 is 0.3 ms, so 1.3x of it is 390 µs.
    const above = [repeat([0.3, 0.3, 0.3], 0.42, 0.15)];
    const below = [repeat([0.3, 0.3, 0.3], 0.35, 0.15)];

    // Act
    const over = warmCpuSentence(above);
    const under = warmCpuSentence(below);

    // Assess
    expect(over).toContain('the handler 420 µs, the bare request 150 µs (2.80x');
    expect(over).toContain('270 µs more work per invocation');
    expect(over).toContain("its CPU alone is above 1.3x the bare request's p50 (390 µs)");
    expect(under).not.toContain('above 1.3x');
    expect(under).toContain("the target allows 390 µs (1.3x the bare request's p50)");
  });
});
