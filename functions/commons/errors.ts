/**
 * The error taxonomy. Every failure a caller can see is one of these classes; `describeError` turns any of
 * them into the stable code, HTTP status and message that the HTTP route answers and the event route
 * publishes. Keeping the mapping in one place means an upstream code means the same thing on every trigger.
 */

/** The error body SignalWire answers with, in either documented shape, reduced to one. */
export interface SignalWireErrorBody {
  code: number | undefined;
  message: string;
  moreInfo: string | undefined;
}

/** SignalWire answered with an error status (after the client's retries, where those apply). */
export class SignalWireError extends Error {
  override readonly name = 'SignalWireError';
  /** HTTP status SignalWire answered with. */
  readonly status: number;
  /** SignalWire's error code (e.g. 20404, 10000, 21220), when the body carried one. */
  readonly code: number | undefined;
  readonly moreInfo: string | undefined;
  /** Seconds from SignalWire's `Retry-After`, when it sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, body: SignalWireErrorBody, retryAfterSeconds?: number) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.moreInfo = body.moreInfo;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * SignalWire's "call not found" (HTTP 404, code 20404): the API asked does not know the call, so a change sent
 * with it was applied nowhere (the call service then asks the other API, `calls/native-calls.ts`).
 */
const isNotFoundAnswer = (error: SignalWireError): boolean => error.status === 404 || error.code === 20404;

export const isCallNotFound = (error: unknown): error is SignalWireError =>
  error instanceof SignalWireError && isNotFoundAnswer(error);

/** The request never got a complete answer: a timeout, a refused or reset connection. */
export class SignalWireNetworkError extends Error {
  override readonly name = 'SignalWireNetworkError';
  /** `timeout` when the per-request timeout fired; `connection` for refused, reset or dropped sockets. */
  readonly kind: 'timeout' | 'connection';
  /**
   * True when the request may have reached SignalWire (it failed after being sent). For a redirect this
   * means the call may already be running the new LaML, so it is not resent.
   */
  readonly mayHaveReachedServer: boolean;

  /** True when trying again at once cannot help (a refused TLS certificate): the client does not retry it. */
  readonly permanent: boolean;

  constructor(
    kind: 'timeout' | 'connection',
    mayHaveReachedServer: boolean,
    detail: string,
    // `cause`: the transport's error (the CLI tells a proxy's refused tunnel by it); never told to a caller. Error
    // reads `cause` alone from the options, and sets none when it is not there.
    options: { permanent?: boolean; cause?: unknown } = {},
  ) {
    super(detail, options);
    this.kind = kind;
    this.mayHaveReachedServer = mayHaveReachedServer;
    this.permanent = options.permanent ?? false;
  }
}

/**
 * A redirect (`Url`) was sent and no answer says for sure what became of it: a timeout or a lost connection
 * after sending, a 5xx (SignalWire's, or a gateway's in front of it, 503 included), a 2xx whose body is not a
 * usable Call (not JSON, `null`, wrong types, nested too deep). The call may already be running the new LaML, so the redirect is never sent again on its own: a
 * second one restarts the caller's call flow. Final on every trigger.
 */
export class RedirectOutcomeUnknownError extends Error {
  override readonly name = 'RedirectOutcomeUnknownError';
  /** `timeout`: no answer in time (ours or a gateway's 504); `answer`: an answer that says nothing sure. */
  readonly kind: 'timeout' | 'connection' | 'answer';

  constructor(override readonly cause: SignalWireError | SignalWireNetworkError) {
    super(cause.message);
    this.kind =
      cause instanceof SignalWireNetworkError ? cause.kind : cause.status === 504 ? 'timeout' : 'answer';
  }
}

/**
 * Whether a failed redirect certainly did not change the call: a readable 4xx (SignalWire refused it; a 429
 * is answered before anything is done), or a failure before anything was sent. Everything else leaves the
 * outcome unknown, a 503 included: a gateway in front of SignalWire may answer 503 after forwarding the request.
 */
export const redirectCertainlyNotApplied = (error: SignalWireError | SignalWireNetworkError): boolean =>
  error instanceof SignalWireNetworkError
    ? !error.mayHaveReachedServer
    : error.status >= 400 && error.status < 500;

/** The SignalWire credentials could not be loaded or are not usable. Never carries the secret's value. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  /** True when trying again later may help (Secrets Manager throttled or unreachable). */
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** The request names a SignalWire project the configured secret does not hold. */
export class AccountNotConfiguredError extends Error {
  override readonly name = 'AccountNotConfiguredError';
  readonly accountSid: string;

  constructor(accountSid: string) {
    super(`account ${accountSid} is not configured in the SignalWire secret`);
    this.accountSid = accountSid;
  }
}

/** One rejected input field: which one, which rule, in words. */
export interface FieldViolation {
  /** The field as the caller spelled it, e.g. `Status`, `callSid`, `PageSize`. */
  field: string;
  /** The rule broken, as a short keyword: `required`, `enum`, `format`, `unknown-field`, ... */
  rule: string;
  message: string;
}

import { EventTooOldError } from './platform/freshness.ts';
import { MAX_ECHOED_NAME_CHARS as MAX_FIELD_CHARS } from './platform/settings.ts';
import { isStateConflictCode } from './signalwire/api-facts.ts';

/** How many violations a refusal lists; the rest are counted (`moreViolations`). */
export const MAX_LISTED_VIOLATIONS = 10;
/** Longest violation message a refusal carries; a longer one is cut (`…`). */
export const MAX_VIOLATION_MESSAGE_CHARS = 300;

const cut = (text: string, max: number): string => {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
};

/**
 * The caller's request is invalid. Nothing was sent to SignalWire.
 *
 * Whatever was sent, the refusal stays small: at most `MAX_LISTED_VIOLATIONS` violations (the others
 * counted in `moreViolations`), field names and messages cut to a bounded length, and a field is never
 * empty. A 400 body and a "Call Update Failed" event therefore fit well within any size limit.
 */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  readonly violations: FieldViolation[];
  /** How many violations were found beyond `violations`; 0 when all are listed. */
  readonly moreViolations: number;

  constructor(violations: FieldViolation[]) {
    const listed = violations.slice(0, MAX_LISTED_VIOLATIONS).map((violation) => ({
      field: violation.field === '' ? '""' : cut(violation.field, MAX_FIELD_CHARS),
      rule: cut(violation.rule, MAX_FIELD_CHARS) || 'invalid',
      message: cut(violation.message, MAX_VIOLATION_MESSAGE_CHARS),
    }));
    const first = listed[0];
    super(
      first
        ? `${first.message}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`
        : 'invalid request',
    );
    this.violations = listed;
    this.moreViolations = violations.length - listed.length;
  }
}

/** The HTTP request itself is unusable (wrong media type, too large, no such route). Nothing was sent. */
export class RequestRejectedError extends Error {
  override readonly name = 'RequestRejectedError';

  constructor(
    readonly httpStatus: 404 | 413 | 415,
    readonly code: 'ROUTE_NOT_FOUND' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE',
    message: string,
  ) {
    super(message);
  }
}

/** Stable error codes of a request: part of the HTTP and event contracts (README, "Errors"). */
export type RequestErrorCode =
  | 'INVALID_REQUEST'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'ROUTE_NOT_FOUND'
  | 'ACCOUNT_NOT_CONFIGURED'
  | 'CALL_NOT_FOUND'
  | 'CALL_STATE_CONFLICT'
  | 'UPSTREAM_REJECTED'
  | 'UPSTREAM_AUTH_FAILED'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNREACHABLE'
  | 'REDIRECT_OUTCOME_UNKNOWN'
  | 'EVENT_TOO_OLD'
  | 'CREDENTIALS_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/**
 * Every stable error code: a request's, and `INTERRUPTED`, a cleanup's end request abandoned when the run's
 * time budget ran out (the call may or may not have ended), which only cleanup reports and audit records carry.
 */
export type ErrorCode = RequestErrorCode | 'INTERRUPTED';

/** What a caller is told about a failure, whatever the trigger. */
export interface ErrorDescription {
  code: RequestErrorCode;
  httpStatus: number;
  message: string;
  /** Whether sending the same request again later could succeed. */
  retryable: boolean;
  retryAfterSeconds?: number;
  violations?: FieldViolation[];
  /** How many violations were found beyond the ones listed. */
  moreViolations?: number;
  /** SignalWire's own error, when it answered with one. */
  signalwire?: { status: number; code: number | null; message: string; more_info: string | null };
  /** For `EVENT_TOO_OLD`: the event's `time` and how old an event may be (seconds). */
  eventAge?: { eventTime: string; maxEventAgeSeconds: number };
}

/** What any caller is told of a failure: the HTTP API's error body, and the `error` of "Call Update Failed". */
export const publicError = (described: ErrorDescription) => ({
  code: described.code,
  message: described.message,
  retryable: described.retryable,
  ...(described.violations ? { violations: described.violations } : {}),
  ...(described.moreViolations ? { moreViolations: described.moreViolations } : {}),
  ...(described.signalwire ? { signalwire: described.signalwire } : {}),
  ...described.eventAge,
});

/**
 * Failures of this deployment's own configuration, not decisions SignalWire made about the call: an unusable
 * secret, an account the secret does not hold, SignalWire rejecting our credentials. They are final for the
 * request at hand (retrying cannot help until someone fixes the configuration), but nothing about the call
 * was decided, so they must not be remembered as the request's outcome.
 */
const CONFIGURATION_FAILURES: ReadonlySet<RequestErrorCode> = new Set([
  'CREDENTIALS_UNAVAILABLE',
  'ACCOUNT_NOT_CONFIGURED',
  'UPSTREAM_AUTH_FAILED',
]);

/** Whether a described failure is our own configuration's (see {@link CONFIGURATION_FAILURES}). */
export const isConfigurationFailure = (described: ErrorDescription): boolean =>
  CONFIGURATION_FAILURES.has(described.code);

/** middy's `timeoutEarlyInMillis` fired: the invocation is about to end, whatever was in flight. */
export const isFunctionTimeout = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'TimeoutError' &&
  (error.cause as { package?: unknown } | undefined)?.package === '@middy/core';

const upstream = (error: SignalWireError): NonNullable<ErrorDescription['signalwire']> => ({
  status: error.status,
  code: error.code ?? null,
  message: error.message,
  more_info: error.moreInfo ?? null,
});

/** What was asked of SignalWire when it failed: an update of a call, a read of one, or a listing. */
export type SignalWireOperation = 'update' | 'read' | 'list';

const describeSignalWireError = (
  error: SignalWireError,
  operation: SignalWireOperation,
): ErrorDescription => {
  const update = operation === 'update';
  const signalwire = upstream(error);
  if (isNotFoundAnswer(error)) {
    return {
      code: 'CALL_NOT_FOUND',
      httpStatus: 404,
      message: 'SignalWire has no such call',
      retryable: false,
      signalwire,
    };
  }
  // A state conflict only exists for an update; on a read or a listing, 10000 means SignalWire refused a value.
  if (update && isStateConflictCode(error.code)) {
    return {
      code: 'CALL_STATE_CONFLICT',
      httpStatus: 409,
      message: `the call's state does not allow this update: ${error.message}`,
      retryable: false,
      signalwire,
    };
  }
  if (error.status === 401 || error.status === 403) {
    // Our credentials, not the caller's: a gateway failure, never a 401 to the caller.
    return {
      code: 'UPSTREAM_AUTH_FAILED',
      httpStatus: 502,
      message: 'SignalWire rejected the configured credentials (check the API token and its Voice scope)',
      retryable: false,
      signalwire,
    };
  }
  if (error.status === 429 || error.status === 503) {
    const rateLimited = error.status === 429;
    return {
      code: rateLimited ? 'UPSTREAM_RATE_LIMITED' : 'UPSTREAM_UNAVAILABLE',
      httpStatus: 503,
      message: rateLimited
        ? 'SignalWire is rate-limiting this project; retries were exhausted'
        : 'SignalWire is temporarily unavailable; retries were exhausted',
      retryable: true,
      retryAfterSeconds: error.retryAfterSeconds ?? 1,
      signalwire,
    };
  }
  if (error.status >= 400 && error.status < 500) {
    return {
      code: 'UPSTREAM_REJECTED',
      httpStatus: 422,
      message: `SignalWire rejected the ${update ? 'update' : 'request'}: ${error.message}`,
      retryable: false,
      signalwire,
    };
  }
  return {
    code: 'UPSTREAM_ERROR',
    httpStatus: 502,
    message: `SignalWire answered ${error.status}`,
    retryable: true,
    signalwire,
  };
};

const redirectOutcomeUnknown = (error: RedirectOutcomeUnknownError): ErrorDescription => ({
  code: 'REDIRECT_OUTCOME_UNKNOWN',
  httpStatus: error.kind === 'timeout' ? 504 : 502,
  message:
    `the redirect may or may not have been applied (${error.cause.message}) and was not resent ` +
    '(a repeated redirect restarts the call flow); check the call before retrying',
  retryable: false,
  ...(error.cause instanceof SignalWireError ? { signalwire: upstream(error.cause) } : {}),
});

const describeNetworkError = (error: SignalWireNetworkError): ErrorDescription => {
  if (error.kind === 'timeout') {
    return {
      code: 'UPSTREAM_TIMEOUT',
      httpStatus: 504,
      message: 'SignalWire did not answer in time',
      retryable: true,
    };
  }
  return {
    code: 'UPSTREAM_UNREACHABLE',
    httpStatus: 502,
    message: `could not reach SignalWire: ${error.message}`,
    // Also a refused TLS certificate: the client does not retry it at once (time does not fix it), but the same
    // request can succeed later, once the certificate or the trusted CAs are fixed; an event is retried by
    // Lambda and never remembered as the call's outcome.
    retryable: true,
  };
};

/**
 * Turns any error into what a caller is told. `redirect` says whether the action carried a `Url`: when the
 * function itself runs out of time, the redirect may be in flight, so its outcome is unknown (the client
 * reports every other lost redirect answer as a {@link RedirectOutcomeUnknownError}). `operation` says what
 * failed (an update by default): on a read or a listing, SignalWire's 10000 is a refused value, not a
 * call-state conflict. Unknown errors become a generic 500 that reveals nothing.
 */
export const describeError = (
  error: unknown,
  context: { redirect?: boolean; operation?: SignalWireOperation } = {},
): ErrorDescription => {
  if (error instanceof RequestValidationError) {
    return {
      code: 'INVALID_REQUEST',
      httpStatus: 400,
      message: error.message,
      retryable: false,
      violations: error.violations,
      ...(error.moreViolations > 0 ? { moreViolations: error.moreViolations } : {}),
    };
  }
  if (error instanceof RequestRejectedError) {
    return { code: error.code, httpStatus: error.httpStatus, message: error.message, retryable: false };
  }
  if (error instanceof SignalWireError) return describeSignalWireError(error, context.operation ?? 'update');
  if (error instanceof SignalWireNetworkError) return describeNetworkError(error);
  if (error instanceof RedirectOutcomeUnknownError) return redirectOutcomeUnknown(error);
  if (isFunctionTimeout(error)) {
    const lost = new SignalWireNetworkError(
      'timeout',
      // Stryker disable next-line BooleanLiteral: equivalent, only the client's retry rules read this flag
      true,
      'the function ran out of time before SignalWire answered',
    );
    return context.redirect
      ? redirectOutcomeUnknown(new RedirectOutcomeUnknownError(lost))
      : describeNetworkError(lost);
  }
  if (error instanceof EventTooOldError) {
    return {
      code: 'EVENT_TOO_OLD',
      httpStatus: 422,
      message: error.message,
      retryable: false,
      eventAge: { eventTime: error.eventTime, maxEventAgeSeconds: error.maxEventAgeSeconds },
    };
  }
  if (error instanceof AccountNotConfiguredError) {
    return { code: 'ACCOUNT_NOT_CONFIGURED', httpStatus: 404, message: error.message, retryable: false };
  }
  if (error instanceof CredentialsError) {
    return {
      code: 'CREDENTIALS_UNAVAILABLE',
      httpStatus: error.retryable ? 503 : 500,
      message: error.message,
      retryable: error.retryable,
      ...(error.retryable ? { retryAfterSeconds: 5 } : {}),
    };
  }
  const store = idempotencyStoreFailure(error);
  if (store) return { code: 'INTERNAL_ERROR', httpStatus: 500, message: store, retryable: true };
  return { code: 'INTERNAL_ERROR', httpStatus: 500, message: 'internal error', retryable: true };
};

/**
 * What Powertools' idempotency store failing means (DynamoDB unreachable, throttled, the table missing), said
 * instead of "internal error": the in-progress record is written before anything is sent, so its failure sent
 * nothing. Recognised by name, so the functions without idempotency do not bundle Powertools' classes.
 */
const idempotencyStoreFailure = (error: unknown): string | undefined => {
  if ((error as Error | undefined)?.name !== 'IdempotencyPersistenceLayerError') return undefined;
  const cause = (error as Error).cause as { name?: unknown } | undefined;
  const name =
    typeof cause?.name === 'string' && /^[A-Za-z0-9_.]{1,64}$/.test(cause.name) ? cause.name : 'unknown';
  // Stryker disable next-line Regex: equivalent, Powertools' only message saying this begins with it
  return /^Failed to save in progress record/.test((error as Error).message)
    ? `the idempotency table could not be written before acting (${name}): nothing was sent to SignalWire, and the request is retried`
    : `the idempotency table could not be used (${name})`;
};
