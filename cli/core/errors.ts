import { shellWord } from './shell-word.ts';

/** Exit codes, documented in README ("call-control: exit codes"). */
export const EXIT = {
  /** Everything asked for was done (an already-ended call counts). */
  ok: 0,
  /** Nothing, or not what was asked, was done: an error, a refusal, a failed check. */
  failed: 1,
  /** The command line is wrong: nothing was sent anywhere. */
  usage: 2,
  /**
   * Some of several actions were done and some were not, or a change was sent and no usable answer came (it
   * may have been applied): read the summary, check the call before retrying.
   */
  partial: 3,
  /** The operator cancelled at a prompt (Ctrl-C, Ctrl-D): nothing was changed. 128 + SIGINT, as shells say. */
  cancelled: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * What to do next. A function when the hint suggests `call-control …` commands: it is handed `command`,
 * which writes a suggested command line with this run's target (`--local`, `--port 3001`, `--stack X`), so a
 * hint never loses the target nor appends it where it does not belong.
 */
export type Hint = string | ((command: (args: string) => string) => string);

/** A failure the CLI explains: what went wrong, and what to do next. */
export class CliError extends Error {
  override readonly name: string = 'CliError';

  constructor(
    message: string,
    readonly hint?: Hint,
    readonly exitCode: ExitCode = EXIT.failed,
    /** A stable code (the API's error code when it came from the API), for `-o json`. */
    readonly code = 'FAILED',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A change that was sent and may have been applied: never reported as "nothing changed" (exit 1). */
export const mayHaveApplied = (error: unknown): boolean =>
  error instanceof CliError && error.exitCode === EXIT.partial;

/** The command line itself is wrong. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';

  constructor(message: string, hint: Hint = 'Run the command with --help for its options and examples.') {
    super(message, hint, EXIT.usage, 'USAGE');
  }
}

/**
 * No command in the command line (`call-control --stack=prod`), or no subcommand after `calls`: a usage error that
 * main.ts writes under the list of the commands (or of the `calls` subcommands), so the operator sees what to name.
 */
export class MissingCommandError extends UsageError {
  constructor(
    message: string,
    hint: Hint,
    readonly topic: 'main' | 'calls',
    /** The line its hint offers to type (`calls list` and the options given), or none. */
    readonly offered: readonly string[] = [],
  ) {
    super(message, hint);
  }
}

/** The operator said no, or pressed Ctrl-C, at a confirmation prompt. */
export class CancelledError extends CliError {
  override readonly name = 'CancelledError';

  constructor(message = 'cancelled at the prompt; nothing was changed') {
    super(message, undefined, EXIT.cancelled, 'CANCELLED');
  }
}

/** A hint's text with its suggested commands written for this run's target. */
export const hintText = (hint: Hint | undefined, command: (args: string) => string): string | undefined =>
  typeof hint === 'function' ? hint(command) : hint;

/** Suggested commands written for the call `sid`: its SID (quoted) where a hint's line says `<sid>`. */
export const forCall =
  (command: (args: string) => string, sid: string) =>
  (args: string): string =>
    command(args.replaceAll('<sid>', shellWord(sid)));

/**
 * How to see the call before a retry: the line to type when the call is known ({@link forCall}), else said in
 * words. Never a line with `<sid>` in it: pasted into a shell, that is a redirect from a file named `sid`.
 */
export const callCheck = (command: (args: string) => string): string => {
  const line = command('calls get <sid>');
  return line.includes('<sid>') ? "`calls get` with the call's SID" : `\`${line}\``;
};
