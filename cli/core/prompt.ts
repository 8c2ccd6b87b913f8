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
    throw new CliError(
      'refusing to change calls without confirmation: not on a terminal and --yes not given; nothing was changed',
      'Run it on a terminal to confirm, or add --yes (with --expect N for end-all) in a script.',
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
