import { describe, expect, it } from 'vitest';
import { type LayerRuns, layerRows, layerSentence, medianCpu } from '../../bench/cleanup-layers.ts';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';
import { us } from '../../bench/report.ts';
import { cleanupRun } from '../support/cleanup-runs.ts';
import { expectLayerRows, expectQuotes, expectRatios } from '../support/layer-rows.ts';

/** A run that ended `ended` calls for `cpuMs` of CPU (the rest of the outcome does not enter the layers). */
const run = (cpuMs: number, ended = 1000, failed = 0): CleanupResult =>
  cleanupRun(cpuMs, ended, { found: ended + failed, failed, failedPerRun: [failed], posts: ended + failed });

/** Three rounds per arm; CPU in ms for 1,000 calls, so 150 means 150 µs per call. */
const runs = (): LayerRuns => ({
  bareHttp: [run(150), run(160), run(155)],
  transport: [run(180), run(170), run(175)],
  client: [run(195), run(190), run(230)],
  apply: [run(210), run(205), run(215)],
  paced: [run(230), run(220), run(225)],
  settled: [run(250), run(240), run(245)],
  plain: [run(300), run(310), run(290)],
});

describe("the cleanup CPU's layers", () => {
  it('gives each layer a context row with its id, its median CPU per call, the step over the layer below and the median per-round ratio to the bare pool', () => {
    // Act
    const rows = layerRows(runs(), '1,000');

    // Assess
    expectLayerRows(rows, {
      ids: ['transport', 'client', 'apply', 'paced', 'settled'].map((key) => `cleanup-layer-${key}`),
      metric: 'Context: what bounds the cleanup CPU target',
      projects: [
        '175 µs (+20 µs over the bare pool)',
        '195 µs (+20 µs over the transport layer)',
        '210 µs (+15 µs over the client layer)',
        '225 µs (+15 µs over the apply layer)',
        '245 µs (+20 µs over the paced layer)',
      ],
    });
    const [transport, client] = rows;
    expect(transport?.reference).toBe('bare node:http 155 µs');
    // Per round: 180/150, 170/160, 175/155; the median is 175/155.
    expectRatios(transport, [175 / 155, 170 / 160, 180 / 150]);
    expect(client?.values.ratioMax).toBeCloseTo(230 / 155, 10);
  });

  it('says in the row when a layer failed calls, since its CPU per ended call is then not comparable', () => {
    // Prepare
    const failing = { ...runs(), apply: [run(210), run(205, 990, 10), run(215)] };

    // Act
    const apply = layerRows(failing, '1,000')[2];

    // Assess
    expect(apply?.project).toContain(', 10 calls failed');
  });

  it('quotes every layer of the same run in the CPU note, with the steps between them and the target', () => {
    // Act
    const sentence = layerSentence(runs(), 1.6);

    // Assess
    expectQuotes(sentence, [
      'the bare `node:http` pool 155 µs',
      "through the project's transport 175 µs (+20 µs)",
      "through SignalWireClient's end request 195 µs (+20 µs)",
      'through `applyToProject` 210 µs (+15 µs)',
      "started through the cleanup's pool and pacer 225 µs (+15 µs)",
      'settled in its ledger with the audit record 245 µs (+20 µs)',
      'the full cleanup 300 µs (+55 µs: listing and parsing the pages, judging each call',
      `costs ${(210 / 155).toFixed(2)}x the bare pool`,
      `adds ${(90 / 155).toFixed(2)}x of it (ratios of these medians`,
      'the target: 1.6x in all).',
    ]);
  });

  it('shows a step down as a minus, not as a negative addition', () => {
    // Prepare
    const faster = { ...runs(), client: [run(165), run(170), run(160)] };

    // Act
    const sentence = layerSentence(faster, 1.6);

    // Assess
    expect(medianCpu(faster.client)).toBeCloseTo(0.165, 10);
    expect(sentence).toContain(`through SignalWireClient's end request ${us(0.165)} (−10 µs)`);
  });

  it('shows a step that rounds to nothing as ±0 µs, with no sign', () => {
    // Prepare: the transport 0.2 µs below the bare pool.
    const level = { ...runs(), transport: [run(154.8), run(154.8), run(154.8)] };

    // Act
    const [transport] = layerRows(level, '1,000');

    // Assess
    expect(transport?.project).toBe('155 µs (±0 µs over the bare pool)');
    expect(layerSentence(level, 1.6)).toContain("through the project's transport 155 µs (±0 µs)");
  });
});
