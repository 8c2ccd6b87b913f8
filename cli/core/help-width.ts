/**
 * Help fitted to a narrow terminal. Kept free of imports: `--help` loads it. Help text is the CLI's own ASCII, so a
 * character is a column here (a table of outside values counts with string-width instead).
 */

/**
 * The width help is wrapped to: the terminal's, or COLUMNS when set (also on a pipe: a caller that exports it asks
 * for that width); none on a pipe without COLUMNS (a script reads it whole).
 */
export const helpWidth = (stream: NodeJS.WriteStream = process.stdout): number | undefined => {
  if (stream.isTTY === true && stream.columns > 0) return stream.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
};

/**
 * `text` broken between words into lines of at most `width` columns, the first after `first` (by default `indent`
 * spaces) and the rest after `indent` spaces. A word longer than a line (a URL, a flag with its value) is never
 * split: it runs past the edge.
 */
export const wrap = (text: string, width: number | undefined, indent = 0, first?: string): string => {
  const start = first ?? ' '.repeat(indent);
  if (width === undefined) return `${start}${text}`;
  const lines: string[] = [];
  let line = start;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += `${empty ? '' : ' '}${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
};

/** A description narrower than this goes under its name rather than beside it. */
const MIN_DESCRIPTION = 24;

/**
 * Two columns (an option or command, and what it does), the second wrapped under itself to `width`; when the first
 * leaves the second under 24 columns, each description goes on the lines under its name, indented deeper than any
 * name starts (`    --status`), so a wrapped line that starts with a flag (`--direct. [env …`) is not read as one.
 */
export const helpColumns = (rows: Array<[string, string]>, width: number | undefined): string => {
  const left = Math.max(...rows.map(([name]) => name.length));
  const beside = width === undefined || width - (left + 4) >= MIN_DESCRIPTION;
  const under = 2 + Math.max(...rows.map(([name]) => name.length - name.trimStart().length)) + 4;
  return rows
    .map(([name, description]) =>
      beside
        ? wrap(description, width, left + 4, `  ${name.padEnd(left)}  `)
        : `  ${name}\n${wrap(description, width, under)}`,
    )
    .join('\n');
};

/**
 * A command's description, paragraphs apart by a blank line. A paragraph is wrapped as one, whatever its length
 * in the source; a paragraph of several lines is a list (one target, one case a line): each line starts a line
 * of its own and what it wraps onto hangs two columns in, under its first word.
 */
export const helpParagraphs = (paragraphs: readonly string[], width: number | undefined): string =>
  paragraphs
    .map((paragraph) => {
      const lines = paragraph.split('\n');
      return lines.map((line) => wrap(line, width, lines.length > 1 ? 2 : 0, '')).join('\n');
    })
    .join('\n\n');
