import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { ResponseHook } from '@aws-lambda-powertools/idempotency/types';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sdkClientDefaults } from '../platform/aws-sdk.ts';

/** Prefix of every idempotency record's key, fixed so that records survive a renamed function. */
export const IDEMPOTENCY_KEY_PREFIX = 'call-update-requested';

/**
 * What makes two deliveries "the same request": the requester's idempotency key, scoped by its source so
 * that two systems cannot collide, or else the EventBridge event id (the same on every redelivery).
 */
export const IDEMPOTENCY_KEY_JMESPATH = '[source, detail.idempotencyKey || id]';

/**
 * What a repeated idempotency key must ask for again: the same call and the same action. A correlation id may
 * differ (a requester retrying under a new one); anything else is a reused key and is refused.
 */
export const IDEMPOTENCY_PAYLOAD_JMESPATH = 'detail.[callSid, accountSid, action, update]';

/** Attribute names of the table (the CDK table and the local one use the same). */
export const IDEMPOTENCY_TABLE_KEY = 'id';
export const IDEMPOTENCY_TABLE_TTL = 'expiration';

/**
 * The idempotency table as Powertools reads and writes it, for the call-update requests and the status
 * callbacks' replay records alike: the given client, or one built from the functions' SDK defaults.
 */
export const idempotencyTable = (tableName: string, client?: DynamoDBClient): DynamoDBPersistenceLayer =>
  new DynamoDBPersistenceLayer({
    tableName,
    keyAttr: IDEMPOTENCY_TABLE_KEY,
    expiryAttr: IDEMPOTENCY_TABLE_TTL,
    ...(client ? { awsSdkV3Client: client } : { clientConfig: sdkClientDefaults() }),
  });

export interface CallUpdateIdempotencyOptions {
  tableName: string;
  /** How long a handled request is remembered: redeliveries and reused keys within it are not applied again. */
  expiresAfterSeconds: number;
  /** @default a client from the environment (`AWS_ENDPOINT_URL_DYNAMODB` reaches the local stand-in) */
  client?: DynamoDBClient;
}

/** Powertools Idempotency, configured for "Call Update Requested" events. */
export interface CallUpdateIdempotency {
  /** Register each invocation's Lambda context on it: an in-progress record then expires with the invocation. */
  config: IdempotencyConfig;
  persistenceStore: DynamoDBPersistenceLayer;
}

/**
 * Marks a result that came from the table rather than from running the function, so the result event can say
 * that the call was not touched again.
 */
const markReplayed: ResponseHook = (response) =>
  typeof response === 'object' && response !== null && !Array.isArray(response)
    ? { ...response, replayed: true }
    : response;

/**
 * The idempotency configuration and DynamoDB persistence of the event function. Powertools writes an
 * in-progress record before the work starts, with an in-progress expiry of the invocation's remaining time
 * (from the registered Lambda context): a record left behind by a crashed or timed-out invocation stops
 * blocking once that time has passed, and the next retry runs.
 */
export const createCallUpdateIdempotency = (
  options: CallUpdateIdempotencyOptions,
): CallUpdateIdempotency => ({
  config: new IdempotencyConfig({
    eventKeyJmesPath: IDEMPOTENCY_KEY_JMESPATH,
    payloadValidationJmesPath: IDEMPOTENCY_PAYLOAD_JMESPATH,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds,
    responseHook: markReplayed,
  }),
  persistenceStore: idempotencyTable(options.tableName, options.client),
});
