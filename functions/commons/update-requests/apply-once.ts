import { IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import type { CallService } from '../calls/service.ts';
import { RequestValidationError } from '../errors.ts';
import type { CallUpdateRequestedEvent } from '../events/contracts.ts';
import { logger } from '../platform/powertools.ts';
import { REQUEST_DEADLINE_MARGIN_MS } from '../platform/settings.ts';
import { type AppliedRequest, applyCallUpdateRequest, UnrememberedRefusal } from './call-update-requests.ts';
import { type CallUpdateIdempotency, IDEMPOTENCY_KEY_PREFIX } from './idempotency.ts';

/** How long before the Lambda timeout requests to SignalWire are abandoned (time left to record and publish). */

const keyReused = (): RequestValidationError =>
  new RequestValidationError([
    {
      field: 'idempotencyKey',
      rule: 'reused',
      message: 'idempotencyKey was already used by this source for a different call or update',
    },
  ]);

/**
 * Applies each request at most once under Powertools Idempotency. The idempotent unit is the SignalWire
 * update, not the whole handler (hence makeIdempotent, not the makeHandlerIdempotent middleware): publishing
 * stays outside it, so a failed PutEvents is retried by replaying the recorded outcome instead of applying
 * the update again. The outcome is also handed out through `holder`: should recording it fail after
 * SignalWire has acted, the outcome is still published and the event is not retried (a retry could apply a
 * redirect twice).
 */
export const createApplyOnce = (calls: CallService, idempotency: CallUpdateIdempotency) => {
  const { config, persistenceStore } = idempotency;
  const applyOnce = makeIdempotent(
    async (
      event: CallUpdateRequestedEvent,
      holder: { applied?: AppliedRequest; signal: AbortSignal; invokedFunctionArn: string },
    ): Promise<AppliedRequest> => {
      holder.applied = await applyCallUpdateRequest(calls, event, holder.invokedFunctionArn, holder.signal);
      return holder.applied;
    },
    { persistenceStore, config, keyPrefix: IDEMPOTENCY_KEY_PREFIX, dataIndexArgument: 0 },
  );

  return {
    /** Lets the idempotency layer see how much time the invocation has left. */
    registerLambdaContext: config.registerLambdaContext.bind(config),
    async apply(event: CallUpdateRequestedEvent, context: Context): Promise<AppliedRequest> {
      // SignalWire requests give up before the invocation ends, so a lost redirect is reported and recorded
      // as final instead of being cut by the timeout (whose retry would send it again).
      const left = context.getRemainingTimeInMillis() - REQUEST_DEADLINE_MARGIN_MS;
      const holder: { applied?: AppliedRequest; signal: AbortSignal; invokedFunctionArn: string } = {
        signal: AbortSignal.timeout(Math.max(0, left)),
        invokedFunctionArn: context.invokedFunctionArn,
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
    },
  };
};
