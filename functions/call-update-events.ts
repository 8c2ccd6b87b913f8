import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { type CallService, createCallService } from '#commons/calls/service';
import { readCallUpdateEventsConfig } from '#commons/events/config';
import { CALL_UPDATE_FAILED, CALL_UPDATED, type CallUpdateRequestedEvent } from '#commons/events/contracts';
import { EventBridgePublisher, type EventPublisher } from '#commons/events/publisher';
import { readSignalWireConfig } from '#commons/platform/config';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger, metrics } from '#commons/platform/powertools';
import { createSignalWireAccess } from '#commons/signalwire/access';
import { createApplyOnce } from '#commons/update-requests/apply-once';
import { callUpdatedDetail, callUpdateFailedDetail } from '#commons/update-requests/call-update-requests';
import {
  type CallUpdateIdempotency,
  createCallUpdateIdempotency,
} from '#commons/update-requests/idempotency';
import {
  allowedSourcesOnly,
  type CallUpdateEventResult,
  canonicalSids,
  failureEvents,
  validEventsOnly,
} from '#commons/update-requests/request-middlewares';

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

export type { CallUpdateEventResult } from '#commons/update-requests/request-middlewares';

export interface CallUpdateEventsDependencies {
  /** The call service: the same one the HTTP route uses. */
  calls: CallService;
  /** Where "Call Updated" and "Call Update Failed" go. */
  publisher: EventPublisher;
  /** Powertools Idempotency over the DynamoDB table. */
  idempotency: CallUpdateIdempotency;
  /** Sources whose requests are applied (`ALLOWED_EVENT_SOURCES`). */
  allowedSources: readonly string[];
}

/** Builds the handler around its ports; tests and the local stack pass their own. */
export const createCallUpdateEventsHandler = (deps: CallUpdateEventsDependencies) => {
  const once = createApplyOnce(deps.calls, deps.idempotency);
  return middy<CallUpdateRequestedEvent, CallUpdateEventResult>()
    .use(powertoolsMiddlewares())
    .use(failureEvents(deps.publisher, deps.calls))
    .use(allowedSourcesOnly(deps.allowedSources))
    .use(validEventsOnly)
    .use(canonicalSids)
    .handler(async (event, context) => {
      once.registerLambdaContext(context);
      const { detail } = event;
      logger.appendKeys({
        requestEventId: event.id,
        requestSource: event.source,
        callSid: detail.callSid,
        ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
      });
      const applied = await once.apply(event, context);
      if (applied.replayed) metrics.addMetric('CallUpdateRequestsReplayed', MetricUnit.Count, 1);
      if (applied.kind === 'applied') {
        const eventId = await deps.publisher.publish(CALL_UPDATED, callUpdatedDetail(event, applied));
        metrics.addMetric('CallUpdateRequestsApplied', MetricUnit.Count, 1);
        return { published: CALL_UPDATED, eventId };
      }
      const failed = callUpdateFailedDetail(event, applied.error, {
        final: true,
        accountSid: applied.accountSid,
        replayed: applied.replayed === true,
      });
      const eventId = await deps.publisher.publish(CALL_UPDATE_FAILED, failed);
      metrics.addMetric('CallUpdateRequestsFailed', MetricUnit.Count, 1);
      return { published: CALL_UPDATE_FAILED, eventId, code: applied.error.code };
    });
};

const config = readCallUpdateEventsConfig();

export const handler = createCallUpdateEventsHandler({
  calls: createCallService(createSignalWireAccess(readSignalWireConfig(), logger), logger),
  publisher: new EventBridgePublisher({ eventBusName: config.eventBusName, source: config.eventSource }),
  idempotency: createCallUpdateIdempotency({
    tableName: config.idempotencyTableName,
    expiresAfterSeconds: config.idempotencyTtlSeconds,
  }),
  allowedSources: config.allowedEventSources,
});
