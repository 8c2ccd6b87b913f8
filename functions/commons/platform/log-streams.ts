/**
 * stdout and stderr as the lean log lines (the audit line, the EMF line) write them. A write to a pipe whose reader
 * is gone (EPIPE) does not throw: Node reports it afterwards, to the write's callback and as the stream's `'error'`
 * event, and an `'error'` no one listens to ends the process, so the invocation whose outcome the line records
 * would fail with it. Powertools' `Console` listens around each of its own writes; these lines listen once, for the
 * process's life.
 *
 * The audit line is written without a callback of its own: one (even one shared callback for every line, with the
 * lines in flight kept in order) cost an audit record about 3 µs of CPU, a third of it (an in-process burst of
 * 5,000 lines to /dev/null, alternated). So the line whose write failed is not known: the `'error'` event's notice
 * says that the audit lines written just before it may be lost, and every later one goes to stderr.
 */

let listening = false;
/** stdout has refused a write: audit lines go straight to stderr. */
let stdoutGone = false;

const toStderr = (line: string): void => {
  try {
    process.stderr.write(line);
  } catch {
    // stderr refused it too: nothing is left to try, and the invocation's outcome stands.
  }
};

/** Says once, on stderr, that stdout is gone (the audit lines follow it there). */
const stdoutFailed = (error: Error & { code?: unknown }): void => {
  if (stdoutGone) return;
  stdoutGone = true;
  toStderr(
    `${JSON.stringify({
      level: 'ERROR',
      message:
        'stdout refused a write: audit lines go to stderr from here, the last ones written to stdout may be lost',
      error: typeof error?.code === 'string' ? error.code : 'write failed',
    })}\n`,
  );
};

const ignore = (): void => {};

/** Listens for the streams' write errors (once per process). */
export const listenForWriteErrors = (): void => {
  if (listening) return;
  listening = true;
  process.stdout.on('error', stdoutFailed);
  process.stderr.on('error', ignore);
};

/**
 * Writes an audit line to stdout, or, when stdout refuses it, to stderr: the invocation must not fail for a log
 * write, and Lambda sends stderr to the same log group, where the audit search finds it. stdout refuses by throwing
 * (that line goes to stderr) or, a pipe whose reader is gone, with an `'error'` event after the write (the one
 * ERROR notice, then every later line goes to stderr). Should stderr refuse it too, nothing is left to try.
 */
export const writeAuditLine = (line: string): void => {
  listenForWriteErrors();
  if (!stdoutGone) {
    try {
      process.stdout.write(line);
      return;
    } catch {
      // To stderr.
    }
  }
  toStderr(line);
};
