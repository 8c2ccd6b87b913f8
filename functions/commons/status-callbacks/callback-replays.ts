import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { type Freshness, freshnessOf, placeTime } from '../platform/freshness.ts';
import { type RecordData, tableOptions } from '../update-requests/idempotency.ts';
import { type FormParams, signedText } from './signature.ts';

/** Prefix of the replay records in the idempotency table, apart from the call-update requests'. */
export const CALLBACK_REPLAY_KEY_PREFIX = 'status-callback';

export interface CallbackReplaysOptions {
  /** The idempotency table the event function uses (key `id`, TTL attribute `expiration`). */
  tableName: string;
  /** How long an accepted callback is remembered: the same signed request within it is not republished. */
  windowSeconds: number;
  /** @default a client from the environment (`AWS_ENDPOINT_URL_DYNAMODB` reaches the local stand-in) */
  client?: DynamoDBClient;
}

/** What became of an accepted callback. */
export type CallbackAcceptance = { replayed: false; eventId: string } | { replayed: true };

/** Remembers accepted status callbacks, so that a replayed one is acknowledged without being published again. */
export interface CallbackReplays {
  /** How long an accepted callback is remembered, in seconds. */
  readonly windowSeconds: number;
  /**
   * Runs `publish` for a verified callback unless the same signed request (the URL and the parameters it was
   * signed over) was accepted within the window, or is being accepted right now by another invocation.
   */
  acceptOnce(
    signed: { url: string; params: FormParams },
    context: Context,
    publish: () => Promise<string>,
  ): Promise<CallbackAcceptance>;
}

/**
 * The replay records. Recording an acceptance (COMPLETED) happens after the event was published: such a write
 * that fails is logged and passed over, so the callback is answered 2xx. Failing it would answer 500, and
 * SignalWire's resend, once the in-progress record has expired, would publish the callback a second time.
 */
class CallbackRecords extends DynamoDBPersistenceLayer {
  override async saveSuccess(data: RecordData, result: RecordData): Promise<void> {
    try {
      await super.saveSuccess(data, result);
    } catch (error) {
      // Imported here, on this rare path, as in `idempotency.ts`: the local stack imports this module before a
      // test sets the service name the Powertools logger is built with.
      const { logger } = await import('../platform/powertools.ts');
      logger.error(
        'status callback published, but its acceptance could not be recorded: a resend after the in-progress ' +
          'record expires is published again',
        { error: error as Error },
      );
    }
  }
}

/**
 * Powertools Idempotency over the idempotency table, keyed by a digest of the signed text: a byte-identical
 * replay (an attacker's, or SignalWire's own resend) has the same digest; any other callback, even of the
 * same call and status, differs at least in its `Timestamp` or `SequenceNumber`.
 */
export const createCallbackReplays = (options: CallbackReplaysOptions): CallbackReplays => {
  const config = new IdempotencyConfig({
    // Stryker disable next-line StringLiteral: equivalent, the data holds only the digest, so the whole of it
    // is as distinct a key as the digest alone.
    eventKeyJmesPath: 'digest',
    // Stryker disable next-line BooleanLiteral: equivalent, the digest is always there.
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.windowSeconds,
    responseHook: (response) => ({ ...(response as object), replayed: true }),
  });
  const persistenceStore = new CallbackRecords(tableOptions(options.tableName, options.client));
  const publishOnce = makeIdempotent(
    async (_callback: { digest: string }, publish: () => Promise<string>) => ({
      replayed: false as boolean,
      eventId: await publish(),
    }),
    { persistenceStore, config, keyPrefix: CALLBACK_REPLAY_KEY_PREFIX, dataIndexArgument: 0 },
  );
  return {
    windowSeconds: options.windowSeconds,
    async acceptOnce(signed, context, publish) {
      config.registerLambdaContext(context);
      // Stryker disable next-line StringLiteral: equivalent, '' is read as utf8 (the default) for a string, and a
      // Buffer digest (no encoding) is as distinct per signed text as its hex as an idempotency key.
      const digest = createHash('sha256').update(signedText(signed.url, signed.params), 'utf8').digest('hex');
      try {
        const outcome = await publishOnce({ digest }, publish);
        return outcome.replayed ? { replayed: true } : { replayed: false, eventId: outcome.eventId };
      } catch (error) {
        // The same callback, being published by another invocation right now: it is not published twice.
        if (error instanceof IdempotencyAlreadyInProgressError) return { replayed: true };
        throw error;
      }
    },
  };
};

/**
 * A day: how old SignalWire's `Timestamp` may be on a callback it sends now. SignalWire's Compatibility docs
 * describe it as the time of the status change on one page and as the call's creation time on another, so a
 * callback of a long call may carry an old one; calls do not last a day.
 */
const LONGEST_CALL_SECONDS = 86_400;

/**
 * How old a callback's signed `Timestamp` (a native callback's `timestamp`) may be and still be published: the
 * replay window less twice the clock tolerance (`platform/freshness.ts`), so that a callback replayed after its
 * replay record expired is not published again; but never less than a day less the same tolerance, so that a
 * shorter window never drops a genuine callback whose `Timestamp` is its call's creation time.
 */
export const callbackMaxAge = (windowSeconds: number): Freshness =>
  freshnessOf(Math.max(windowSeconds, LONGEST_CALL_SECONDS));

/**
 * Whether a verified callback's `timestamp` (RFC 3339, or null when it carried none that could be read) is too
 * old to publish (see {@link callbackMaxAge}). Without one nothing can be said: it is published, once per window.
 */
export const isStaleCallback = (timestamp: string | null, receivedAt: Date, maxAge: Freshness): boolean =>
  timestamp !== null && placeTime(Date.parse(timestamp), receivedAt.getTime(), maxAge) === 'too-old';
