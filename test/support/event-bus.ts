import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { expect } from 'vitest';
import {
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
  type CallUpdatedDetail,
  type CallUpdateFailedDetail,
} from '#commons/events/contracts';
import { createCallUpdateIdempotency, IDEMPOTENCY_KEY_PREFIX } from '#commons/update-requests/idempotency';
import type { EventBridgeEnvelope, PublishedEvent } from '#local/aws-emulator';
import type { LocalStack } from '#local/local-stack';
import { eventSchemaFileValidator } from './event-schema-files.ts';

/** The source the local rule allows (`LOCAL_ALLOWED_EVENT_SOURCES`): a CRM's. */
export const SOURCE = 'com.example.crm';

const matchesCallUpdated = eventSchemaFileValidator('call-updated.schema.json');
const matchesCallUpdateFailed = eventSchemaFileValidator('call-update-failed.schema.json');

/**
 * "Call Update Requested" on the local bus, as a producer sends it and as a consumer reads the results: the
 * real SDK's PutEvents (through AWS_ENDPOINT_URL_EVENTBRIDGE, which the running stack set), and the result
 * events checked against the published schema files.
 */
export const callUpdateEvents = (stack: LocalStack) => {
  let client: EventBridgeClient | undefined;
  /** Publishes a "Call Update Requested" with the real client; resolves with its event id once handled. */
  const request = async (detail: Record<string, unknown>, source = SOURCE): Promise<string> => {
    // Made on first use: the endpoint variable exists only once the stack has started.
    client ??= new EventBridgeClient({});
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: stack.eventBusName,
            Source: source,
            DetailType: CALL_UPDATE_REQUESTED,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    await stack.aws.drainTargets();
    return answer.Entries?.[0]?.EventId as string;
  };

  /** The envelope EventBridge delivered for a request, to deliver it again. */
  const envelopeOf = (eventId: string): EventBridgeEnvelope =>
    structuredClone((stack.aws.putEvents.find((e) => e.envelope.id === eventId) as PublishedEvent).envelope);

  /** Every result event published for a request, in order. */
  const resultsFor = (eventId: string): PublishedEvent[] =>
    stack.aws.putEvents.filter(
      (e) =>
        (e.envelope['detail-type'] === CALL_UPDATED || e.envelope['detail-type'] === CALL_UPDATE_FAILED) &&
        e.envelope.detail.requestEventId === eventId,
    );

  /** The one result event of a request (fails when there are none or several). */
  const onlyResult = (eventId: string): PublishedEvent => {
    const results = resultsFor(eventId);
    expect(results, JSON.stringify(results.map((r) => r.envelope.detail))).toHaveLength(1);
    return results[0] as PublishedEvent;
  };

  /** The detail of a "Call Updated", which must match its published schema. */
  const updated = (event: PublishedEvent | undefined): CallUpdatedDetail => {
    expect(event?.envelope['detail-type']).toBe(CALL_UPDATED);
    const detail = event?.envelope.detail;
    expect(matchesCallUpdated(detail), JSON.stringify(matchesCallUpdated.errors)).toBe(true);
    return detail as unknown as CallUpdatedDetail;
  };

  /** The detail of a "Call Update Failed", which must match its published schema. */
  const failed = (event: PublishedEvent | undefined): CallUpdateFailedDetail => {
    expect(event?.envelope['detail-type']).toBe(CALL_UPDATE_FAILED);
    const detail = event?.envelope.detail;
    expect(matchesCallUpdateFailed(detail), JSON.stringify(matchesCallUpdateFailed.errors)).toBe(true);
    return detail as unknown as CallUpdateFailedDetail;
  };

  return { request, envelopeOf, resultsFor, onlyResult, updated, failed };
};

/**
 * The event function's idempotency store over the local table, configured with its key prefix as the function
 * configures it: for tests that leave a record behind (a crashed invocation) or read what was remembered.
 */
export const localIdempotencyStore = (stack: LocalStack) => {
  const store = createCallUpdateIdempotency({
    tableName: stack.idempotencyTableName,
    expiresAfterSeconds: 3600,
    client: new DynamoDBClient({ endpoint: stack.dynamodb.url }),
  });
  store.persistenceStore.configure({ config: store.config, keyPrefix: IDEMPOTENCY_KEY_PREFIX });
  return store;
};
