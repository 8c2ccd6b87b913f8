import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { eventActor } from '../calls/audit-actors.ts';
import type { CallService } from '../calls/service.ts';
import { describeError, RequestValidationError } from '../errors.ts';
import { CALL_UPDATE_FAILED, type CALL_UPDATED, type CallUpdateRequestedEvent } from '../events/contracts.ts';
import { EventPublishError, type EventPublisher } from '../events/publisher.ts';
import { logger, metrics } from '../platform/powertools.ts';
import { terminateChange } from '../signalwire/api-facts.ts';
import {
  callUpdateFailedDetail,
  canonicalRequest,
  describedOutcomeOf,
  toCallUpdateError,
} from './call-update-requests.ts';
import { callUpdateRequestViolations } from './validate-request.ts';

/** What an invocation returns (logged by Lambda; EventBridge does not read it). */
export interface CallUpdateEventResult {
  published: typeof CALL_UPDATED | typeof CALL_UPDATE_FAILED;
  /** Id of the published event. */
  eventId: string;
  /** Error code, for "Call Update Failed". */
  code?: string;
}

type EventMiddleware = MiddlewareObj<CallUpdateRequestedEvent, CallUpdateEventResult, Error, Context>;

/** Refuses, before anything else, a source the configuration does not allow (the rule should not route it). */
export const allowedSourcesOnly = (allowed: readonly string[]): EventMiddleware => ({
  before: ({ event }) => {
    const source =
      typeof event === 'object' && event !== null ? (event as { source?: unknown }).source : undefined;
    if (typeof source === 'string' && allowed.includes(source)) return;
    throw new RequestValidationError([
      {
        field: 'source',
        rule: 'not-allowed',
        message: `source ${JSON.stringify(source)} is not allowed to request call updates`,
      },
    ]);
  },
});

/** Checks the event against the contract: the same seven fields and rules as the HTTP route for the update. */
export const validEventsOnly: EventMiddleware = {
  before: ({ event }) => {
    const violations = callUpdateRequestViolations(event);
    if (violations.length > 0) throw new RequestValidationError(violations);
  },
};

/** SIDs in their one canonical form from here on: SignalWire, idempotency keys, audit records, results. */
export const canonicalSids: EventMiddleware = {
  before: (request) => {
    request.event = canonicalRequest(request.event);
  },
};

/**
 * The one place a failure becomes "Call Update Failed": published for every error, except when another
 * invocation is already applying the same request (it will publish the outcome). An outcome of the call
 * service was described and audited there; a refusal before it (invalid event, disallowed source, reused
 * key) is audited here, once; a failed PutEvents is not the request's outcome and is not audited. A final
 * failure ends the invocation normally; a retryable one is rethrown for Lambda to retry.
 */
export const failureEvents = (publisher: EventPublisher, calls: CallService): EventMiddleware => ({
  onError: async (request) => {
    const error = request.error;
    if (error instanceof IdempotencyAlreadyInProgressError) {
      logger.warn('the same request is being applied by another invocation; leaving it to a retry');
      return;
    }
    const event = request.event as Partial<CallUpdateRequestedEvent> | undefined;
    const detail = (typeof event?.detail === 'object' && event.detail !== null ? event.detail : {}) as Record<
      string,
      unknown
    >;
    const described =
      describedOutcomeOf(error) ??
      (error instanceof EventPublishError
        ? describeError(error)
        : calls.refuse(
            {
              trigger: 'event',
              actor: eventActor(event, request.context.invokedFunctionArn),
              ...(typeof detail.correlationId === 'string'
                ? { correlationId: detail.correlationId.slice(0, 128) }
                : {}),
            },
            { ...detail, change: detail.action === 'terminate' ? terminateChange() : detail.update },
            error,
          ));
    if (described.code === 'INTERNAL_ERROR') logger.error('unexpected error', { error: error as Error });
    else logger.info('request not applied', { error: { code: described.code, message: described.message } });
    const failed = callUpdateFailedDetail(request.event, toCallUpdateError(described), {
      final: !described.retryable,
    });
    const eventId = await publisher.publish(CALL_UPDATE_FAILED, failed);
    metrics.addMetric('CallUpdateRequestsFailed', MetricUnit.Count, 1);
    if (!described.retryable) {
      request.response = { published: CALL_UPDATE_FAILED, eventId, code: described.code };
    }
  },
});
