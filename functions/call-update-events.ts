import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { eventActor } from '#commons/audit-actors';
import { auditRefusal } from '#commons/call-actions';
import { readSignalWireConfig } from '#commons/config';
import { describeError, RequestValidationError } from '#commons/errors';
import {
  type AppliedRequest,
  applyCallUpdateRequest,
  callUpdatedDetail,
  callUpdateFailedDetail,
  canonicalRequest,
  toCallUpdateError,
  UnrememberedRefusal,
} from '#commons/events/call-update-requests';
import { readCallUpdateEventsConfig } from '#commons/events/config';
import { CALL_UPDATE_FAILED, CALL_UPDATED, type CallUpdateRequestedEvent } from '#commons/events/contracts';
import {
  type CallUpdateIdempotency,
  createCallUpdateIdempotency,
  IDEMPOTENCY_KEY_PREFIX,
} from '#commons/events/idempotency';
import { EventBridgePublisher, EventPublishError, type EventPublisher } from '#commons/events/publisher';
import { callUpdateRequestViolations } from '#commons/events/validate-request';
import { logger, metrics } from '#commons/powertools';
import { createSignalWireAccess, type SignalWireAccess } from '#commons/signalwire-access';
import { traceHandler } from '#commons/tracing';

/**
 * Applies "Call Update Requested" events from the bus and publishes the outcome to the same bus:
 * "Call Updated", or "Call Update Failed" with a stable code.
 *
 * Delivery: EventBridge delivers at least once, so the update runs under Powertools Idempotency (key: the
 * idempotency key per source, else the event id). A repeat replays the recorded outcome and publishes it
 * again with `replayed: true`; the call is not touched twice. Failures:
 * - invalid event, disallowed source, reused idempotency key, or a final SignalWire refusal (state conflict,
 *   unknown call, redirect outcome unknown, ...): "Call Update Failed" with `final: true`; the invocation
 *   succeeds, so nothing retries it;
 * - transient (SignalWire unavailable after the client's own retries, secret unreadable, ...): "Call Update
 *   Failed" with `final: false` on every attempt, then the invocation fails, so Lambda's asynchronous retries
 *   and finally the dead-letter queue take over. The idempotency record is released for the retry.
 */

/** What an invocation returns (logged by Lambda; EventBridge does not read it). */
export interface CallUpdateEventResult {
  published: typeof CALL_UPDATED | typeof CALL_UPDATE_FAILED;
  /** Id of the published event. */
  eventId: string;
  /** Error code, for "Call Update Failed". */
  code?: string;
}

export interface CallUpdateEventsDependencies {
  /** How calls are reached: the same access the HTTP route uses. */
  access: SignalWireAccess;
  /** Where "Call Updated" and "Call Update Failed" go. */
  publisher: EventPublisher;
  /** Powertools Idempotency over the DynamoDB table. */
  idempotency: CallUpdateIdempotency;
  /** Sources whose requests are applied (`ALLOWED_EVENT_SOURCES`). */
  allowedSources: readonly string[];
}

type EventMiddleware = MiddlewareObj<CallUpdateRequestedEvent, CallUpdateEventResult, Error, Context>;

/** Refuses, before anything else, a source the configuration does not allow (the rule should not route it). */
const allowedSourcesOnly = (allowed: readonly string[]): EventMiddleware => ({
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
const validEventsOnly: EventMiddleware = {
  before: ({ event }) => {
    const violations = callUpdateRequestViolations(event);
    if (violations.length > 0) throw new RequestValidationError(violations);
  },
};

/** SIDs in their one canonical form from here on: SignalWire, idempotency keys, audit records, results. */
const canonicalSids: EventMiddleware = {
  before: (request) => {
    request.event = canonicalRequest(request.event);
  },
};

/**
 * The one place a failure becomes "Call Update Failed": published for every error, except when another
 * invocation is already applying the same request (it will publish the outcome). A final failure ends the
 * invocation normally; a retryable one is rethrown for Lambda to retry.
 */
const failureEvents = (publisher: EventPublisher): EventMiddleware => ({
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
    // A redirect cut short by the function's own timeout may have been applied: final, never retried.
    const update = detail.update;
    const redirect = typeof update === 'object' && update !== null && 'Url' in update;
    const described = describeError(error, { redirect });
    // A failed PutEvents is not the request's outcome: that was audited when the request was applied.
    if (!(error instanceof EventPublishError)) {
      auditRefusal(
        logger,
        {
          trigger: 'event',
          actor: eventActor(event),
          ...(typeof detail.correlationId === 'string'
            ? { correlationId: detail.correlationId.slice(0, 128) }
            : {}),
        },
        detail,
        detail.action === 'terminate' ? { Status: 'completed' } : detail.update,
        error,
      );
    }
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

/** How long before the Lambda timeout requests to SignalWire are abandoned (time left to record and publish). */
const REQUEST_DEADLINE_MARGIN_MS = 1_000;

const keyReused = (): RequestValidationError =>
  new RequestValidationError([
    {
      field: 'idempotencyKey',
      rule: 'reused',
      message: 'idempotencyKey was already used by this source for a different call or update',
    },
  ]);

/** Builds the handler around its ports; tests and the local stack pass their own. */
export const createCallUpdateEventsHandler = (deps: CallUpdateEventsDependencies) => {
  const { config, persistenceStore } = deps.idempotency;
  // The idempotent unit is the SignalWire update, not the whole handler (hence makeIdempotent, not the
  // makeHandlerIdempotent middleware): publishing stays outside it, so a failed PutEvents is retried by
  // replaying the recorded outcome instead of applying the update again.
  // The outcome is also handed out through `holder`: should recording it fail after SignalWire has acted,
  // the outcome is still published and the event is not retried (a retry could apply a redirect twice).
  const applyOnce = makeIdempotent(
    async (
      event: CallUpdateRequestedEvent,
      holder: { applied?: AppliedRequest; signal: AbortSignal },
    ): Promise<AppliedRequest> => {
      holder.applied = await applyCallUpdateRequest(deps.access, logger, event, { signal: holder.signal });
      return holder.applied;
    },
    { persistenceStore, config, keyPrefix: IDEMPOTENCY_KEY_PREFIX, dataIndexArgument: 0 },
  );

  const apply = async (event: CallUpdateRequestedEvent, context: Context): Promise<AppliedRequest> => {
    // SignalWire requests give up before the invocation ends, so a lost redirect is reported and recorded
    // as final instead of being cut by the timeout (whose retry would send it again).
    const left = context.getRemainingTimeInMillis() - REQUEST_DEADLINE_MARGIN_MS;
    const holder: { applied?: AppliedRequest; signal: AbortSignal } = {
      signal: AbortSignal.timeout(Math.max(0, left)),
    };
    try {
      return await applyOnce(event, holder);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw keyReused();
      // Final, but not SignalWire's decision: reported as final, and forgotten by the idempotency layer.
      if (error instanceof UnrememberedRefusal) return error.refused;
      if (holder.applied) {
        logger.error('the outcome could not be recorded for deduplication; publishing it anyway', {
          error: error as Error,
        });
        return holder.applied;
      }
      throw error;
    }
  };

  return middy<CallUpdateRequestedEvent, CallUpdateEventResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(traceHandler())
    .use(logMetrics(metrics))
    .use(failureEvents(deps.publisher))
    .use(allowedSourcesOnly(deps.allowedSources))
    .use(validEventsOnly)
    .use(canonicalSids)
    .handler(async (event, context) => {
      config.registerLambdaContext(context);
      const { detail } = event;
      logger.appendKeys({
        requestEventId: event.id,
        requestSource: event.source,
        callSid: detail.callSid,
        ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
      });

      const applied = await apply(event, context);
      if (applied.replayed) metrics.addMetric('CallUpdateRequestsReplayed', MetricUnit.Count, 1);
      if (applied.kind === 'applied') {
        const eventId = await deps.publisher.publish(CALL_UPDATED, callUpdatedDetail(event, applied));
        metrics.addMetric('CallUpdateRequestsApplied', MetricUnit.Count, 1);
        return { published: CALL_UPDATED, eventId };
      }
      const eventId = await deps.publisher.publish(
        CALL_UPDATE_FAILED,
        callUpdateFailedDetail(event, applied.error, {
          final: true,
          accountSid: applied.accountSid,
          replayed: applied.replayed === true,
        }),
      );
      metrics.addMetric('CallUpdateRequestsFailed', MetricUnit.Count, 1);
      return { published: CALL_UPDATE_FAILED, eventId, code: applied.error.code };
    });
};

const config = readCallUpdateEventsConfig();

export const handler = createCallUpdateEventsHandler({
  access: createSignalWireAccess(readSignalWireConfig(), logger),
  publisher: new EventBridgePublisher({ eventBusName: config.eventBusName, source: config.eventSource }),
  idempotency: createCallUpdateIdempotency({
    tableName: config.idempotencyTableName,
    expiresAfterSeconds: config.idempotencyTtlSeconds,
  }),
  allowedSources: config.allowedEventSources,
});
