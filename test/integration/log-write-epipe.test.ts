import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ALIAS, functionBundleOptions } from '../../infra/runtime.ts';

/**
 * stdout a pipe whose reader is gone, as a real process meets it: Node does not throw from the write, it destroys
 * the stream and reports EPIPE afterwards as an `'error'` event, which ends a process no one listens for it in.
 * A function bundle writing audit and metric lines to such a pipe must finish its work, say once that stdout is
 * gone, and write its later audit lines to stderr (Lambda's same log group).
 */

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'log-epipe-'));
let bundle = '';

beforeAll(async () => {
  const entry = join(scratch, 'entry.ts');
  const from = (path: string) => JSON.stringify(join(root, 'functions', 'commons', ...path.split('/')));
  writeFileSync(
    entry,
    `import { AUDIT_MESSAGE } from ${from('calls/audit.ts')};
import { CallControlMetrics } from ${from('platform/emf-metrics.ts')};
import { CallControlLogger } from ${from('platform/powertools.ts')};
const logger = new CallControlLogger({ serviceName: 'call-control-epipe' });
const metrics = new CallControlMetrics({ serviceName: 'call-control-epipe', namespace: 'Epipe' });
// The parent closes its end of stdout as soon as it starts this process; stdin's end says when it has.
await new Promise((resolve) => process.stdin.once('end', resolve).resume());
for (let i = 0; i < 4; i++) {
  logger.info(AUDIT_MESSAGE, { audit: { trigger: 'http', outcome: 'updated', callSid: 'call-' + i } });
  metrics.addMetric('CallsUpdated', 'Count', 1);
  metrics.publishStoredMetrics();
  await new Promise((resolve) => setImmediate(resolve));
}
process.stderr.write('finished\\n');
`,
  );
  bundle = join(scratch, 'index.mjs');
  await build({
    ...functionBundleOptions(false),
    alias: BUNDLE_ALIAS,
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: bundle,
    logLevel: 'error',
  });
}, 60_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the bundle with stdout a pipe closed at its reader's end; its exit code and stderr. */
const runWithClosedStdout = () =>
  new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, TZ: 'UTC', POWERTOOLS_LOG_LEVEL: 'INFO' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdout.destroy();
    child.stdin.end();
  });

describe('audit and metric lines written to a stdout pipe whose reader is gone', () => {
  it('do not end the process: one line says stdout is gone, and every audit line written after it reaches stderr', async () => {
    const { code, stderr } = await runWithClosedStdout();

    expect(code, stderr).toBe(0);
    const lines = stderr.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('finished');
    const json = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    // The first line's write failed after it returned (EPIPE comes as an event): that line is the one the notice
    // says may be lost; every later one is written to stderr, after the notice.
    expect(json[0]).toEqual({
      level: 'ERROR',
      message:
        'stdout refused a write: audit lines go to stderr from here, the last ones written to stdout may be lost',
      error: 'EPIPE',
    });
    expect(json.slice(1).map((line) => (line.audit as { callSid: string } | undefined)?.callSid)).toEqual([
      'call-1',
      'call-2',
      'call-3',
    ]);
  }, 30_000);
});
