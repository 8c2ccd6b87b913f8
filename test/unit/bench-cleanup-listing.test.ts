import { describe, expect, it } from 'vitest';
import { cpuPerListedCall, type ListingRuns, listingRow } from '../../bench/cleanup-listing.ts';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';
import { cleanupRun } from '../support/cleanup-runs.ts';

/** A run that listed `found` calls and ended `ended` of them for `cpuMs` of CPU. */
const run = (cpuMs: number, ended: number, found = 1000): CleanupResult =>
  cleanupRun(cpuMs, ended, { found, pagesRead: 5, stillLive: found - ended });

/** Three rounds per arm; CPU in ms for 1,000 calls, so 150 means 150 µs per call. */
const runs = (): ListingRuns => ({
  bareHttp: [run(150, 1000), run(160, 1000), run(155, 1000)],
  plain: [run(300, 1000), run(310, 1000), run(290, 1000)],
  // Nothing ended: CPU per listed call, not per ended one (which would divide by 1).
  listing: [run(40, 0), run(50, 0), run(45, 0)],
});

describe("the cleanup CPU's listing", () => {
  it('divides a listing run by the calls it listed, since it ends none', () => {
    expect(cpuPerListedCall(run(45, 0))).toBeCloseTo(0.045, 10);
  });

  it('gives the listing a context row: its CPU per listed call, the cleanup less it, and the per-round ratio to the bare pool', () => {
    // Act
    const row = listingRow(runs(), '1,000');

    // Assess
    expect(row.id).toBe('cleanup-listing-cpu-vs-node-http');
    expect(row.met).toBe('n/a');
    expect(row.metric).toMatch(/^Context: what bounds the cleanup CPU target, the listing/);
    // The run's fixed CPU (client set-up, first compilation) is in the figure: the row says so.
    expect(row.metric).toContain(
      'client CPU per listed call (of the whole run: its set-up and first compilation',
    );
    // Medians: listing 45 µs, cleanup 300 µs, pool 155 µs; the cleanup less the listing is 255 µs, 1.65x the pool.
    expect(row.project).toBe(
      '45 µs per listed call; the cleanup less it 255 µs per ended call (1.65x the pool)',
    );
    expect(row.reference).toBe('bare node:http 155 µs');
    // Per round: 40/150, 50/160, 45/155.
    expect(row.values.ratio).toBeCloseTo(45 / 155, 10);
    expect(row.values.ratioMin).toBeCloseTo(40 / 150, 10);
    expect(row.values.ratioMax).toBeCloseTo(50 / 160, 10);
  });

  it('says in the row when a listing run ended calls, since it is then not the listing alone', () => {
    const ending = { ...runs(), listing: [run(40, 0), run(50, 3), run(45, 0)] };

    expect(listingRow(ending, '1,000').metric).toContain('(3 calls ended: not comparable)');
  });

  it('says in the row when a listing run listed fewer calls than the cleanup of its round', () => {
    // A listing that failed after one page divides its CPU by 200 calls, not 1,000: not the listing of them all.
    const cut = { ...runs(), listing: [run(40, 0), run(50, 0, 200), run(45, 0)] };

    expect(listingRow(runs(), '1,000').metric).not.toContain('not comparable');
    expect(listingRow(cut, '1,000').metric).toContain(
      '(fewer calls listed than the cleanup found in 1 of 3 rounds: not comparable)',
    );
  });
});
