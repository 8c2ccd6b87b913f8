import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  COST_COLD_SHARE,
  costPerMillion,
  costRow,
  LAMBDA_ARM64_PRICE,
  README_SUMMARY_END,
  README_SUMMARY_START,
  type ResultRow,
  ratioSpread,
  renderMarkdown,
  renderSummary,
  replaceSummary,
  spread,
  spreadValues,
} from '../../bench/report.ts';
import { runBench } from '../../bench/runner.ts';

const machine = {
  node: 'v24.0.0',
  cpu: 'test',
  cores: 2,
  platform: 'linux',
  totalMemoryMiB: 1024,
  date: '2026-11-29T23:00:00.000Z',
};
const row = (metric: string, met: ResultRow['met']): ResultRow => ({
  item: 1,
  metric,
  project: '1 | 2',
  reference: '3',
  ratio: '0.5',
  target: '≤ 1',
  met,
  values: {},
});

describe('the benchmark report', () => {
  it('puts every row with a target, and the context rows marked for it, in the README summary, and nothing of the README outside the markers changes', () => {
    // Prepare
    const readme = `# Title\n\nbefore\n\n${README_SUMMARY_START}\nold figures\n${README_SUMMARY_END}\n\nafter\n`;
    const summary = renderSummary(machine, [
      row('met', 'yes'),
      row('missed', 'no'),
      row('context', 'n/a'),
      { ...row('context for a target', 'n/a'), summary: true },
    ]);

    // Act
    const updated = replaceSummary(readme, summary);

    // Assess
    expect(updated.startsWith('# Title\n\nbefore\n\n')).toBe(true);
    expect(updated.endsWith('\n\nafter\n')).toBe(true);
    expect(updated).not.toContain('old figures');
    expect(updated).toContain('| 1 | met | 1 \\| 2 | 3 | 0.5 | ≤ 1 | yes |');
    expect(updated).toContain('| 1 | missed | 1 \\| 2 | 3 | 0.5 | ≤ 1 | no |');
    expect(updated).not.toContain('| context |');
    expect(updated).toContain('| 1 | context for a target | 1 \\| 2 | 3 | 0.5 | ≤ 1 | n/a |');
    expect(replaceSummary(updated, summary)).toBe(updated);
    expect(replaceSummary('# no markers\n', summary)).toBe('# no markers\n');
  });

  it('refuses a measurement name it does not know, naming the known ones, before measuring anything', async () => {
    const measurement = { name: 'warm', run: () => Promise.reject(new Error('must not run')) };

    await expect(runBench('/nonexistent', [measurement], ['cold-strat'])).rejects.toThrow(
      'unknown measurement cold-strat; known: warm',
    );
  });

  it('shows the median ratio of the alternated repeats with their min–max, and keeps both in the row values', () => {
    // Prepare
    const perRepeat = [0.45, 0.4, 0.42];

    // Act
    const s = spread(perRepeat);

    // Assess
    expect(s).toEqual({ median: 0.42, min: 0.4, max: 0.45, repeats: 3 });
    expect(ratioSpread(s)).toBe('0.420 (1/2.4), min–max 0.400–0.450 over 3 repeats');
    expect(spreadValues(s, 100, 250, 'ms')).toEqual({
      project: 100,
      reference: 250,
      ratio: 0.42,
      unit: 'ms',
      ratioMin: 0.4,
      ratioMax: 0.45,
      repeats: 3,
    });
    expect(spread([1, 3, 2, 4]).median).toBe(2.5);
    expect(spread([Number.NaN]).repeats).toBe(0);
    expect(ratioSpread(spread([]))).toBe('—');
  });

  it('prices a million requests at the arm64 rates: the request fee, warm GB-s rounded up to whole ms, and init for the cold share', () => {
    // Prepare: 512 MB, 2.3 ms billed as 3 ms, 1 % of requests with a 200 ms init.
    const input = { warmMs: 2.3, initMs: 200, memoryMb: 512, coldShare: 0.01 };
    const gbSeconds = 0.5 * (0.003 + 0.01 * 0.2) * 1_000_000;

    // Act
    const cost = costPerMillion(input);

    // Assess
    expect(cost).toBeCloseTo(0.2 + gbSeconds * 0.0000133334, 10);
    expect(LAMBDA_ARM64_PRICE.usdPerGbSecond).toBe(0.0000133334);
    expect(LAMBDA_ARM64_PRICE.usdPerMillionRequests).toBe(0.2);
    expect(costPerMillion({ ...input, warmMs: 3 })).toBe(cost);
    expect(costPerMillion({ ...input, warmMs: 3.01 })).toBeGreaterThan(cost);
  });

  it('derives the cost row, with its id, from the warm and cold-start rows of the same run, and says when they are missing', () => {
    // Prepare
    const warm: ResultRow = {
      ...row('warm', 'n/a'),
      id: 'warm-vs-sdk',
      values: { project: 1.2, reference: 4.8, unit: 'ms' },
    };
    const cold: ResultRow = {
      ...row('cold', 'no'),
      id: 'cold-vs-sdk-default',
      values: { project: 150, reference: 400, unit: 'ms' },
    };

    // Act
    const priced = costRow([warm, cold], 512);
    const missing = costRow([warm], 512);

    // Assess
    const expected = (warmMs: number, initMs: number) =>
      costPerMillion({ warmMs, initMs, memoryMb: 512, coldShare: COST_COLD_SHARE });
    expect(priced.id).toBe('cost-per-million');
    expect(priced.values.project).toBe(expected(1.2, 150));
    expect(priced.values.reference).toBe(expected(4.8, 400));
    expect(priced.values.ratio).toBeCloseTo(expected(1.2, 150) / expected(4.8, 400), 12);
    expect(priced.values.unit).toBe('USD');
    expect(priced.project).toMatch(/^\$\d+\.\d{3}$/);
    expect(missing.id).toBe('cost-per-million');
    expect(missing.met).toBe('not measured');
    expect(missing.values).toEqual({});
  });

  it('names each target row by its id in the Markdown table', () => {
    const page = renderMarkdown(machine, [{ ...row('Cold start', 'yes'), id: 'cold-vs-floor' }], [], 1000);

    expect(page).toContain('| 1 | Cold start `cold-vs-floor` | 1 \\| 2 | 3 | 0.5 | ≤ 1 | yes |');
  });

  /**
   * Runs one measurement through the real runner in a scratch root with `variables` set, and says what it wrote:
   * whether the published files exist, and the notes of bench/.out/results.json.
   */
  const runWith = async (variables: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), 'bench-unpublished-'));
    mkdirSync(join(root, 'bench'), { recursive: true });
    for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
    vi.resetModules();
    const { runBench: run } = await import('../../bench/runner.ts');
    const measurement = {
      name: 'only',
      run: async () => ({ rows: [{ ...row('figure', 'yes'), id: 'cli-help' }], notes: [], details: {} }),
    };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await run(root, [measurement], []);
      const written = JSON.parse(readFileSync(join(root, 'bench', '.out', 'results.json'), 'utf8')) as {
        rows: ResultRow[];
        notes: string[];
      };
      return {
        published: ['bench/results.json', 'docs/benchmarks.md'].filter((file) =>
          existsSync(join(root, file)),
        ),
        ids: written.rows.map((r) => r.id),
        notes: written.notes,
      };
    } finally {
      stderr.mockRestore();
      vi.unstubAllEnvs();
      vi.resetModules();
      rmSync(root, { recursive: true, force: true });
    }
  };

  it('writes a shortened run (BENCH_SCALE) to bench/.out only, never over the published results, with a note saying so', async () => {
    const written = await runWith({ BENCH_SCALE: '0.1' });

    expect(written.published).toEqual([]);
    expect(written.ids).toEqual(['cli-help']);
    expect(written.notes.some((note) => note.startsWith('BENCH_SCALE=0.1'))).toBe(true);
  });

  it.each([
    ['BENCH_NODE_FLAGS', '--min-semi-space-size=16'],
    ['BENCH_CHILD_STDOUT', '/tmp/child.log'],
    ['BENCH_CPU_PROF_DIR', '/tmp/profiles'],
    ['BENCH_CALLGRIND_NODE_FLAGS', '--perf-basic-prof'],
  ])(
    'writes a run with %s set (its children traced or flagged) to bench/.out only, with a note saying so',
    async (name, value) => {
      const written = await runWith({ BENCH_SCALE: '1', [name]: value });

      expect(written.published).toEqual([]);
      expect(written.notes).toContain(`${name} set: the children ran with diagnostics; not for publishing.`);
    },
  );

  it('publishes a full run when the diagnostic variables are unset or blank', async () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'bench-published-'));
    mkdirSync(join(root, 'bench'), { recursive: true });
    vi.stubEnv('BENCH_SCALE', '1');
    vi.stubEnv('BENCH_NODE_FLAGS', ' ');
    for (const name of [
      'BENCH_CHILD_STDOUT',
      'BENCH_CPU_PROF_DIR',
      'BENCH_CALLGRIND_OUT',
      'BENCH_CALLGRIND_NODE_FLAGS',
    ]) {
      vi.stubEnv(name, undefined);
    }
    vi.resetModules();
    const { runBench: run } = await import('../../bench/runner.ts');
    const measurement = { name: 'only', run: async () => ({ rows: [], notes: [], details: {} }) };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    try {
      // Act
      await run(root, [measurement], []);

      // Assess
      expect(existsSync(join(root, 'bench', 'results.json'))).toBe(true);
    } finally {
      stderr.mockRestore();
      vi.unstubAllEnvs();
      vi.resetModules();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
