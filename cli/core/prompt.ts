import { createInterface } from 'node:readline/promises';
import { CliError, EXIT } from './errors.ts';

/** True when a person can answer: stdin and stderr are both terminals. */
export const interactive = (): boolean => process.stdin.isTTY === true && process.stderr.isTTY === true;

/**
 * The guard of every destructive command. `--yes` goes ahead; on a terminal the user must type `expected`
 * (the count of calls, or `yes`); without a terminal and without `--yes` nothing is changed and the command
 * exits non-zero.
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
  try {
    const answer = (await rl.question(`${question} Type ${expected} to go ahead: `)).trim();
    if (answer !== expected) {
      throw new CliError(
        `not confirmed (typed "${answer.slice(0, 40)}", expected ${expected}); nothing was changed`,
        undefined,
        EXIT.failed,
        'NOT_CONFIRMED',
      );
    }
  } finally {
    rl.close();
  }
};
