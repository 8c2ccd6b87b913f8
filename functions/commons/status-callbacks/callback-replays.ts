import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { idempotencyTable } from '../update-requests/idempotency.ts';
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
  const persistenceStore = idempotencyTable(options.tableName, options.client);
  const publishOnce = makeIdempotent(
    async (_callback: { digest: string }, publish: () => Promise<string>) => ({
      replayed: false as boolean,
      eventId: await publish(),
    }),
    { persistenceStore, config, keyPrefix: CALLBACK_REPLAY_KEY_PREFIX, dataIndexArgument: 0 },
  );
  return {
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
