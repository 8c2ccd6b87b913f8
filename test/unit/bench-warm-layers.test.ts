import { describe, expect, it } from 'vitest';
import { WARM_LAYERS, type WarmLayerRuns, warmLayerNote, warmLayerRows } from '../../bench/warm-layers.ts';

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
    expect(rows.map((row) => row.id)).toEqual(WARM_LAYERS.map(({ key }) => `warm-layer-${key}`));
    expect(rows.every((row) => row.met === 'n/a' && row.target === '— (context)' && row.item === 3)).toBe(
      true,
    );
    expect(rows.every((row) => row.metric.startsWith('Context: what bounds the warm target, layer'))).toBe(
      true,
    );
    const [transport, client, , , , middyTimeout, full] = rows;
    expect(transport?.project).toBe('340 µs (+30 µs over the bare request)');
    expect(client?.project).toBe('370 µs (+30 µs over the transport layer)');
    expect(middyTimeout?.project).toBe('480 µs (±0 µs over the middy layer)');
    expect(full?.project).toBe('620 µs (+140 µs over the middy-timeout layer)');
    expect(full?.reference).toBe('bare node:http 310 µs');
    // Per repeat: 0.6/0.3, 0.62/0.32, 0.64/0.31; the median is 0.6/0.3.
    expect(full?.values.ratio).toBeCloseTo(0.6 / 0.3, 10);
    expect(full?.values.ratioMin).toBeCloseTo(0.62 / 0.32, 10);
    expect(full?.values.ratioMax).toBeCloseTo(0.64 / 0.31, 10);
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
    expect(note).toContain('2000 counted invocations');
    expect(note).toContain('the bare request 310 µs; transport 340 µs (+30 µs); client 370 µs (+30 µs)');
    expect(note).toContain('full 620 µs (+140 µs).');
    expect(note).toContain(`cost ${(0.46 / 0.31).toFixed(2)}x the bare request`);
    expect(note).toContain(`adds ${(0.62 / 0.31 - 0.46 / 0.31).toFixed(2)}x of it`);
  });
});
