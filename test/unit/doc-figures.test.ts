/**
 * Figures in the docs come from the run that measured them: the benchmark's full run writes bench/results.json,
 * docs/benchmarks.md and the README's summary together. These tests fail when either document no longer shows
 * what results.json holds (a figure edited by hand, or a results.json committed without its documents).
 * The tarball's figures are checked the same way by the consumer suite, which packs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Machine,
  README_SUMMARY_END,
  README_SUMMARY_START,
  type ResultRow,
  renderMarkdown,
  renderSummary,
} from '../../bench/report.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const results = JSON.parse(read('bench/results.json')) as {
  machine: Machine;
  durationMs: number;
  rows: ResultRow[];
  notes: string[];
};

describe('benchmark figures in the docs', () => {
  it('docs/benchmarks.md is exactly what the last full run of npm run bench wrote', () => {
    expect(read('docs/benchmarks.md')).toBe(
      renderMarkdown(results.machine, results.rows, results.notes, results.durationMs),
    );
  });

  it('the README summary (bundle size, cold start, warm, cleanup, memory, CLI start-up) is that run’s', () => {
    const readme = read('README.md');
    const block = readme.slice(
      readme.indexOf(README_SUMMARY_START),
      readme.indexOf(README_SUMMARY_END) + README_SUMMARY_END.length,
    );

    expect(block).toBe(renderSummary(results.machine, results.rows));
  });
});

describe('install commands in the docs', () => {
  it('name the tarball `npm pack` makes of this version, so they work pasted as written', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string };
    const named = ['README.md', 'docs/package.md', 'docs/deploy.md', 'packaging/README.md'].flatMap((path) =>
      [...read(path).matchAll(/signalwire-call-control-(\d+\.\d+\.\d+[\w.-]*?)\.tgz/g)].map(
        (match) => `${path}: ${match[1]}`,
      ),
    );

    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((entry) => !entry.endsWith(`: ${version}`))).toEqual([]);
  });

  it('in docs/package.md all look for the tarball next to the app folder they run in, as its Install says', () => {
    const docs = read('docs/package.md');
    const paths = [...docs.matchAll(/npm install (\S*)signalwire-call-control-[^\s]*\.tgz/g)].map(
      (match) => match[1],
    );

    expect(docs).toMatch(/expect it next to your app's folder/);
    expect(paths.length).toBeGreaterThan(2);
    expect(paths.filter((path) => path !== '../')).toEqual([]);
  });
});
