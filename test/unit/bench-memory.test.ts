import { describe, expect, it } from 'vitest';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';
import { growthRow, rssHttpsRow } from '../../bench/memory.ts';
import { cleanupRun } from '../support/cleanup-runs.ts';

const MIB = 1024 * 1024;

/** The 50,000-call set-up: five runs in one process, each run's peak RSS (MiB) and the pages it listed. */
const largeSetUp = (peaksMib: number[]): CleanupResult =>
  cleanupRun(0, 50_000, {
    runs: peaksMib.length,
    runPeakRssBytes: peaksMib.map((peak) => peak * MIB),
    runPeakHeapBytes: peaksMib.map(() => 18 * MIB),
    runPagesRead: [250, 200, 150, 100, 50].slice(0, peaksMib.length),
  });
const small = { calls: 10_000, peakRssBytes: 88.3 * MIB, pagesRead: 50 };

describe('the memory growth row', () => {
  it("measures growth from the large set-up's own first run to the worst of its later runs, not from the 10,000-call row", () => {
    // Act: the published run, whose first run already peaked 5 MiB above the 10,000-call row
    const row = growthRow(largeSetUp([93.5, 97.7, 97.4, 97.2, 96.5]), 50_000, small);

    // Assess: +4.2 MiB over run 1 (4.5 %), where against the 10,000-call row it was +9.4 MiB (1.11x)
    expect(row.id).toBe('rss-growth-over-runs');
    expect(row.values.project).toBeCloseTo(4.2 * MIB, 0);
    expect(row.values.reference).toBe(93.5 * MIB);
    expect(row.ratio).toBe('1.04x');
    expect(row.target).toBe('flat (≤ +10 %)');
    expect(row.met).toBe('yes');
    expect(row.metric).toBe(
      'Peak RSS growth over 5 runs in one process (a warm container serving 5 scheduled invocations, 50,000 calls, ' +
        '≤ 10,000 ended per run): run 1 → the worst of runs 2–5',
    );
  });

  it('states run 1 and the 10,000-call row side by side, with the pages each listed', () => {
    const row = growthRow(largeSetUp([93.5, 97.7, 97.4, 97.2, 96.5]), 50_000, small);

    expect(row.project).toBe(
      '+4.2 MiB (per run 93.5 MiB, 97.7 MiB, 97.4 MiB, 97.2 MiB, 96.5 MiB; JS heap peak per run 18.0 MiB, ' +
        '18.0 MiB, 18.0 MiB, 18.0 MiB, 18.0 MiB; pages listed per run 250, 200, 150, 100, 50)',
    );
    expect(row.reference).toBe(
      'run 1: 93.5 MiB (it lists all 50,000 calls, 250 pages, to count those beyond its cap); ' +
        'the 10,000-call row: 88.3 MiB (50 pages)',
    );
  });

  it('misses the target when a later run peaks more than 10 % above the first, as memory kept from run to run would', () => {
    // A leak adds the same each run: +3 MiB per run is +12 MiB by run 5.
    const row = growthRow(largeSetUp([90, 93, 96, 99, 102]), 50_000, small);

    expect(row.values.project).toBe(12 * MIB);
    expect(row.met).toBe('no');
  });

  it('is met at exactly +10 %, and a later run below the first is no growth', () => {
    expect(growthRow(largeSetUp([100, 110, 105]), 50_000, small).met).toBe('yes');
    const lower = growthRow(largeSetUp([100, 95, 96]), 50_000, small);
    expect(lower.met).toBe('yes');
    expect(lower.project.startsWith('-4.0 MiB (')).toBe(true);
  });

  it('says it is not measured when the large set-up took one run (a scaled-down bench)', () => {
    const row = growthRow(largeSetUp([90]), 5_000, small);

    expect(row.met).toBe('not measured');
    expect(row.project).toBe('not measured: 5,000 calls take one run');
    expect(row.values).toEqual({});
  });
});

describe('the https memory row', () => {
  it('compares the worst peak of the cleanup over https with the worst of the bare node:http pool, as before', () => {
    // Prepare: the published figures
    const peaks = (mib: number[]) => mib.map((peak) => cleanupRun(0, 10_000, { peakRssBytes: peak * MIB }));
    const runs = { engine: peaks([92.0, 96.5, 94.8]), pool: peaks([90.2, 90.1, 87.1]) };

    // Act
    const row = rssHttpsRow(runs);

    // Assess
    expect(row.id).toBe('rss-https-vs-node-http');
    expect(row.project).toBe('96.5 MiB (runs 92.0 MiB, 96.5 MiB, 94.8 MiB), 0 left');
    expect(row.reference).toBe('bare node:http 90.2 MiB (runs 90.2 MiB, 90.1 MiB, 87.1 MiB)');
    expect(row.ratio).toBe('1.07x');
    expect(row.values.ratio).toBeCloseTo(96.5 / 90.2, 10);
    expect(row.met).toBe('yes');
  });
});
