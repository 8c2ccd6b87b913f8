import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { shouldUseInvokeStore } from '../../functions/commons/platform/powertools-env.ts';
import { BUNDLE_ALIAS, functionBundleOptions } from '../../infra/runtime.ts';
import { TRACE_ROOTS } from '../support/powertools-life.ts';

const POWERTOOLS_ENV = '@aws-lambda-powertools/commons/utils/env';
const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'powertools-env-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The same life (test/support/powertools-life.ts) bundled as a function is, with the given aliases. */
const bundleLife = async (name: string, alias: Record<string, string>): Promise<string> => {
  const entry = join(scratch, 'life.ts');
  writeFileSync(
    entry,
    `import { live } from ${JSON.stringify(join(root, 'test', 'support', 'powertools-life.ts'))};\n` +
      "const reads = await live();\nprocess.stdout.write(JSON.stringify({ reads }) + '\\n');\n",
  );
  const outfile = join(scratch, name, 'index.mjs');
  await build({
    ...functionBundleOptions(false),
    alias,
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    logLevel: 'error',
  });
  return outfile;
};

/** Every line a bundle writes, stdout's then stderr's (Powertools warns on stderr), times masked; and its reads. */
const run = (file: string): { lines: string[]; reads: Record<string, number> } => {
  const { stdout, stderr, status } = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      TZ: 'UTC',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      POWERTOOLS_SERVICE_NAME: 'call-control-life',
      POWERTOOLS_METRICS_NAMESPACE: 'Life',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    },
  });
  expect(status, stderr).toBe(0);
  const out = stdout.trimEnd().split('\n');
  const { reads } = JSON.parse(out.pop() ?? '{}') as { reads: Record<string, number> };
  const lines = [...out, ...stderr.trimEnd().split('\n')].map((line) =>
    line.replace(/"timestamp":"[^"]+"/, '"timestamp":T').replace(/"Timestamp":\d+/, '"Timestamp":T'),
  );
  return { lines, reads };
};

describe("Powertools' concurrency switch, read once in a function bundle (functions/commons/platform/powertools-env.ts)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('decides once whether invocations run concurrently, as Lambda never changes it within an environment', () => {
    // Act
    const before = shouldUseInvokeStore();
    vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', '4');

    // Assess: the first answer (unset) stands
    expect([before, shouldUseInvokeStore()]).toEqual([false, false]);
  });

  it('writes the same log and EMF lines as Powertools reading it every time, the trace id of every invocation read', async () => {
    // Prepare: the same life bundled with the cached switch (as deployed) and without it
    const { [POWERTOOLS_ENV]: cached, ...uncached } = BUNDLE_ALIAS;
    expect(cached).toMatch(/powertools-env\.ts$/);

    // Act
    const lean = run(await bundleLife('cached', { ...BUNDLE_ALIAS }));
    const powertools = run(await bundleLife('uncached', uncached));

    // Assess: line for line the same bytes, each invocation with its own trace id (or none)
    expect(lean.lines).toEqual(powertools.lines);
    const audits = lean.lines.filter((line) => line.includes('"message":"call-control audit"'));
    expect(audits.map((line) => /"xray_trace_id":"([^"]+)"/.exec(line)?.[1])).toEqual(TRACE_ROOTS);
    expect(audits[0]).toContain('"cold_start":true');
    expect(lean.lines.filter((line) => line.includes('"LifeSteps":1'))).toHaveLength(TRACE_ROOTS.length);
    expect(lean.lines.filter((line) => line.includes('"message":"a warning"'))).toHaveLength(
      TRACE_ROOTS.length,
    );
    // The switch is no longer read per invocation; the trace header still is, in every invocation.
    expect(powertools.reads.AWS_LAMBDA_MAX_CONCURRENCY).toBeGreaterThan(4 * TRACE_ROOTS.length);
    expect(lean.reads.AWS_LAMBDA_MAX_CONCURRENCY).toBeUndefined();
    expect(lean.reads._X_AMZN_TRACE_ID).toBeGreaterThanOrEqual(TRACE_ROOTS.length);
    expect(lean.reads._X_AMZN_TRACE_ID).toBe(powertools.reads._X_AMZN_TRACE_ID);
  });
});
