import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../cli/core/terminal.ts';

/** A terminal of `columns` as the bar sees it: what is written to it, drawing by drawing. */
const terminal = (columns: number) => {
  const written: string[] = [];
  const stream = {
    isTTY: true,
    columns,
    write: (text: string) => written.push(text),
  } as unknown as NodeJS.WriteStream;
  return { stream, drawings: () => written.join('').split('\r\u001b[2K').slice(1) };
};

describe('the progress bar on a narrow terminal', () => {
  it.each([20, 30, 40, 60])(
    'at %i columns redraws on one line: a drawing longer than the line would wrap, and each redraw leave a line behind',
    (columns) => {
      const { stream, drawings } = terminal(columns);
      const bar = new ProgressBar('cleanup', 12, stream);
      for (let n = 0; n < 12; n++) bar.tick(`(${n + 1} would-end, 0 already-ended, 0 failed)`);
      expect(drawings()).toHaveLength(12);
      for (const drawing of drawings()) expect(drawing.length, drawing).toBeLessThan(columns);
    },
  );

  it('keeps the count when it must give up room: the bar goes first, then the detail is cut with …', () => {
    const { stream, drawings } = terminal(20);
    const bar = new ProgressBar('ending', 12, stream);
    bar.tick('(1 ended)');
    expect(drawings()).toEqual(['ending 1/12 (1 end…']);
    const wide = terminal(80);
    new ProgressBar('ending', 12, wide.stream).tick('(1 ended)');
    expect(wide.drawings()).toEqual(['ending [##----------------------] 1/12 (1 ended)']);
  });

  it.each([
    [15, 'cleanup', 1200, 1199],
    [18, 'cleanup', 1200, 1199],
    [20, 'dry run', 10000, 10000],
  ])(
    'at %i columns never cuts into the count (`1199/120…` reads as a total of 120): the count alone',
    (columns, label, total, done) => {
      const { stream, drawings } = terminal(columns);
      new ProgressBar(label, total, stream).set(done, `(${done} would-end, 0 already-ended, 0 failed)`);
      const [drawing] = drawings();
      expect(drawing!.length).toBeLessThan(columns);
      expect(drawing).toContain(`${done}/${total}`);
    },
  );
});
