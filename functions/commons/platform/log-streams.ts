/**
 * stdout and stderr as the lean log lines (the audit line, the EMF line) write them. A write to a pipe whose reader
 * is gone (EPIPE) does not throw: Node reports it afterwards, to the write's callback and as the stream's `'error'`
 * event, and an `'error'` no one listens to ends the process, so the invocation whose outcome the line records
 * would fail with it. Powertools' `Console` listens around each of its own writes; these lines listen once, for the
 * process's life.
 */

let listening = false;
/** stdout has refused a write: audit lines go straight to stderr. */
let stdoutGone = false;
/** The audit lines handed to stdout whose write has not called back yet, oldest first (a stream calls back in order). */
const inFlight: string[] = [];

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
      message: 'stdout refused a write: audit lines go to stderr from here',
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
 * One stdout write of an audit line called back: a refused line goes to stderr, after the one notice (the stream's
 * `'error'` event, which would say it, comes after this callback). One callback for every line, not one made for
 * each: a callback of its own per line doubled the instructions of an audit record (bench/cleanup-instructions.ts
 * `audit`: 102 k Ir against 59 k).
 */
const auditWritten = (error?: Error | null): void => {
  const line = inFlight.shift();
  if (!error || line === undefined) return;
  stdoutFailed(error);
  toStderr(line);
};

/**
 * Writes an audit line to stdout, or, when stdout refuses it, to stderr: the invocation must not fail for a log
 * write, but its record must not vanish unseen either, and Lambda sends stderr to the same log group, where the
 * audit search finds it. stdout refuses by throwing (EAGAIN on a full non-blocking pipe: that line goes to stderr)
 * or by calling the write back with an error (EPIPE: the one ERROR notice, then that line and every later one go to
 * stderr). Should stderr refuse it too, nothing is left to try.
 */
export const writeAuditLine = (line: string): void => {
  listenForWriteErrors();
  if (!stdoutGone) {
    inFlight.push(line);
    try {
      process.stdout.write(line, auditWritten);
      return;
    } catch {
      inFlight.pop();
    }
  }
  toStderr(line);
};
