import {
  IdempotencyAlreadyInProgressError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { eventActor } from '../calls/audit-actors.ts';
import type { NativeAwareCallService } from '../calls/native-calls.ts';
import type { CallOutcome, CallService } from '../calls/service.ts';
import { type FieldViolation, isFunctionTimeout, RequestValidationError } from '../errors.ts';
import { CALL_UPDATE_FAILED, CALL_UPDATED, type CallUpdateRequestedEvent } from '../events/contracts.ts';
import type { EventPublisher } from '../events/publisher.ts';
import { withDeadline } from '../platform/deadline.ts';
import { EventTooOldError, type Freshness, freshnessOf } from '../platform/freshness.ts';
import { EVENTS_CALLS_FAILED_METRIC, EVENTS_CALLS_UPDATED_METRIC } from '../platform/metric-names.ts';
import { logger, metrics } from '../platform/powertools.ts';
import { REQUEST_DEADLINE_MARGIN_MS } from '../platform/settings.ts';
import { terminateChange } from '../signalwire/api-facts.ts';
import { type AppliedRequest, actionOf, canonicalRequest } from './call-update-requests.ts';
import { eventTimeViolations, eventTooOld } from './event-time.ts';
import {
  type CallUpdateIdempotency,
  IDEMPOTENCY_KEY_PREFIX,
  type RecordData,
  redirectsTheCall,
  rememberAgain,
} from './idempotency.ts';
import {
  type Decision,
  decideOutcome,
  decideRecord,
  decideRefusal,
  recordOf,
  retryUnpublished,
} from './outcome.ts';
import { recordedForProject, recordedOnly, recordFormOf } from './project-form.ts';
import { callUpdateRequestViolations } from './validate-request.ts';

/** What an invocation returns (logged by Lambda; EventBridge does not read it). */
export interface CallUpdateEventResult {
  /** The result event published; null when it could not be and a retry would touch the call again. */
  published: typeof CALL_UPDATED | typeof CALL_UPDATE_FAILED | null;
  /** Id of the published event (null when none was). */
  eventId: string | null;
  /** Error code, for "Call Update Failed". */
  code?: string;
}

export interface CallUpdateConsumerDependencies {
  /** The call service over both kinds of call (`withNativeCalls`), as the HTTP API uses it. */
  calls: NativeAwareCallService;
  publisher: EventPublisher;
  idempotency: CallUpdateIdempotency;
  allowedSources: readonly string[];
  /** The clock an event's `time` is checked against. @default () => new Date() */
  now?: () => Date;
  /**
   * The secret's default project, read only when a key's record was written for another detail: a request that
   * names that project and one that leaves `accountSid` out send SignalWire the same thing, so they are one
   * request. Without it, they are two (a reused key). Reads (or reuses) the secret.
   */
  defaultProject?: () => Promise<string>;
}

/**
 * Powertools deletes the in-progress record when the idempotent function throws, and only then: this carries a
 * decision not to remember (a transient failure, our own configuration) out through it. The one exception
 * on the consumer's path.
 */
export class ReleaseRecordError extends Error {
  // Stryker disable next-line StringLiteral: equivalent, caught by its class in handle(), its name never read
  override readonly name = 'ReleaseRecordError';

  constructor(readonly decision: Decision) {
    // Stryker disable next-line LogicalOperator,OptionalChaining,StringLiteral: equivalent, the message is never read
    super(decision.failure?.described.message ?? 'released');
  }
}

/**
 * Logged when a redirect's record is still in progress: it is being applied by another invocation, or an
 * invocation ended (crashed, timed out, could not record the outcome) without saying what became of it.
 */
export const REDIRECT_IN_PROGRESS_MESSAGE =
  'this redirect is in progress under another invocation, or its outcome was never recorded: it is not sent ' +
  "again; if it stays so, Lambda's retries end in the dead-letter queue (check the call's audit records)";

const refusedBy = (violations: FieldViolation[]) => new RequestValidationError(violations);

/**
 * The refusal of a request before anything else looks at it (the idempotency table included): a source not
 * allowed, an invalid event (its `time` too: absent, unreadable, in the future), or an event older than its
 * idempotency record is certain to be kept (`event-time.ts`).
 */
const refusalOf = (
  event: unknown,
  allowed: readonly string[],
  now: Date,
  freshness: Freshness,
): Error | undefined => {
  const source =
    // Stryker disable next-line ConditionalExpression: equivalent, a payload is JSON (a number's or text's source is undefined) and middy makes a missing one {}
    typeof event === 'object' && event !== null ? (event as { source?: unknown }).source : undefined;
  // Stryker disable next-line ConditionalExpression: equivalent, the allow-list holds only strings, which includes() never matches to anything else
  if (typeof source !== 'string' || !allowed.includes(source)) {
    const message = `source ${JSON.stringify(source)} is not allowed to request call updates`;
    return refusedBy([{ field: 'source', rule: 'not-allowed', message }]);
  }
  const time = eventTimeViolations(event, now, freshness);
  const violations = [...callUpdateRequestViolations(event), ...time.violations];
  if (violations.length > 0) return refusedBy(violations);
  // Stryker disable next-line ConditionalExpression: equivalent, no violations means the time was read
  return time.timeMs === undefined ? undefined : eventTooOld(time.timeMs, now, freshness);
};

/**
 * A request whose key names a different call or change: the requester's `idempotencyKey`, or, without one, the
 * event's `id` (a direct invoke or a producer that writes its own, sending another detail under it).
 */
const keyReused = (event: CallUpdateRequestedEvent) =>
  refusedBy([
    event.detail.idempotencyKey === undefined
      ? {
          field: 'id',
          rule: 'reused',
          message:
            'id (the event id, the request key when there is no idempotencyKey) was already used by this source for a different call, project or update',
        }
      : {
          field: 'idempotencyKey',
          rule: 'reused',
          message: 'idempotencyKey was already used by this source for a different call, project or update',
        },
  ]);

/**
 * The change a refused request asked for, as the audit records it. A transfer is recorded as the service
 * records one (`Transfer`: where to), which the service's `refuse` also reads as a redirect, so a transfer cut by
 * the timeout is REDIRECT_OUTCOME_UNKNOWN.
 */
const refusedChange = (detail: Record<string, unknown>): unknown => {
  if (detail.action === 'terminate') return terminateChange();
  if (detail.action !== 'transfer') return detail.update;
  // Not checked for a string here: the service reads a change's fields only when they are strings (the audit's
  // changeForAudit, the redirect class of the refusal), so `{ Transfer: 42 }` or one without `dest` records none.
  return { Transfer: (detail.transfer as { dest?: unknown } | undefined)?.dest };
};

/** Audits a refusal (the call service's one record of it) and decides what it means. */
const refuse = (
  calls: CallService,
  invokedFunctionArn: string | undefined,
  event: unknown,
  error: unknown,
): Decision => {
  const envelope = (
    typeof event === 'object' && event !== null ? event : {}
  ) as Partial<CallUpdateRequestedEvent>;
  const detail = (
    typeof envelope.detail === 'object' && envelope.detail !== null ? envelope.detail : {}
  ) as Record<string, unknown>;
  const described = calls.refuse(
    {
      trigger: 'event',
      actor: eventActor(envelope, invokedFunctionArn),
      ...(typeof detail.correlationId === 'string'
        ? { correlationId: detail.correlationId.slice(0, 128) }
        : {}),
    },
    { ...detail, change: refusedChange(detail) },
    error,
  );
  return decideRefusal(event, described, error);
};

/** Whether the outcome is in the table as COMPLETED (so a retry replays it instead of running it again). */
const remembered = async (
  store: CallUpdateIdempotency['persistenceStore'],
  event: CallUpdateRequestedEvent,
): Promise<boolean> => {
  try {
    const record = await store.getRecord(event as unknown as RecordData);
    return record.getStatus() === IdempotencyRecordStatus.COMPLETED;
    // The directive below sits in the catch, before its block: Stryker reads one only as a leading comment of a
    // node that starts on the mutant's line (the block's, here), and one above the catch leads no such node.
  } catch /* Stryker disable next-line BlockStatement: equivalent, a catch that returns nothing answers undefined, which retryUnpublished reads as false */ {
    return false;
  }
};

/**
 * The outcome recorded for an event older than the window (`EVENT_TOO_OLD` by its `time`): a late duplicate of a
 * request already handled (a producer's retry under its `idempotencyKey`, a redelivery of an event whose record
 * was renewed by a later duplicate) is answered as any duplicate is, from its COMPLETED record, and nothing is
 * sent. Only a COMPLETED record, unexpired and for the same change, says what became of the request; anything
 * else (no record, one in progress: a redirect whose outcome is unknown, one for another change, a table that
 * cannot be read) leaves the refusal as it was: final, and nothing sent, so a redirect is never sent twice.
 */
const recordedOutcome = async (
  store: CallUpdateIdempotency['persistenceStore'],
  event: CallUpdateRequestedEvent,
  defaultProject: (() => Promise<string>) | undefined,
): Promise<AppliedRequest | undefined> => {
  try {
    let record: Awaited<ReturnType<typeof store.getRecord>>;
    let owns = (recorded: AppliedRequest) => recordedForProject(event, recorded);
    try {
      record = await store.getRecord(event as unknown as RecordData);
    } catch (error) {
      // Written for the request's other project form: the same request, as a fresh duplicate finds it.
      const other =
        error instanceof IdempotencyValidationError ? await recordFormOf(event, defaultProject) : undefined;
      if (other === undefined) throw error;
      record = await store.getRecord(other.form as unknown as RecordData);
      owns = other.owns;
    }
    if (record.getStatus() !== IdempotencyRecordStatus.COMPLETED) return undefined;
    const response = record.getResponse() as AppliedRequest;
    return owns(response) ? { ...response, replayed: true } : undefined;
  } catch (error) {
    if (!(error instanceof IdempotencyItemNotFoundError) && !(error instanceof IdempotencyValidationError)) {
      logger.warn(
        'the idempotency record of an event too old to apply could not be read: refused as too old',
        {
          error: error as Error,
        },
      );
    }
    return undefined;
  }
};

/** The request every further log line of the invocation is about (its keys are reset per invocation). */
const nameInLogs = ({ id, source, detail }: CallUpdateRequestedEvent): void => {
  logger.appendKeys({
    requestEventId: id,
    requestSource: source,
    callSid: detail.callSid,
    ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
  });
};

/** The one place a result is published and counted, and the invocation ended or failed. */
const settler =
  (publisher: EventPublisher, store: CallUpdateIdempotency['persistenceStore']) =>
  async (event: unknown, decision: Decision): Promise<CallUpdateEventResult> => {
    const { result, failure } = decision;
    if (failure?.described.code === 'INTERNAL_ERROR') {
      logger.error('unexpected error', { error: failure.cause as Error });
    } else if (failure) {
      logger.info('request not applied', {
        error: { code: failure.described.code, message: failure.described.message },
      });
    }
    let eventId: string;
    try {
      eventId = await publisher.publish(result.detailType, result.detail);
    } catch (error) {
      if (
        retryUnpublished(
          decision,
          decision.acted && (await remembered(store, event as CallUpdateRequestedEvent)),
        )
      ) {
        throw error;
      }
      logger.error('SignalWire acted on the call, but its result could be neither recorded nor published', {
        error: error as Error,
        detailType: result.detailType,
      });
      metrics.addMetric('CallUpdateResultsUnpublished', MetricUnit.Count, 1);
      return { published: null, eventId: null, ...('code' in result ? { code: result.code } : {}) };
    }
    if (decision.replayed) metrics.addMetric('CallUpdateRequestsReplayed', MetricUnit.Count, 1);
    metrics.addMetric(
      result.detailType === CALL_UPDATED ? EVENTS_CALLS_UPDATED_METRIC : EVENTS_CALLS_FAILED_METRIC,
      MetricUnit.Count,
      1,
    );
    if (decision.retry) {
      // Failing the invocation is how Lambda is asked to retry; the error is the failure's own.
      // Stryker disable next-line OptionalChaining: equivalent, every decision to retry carries its failure
      throw failure?.cause instanceof Error ? failure.cause : new Error(failure?.described.message);
    }
    return result.detailType === CALL_UPDATED
      ? { published: CALL_UPDATED, eventId }
      : { published: CALL_UPDATE_FAILED, eventId, code: result.code };
  };

/** Sends the request to the call service: a transfer as one, anything else as an update or a terminate. */
const applyTo = (
  calls: NativeAwareCallService,
  event: CallUpdateRequestedEvent,
  signal: AbortSignal,
  invokedFunctionArn: string,
): Promise<CallOutcome> => {
  const { detail } = event;
  const command = {
    signal,
    trigger: 'event' as const,
    actor: eventActor(event, invokedFunctionArn),
    ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
    // Stryker disable next-line ConditionalExpression: equivalent, the services read a project or an api left undefined as one left out
    ...(detail.accountSid === undefined ? {} : { project: detail.accountSid }),
    // Stryker disable next-line ConditionalExpression: equivalent, as above
    ...(detail.api === undefined ? {} : { api: detail.api }),
    callSid: detail.callSid,
  };
  return detail.action === 'transfer'
    ? // Stryker disable next-line OptionalChaining,StringLiteral: equivalent, a valid transfer has transfer.dest (validate-request.ts refuses one without)
      calls.transfer({ ...command, dest: detail.transfer?.dest ?? '' })
    : calls.apply({ ...command, action: actionOf(event) });
};

/**
 * The "Call Update Requested" consumer, the counterpart of Powertools' `IdempotencyHandler`: refuse, or apply
 * once under the idempotency record, then let `outcome.ts` decide, then settle: publish the one result event,
 * count it, and end the invocation or fail it for Lambda's retry.
 */
export const createCallUpdateConsumer = (deps: CallUpdateConsumerDependencies) => {
  const { calls, publisher, idempotency } = deps;
  const { config, persistenceStore } = idempotency;
  const settle = settler(publisher, persistenceStore);
  const freshness = freshnessOf(idempotency.windowSeconds);
  const now = deps.now ?? (() => new Date());

  const applyOnce = makeIdempotent(
    async (
      event: CallUpdateRequestedEvent,
      signal: AbortSignal,
      invokedFunctionArn: string,
    ): Promise<AppliedRequest> => {
      const outcome = await applyTo(calls, event, signal, invokedFunctionArn);
      const decision = decideOutcome(event, outcome);
      if (!decision.remember) throw new ReleaseRecordError(decision);
      return recordOf(event, outcome);
    },
    { persistenceStore, config, keyPrefix: IDEMPOTENCY_KEY_PREFIX, dataIndexArgument: 0 },
  );
  // Configured as applyOnce configures it (Powertools does so on its first call): a late duplicate's record is read
  // before any request is applied, and an unconfigured store would key it by a hash of the whole event.
  persistenceStore.configure({ config, keyPrefix: IDEMPOTENCY_KEY_PREFIX });

  /** A recorded outcome published again (`replayed: true`), its record kept for another window, as any replay. */
  const replayRecorded = async (event: CallUpdateRequestedEvent, recorded: AppliedRequest) => {
    const decision = decideRecord(event, recorded);
    await rememberAgain(persistenceStore, event);
    return settle(event, decision);
  };

  return {
    /**
     * middy's early timeout fired while the request was being applied: the outcome is described as lost (for a
     * redirect: unknown, final) and settled like any other; any other error is left to Lambda: `undefined`, not
     * thrown, so that the invocation's other error handlers (Powertools' key reset and metrics flush) still run
     * before middy throws the error itself.
     */
    async interrupted(
      event: unknown,
      error: unknown,
      context: Context,
    ): Promise<CallUpdateEventResult | undefined> {
      if (!isFunctionTimeout(error)) return undefined;
      return settle(event, refuse(calls, context.invokedFunctionArn, event, error));
    },

    async handle(received: unknown, context: Context): Promise<CallUpdateEventResult> {
      config.registerLambdaContext(context);
      const refusal = refusalOf(received, deps.allowedSources, now(), freshness);
      if (refusal instanceof EventTooOldError) {
        // Too old to apply, but perhaps a duplicate of a request already handled: then its recorded outcome.
        // A valid event: its log lines (an unreadable table, a renewal that failed) name it as a fresh one's do.
        const late = canonicalRequest(received as CallUpdateRequestedEvent);
        nameInLogs(late);
        const recorded = await recordedOutcome(persistenceStore, late, deps.defaultProject);
        if (recorded) return replayRecorded(late, recorded);
      }
      if (refusal) return settle(received, refuse(calls, context.invokedFunctionArn, received, refusal));
      const event = canonicalRequest(received as CallUpdateRequestedEvent);
      nameInLogs(event);
      // SignalWire requests give up before the invocation ends, so a lost redirect is reported and recorded as
      // final instead of being cut by the timeout (whose retry would send it again).
      const left = context.getRemainingTimeInMillis() - REQUEST_DEADLINE_MARGIN_MS;
      let decision: Decision;
      // The form the record under the key was written for: the event's, or its other project form.
      let recorded = event;
      try {
        const applied = await withDeadline(left, async (signal) => {
          try {
            return await applyOnce(event, signal, context.invokedFunctionArn);
          } catch (error) {
            if (!(error instanceof IdempotencyValidationError)) throw error;
            const other = await recordFormOf(event, deps.defaultProject);
            if (other === undefined) throw error;
            recorded = other.form;
            const applied = other.apply
              ? await applyOnce(other.form, signal, context.invokedFunctionArn)
              : await recordedOnly(persistenceStore, other.form, error);
            if (!other.owns(applied)) throw error;
            return applied;
          }
        });
        decision = decideRecord(event, applied);
        if (decision.replayed) await rememberAgain(persistenceStore, recorded);
      } catch (error) {
        if (error instanceof ReleaseRecordError) decision = error.decision;
        else if (error instanceof IdempotencyAlreadyInProgressError) {
          // Failing the invocation hands the event back to Lambda: its retry a minute later replays the
          // outcome once recorded; a redirect whose record stays in progress ends in the dead-letter queue, its
          // record kept for a window from this duplicate, whose own replays are judged fresh by its time.
          const redirect = redirectsTheCall(recorded as unknown as RecordData);
          if (redirect) await persistenceStore.holdRedirect(recorded as unknown as RecordData);
          logger.warn(
            redirect
              ? REDIRECT_IN_PROGRESS_MESSAGE
              : 'the same request is being applied by another invocation; leaving it to a retry',
          );
          throw error;
        } else
          decision = refuse(
            calls,
            context.invokedFunctionArn,
            event,
            error instanceof IdempotencyValidationError ? keyReused(event) : error,
          );
      }
      return settle(event, decision);
    },
  };
};
