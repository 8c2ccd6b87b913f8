import { EXIT } from './errors.ts';
import { visible } from './safe-text.ts';

type Stream = NodeJS.WriteStream;

/**
 * Writes to stdout or stderr without ever throwing: a terminal that hung up (EIO), a reader that went away
 * (EPIPE) or a redirected file that fails must not turn a call already ended into a "failed" result or stop a
 * batch before its audit records and exit code. Asynchronous write errors go to the streams' `error`
 * handlers (call-control.ts); a synchronous one (a redirected file is written synchronously) is dropped here.
 */
export const writeQuietly = (stream: Stream, text: string): void => {
  try {
    stream.write(text);
  } catch {
    // The output is gone; what was done is in the audit records and the exit code.
  }
};

export { colourEnabled, type Paint, paint } from './colour.ts';

/**
 * A progress bar on stderr: redrawn in place on a terminal, one line per 10 % otherwise (so a log or a
 * test still sees progress without a flood of lines). Without a known total (a dry run finds its calls as
 * it goes) it is a counter.
 */
export class ProgressBar {
  #done = 0;
  #lastStep = -1;
  readonly #tty: boolean;

  constructor(
    private readonly label: string,
    private total: number | undefined,
    private readonly stream: Stream = process.stderr,
  ) {
    // A dumb terminal (Emacs' shell, a serial console) shows an erase-line code as garbage: it gets lines.
    this.#tty = stream.isTTY === true && process.env.TERM !== 'dumb';
  }

  setTotal(total: number): void {
    this.total = total;
  }

  tick(detail = ''): void {
    this.#done++;
    this.draw(detail);
  }

  set(done: number, detail = ''): void {
    this.#done = done;
    this.draw(detail);
  }

  finish(): void {
    if (this.#tty) writeQuietly(this.stream, '\n');
  }

  private draw(detail: string): void {
    const suffix = detail ? ` ${detail}` : '';
    let text: string;
    let step: number;
    if (this.total === undefined) {
      text = `${this.label}: ${this.#done}${suffix}`;
      step = this.#done <= 10 ? this.#done : Math.floor(this.#done / 10) * 10;
    } else {
      const total = Math.max(this.total, this.#done, 1);
      const ratio = this.#done / total;
      const drawn = (width: number) => {
        const filled = Math.round(ratio * width);
        const bar = width > 0 ? ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]` : '';
        return `${this.label}${bar} ${this.#done}/${this.total}${suffix}`;
      };
      text = drawn(this.#tty ? barWidth(this.stream.columns, drawn(0).length) : BAR_WIDTH);
      step = Math.floor(ratio * 10);
    }
    if (this.#tty) {
      const count = this.total === undefined ? `${this.#done}` : `${this.#done}/${this.total}`;
      const shown = visible(text);
      const head = shown.length - visible(suffix).length;
      writeQuietly(this.stream, `\r\u001b[2K${fitted(shown, head, count, this.stream.columns)}`);
      return;
    }
    if (step !== this.#lastStep) {
      this.#lastStep = step;
      writeQuietly(this.stream, `${visible(text)}\n`);
    }
  }
}

const BAR_WIDTH = 24;
/** A bar narrower than this says little: it goes, so the count and the detail keep their room. */
const MIN_BAR_WIDTH = 10;

/**
 * The bar's width on a terminal of `columns` (unknown: 0), beside `rest` columns of text: 24, or what is left of
 * the line, or none. A drawing as wide as the line would wrap, and `\r` redraws only its last line: each redraw
 * would leave the others behind, a screen of half bars in a narrow pane.
 */
const barWidth = (columns: number, rest: number): number => {
  if (!(columns > 0)) return BAR_WIDTH;
  const room = columns - 1 - rest - 3;
  return room >= BAR_WIDTH ? BAR_WIDTH : room >= MIN_BAR_WIDTH ? room : 0;
};

/**
 * `text` (the CLI's own words and counts: a character is a column) cut with `…` to stay inside `columns`, never
 * inside its first `head` characters (the label and the count: `1199/120…` would read as a total of 120): when
 * those do not fit, the `count` alone.
 */
const fitted = (text: string, head: number, count: string, columns: number): string => {
  if (!(columns > 1) || text.length <= columns - 1) return text;
  if (head + 1 <= columns - 1) return `${text.slice(0, columns - 2)}…`;
  return count.length <= columns - 1 ? count : `${count.slice(0, columns - 2)}…`;
};

/** Exit code of a batch: all done, none done, or some of each. */
export const batchExit = (succeeded: number, failed: number): number =>
  failed === 0 ? EXIT.ok : succeeded === 0 ? EXIT.failed : EXIT.partial;
