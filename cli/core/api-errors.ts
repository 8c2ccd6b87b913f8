import type { ErrorCode } from '#commons/errors';
import { CliError, callCheck, EXIT, type Hint } from './errors.ts';

/** What to do next, per error code of the API's (and the functions') error taxonomy. */
const NEXT_STEP: Partial<Record<ErrorCode | 'FORBIDDEN' | 'API_THROTTLED' | 'API_GATEWAY_ERROR', Hint>> = {
  INVALID_REQUEST: 'Fix the value named above; nothing was sent to SignalWire.',
  CALL_NOT_FOUND: (command) =>
    `Check the SID: \`${command('calls list --status in-progress')}\` shows the live calls.`,
  CALL_STATE_CONFLICT:
    'The call is not in a state that allows this (a ringing call can be canceled, an answered one completed).',
  ACCOUNT_NOT_CONFIGURED: 'Add the project to the secret, or leave out the account.',
  UPSTREAM_AUTH_FAILED: (command) =>
    `SignalWire refused the API token: run \`${command('doctor')}\`, then rotate the token in the secret.`,
  UPSTREAM_RATE_LIMITED: 'SignalWire is throttling the account: wait a few seconds and run it again.',
  API_THROTTLED:
    'API Gateway is throttling requests (the stage’s or the account’s rate limit): wait a few seconds and run it again.',
  API_GATEWAY_ERROR: (command) =>
    `The API's answer did not come back: a change may or may not have been applied; ${callCheck(command)} shows the call before you retry.`,
  UPSTREAM_UNAVAILABLE: 'SignalWire is unavailable: run it again in a minute.',
  UPSTREAM_TIMEOUT: (command) =>
    `SignalWire did not answer in time: ${callCheck(command)} shows whether it acted.`,
  REDIRECT_OUTCOME_UNKNOWN: (command) =>
    `The redirect may or may not have happened: check with ${callCheck(command)} before retrying.`,
  UPSTREAM_UNREACHABLE: (command) =>
    `SignalWire could not be reached: check the space URL with \`${command('doctor')}\`.`,
  CREDENTIALS_UNAVAILABLE: (command) =>
    `The SignalWire secret could not be read or is malformed: run \`${command('doctor')}\`.`,
  FORBIDDEN:
    'Your AWS credentials were refused: check AWS_PROFILE / --profile and --region, and that your role may call the API (execute-api:Invoke).',
  INTERNAL_ERROR: 'Look at the function logs for the request ID, or try `--direct`.',
};

/**
 * The hints of the codes that leave a change's outcome open, for a read (`calls get`, `calls list`): a read
 * acted on nothing, so "whether it acted" or "a change may have been applied" would send the operator looking
 * for a change that was never asked for.
 */
const READ_STEP: Partial<Record<keyof typeof NEXT_STEP, Hint>> = {
  UPSTREAM_TIMEOUT:
    'SignalWire did not answer the read in time; nothing was changed: run it again in a moment.',
  API_GATEWAY_ERROR:
    "The API's answer to the read did not come back; nothing was changed: run it again in a moment.",
};

/**
 * The hints of the codes whose change may have reached SignalWire although the error names SignalWire's side
 * (a reset after sending, then a lost resend; a gateway's 503 to every retry): check the call first.
 */
const CHANGE_STEP: Partial<Record<keyof typeof NEXT_STEP, Hint>> = {
  UPSTREAM_UNAVAILABLE: (command) =>
    `SignalWire is unavailable, and the change may or may not have been applied: ${callCheck(command)} shows the call; run it again in a minute if it is unchanged.`,
  UPSTREAM_UNREACHABLE: (command) =>
    `SignalWire could not be reached or its answer was lost, so the change may or may not have been applied: ${callCheck(command)} shows the call; check the space URL with \`${command('doctor')}\`.`,
};

/** An error described by the taxonomy (from the API's body, or `describeError` in direct mode). */
export const cliErrorOf = (described: {
  code: string;
  message: string;
  httpStatus?: number;
  /** The answer's Retry-After: the wait is then said in seconds, not "a few". */
  retryAfterSeconds?: number;
  /** The request was a change (not a read): a failure that leaves its outcome open exits 3, not 1. */
  change?: boolean;
}): CliError => {
  const code = described.code as keyof typeof NEXT_STEP;
  const next = (described.change === true ? CHANGE_STEP[code] : READ_STEP[code]) ?? NEXT_STEP[code];
  const wait = described.retryAfterSeconds;
  const hint =
    wait !== undefined && typeof next === 'string'
      ? next.replace('wait a few seconds', `wait ${wait} s (Retry-After)`)
      : next;
  return new CliError(
    described.message,
    hint,
    described.code === 'INVALID_REQUEST'
      ? EXIT.usage
      : described.code === 'REDIRECT_OUTCOME_UNKNOWN' ||
          (described.change === true && OUTCOME_OPEN.has(described.code))
        ? EXIT.partial
        : EXIT.failed,
    described.code,
  );
};

/**
 * Failures of a change after it may have reached SignalWire: SignalWire's answer was too late, lost after the
 * request was sent (UPSTREAM_UNREACHABLE after a reset and a lost resend), a gateway's 503 after forwarding
 * (UPSTREAM_UNAVAILABLE), or the API's own answer never came back (API Gateway's 5xx without the function's
 * error body). The change may have been applied, so exit 1 ("nothing changed") would be untrue; the console
 * says "may or may not" for the same codes.
 */
const OUTCOME_OPEN = new Set([
  'UPSTREAM_TIMEOUT',
  'API_GATEWAY_ERROR',
  'UPSTREAM_UNREACHABLE',
  'UPSTREAM_UNAVAILABLE',
]);

export const forbidden = (message: string, hint: Hint | undefined = NEXT_STEP.FORBIDDEN): CliError =>
  new CliError(message, hint, EXIT.failed, 'FORBIDDEN');
