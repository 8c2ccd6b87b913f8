/**
 * Node under valgrind's callgrind, for the tools that count instructions (`Ir`) instead of timing
 * (bench/cold-instructions.ts, bench/warm-instructions.ts, bench/cleanup-instructions.ts through
 * `BENCH_CALLGRIND_OUT` in bench/harness.ts): instructions do not move with the load of other work on the machine.
 * Node runs with `--predictable` (bench/cold-instructions.ts says why) and callgrind checks self-modifying code
 * outside files (V8's generated code).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Node's own flags for the child under callgrind, from `BENCH_CALLGRIND_NODE_FLAGS` (words separated by white
 * space, no quoting; `BENCH_NODE_FLAGS` outside callgrind is read the same way). With `--perf-basic-prof`, V8
 * writes `/tmp/perf-PID.map` (PID: the `pid:` line of the callgrind file), which names the JIT code that
 * `callgrind_annotate` shows only as addresses (`???:0x…`): the last entry of the map whose range holds the
 * address is the function's (V8 reuses code space). The map's writing costs instructions of its own (the engine
 * 408 k -> 428 k a call at 1000,3000, one run each, cleanup10): name with it, compare without it.
 */
export const extraNodeFlags = (value: string | undefined): string[] =>
  value?.split(/\s+/).filter(Boolean) ?? [];

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
      ...extraNodeFlags(process.env.BENCH_CALLGRIND_NODE_FLAGS),
      ...nodeArgs,
    ],
    options,
  );

/** The instructions a callgrind output file counts in all (its `summary:` or `totals:` line); NaN without one. */
export const callgrindTotal = (outFile: string): number =>
  Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(outFile, 'utf8'))?.[1]);

/**
 * The directory `--keep DIR` names, made if missing and checked writable before any run (`undefined` without the
 * option): found unwritable only after a window under callgrind, the copy would fail after minutes of counting.
 */
export const keepDirectory = (dir: string | undefined): string | undefined => {
  if (dir === undefined) return undefined;
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  accessSync(path, constants.W_OK);
  return path;
};

/**
 * Copies a window's callgrind file into the kept directory as `callgrind.<parts joined by dots>`, each part with
 * anything but letters, digits, `.`, `_` and `-` made a `-`: an arm's label is the caller's text (`bare node:http`,
 * a `/` would name a directory that is not there).
 */
export const keepCallgrind = (outFile: string, dir: string, ...parts: Array<string | number>): string => {
  const kept = join(
    dir,
    `callgrind.${parts.map((part) => String(part).replace(/[^\w.-]+/g, '-')).join('.')}`,
  );
  copyFileSync(outFile, kept);
  return kept;
};
