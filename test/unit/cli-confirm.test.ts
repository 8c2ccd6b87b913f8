import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../cli/core/errors.ts';
import { confirm } from '../../cli/core/prompt.ts';

/**
 * The guard of every destructive CLI command, in process: stdin and stderr are replaced by streams that say
 * whether they are terminals, so each case decides what a person at a terminal (or a script) would see.
 */
const originals = {
  stdin: Object.getOwnPropertyDescriptor(process, 'stdin'),
  stderr: Object.getOwnPropertyDescriptor(process, 'stderr'),
};

afterEach(() => {
  if (originals.stdin) Object.defineProperty(process, 'stdin', originals.stdin);
  if (originals.stderr) Object.defineProperty(process, 'stderr', originals.stderr);
});

const terminal = (stdinIsTty: boolean, stderrIsTty: boolean) => {
  const stdin = Object.assign(new PassThrough(), { isTTY: stdinIsTty });
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTty });
  let shown = '';
  stderr.on('data', (chunk: Buffer) => {
    shown += chunk.toString('utf8');
  });
  Object.defineProperty(process, 'stdin', { value: stdin, configurable: true });
  Object.defineProperty(process, 'stderr', { value: stderr, configurable: true });
  return { stdin, shown: () => shown };
};

/** Answers the question once it has been asked. */
const type = (stdin: PassThrough, answer: string): void => {
  setImmediate(() => stdin.write(`${answer}\n`));
};

const refusal = async (promise: Promise<void>): Promise<CliError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error instanceof CliError) return error;
  throw new Error(`expected a CliError, got ${String(error)}`);
};

describe('confirm (the CLI confirmation of a destructive command)', () => {
  it.each([
    ['on a terminal', true],
    ['without a terminal', false],
  ])('goes ahead with --yes without asking, %s', async (_name, tty) => {
    const { shown } = terminal(tty, tty);

    await expect(confirm('End these 3 call(s)?', '3', true)).resolves.toBeUndefined();
    expect(shown()).toBe('');
  });

  it.each([
    ['neither stdin nor stderr is a terminal', false, false, 'not on a terminal and --yes not given'],
    [
      'only stdin is a terminal',
      true,
      false,
      'stderr is not a terminal (redirected), so the question would not be seen, and --yes was not given',
    ],
    [
      'only stderr is a terminal (`echo yes | call-control …`)',
      false,
      true,
      'stdin is not a terminal (piped or redirected), so nobody can type the answer, and --yes was not given',
    ],
  ])(
    'refuses without --yes when %s, saying which side is not a terminal, that nothing was changed and how to go ahead',
    async (_name, stdinTty, stderrTty, why) => {
      const { shown } = terminal(stdinTty, stderrTty);

      const error = await refusal(confirm('End these 3 call(s)?', '3', false));

      expect(error).toMatchObject({ code: 'NOT_CONFIRMED', exitCode: EXIT.failed });
      expect(error.message).toBe(
        `refusing to change calls without confirmation: ${why}; nothing was changed`,
      );
      expect(error.hint).toContain('--yes');
      expect(shown()).toBe('');
    },
  );

  it('asks on the terminal and goes ahead when the expected answer is typed, spaces around it allowed', async () => {
    const { stdin, shown } = terminal(true, true);
    type(stdin, '  3 ');

    await expect(confirm('End these 3 call(s)?', '3', false)).resolves.toBeUndefined();
    expect(shown()).toContain('End these 3 call(s)? Type 3 to go ahead: ');
  });

  it.each([
    ['another number', '4', 'not confirmed (typed "4", expected 3); nothing was changed'],
    [
      '"yes" where the count is expected',
      'yes',
      'not confirmed (typed "yes", expected 3); nothing was changed',
    ],
    ['nothing', '', 'not confirmed (typed "", expected 3); nothing was changed'],
    [
      'a long answer, quoted to 40 characters',
      `3${'x'.repeat(100)}`,
      `not confirmed (typed "3${'x'.repeat(39)}", expected 3); nothing was changed`,
    ],
  ])('refuses %s', async (_name, answer, message) => {
    const { stdin } = terminal(true, true);
    type(stdin, answer);

    const error = await refusal(confirm('End these 3 call(s)?', '3', false));

    expect(error).toMatchObject({ code: 'NOT_CONFIRMED', exitCode: EXIT.failed, message });
  });

  it('stops reading the terminal once answered, so the command can exit', async () => {
    const { stdin } = terminal(true, true);
    type(stdin, '3');

    await confirm('End these 3 call(s)?', '3', false);

    // Reading stopped: a terminal left flowing would keep the process alive after the command is done.
    expect(stdin.isPaused()).toBe(true);
  });
});
