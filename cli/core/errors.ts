/** Exit codes, documented in README ("call-control: exit codes"). */
export const EXIT = {
  /** Everything asked for was done (an already-ended call counts). */
  ok: 0,
  /** Nothing, or not what was asked, was done: an error, a refusal, a failed check. */
  failed: 1,
  /** The command line is wrong: nothing was sent anywhere. */
  usage: 2,
  /** Some of several actions were done and some were not: read the summary. */
  partial: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains: what went wrong, and what to do next. */
export class CliError extends Error {
  override readonly name: string = 'CliError';

  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: ExitCode = EXIT.failed,
    /** A stable code (the API's error code when it came from the API), for `-o json`. */
    readonly code = 'FAILED',
  ) {
    super(message);
  }
}

/** The command line itself is wrong. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';

  constructor(message: string, hint = 'Run the command with --help for its options and examples.') {
    super(message, hint, EXIT.usage, 'USAGE');
  }
}
