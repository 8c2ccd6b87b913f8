import { describe, expect, it } from 'vitest';
import { auditRecordRow } from '../../bench/cleanup.ts';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';

/** A run that wrote `ended` audit records for `cpuMs` of CPU (the rest of the outcome does not enter the row). */
const run = (cpuMs: number, ended = 1000): CleanupResult => ({
  runs: 1,
  wallMs: 1000,
  cpuMs,
  found: ended,
  ended,
  alreadyEnded: 0,
  failed: 0,
  pagesRead: 0,
  retries: {},
  failedPerRun: [0],
  failures: [],
  rssBeforeBytes: 0,
  peakRssBytes: 0,
  runPeakRssBytes: [],
  peaks: { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 },
  stillLive: 0,
  posts: 0,
  rateLimited: 0,
});

describe('the audit-record target row', () => {
  it('is the median of the repeats, with their min–max, so one disturbed run does not decide it', () => {
    // 1,000 records each: 12, 30 and 14 µs per record.
    const row = auditRecordRow([run(12), run(30), run(14)]);

    expect(row.id).toBe('audit-record-ms');
    expect(row.values).toMatchObject({ unit: 'ms', repeats: 3, projectMin: 0.012, projectMax: 0.03 });
    expect(row.values.project).toBeCloseTo(0.014, 9);
    expect(row.met).toBe('yes');
    expect(row.ratio).toMatch(/^min–max .+ over 3 repeats$/);
  });

  it('misses its target when the median is over 0.015 ms, even if one repeat is under it', () => {
    const row = auditRecordRow([run(10), run(16), run(20)]);

    expect(row.values.project).toBeCloseTo(0.016, 9);
    expect(row.met).toBe('no');
  });
});
