import { describe, expect, it } from 'vitest';
import { countsOf, mergeRows, type Row, readRows, render, score } from '../../scripts/mutation-docs.ts';

const row = (module: string, killed: number, survived: number, date = '2026-12-06'): Row => ({
  module,
  date,
  killed,
  timeout: 1,
  survived,
  noCoverage: 0,
  invalid: 2,
  static: 3,
  equivalent: 4,
});

describe('the mutation score table (docs/mutation.md)', () => {
  it('scores detected mutants over valid ones, as Stryker does, leaving out marked and invalid ones', () => {
    const counts = countsOf([
      { status: 'Killed' },
      { status: 'Killed' },
      { status: 'Timeout' },
      { status: 'Survived' },
      { status: 'NoCoverage' },
      { status: 'Ignored', statusReason: 'Static mutant (and "ignoreStatic" was enabled)' },
      { status: 'Ignored', statusReason: 'equivalent, a signal fires abort at most once' },
      { status: 'Ignored', statusReason: 'Static mutant (and "ignoreStatic" was enabled)' },
      { status: 'CompileError' },
      { status: 'RuntimeError' },
    ]);

    expect(counts).toEqual({
      killed: 2,
      timeout: 1,
      survived: 1,
      noCoverage: 1,
      invalid: 2,
      static: 2,
      equivalent: 1,
    });
    expect(score(counts)).toBe(60);
  });

  it('reads back every row it writes, and the total sums them', () => {
    const rows = [row('functions/commons/a.ts', 9, 1), row('cli/core/b.ts', 18, 0)];

    const text = render(rows);

    expect(readRows(text)).toEqual([rows[1], rows[0]]);
    expect(text).toContain('| **total** | 96.67 % | 27 | 2 | 1 | 0 | 6 | 8 | 4 | — |');
    expect(text).toContain('| `functions/commons/a.ts` | 90.91 % | 9 | 1 | 1 | 0 | 3 | 4 | 2 | 2026-12-06 |');
  });

  it('says which entries of the list are lines of a file, and which modules have no run yet', () => {
    const text = render([row('a.ts', 1, 0)], { ranges: ['infra/api.ts:162-182'], notMeasured: ['b.ts'] });

    expect(text).toContain('- `infra/api.ts:162-182`');
    expect(text).toContain('Not measured yet');
    expect(text).toContain('- `b.ts`');
  });

  it('replaces the rows of the modules a run measured and keeps the others', () => {
    const kept = [row('a.ts', 1, 1, '2026-12-01'), row('b.ts', 2, 0, '2026-12-01')];

    const merged = mergeRows(kept, [row('b.ts', 5, 0)]);

    expect(merged).toEqual([row('a.ts', 1, 1, '2026-12-01'), row('b.ts', 5, 0)]);
  });
});
