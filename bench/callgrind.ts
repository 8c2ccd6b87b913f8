/**
 * Node under valgrind's callgrind, for the tools that count instructions (`Ir`) instead of timing
 * (bench/cold-instructions.ts, bench/warm-instructions.ts, bench/cleanup-instructions.ts through
 * `BENCH_CALLGRIND_OUT` in bench/harness.ts): instructions do not move with the load of other work on the machine.
 * Node runs with `--predictable` (bench/cold-instructions.ts says why) and callgrind checks self-modifying code
 * outside files (V8's generated code).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Starts `node ...nodeArgs` under callgrind, its counts written to `outFile`. Needs valgrind. */
export const spawnUnderCallgrind = (
  outFile: string,
  nodeArgs: string[],
  options: SpawnOptions,
): ChildProcess =>
  spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      '--predictable',
      ...nodeArgs,
    ],
    options,
  );

/** The instructions a callgrind output file counts in all (its `summary:` or `totals:` line); NaN without one. */
export const callgrindTotal = (outFile: string): number =>
  Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(outFile, 'utf8'))?.[1]);
