import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.ts';

/**
 * `call-control --help` and `--version` start fast because the bundle's entry answers them with the command
 * registry alone: the files they load (the entry and what it imports statically) are small, hold no command-line
 * parser, and are all they need (issue 22, row `cli-help`).
 */

const outDir = join(import.meta.dirname, '..', '..', 'dist', 'cli-startup-shape-test');
let entry: string;

beforeAll(async () => {
  entry = await buildCli(outDir);
}, 60_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The entry and every file it imports statically (what Node loads before the entry runs). */
const staticClosure = (file: string, seen = new Set<string>()): Set<string> => {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const [, path] of text.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g))
    staticClosure(join(dirname(file), String(path)), seen);
  return seen;
};

const run = (bundle: string, args: string[]) =>
  spawnSync(process.execPath, [bundle, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });

describe('what `call-control --help` and `--version` load', () => {
  it('the entry and its static imports: under 8 KiB, and no command-line parser (node:util parseArgs)', () => {
    const files = [...staticClosure(entry)];
    const bytes = files.reduce((total, file) => total + statSync(file).size, 0);
    expect(files.length).toBeLessThanOrEqual(2);
    expect(bytes).toBeLessThan(8 * 1024);
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toContain('parseArgs');
  });

  it('answers both from those files alone, as the whole bundle does; other command lines still load the rest', () => {
    const alone = mkdtempSync(join(tmpdir(), 'call-control-entry-alone-'));
    try {
      for (const file of staticClosure(entry)) {
        const relative = file.slice(outDir.length + 1);
        cpSync(file, join(alone, relative));
      }
      const copiedEntry = join(alone, 'call-control.mjs');
      for (const args of [['--help'], ['-h'], ['help'], ['--help', '--no-color']]) {
        const full = run(entry, args);
        const entryOnly = run(copiedEntry, args);
        expect(full.status).toBe(0);
        expect(entryOnly.status, entryOnly.stderr).toBe(0);
        expect(entryOnly.stdout).toBe(full.stdout);
        expect(entryOnly.stdout).toContain('Usage: call-control <command> [options]');
      }
      expect(run(entry, ['--version']).stdout).toMatch(/^call-control \d+\.\d+\.\d+/);
      expect(run(copiedEntry, ['--version']).status).toBe(0);
      // Anything else needs the rest of the bundle: without it, the entry alone cannot run `calls --help`.
      expect(run(copiedEntry, ['calls', '--help']).status).not.toBe(0);
      expect(readdirSync(join(outDir, 'chunks')).length).toBeGreaterThan(2);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });
});
