import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collectRun } from '../support/cli-process.ts';

describe('collectRun (the CLI process tests’ collector)', () => {
  it('reports the exit of a process that ends without reading its input, instead of failing on the closed pipe', async () => {
    // Prepare: more input than a pipe buffers, to a process that never reads it.
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: ['pipe', 'pipe', 'pipe'] });

    // Act
    const run = await collectRun(child, 20_000, 'x'.repeat(8 * 1024 * 1024));

    // Assess
    expect(run).toEqual({ code: 3, stdout: '', stderr: '' });
  });
});
