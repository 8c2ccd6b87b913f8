import '#commons/platform/bundle-prelude';
import middy from '@middy/core';
import { type NativeAwareCallService, withNativeCalls } from '#commons/calls/native-calls';
import { createCallService } from '#commons/calls/service';
import { readCallUpdateEventsConfig } from '#commons/events/config';
import type { CallUpdateRequestedEvent } from '#commons/events/contracts';
import { EventBridgePublisher, type EventPublisher } from '#commons/events/publisher';
import { readSignalWireConfig } from '#commons/platform/config';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger } from '#commons/platform/powertools';
import { createSignalWireAccess } from '#commons/signalwire/access';
import { type CallUpdateEventResult, createCallUpdateConsumer } from '#commons/update-requests/consumer';
import {
  type CallUpdateIdempotency,
  createCallUpdateIdempotency,
} from '#commons/update-requests/idempotency';

/**
 * Applies "Call Update Requested" events from the bus and publishes the outcome to the same bus:
 * "Call Updated", or "Call Update Failed" with a stable code.
 *
 * Age: an event older than its idempotency record is certain to be kept (the window less twice the clock
 * tolerance, `commons/platform/freshness.ts`: an archive replay, a redrive, a late retry) is refused before
 * anything else with a final `EVENT_TOO_OLD`; applying it could apply it again (`update-requests/event-time.ts`).
 * Unless its record is still there and COMPLETED: a late duplicate of a request already handled gets its recorded
 * outcome, as any duplicate does, and nothing is sent.
 *
 * Delivery: EventBridge delivers at least once, so the update runs under Powertools Idempotency (key: the
 * idempotency key per source, else the event id). A repeat replays the recorded outcome and publishes it
 * again with `replayed: true`; the call is not touched twice. What happens next for each outcome is decided in
 * one place, `commons/update-requests/outcome.ts`; `consumer.ts` publishes it. Failures:
 * - invalid event, disallowed source, reused idempotency key, or a final SignalWire refusal (state conflict,
 *   unknown call, redirect outcome unknown, ...): "Call Update Failed" with `final: true`; the invocation
 *   succeeds, so nothing retries it;
 * - transient (SignalWire unavailable after the client's own retries, secret unreadable, ...): "Call Update
 *   Failed" with `final: false` on every attempt, then the invocation fails, so Lambda's asynchronous retries
 *   and finally the dead-letter queue take over. The idempotency record is released for the retry;
 * - a request whose record is still in progress is handed back to Lambda (the invocation fails): its retry
 *   replays the outcome once recorded. A redirect's record stays in progress for the idempotency window if its
 *   invocation died or could not record the outcome, so it is never sent again: it ends in the dead-letter queue.
 */

export type { CallUpdateEventResult } from '#commons/update-requests/consumer';

export interface CallUpdateEventsDependencies {
  /** The call service over both kinds of call: the same one the HTTP route uses. */
  calls: NativeAwareCallService;
  /** Where "Call Updated" and "Call Update Failed" go. */
  publisher: EventPublisher;
  /** Powertools Idempotency over the DynamoDB table. */
  idempotency: CallUpdateIdempotency;
  /** Sources whose requests are applied (`ALLOWED_EVENT_SOURCES`). */
  allowedSources: readonly string[];
  /** The clock an event's `time` is checked against. @default () => new Date() */
  now?: () => Date;
  /** The secret's default project: `accountSid` naming it is the request that leaves it out. Read only when needed. */
  defaultProject?: () => Promise<string>;
}

/** Builds the handler around its ports; tests and the local stack pass their own. */
export const createCallUpdateEventsHandler = (deps: CallUpdateEventsDependencies) => {
  const consumer = createCallUpdateConsumer(deps);
  return middy<CallUpdateRequestedEvent, CallUpdateEventResult>()
    .use(powertoolsMiddlewares())
    .use({
      // Runs before Powertools' own error handlers (middy runs them in reverse): it must not throw, or they
      // would be skipped; an error it leaves unanswered is thrown by middy once they ran.
      onError: async (request) => {
        const settled = await consumer.interrupted(request.event, request.error, request.context);
        if (settled !== undefined) request.response = settled;
      },
    })
    .handler((event, context) => consumer.handle(event, context));
};

const config = readCallUpdateEventsConfig();
const access = createSignalWireAccess(readSignalWireConfig(), logger);

export const handler = createCallUpdateEventsHandler({
  calls: withNativeCalls(createCallService(access, logger), access, logger),
  publisher: new EventBridgePublisher({ eventBusName: config.eventBusName, source: config.eventSource }),
  idempotency: createCallUpdateIdempotency({
    tableName: config.idempotencyTableName,
    expiresAfterSeconds: config.idempotencyTtlSeconds,
  }),
  allowedSources: config.allowedEventSources,
  defaultProject: async () => (await access.credentials.get()).projectId,
});
