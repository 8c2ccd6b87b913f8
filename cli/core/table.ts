/**
 * Tables on stdout. Kept apart from terminal.ts so that `--help`, which loads terminal.ts for its colours, does
 * not load `string-width`: only a command that prints a table does.
 */
import stringWidth from 'string-width';
import { visible } from './safe-text.ts';
import type { Paint } from './terminal.ts';

type Stream = NodeJS.WriteStream;

/**
 * The width a table must fit: the terminal's, or COLUMNS when set; none when stdout is a pipe (a script gets
 * every column, whole).
 */
export const tableWidth = (stream: Stream = process.stdout): number | undefined => {
  if (stream.isTTY === true && stream.columns > 0) return stream.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
};

export interface TableLayout {
  /** The width to fit; undefined: no limit. */
  width: number | undefined;
  /** Column indexes dropped first to last when the table is too wide; the others are never dropped. */
  dropOrder: number[];
  /**
   * With a width to fit, a cell wider than this is cut first (with `…`), so that one very long value from
   * outside does not push its whole column off every row; never a cell of a `whole` column. @default no cut
   */
  maxCell?: number;
  /**
   * Columns an operator must always see whole (a SID to copy, a call's status). When they cannot all fit side by
   * side, each row is stacked instead: the first of them alone on a line, the others below it as `LABEL  value`.
   * @default none: the last column left is cut with `…`
   */
  whole?: number[];
}

const GAP = 2;
/** What a blank cell of a `whole` column shows: the placeholder the views use for an empty value (no date, no change). */
const EMPTY = '-';
const segmenter = new Intl.Segmenter();

/**
 * The text cut to at most `width` terminal columns, ending in `…` when cut. Counted in columns as a terminal
 * shows them (a CJK character or an emoji takes two), and cut between graphemes, never inside one.
 */
const cut = (text: string, width: number): string => {
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const next = stringWidth(segment);
    if (used + next > width - 1) break;
    out += segment;
    used += next;
  }
  // A joiner (ZWNJ, ZWJ) that ended the kept part has nothing left to join: written before `…` it would be escaped
  // (`\u200c`, six columns no width here counted). It shows nothing, so it goes.
  return `${out.replace(/[\u200c\u200d]+$/u, '')}…`;
};

const padEnd = (text: string, width: number): string =>
  text + ' '.repeat(Math.max(0, width - stringWidth(text)));

const INDENT = '  ';

/**
 * Each row as a record: the first `whole` column's value alone on a line (never cut: a SID to copy), then the
 * others indented under it as `LABEL  value`; records apart by a blank line. A terminal narrower than a value
 * wraps it rather than the table cutting it.
 */
const stacked = (header: string[], cells: string[][], whole: number[], colour: CellColour): string => {
  const [first, ...rest] = whole;
  const label = Math.max(...rest.map((column) => stringWidth(header[column]!)));
  return cells
    .map((row) =>
      [
        colour(first!, row[first!] ?? ''),
        ...rest.map((column) =>
          `${INDENT}${padEnd(header[column]!, label)}${' '.repeat(GAP)}${colour(column, row[column] ?? '')}`.trimEnd(),
        ),
      ].join('\n'),
    )
    .join('\n\n');
};

/**
 * The colour of one cell, chosen by its column (the field) and the cell's text as shown (escaped, maybe cut): a
 * status coloured in the STATUS column, never a status word found in a caller's name or number.
 */
export type CellColour = (column: number, text: string) => string;
const uncoloured: CellColour = (_, text) => text;

/**
 * Column widths from content, in terminal columns; the last column is not padded. Every cell is shown with its
 * control characters escaped. Too wide for `layout.width`: long cells are cut to `layout.maxCell`, columns are
 * dropped in `layout.dropOrder`, then the last column left is cut with `…`; a line never wraps, a word is never
 * split across lines.
 */
export const renderTable = (
  header: string[],
  rows: string[][],
  style: Paint,
  layout?: TableLayout,
  colour: CellColour = uncoloured,
): string => {
  const limit = layout?.width;
  const maxCell = limit === undefined ? undefined : layout?.maxCell;
  const whole = layout?.whole ?? [];
  const cells = rows.map((row) =>
    header.map((_, column) => {
      // String(): a value from outside may not be the string its type says (a number where a caller was).
      const text = visible(String(row[column] ?? ''));
      // A blank SID or status would open a stacked entry with a blank line (read as the gap between entries) and
      // shift `awk '{print $1}'` on a pipe to the next column: it is shown as the views' empty cell, `-`.
      if (whole.includes(column) && text.trim() === '') return EMPTY;
      // A `whole` column is never cut, however long a value from outside: too wide, the table stacks instead.
      return maxCell === undefined || whole.includes(column) ? text : cut(text, maxCell);
    }),
  );
  let shown = header.map((_, column) => column);
  const widthOf = (column: number) =>
    Math.max(stringWidth(header[column]!), ...cells.map((row) => stringWidth(row[column]!)));
  const total = (columns: number[]) =>
    columns.reduce((sum, column) => sum + widthOf(column), 0) + GAP * (columns.length - 1);
  for (const column of layout?.dropOrder ?? []) {
    if (limit === undefined || total(shown) <= limit) break;
    shown = shown.filter((kept) => kept !== column);
  }
  if (limit !== undefined && whole.length > 0 && total(whole) > limit) {
    return stacked(header, cells, whole, colour);
  }
  const widths = new Map(shown.map((column) => [column, widthOf(column)]));
  if (limit !== undefined && total(shown) > limit) {
    const last = shown.at(-1)!;
    const room = limit - (total(shown) - widthOf(last));
    if (room >= 2 && shown.length > 1) widths.set(last, room);
    else if (shown.length > 1) shown = shown.slice(0, -1);
  }
  const line = (row: string[], paintCell: CellColour) =>
    shown
      .map((column, index) => {
        const width = widths.get(column) ?? 0;
        // Coloured after the cut, so a cut never splits a colour code; padded by the width the text shows.
        const text = paintCell(column, cut(row[column] ?? '', width));
        return index === shown.length - 1 ? text : padEnd(text, width);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  return [style.bold(line(header, uncoloured)), ...cells.map((row) => line(row, colour))].join('\n');
};
