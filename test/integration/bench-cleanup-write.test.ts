/**
 * The audit-record floor of the cleanup bench (bench/cleanup-driver.ts `writeLines`): as many bare writes of a
 * line as long as the audit records the `auditLines` runs write, to stdout, with the run's CPU split into user
 * and system time. The driver runs bundled the production way, as the bench runs it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../bench/build.ts';
import type { CleanupPlan } from '../../bench/cleanup-driver.ts';
import { runCleanupDriver } from '../support/cleanup-driver.ts';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bench-cleanup-write-'));
let driver: string;

beforeAll(async () => {
  driver = (await bundle(root, 'bench/cleanup-driver.ts', 'cleanup-driver', work)).outfile;
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const plan = (lines: Partial<CleanupPlan>): CleanupPlan => ({
  projectId: '3f6b2a1c-8d4e-4b7a-9c5d-2e1f0a9b8c7d',
  apiToken: 'PTnever-sent',
  spaceOrigin: 'http://127.0.0.1:9',
  concurrency: 1,
  maxCallsToEnd: 1,
  maxAgeSeconds: 3600,
  maxRuns: 1,
  trackMemory: false,
  ...lines,
});

const runDriver = (given: CleanupPlan) => runCleanupDriver(driver, given);

describe("the cleanup bench's write floor", () => {
  it('writes as many lines as long as the audit records, and splits its CPU into user and system time', async () => {
    // Act
    const audits = await runDriver(plan({ auditLines: 20 }));
    const writes = await runDriver(plan({ writeLines: 20 }));

    // Assess
    expect(writes.outcome.ended).toBe(20);
    expect(writes.lines).toHaveLength(20);
    const recordBytes = audits.lines.map((line) => Buffer.byteLength(line));
    expect(new Set(recordBytes).size).toBe(1);
    expect(writes.lines.every((line) => Buffer.byteLength(line) === recordBytes[0])).toBe(true);
    expect(writes.outcome.lineBytes).toBe(recordBytes[0]);
    expect(JSON.parse(writes.lines[0] ?? '')).toMatchObject({
      message: 'call-control audit',
      audit: { trigger: 'schedule' },
    });
    for (const { outcome } of [audits, writes]) {
      expect((outcome.userCpuMs ?? Number.NaN) + (outcome.systemCpuMs ?? Number.NaN)).toBeCloseTo(
        outcome.cpuMs,
        6,
      );
    }
  });
});
