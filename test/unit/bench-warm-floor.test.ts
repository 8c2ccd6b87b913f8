import { describe, expect, it } from 'vitest';
import { warmRows } from '../../bench/warm.ts';
import type { WarmDurations } from '../../bench/warm-alone.ts';
import { budgetShare, designFloorSentence } from '../../bench/warm-floor.ts';
import { expectQuotes, expectRatios } from '../support/layer-rows.ts';

/** One repeat of the warm rotation: p50s (ms) of the bare request, the handler alone and the floor, and CPU (ms). */
const repeat = (
  p50: { http: number; handler: number; floor: number },
  cpu: { http: number; handler: number; floor: number },
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
  floor: [p50.floor],
  floorCpu: [cpu.floor],
  required: [],
  requiredCpu: [],
});

const cpu = { http: 0.3, handler: 0.6, floor: 0.45 };
// Floor over bare: 1.2, 1.25, 1.1 (median 1.2); handler over floor: 0.5/0.36, 0.52/0.4 (least), 0.48/0.33 (most).
const repeats = [
  repeat({ http: 0.3, handler: 0.5, floor: 0.36 }, cpu),
  repeat({ http: 0.32, handler: 0.52, floor: 0.4 }, { ...cpu, handler: 0.66 }),
  repeat({ http: 0.3, handler: 0.48, floor: 0.33 }, { ...cpu, floor: 0.42 }),
];

describe('the design floor of the warm target', () => {
  it('gives the floor against the bare request and the handler against the floor a context row each, over http', () => {
    // Act
    const rows = warmRows(repeats, [], false);
    const floor = rows.find((row) => row.id === 'warm-design-floor-vs-node-http');
    const overFloor = rows.find((row) => row.id === 'warm-vs-design-floor');

    // Assess
    expect(floor?.metric).toMatch(
      /^Context, what the required libraries cost used plainly, http: warm p50 of the design floor/,
    );
    expect(floor?.met).toBe('n/a');
    expect(floor?.project).toBe('0.36 ms');
    expect(floor?.reference).toBe('0.30 ms');
    expectRatios(floor, [1.2, 1.1, 1.25]);
    expect(overFloor?.met).toBe('n/a');
    expectRatios(overFloor, [0.5 / 0.36, 0.52 / 0.4, 0.48 / 0.33]);
    // The target row keeps its id, its target and its meaning.
    const target = rows.find((row) => row.id === 'warm-vs-node-http');
    expect(target?.target).toBe('≤ 1.3x');
    expectRatios(target, [0.52 / 0.32, 0.48 / 0.3, 0.5 / 0.3]);
  });

  it('has no floor rows and no floor sentence where the rotation did not run it (https)', () => {
    // Prepare
    const withoutFloor = repeats.map((w) => ({ ...w, floor: [], floorCpu: [] }));

    // Act
    const rows = warmRows(withoutFloor, [], true);

    // Assess
    expect(rows.some((row) => row.metric.includes('design floor'))).toBe(false);
    expect(designFloorSentence(withoutFloor)).toBe('');
  });

  it("says in the note how much of the target's budget above the bare request the libraries alone take", () => {
    // Act
    const sentence = designFloorSentence(repeats);

    // Assess: the floor's median ratio is 1.2, so 0.20 of the 0.30 above the bare request, 67 %.
    expectQuotes(sentence, [
      '`warm-design-floor-vs-node-http` and `warm-vs-design-floor` rows',
      'has a p50 of 0.36 ms against 0.30 ms for the bare request (1.20x',
      'the libraries used so take 0.20 of the 0.30 the 1.3x target allows above it (67 %), leaving 0.10',
      `The project's handler is ${(0.5 / 0.36).toFixed(2)}x the floor`,
      'the floor 450 µs (1.50x of the bare request',
      'the handler 600 µs (1.33x of the floor',
      'bench/warm-instructions.ts bare floor project',
    ]);
  });

  it('says why when the handler comes out below the floor', () => {
    // Prepare: the handler's p50 under the floor's in every repeat.
    const below = repeats.map((w) => ({ ...w, handlerAlone: [(w.floor[0] ?? 0) * 0.9] }));

    // Act
    const sentence = designFloorSentence(below);

    // Assess
    expect(sentence).toContain(
      "The project's handler is 0.900 (1/1.1) the floor: below it, where the project's own",
    );
    expect(designFloorSentence(repeats)).not.toContain('below it');
  });

  it('does not call the floor a bound: it says the project writes the same two lines cheaper than Powertools used plainly', () => {
    // Prepare: the floor over the whole budget, the handler at it (the figures of a loaded run).
    const loaded = repeats.map((w) => ({
      ...w,
      floor: [(w.http[0] ?? 0) * 2],
      handlerAlone: [(w.http[0] ?? 0) * 2],
    }));

    // Act
    const sentence = designFloorSentence(loaded);

    // Assess
    expect(sentence).not.toMatch(/libraries alone/);
    expectQuotes(sentence, [
      'What the required libraries cost used plainly, measured',
      'the libraries used so take 1.00 of the 0.30',
      'Not a lower bound:',
      "its audit line from a template and its EMF line from counters kept out of Powertools' store",
    ]);
  });

  it('says when the libraries alone take the whole budget, or none of it', () => {
    expect(budgetShare(1.42)).toBe(
      '0.42 of the 0.30 the 1.3x target allows above it: more than the whole budget (140 %)',
    );
    expect(budgetShare(0.98)).toBe('none of the 0.30 the 1.3x target allows above it');
  });
});
