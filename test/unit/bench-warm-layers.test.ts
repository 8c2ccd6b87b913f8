import { describe, expect, it } from 'vitest';
import { WARM_LAYERS, type WarmLayerRuns, warmLayerNote, warmLayerRows } from '../../bench/warm-layers.ts';
import { expectLayerRows, expectQuotes, expectRatios } from '../support/layer-rows.ts';

/** CPU per invocation in ms, one figure per repeat: 0.3 means 300 µs. */
const runs = (): WarmLayerRuns => ({
  bareHttp: [0.3, 0.32, 0.31],
  transport: [0.33, 0.35, 0.34],
  client: [0.36, 0.37, 0.38],
  service: [0.42, 0.4, 0.41],
  route: [0.45, 0.46, 0.47],
  middy: [0.47, 0.48, 0.49],
  'middy-timeout': [0.48, 0.49, 0.47],
  full: [0.6, 0.62, 0.64],
});

describe("the warm path's layers", () => {
  it('gives each layer a context row with its id, its median CPU, the step over the layer below and the median per-repeat ratio to the bare request', () => {
    // Act
    const rows = warmLayerRows(runs());

    // Assess
    expectLayerRows(rows, {
      ids: WARM_LAYERS.map(({ key }) => `warm-layer-${key}`),
      metric: 'Context: what bounds the warm target, layer',
      projects: [
        '340 µs (+30 µs over the bare request)',
        '370 µs (+30 µs over the transport layer)',
        '410 µs (+40 µs over the client layer)',
        '460 µs (+50 µs over the service layer)',
        '480 µs (+20 µs over the route layer)',
        '480 µs (±0 µs over the middy layer)',
        '620 µs (+140 µs over the middy-timeout layer)',
      ],
    });
    expect(rows.every((row) => row.item === 3)).toBe(true);
    const full = rows[6];
    expect(full?.reference).toBe('bare node:http 310 µs');
    // Per repeat: 0.6/0.3, 0.62/0.32, 0.64/0.31; the median is 0.6/0.3.
    expectRatios(full, [0.6 / 0.3, 0.62 / 0.32, 0.64 / 0.31]);
  });

  it('shows a layer cheaper than the one below as a minus', () => {
    // Prepare
    const cheaper = { ...runs(), middy: [0.44, 0.43, 0.45] };

    // Act
    const middy = warmLayerRows(cheaper)[4];

    // Assess
    expect(middy?.project).toBe('440 µs (−20 µs over the route layer)');
  });

  it('quotes every layer of the run in the note, with the share of the route and of the middy chain', () => {
    // Act
    const note = warmLayerNote(runs(), 2000);

    // Assess
    expectQuotes(note, [
      '2000 counted invocations',
      'the bare request 310 µs; transport 340 µs (+30 µs); client 370 µs (+30 µs)',
      'full 620 µs (+140 µs).',
      `cost ${(0.46 / 0.31).toFixed(2)}x the bare request`,
      `adds ${(0.62 / 0.31 - 0.46 / 0.31).toFixed(2)}x of it`,
    ]);
  });
});
