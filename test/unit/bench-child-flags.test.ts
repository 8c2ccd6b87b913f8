import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ipcRun } from '../../bench/harness.ts';

/** A child that prints a line and answers with the flags its node was started with. */
const CHILD = `process.stdout.write('printed by the child\\n');
process.once('message', () => process.send({ execArgv: process.execArgv }, () => process.exit(0)));
`;

describe("the bench's IPC children: BENCH_NODE_FLAGS and BENCH_CHILD_STDOUT", () => {
  const saved = { flags: process.env.BENCH_NODE_FLAGS, stdout: process.env.BENCH_CHILD_STDOUT };
  const made: string[] = [];
  const child = (): { dir: string; script: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-child-'));
    made.push(dir);
    const script = join(dir, 'child.cjs');
    writeFileSync(script, CHILD);
    return { dir, script };
  };
  const restore = (name: 'BENCH_NODE_FLAGS' | 'BENCH_CHILD_STDOUT', value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  afterEach(() => {
    restore('BENCH_NODE_FLAGS', saved.flags);
    restore('BENCH_CHILD_STDOUT', saved.stdout);
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

  it('starts the child with no flag of its own and its stdout discarded when neither is set', async () => {
    const { script } = child();
    delete process.env.BENCH_NODE_FLAGS;
    delete process.env.BENCH_CHILD_STDOUT;
    const answer = await ipcRun<{ execArgv: string[] }>(script, env, 'go');
    expect(answer.execArgv).toEqual([]);
  });

  it("gives the child's node the flags NODE_OPTIONS refuses, and appends its stdout to the file", async () => {
    const { dir, script } = child();
    const out = join(dir, 'child.log');
    writeFileSync(out, 'before\n');
    process.env.BENCH_NODE_FLAGS = ' --trace-gc  --min-semi-space-size=2 ';
    process.env.BENCH_CHILD_STDOUT = out;
    const answer = await ipcRun<{ execArgv: string[] }>(script, env, 'go');
    expect(answer.execArgv).toEqual(['--trace-gc', '--min-semi-space-size=2']);
    await ipcRun(script, env, 'go');
    expect(readFileSync(out, 'utf8')).toBe('before\nprinted by the child\nprinted by the child\n');
  });
});
