import type { CallOutcome } from '../calls/service.ts';
import { type ErrorCode, type ErrorDescription, isConfigurationFailure } from '../errors.ts';
import {
  CALL_UPDATE_FAILED,
  CALL_UPDATED,
  type CallUpdatedDetail,
  type CallUpdateFailedDetail,
  type CallUpdateRequestedEvent,
} from '../events/contracts.ts';
import {
  type AppliedRequest,
  callUpdatedDetail,
  callUpdateFailedDetail,
  toCallUpdateError,
} from './call-update-requests.ts';

/**
 * The one place that turns what became of a "Call Update Requested" into what happens next, as Powertools'
 * `determineResultFromIdempotencyRecord` turns a record into a result. Every path ends in a {@link Decision}:
 * an outcome of the call service ({@link decideOutcome}), a recorded outcome, fresh or replayed
 * ({@link decideRecord}), a refusal before the call service ({@link decideRefusal}); and a result that could not
 * be published ends in {@link retryUnpublished}.
 *
 * | what became of the request                               | publish            | final | remember | Lambda retries |
 * |----------------------------------------------------------|--------------------|-------|----------|----------------|
 * | applied (updated, already ended)                         | Call Updated       | yes   | yes      | no             |
 * | refused by SignalWire, redirect outcome unknown          | Call Update Failed | yes   | yes      | no             |
 * | our configuration (secret, account, credentials)         | Call Update Failed | yes   | no       | no             |
 * | transient (unavailable, timeout, throttled)              | Call Update Failed | no    | no       | yes            |
 * | refused before SignalWire (invalid, key reused, too old) | Call Update Failed | yes   | none     | no             |
 */

/** The result event of a request and what is counted for it. */
export type ResultEvent =
  | { detailType: typeof CALL_UPDATED; detail: CallUpdatedDetail }
  | { detailType: typeof CALL_UPDATE_FAILED; detail: CallUpdateFailedDetail; code: ErrorCode };

/** What happens next for one request. */
export interface Decision {
  /** Published once, by the consumer's one publishing step. */
  result: ResultEvent;
  /** Kept as the idempotency record's COMPLETED outcome (a redelivery replays it), or the record is released. */
  remember: boolean;
  /** The invocation fails once the result is published, so Lambda retries it (and then the dead-letter queue). */
  retry: boolean;
  /**
   * SignalWire may have acted on the call (applied, or a redirect whose outcome is unknown): a retry would send
   * the request again, so it is only retried when the outcome is remembered and a retry replays it.
   */
  acted: boolean;
  /** The outcome comes from the idempotency record, not from running the request. */
  replayed: boolean;
  /** The failure, for the log: an unexpected one is logged in full. */
  failure?: { described: ErrorDescription; cause: unknown };
}

const failedResult = (
  event: unknown,
  described: ErrorDescription,
  options: { accountSid?: string | null; api?: AppliedRequest['api']; replayed?: boolean },
): ResultEvent => ({
  detailType: CALL_UPDATE_FAILED,
  detail: callUpdateFailedDetail(event, toCallUpdateError(described), {
    final: !described.retryable,
    ...options,
  }),
  code: described.code,
});

/** The outcome as the idempotency record keeps it (the shape records have always had, so old ones replay). */
export const recordOf = (event: CallUpdateRequestedEvent, outcome: CallOutcome): AppliedRequest =>
  outcome.ok
    ? {
        kind: 'applied',
        accountSid: outcome.accountSid,
        outcome: outcome.outcome,
        call: outcome.call,
        ...(outcome.api ? { api: outcome.api } : {}),
      }
    : {
        kind: 'refused',
        accountSid: outcome.accountSid ?? event.detail.accountSid ?? null,
        error: toCallUpdateError(outcome.error),
        ...(outcome.api ? { api: outcome.api } : {}),
      };

/** What a recorded outcome means, fresh or replayed: final, remembered, published as it was recorded. */
export const decideRecord = (event: CallUpdateRequestedEvent, record: AppliedRequest): Decision => {
  const replayed = record.replayed === true;
  if (record.kind === 'applied') {
    return {
      result: { detailType: CALL_UPDATED, detail: callUpdatedDetail(event, record) },
      remember: true,
      retry: false,
      acted: true,
      replayed,
    };
  }
  return {
    result: {
      detailType: CALL_UPDATE_FAILED,
      detail: callUpdateFailedDetail(event, record.error, {
        final: true,
        accountSid: record.accountSid,
        api: record.api ?? null,
        replayed,
      }),
      code: record.error.code as ErrorCode,
    },
    remember: true,
    retry: false,
    acted: record.error.code === 'REDIRECT_OUTCOME_UNKNOWN',
    replayed,
  };
};

/**
 * What an outcome of the call service means. Only SignalWire's decisions about the call are remembered: a
 * transient failure is released for the retry, and a failure of our own configuration is final for this
 * request but released, so the same request sent again once the configuration is fixed is applied.
 */
export const decideOutcome = (event: CallUpdateRequestedEvent, outcome: CallOutcome): Decision => {
  if (outcome.ok) return decideRecord(event, recordOf(event, outcome));
  const described = outcome.error;
  const failure = { described, cause: outcome.cause };
  if (described.retryable || isConfigurationFailure(described)) {
    return {
      result: failedResult(event, described, {
        accountSid: recordOf(event, outcome).accountSid,
        api: outcome.api ?? null,
      }),
      remember: false,
      retry: described.retryable,
      acted: false,
      replayed: false,
      failure,
    };
  }
  return { ...decideRecord(event, recordOf(event, outcome)), failure };
};

/**
 * A request refused before the call service could act (invalid event, disallowed source, reused idempotency
 * key), or a failure of the idempotency layer itself: nothing reached SignalWire, nothing is remembered; final
 * unless the description says a retry can help.
 */
export const decideRefusal = (event: unknown, described: ErrorDescription, cause?: unknown): Decision => ({
  result: failedResult(event, described, {}),
  remember: false,
  retry: described.retryable,
  acted: false,
  replayed: false,
  failure: { described, cause },
});

/**
 * Whether a result whose publishing failed is retried by Lambda. A retry is safe when SignalWire did nothing,
 * or when the outcome is remembered (the retry replays it and publishes it); otherwise it would send the request
 * again, so the invocation ends and the failure is logged: the result is lost, the call is not touched twice.
 * A failed publish is never turned into a "Call Update Failed": it is not the request's outcome.
 */
export const retryUnpublished = (decision: Decision, remembered: boolean): boolean =>
  !decision.acted || remembered;
