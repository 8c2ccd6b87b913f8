import { describe, expect, it } from 'vitest';
import { auditRecordRow } from '../../bench/cleanup.ts';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';
import { cleanupRun } from '../support/cleanup-runs.ts';

/** A run that wrote 1,000 audit records for `cpuMs` of CPU (posts: none). */
const run = (cpuMs: number): CleanupResult => cleanupRun(cpuMs, 1000, { posts: 0 });

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
