import { describe, expect, it } from 'vitest';
import {
  README_SUMMARY_END,
  README_SUMMARY_START,
  type ResultRow,
  renderSummary,
  replaceSummary,
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
});
