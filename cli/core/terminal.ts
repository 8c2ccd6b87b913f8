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
      const width = 24;
      const filled = Math.round(ratio * width);
      text = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.#done}/${this.total}${suffix}`;
      step = Math.floor(ratio * 10);
    }
    if (this.#tty) {
      writeQuietly(this.stream, `\r\u001b[2K${visible(text)}`);
      return;
    }
    if (step !== this.#lastStep) {
      this.#lastStep = step;
      writeQuietly(this.stream, `${visible(text)}\n`);
    }
  }
}

/** Exit code of a batch: all done, none done, or some of each. */
export const batchExit = (succeeded: number, failed: number): number =>
  failed === 0 ? EXIT.ok : succeeded === 0 ? EXIT.failed : EXIT.partial;
