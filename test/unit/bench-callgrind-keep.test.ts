import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extraNodeFlags, keepCallgrind, keepDirectory } from '../../bench/callgrind.ts';

describe("the instruction counters' --keep DIR", () => {
  const made: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'callgrind-keep-'));
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('makes the directory before any run, and refuses one that cannot be (a file in the way)', () => {
    const dir = scratch();
    expect(keepDirectory(undefined)).toBeUndefined();
    expect(keepDirectory(join(dir, 'a', 'b'))).toBe(join(dir, 'a', 'b'));
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
    writeFileSync(join(dir, 'file'), '');
    expect(() => keepDirectory(join(dir, 'file', 'kept'))).toThrow();
  });

  it("keeps a window's file under a name made of its parts, an arm's label with no separator or space in it", () => {
    const dir = scratch();
    const out = join(dir, 'callgrind.out');
    writeFileSync(out, 'totals: 42\n');
    const kept = keepCallgrind(out, dir, 'bare node:http', 1, 'short');
    expect(kept).toBe(join(dir, 'callgrind.bare-node-http.1.short'));
    expect(readFileSync(kept, 'utf8')).toBe('totals: 42\n');
    expect(keepCallgrind(out, dir, 'a/b\\c', 2, 'long')).toBe(join(dir, 'callgrind.a-b-c.2.long'));
  });
});

describe("the instruction counters' node flags", () => {
  it("passes BENCH_CALLGRIND_NODE_FLAGS's words to the child's node, none when it is unset or blank", () => {
    expect(extraNodeFlags(undefined)).toEqual([]);
    expect(extraNodeFlags('  ')).toEqual([]);
    expect(extraNodeFlags('--perf-basic-prof  --max-semi-space-size=8')).toEqual([
      '--perf-basic-prof',
      '--max-semi-space-size=8',
    ]);
  });

  it('splits at tabs and newlines too, as a shell variable set over two lines holds them', () => {
    // One word "--trace-gc\t--trace-gc-verbose" would be refused by node as a bad option.
    expect(extraNodeFlags('--trace-gc\t--trace-gc-verbose\n --perf-basic-prof\n')).toEqual([
      '--trace-gc',
      '--trace-gc-verbose',
      '--perf-basic-prof',
    ]);
  });
});
