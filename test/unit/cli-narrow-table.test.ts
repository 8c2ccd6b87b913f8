import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { CALL_COLUMNS, CALL_DROP_ORDER, CALL_MAX_CELL, CALL_WHOLE } from '../../cli/core/calls-view.ts';
import { renderTable } from '../../cli/core/table.ts';
import { paint } from '../../cli/core/terminal.ts';

const STATUSES = ['in-progress', 'completed', 'canceled', 'queued', 'no-answer', 'unknown'];
const sid = (n: number) => `3f2a6c1e-0000-4000-8000-00000000000${n}`;
const rows = STATUSES.map((status, n) => [
  sid(n),
  '+14155550100',
  '+13105550002',
  status,
  'outbound',
  '2026-12-06 15:14:48Z',
  '-',
  'native',
]);
const layoutOf = (width: number) => ({
  width,
  dropOrder: CALL_DROP_ORDER,
  maxCell: CALL_MAX_CELL,
  whole: CALL_WHOLE,
});

describe('the calls table on a narrow terminal', () => {
  it.each([20, 30, 36, 37, 40, 48])(
    'at %i columns shows every call whole SID and its whole status, each call stacked',
    (width) => {
      const text = renderTable(CALL_COLUMNS, rows, paint(false), layoutOf(width));
      const records = text.split('\n\n');
      expect(records).toHaveLength(rows.length);
      expect(records.map((record) => record.split('\n'))).toEqual(
        STATUSES.map((status, n) => [sid(n), `  STATUS  ${status}`]),
      );
      expect(text).not.toContain('…');
    },
  );

  it('keeps one line per call, STATUS beside the SID, from the width where both fit whole', () => {
    const lines = renderTable(CALL_COLUMNS, rows, paint(false), layoutOf(49)).split('\n');
    expect(lines[0]).toMatch(/^SID +STATUS$/);
    expect(lines.slice(1)).toEqual(rows.map((row) => `${row[0]}  ${row[3]}`));
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(49);
  });

  it('stacks by the widest status on the page: a page of short statuses stays a table at 44 columns', () => {
    const short = rows.filter((row) => row[3]!.length <= 6);
    const lines = renderTable(CALL_COLUMNS, short, paint(false), layoutOf(44)).split('\n');
    expect(lines[0]).toMatch(/^SID +STATUS$/);
    expect(lines).toContain(`${sid(3)}  queued`);
  });
});

describe('an empty SID or status from the API', () => {
  const blank = [['', '+14155550100', '+13105550002', 'queued', 'outbound', '-', '-', 'compat'], rows[0]!];

  it('is shown stacked as `-`, the placeholder of an empty cell, not as a blank line opening the entry', () => {
    const records = renderTable(CALL_COLUMNS, blank, paint(false), layoutOf(30)).split('\n\n');
    expect(records.map((record) => record.split('\n'))).toEqual([
      ['-', '  STATUS  queued'],
      [sid(0), '  STATUS  in-progress'],
    ]);
  });

  it('is shown as `-` in the wide table too, and a status of spaces likewise', () => {
    const spaces = [[sid(1), '+1', '+2', '   ', 'outbound', '-', '-', 'compat'], ...blank];
    const lines = renderTable(CALL_COLUMNS, spaces, paint(false), layoutOf(200)).split('\n');
    expect(lines.map((line) => line.split(/ {2,}/))).toEqual([
      CALL_COLUMNS,
      [sid(1), '+1', '+2', '-', 'outbound', '-', '-', 'compat'],
      ['-', '+14155550100', '+13105550002', 'queued', 'outbound', '-', '-', 'compat'],
      [
        sid(0),
        '+14155550100',
        '+13105550002',
        'in-progress',
        'outbound',
        '2026-12-06 15:14:48Z',
        '-',
        'native',
      ],
    ]);
  });
});

describe('a status longer than a cell may be', () => {
  it('is shown whole on a wide terminal, as SID and STATUS are never cut, the other columns giving way', () => {
    const status = `in-progress-${'x'.repeat(50)}`;
    const lines = renderTable(
      CALL_COLUMNS,
      [[sid(0), '+1', '+2', status, 'outbound', '-', '-', 'compat']],
      paint(false),
      layoutOf(120),
    ).split('\n');
    expect(lines[1]).toContain(status);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(120);
  });
});
