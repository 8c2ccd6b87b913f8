/**
 * The cleanup bench's request timeout (bench/cleanup-driver.ts `requestTimeoutMs`): under callgrind
 * (bench/cleanup-instructions.ts) the child runs some 50 times slower, and a request that outlasted the client's
 * fixed 5 s failed the count on a loaded machine. The timeout is the scenario's to give, for the client the
 * cleanup builds and for the `transport` layer alike, and a call that outlasts it still fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CleanupScenario, runScenario } from '../../bench/cleanup-scenarios.ts';
import { type BenchContext, FUNCTION_MEMORY_MB } from '../../bench/measurement.ts';

const out = mkdtempSync(join(tmpdir(), 'bench-cleanup-timeout-'));
const context = {
  root: resolve(import.meta.dirname, '..', '..'),
  out,
  log: () => undefined,
} as unknown as BenchContext;
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Two calls ended through one layer, SignalWire answering each after 400 ms. */
const scenario = (mode: CleanupScenario['mode'], requestTimeoutMs: number): CleanupScenario => ({
  calls: 2,
  latencyMs: 400,
  maxRuns: 1,
  concurrency: 1,
  memoryMb: FUNCTION_MEMORY_MB,
  trackMemory: false,
  mode,
  requestTimeoutMs,
});

describe("the cleanup bench's request timeout", () => {
  for (const mode of ['layer-client', 'layer-transport'] as const) {
    it(`is the scenario's for the ${mode} layer: a call answered within it ends, one answered after it fails`, async () => {
      const within = await runScenario(context, scenario(mode, 5_000));
      expect(within).toMatchObject({ ended: 2, failed: 0, stillLive: 0 });

      await expect(runScenario(context, scenario(mode, 100))).rejects.toThrow(/timeout/i);
    }, 60_000);
  }
});
