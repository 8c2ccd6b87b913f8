import { createInterface } from 'node:readline/promises';
import { CancelledError, CliError, EXIT } from './errors.ts';
import { visibleBlock } from './safe-text.ts';

/** True when a person can answer: stdin and stderr are both terminals. */
export const interactive = (): boolean => process.stdin.isTTY === true && process.stderr.isTTY === true;

/**
 * The guard of every destructive command. `--yes` goes ahead; on a terminal the user must type `expected`
 * (the count of calls, or `yes`); without a terminal and without `--yes` nothing is changed and the command
 * exits non-zero. Ctrl-C or Ctrl-D at the prompt is a cancellation (exit 130), not a failure. The caller
 * shows what the command will act on before asking.
 */
export const confirm = async (question: string, expected: string, yes: boolean): Promise<void> => {
  if (yes) return;
  if (!interactive()) {
    // Which side is not a terminal: `echo yes | call-control …` on a terminal is not a confirmation, and
    // `2>log` hides the question; each is said as what it is.
    const stdinTty = process.stdin.isTTY === true;
    const stderrTty = process.stderr.isTTY === true;
    const why =
      !stdinTty && stderrTty
        ? 'stdin is not a terminal (piped or redirected), so nobody can type the answer, and --yes was not given'
        : stdinTty && !stderrTty
          ? 'stderr is not a terminal (redirected), so the question would not be seen, and --yes was not given'
          : 'not on a terminal and --yes not given';
    throw new CliError(
      `refusing to change calls without confirmation: ${why}; nothing was changed`,
      !stdinTty && stderrTty
        ? 'A piped answer (`echo yes |`) is not a confirmation: run it without the pipe to confirm, or add --yes (with --expect N for end-all).'
        : 'Run it on a terminal to confirm, or add --yes (with --expect N for end-all) in a script.',
      EXIT.failed,
      'NOT_CONFIRMED',
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const abort = new AbortController();
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    abort.abort();
  };
  // Ctrl-C arrives as a keypress on the terminal (raw mode), Ctrl-D as the end of input.
  rl.on('SIGINT', cancel);
  rl.on('close', cancel);
  let answer: string;
  try {
    answer = (
      await rl.question(visibleBlock(`${question} Type ${expected} to go ahead: `), { signal: abort.signal })
    ).trim();
  } catch (error) {
    if (cancelled) {
      process.stderr.write('\n');
      throw new CancelledError();
    }
    throw error;
  } finally {
    rl.off('close', cancel);
    rl.close();
  }
  if (answer !== expected) {
    throw new CliError(
      `not confirmed (typed "${answer.slice(0, 40)}", expected ${expected}); nothing was changed`,
      undefined,
      EXIT.failed,
      'NOT_CONFIRMED',
    );
  }
};
