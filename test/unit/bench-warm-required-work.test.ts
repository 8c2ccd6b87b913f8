import { describe, expect, it } from 'vitest';
import { warmRows } from '../../bench/warm.ts';
import type { WarmDurations } from '../../bench/warm-alone.ts';
import { requiredWorkSentence } from '../../bench/warm-floor.ts';
import { expectQuotes, expectRatios } from '../support/layer-rows.ts';

/** One repeat of the warm rotation: p50s (ms) of the bare request, the handler alone and the required-work floor. */
const repeat = (
  p50: { http: number; handler: number; required: number },
  cpu: { http: number; handler: number; required: number },
): WarmDurations => ({
  handler: [],
  fetch: [],
  http: [p50.http],
  proxiedHandler: [],
  proxiedFetch: [],
  reference: [],
  handlerCpu: [cpu.handler],
  httpCpu: [cpu.http],
  handlerSteady: [],
  httpSteady: [],
  handlerAlone: [p50.handler],
  floor: [],
  floorCpu: [],
  required: [p50.required],
  requiredCpu: [cpu.required],
});

const cpu = { http: 0.3, handler: 0.6, required: 0.36 };
// Required work over bare: 1.1, 1.125, 1.2 (median 1.125); the handler over it: 0.5/0.33, 0.52/0.36 (median),
// 0.48/0.36.
const repeats = [
  repeat({ http: 0.3, handler: 0.5, required: 0.33 }, cpu),
  repeat({ http: 0.32, handler: 0.52, required: 0.36 }, { ...cpu, handler: 0.66 }),
  repeat({ http: 0.3, handler: 0.48, required: 0.36 }, { ...cpu, required: 0.4 }),
];

describe('the required-work floor of the warm target', () => {
  it('gives the floor against the bare request and the handler against the floor a context row each, over http', () => {
    // Act
    const rows = warmRows(repeats, [], false);
    const floor = rows.find((row) => row.id === 'warm-required-work-vs-node-http');
    const overFloor = rows.find((row) => row.id === 'warm-vs-required-work');

    // Assess
    expect(floor?.metric).toMatch(
      /^Context, what the design's contract requires, http: warm p50 of the required-work floor \(bench\/warm-required-work\.ts: /,
    );
    expect([floor?.met, floor?.target, overFloor?.met, overFloor?.target]).toEqual([
      'n/a',
      '— (context)',
      'n/a',
      '— (context)',
    ]);
    expect(floor?.project).toBe('0.36 ms');
    expect(floor?.reference).toBe('0.30 ms');
    expectRatios(floor, [0.36 / 0.32, 0.33 / 0.3, 0.36 / 0.3]);
    expectRatios(overFloor, [0.52 / 0.36, 0.48 / 0.36, 0.5 / 0.33]);
    // No design floor ran in these repeats: its rows stay out, and the target row keeps its id and target.
    expect(rows.some((row) => row.id === 'warm-design-floor-vs-node-http')).toBe(false);
    expect(rows.find((row) => row.id === 'warm-vs-node-http')?.target).toBe('≤ 1.3x');
  });

  it('has no rows and no sentence where the rotation did not run it (https)', () => {
    // Prepare
    const without = repeats.map((w) => ({ ...w, required: [], requiredCpu: [] }));

    // Act
    const rows = warmRows(without, [], true);

    // Assess
    expect(rows.some((row) => row.metric.includes('required-work'))).toBe(false);
    expect(requiredWorkSentence(without)).toBe('');
  });

  it("says in the note how much of the target's budget the required work takes, and what the handler spends above it", () => {
    // Act
    const sentence = requiredWorkSentence(repeats);

    // Assess: the floor's median ratio is 1.125, so 0.13 of the 0.30 above the bare request, 42 %.
    expectQuotes(sentence, [
      '`warm-required-work-vs-node-http` and `warm-vs-required-work` rows',
      'has a p50 of 0.36 ms against 0.30 ms for the bare request (1.13x',
      'that work alone takes 0.13 of the 0.30 the 1.3x target allows above it (42 %), leaving 0.18',
      `The project's handler is ${(0.52 / 0.36).toFixed(2)}x the required-work floor`,
      'goes to the libraries the design keeps (middy, Powertools Logger and Metrics)',
      'the required-work floor 360 µs (1.20x of the bare request',
      'the handler 600 µs (1.67x of the floor',
      'bench/warm-instructions.ts bare required project',
    ]);
  });

  it('does not say the handler spends anything above the floor in a run where it came at or below it', () => {
    // Prepare: the handler's p50 at 0.97x the floor's in every repeat.
    const below = repeats.map((w) => ({ ...w, handlerAlone: [(w.required[0] as number) * 0.97] }));

    // Act
    const sentence = requiredWorkSentence(below);

    // Assess
    expect(sentence).toContain(
      "The project's handler is 0.970 (1/1.0) the required-work floor, at or below it",
    );
    expect(sentence).not.toContain('what it spends above it');
  });
});
