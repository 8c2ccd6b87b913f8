import { randomUUID } from 'node:crypto';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CALL_UPDATE_FAILED,
  CALL_UPDATE_REQUESTED,
  CALL_UPDATED,
  type CallUpdatedDetail,
  type CallUpdateFailedDetail,
} from '#commons/events/contracts';
import { createCallUpdateIdempotency, IDEMPOTENCY_KEY_PREFIX } from '#commons/update-requests/idempotency';
import type { EventBridgeEnvelope, PublishedEvent } from '#local/aws-emulator';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { eventSchemaFileValidator } from '../support/event-schema-files.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * "Call Update Requested" for native calls, end to end: the real SDK's PutEvents to the local bus, the rule's
 * delivery to the real event function (`functions/call-update-events.ts`), the real call service and Calling
 * API adapter against the emulator's native API, and the result event on the bus.
 */

const output = captureOutput();
let stack: LocalStack;
let eventBridge: EventBridgeClient;
const SOURCE = 'com.example.crm';

const matchesCallUpdated = eventSchemaFileValidator('call-updated.schema.json');
const matchesCallUpdateFailed = eventSchemaFileValidator('call-update-failed.schema.json');

beforeAll(async () => {
  process.env.SIGNALWIRE_TIMEOUT_MS = '800';
  stack = await startLocalStack();
  eventBridge = new EventBridgeClient({});
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

beforeEach(() => {
  stack.emulator.clearRequests();
  stack.emulator.clearFaults();
  stack.aws.targetErrors.length = 0;
});

const request = async (detail: Record<string, unknown>): Promise<string> => {
  const answer = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: stack.eventBusName,
          Source: SOURCE,
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

const envelopeOf = (eventId: string): EventBridgeEnvelope =>
  structuredClone((stack.aws.putEvents.find((e) => e.envelope.id === eventId) as PublishedEvent).envelope);

const resultsFor = (eventId: string): PublishedEvent[] =>
  stack.aws.putEvents.filter(
    (e) =>
      (e.envelope['detail-type'] === CALL_UPDATED || e.envelope['detail-type'] === CALL_UPDATE_FAILED) &&
      e.envelope.detail.requestEventId === eventId,
  );

const updated = (event: PublishedEvent | undefined): CallUpdatedDetail => {
  expect(event?.envelope['detail-type']).toBe(CALL_UPDATED);
  const detail = event?.envelope.detail;
  expect(matchesCallUpdated(detail), JSON.stringify(matchesCallUpdated.errors)).toBe(true);
  return detail as unknown as CallUpdatedDetail;
};

const failed = (event: PublishedEvent | undefined): CallUpdateFailedDetail => {
  expect(event?.envelope['detail-type']).toBe(CALL_UPDATE_FAILED);
  const detail = event?.envelope.detail;
  expect(matchesCallUpdateFailed(detail), JSON.stringify(matchesCallUpdateFailed.errors)).toBe(true);
  return detail as unknown as CallUpdateFailedDetail;
};

const only = (eventId: string): PublishedEvent | undefined => {
  const results = resultsFor(eventId);
  expect(results).toHaveLength(1);
  return results[0];
};

const answered = () => stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 30 });
const nativeCommands = () =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path === '/api/calling/calls');
/** Every request the emulator received, as `METHOD path`. */
const sent = () => stack.emulator.requests.map((r) => `${r.method} ${r.path}`);
const compatibilityUpdate = (sid: string) =>
  `POST /api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${sid}.json`;
const voiceLog = (id: string) => `GET /api/voice/logs/${id}`;
const compatibilityRead = (sid: string) =>
  `GET /api/laml/2010-04-01/Accounts/${stack.projectId}/Calls/${sid}.json`;
const NATIVE_COMMAND = 'POST /api/calling/calls';
/**
 * Puts the function's SignalWire connection in use, as a warm function's is (an end for a call neither API
 * knows): the client proves an idle connection with a read before a redirect, which would open the sequence.
 */
const warm = async () => {
  await request({ callSid: '3fa85f64-5717-4562-b3fc-2c963f66afa6', action: 'terminate' });
  stack.emulator.clearRequests();
};

describe('a "Call Update Requested" event for a native call', () => {
  it('redirects it with update (url) and publishes "Call Updated" with api "calling"', async () => {
    const call = answered();
    await warm();

    const eventId = await request({
      callSid: call.id,
      action: 'update',
      update: { Url: 'https://example.com/next.swml' },
      correlationId: 'crm-7',
    });

    const detail = updated(only(eventId));
    expect(detail).toMatchObject({
      requestEventId: eventId,
      correlationId: 'crm-7',
      accountSid: stack.projectId,
      callSid: call.id,
      action: 'update',
      api: 'calling',
      change: { Url: 'https://example.com/next.swml' },
      outcome: 'updated',
      call: { sid: call.id, status: 'in-progress' },
    });
    expect(stack.emulator.native.redirectsOf(stack.projectId, call.id)).toHaveLength(1);
    // No api named: write-first, the Compatibility API's 404 (nothing applied), the voice log, the native redirect.
    expect(sent()).toEqual([compatibilityUpdate(call.id), voiceLog(call.id), NATIVE_COMMAND]);
  });

  it('ends it without api through the Compatibility 404, the voice log and calling.end, api "calling"', async () => {
    const call = answered();

    const detail = updated(only(await request({ callSid: call.id, action: 'terminate' })));

    expect(detail).toMatchObject({ api: 'calling', outcome: 'updated', call: { status: 'completed' } });
    expect(sent()).toEqual([compatibilityUpdate(call.id), voiceLog(call.id), NATIVE_COMMAND]);
  });

  it('refuses Method by name for a native call without api, writing nothing to either API', async () => {
    const call = answered();
    await warm();

    const eventId = await request({
      callSid: call.id,
      action: 'update',
      update: { Url: 'https://example.com/next.swml', Method: 'GET' },
    });

    const detail = failed(only(eventId));
    expect(detail).toMatchObject({ api: 'calling', final: true, error: { code: 'INVALID_REQUEST' } });
    expect(detail.error.violations?.map((v) => v.field)).toEqual(['Method']);
    expect(sent()).toEqual([compatibilityRead(call.id), voiceLog(call.id)]);
  });

  it('answers CALL_NOT_FOUND for a call neither API knows, with no native command and api null', async () => {
    const unknown = '9b2f6d1e-0c4a-4e7b-8f3d-2a1b0c9d8e7f';

    const detail = failed(only(await request({ callSid: unknown, action: 'terminate' })));

    expect(detail).toMatchObject({ api: null, final: true, error: { code: 'CALL_NOT_FOUND' } });
    expect(sent()).toEqual([compatibilityUpdate(unknown), voiceLog(unknown)]);
  });

  it('ends it with terminate through calling.end, api "calling", and a second terminate is already-ended', async () => {
    const call = answered();

    const first = updated(only(await request({ callSid: call.id, action: 'terminate', api: 'calling' })));
    const second = updated(only(await request({ callSid: call.id, action: 'terminate', api: 'calling' })));

    expect(first).toMatchObject({ api: 'calling', outcome: 'updated', call: { status: 'completed' } });
    expect(second).toMatchObject({ api: 'calling', outcome: 'already-ended' });
    expect(stack.emulator.requests.some((r) => r.path.startsWith('/api/laml'))).toBe(false);
  });

  it('transfers it with calling.transfer once, even when the event is delivered again', async () => {
    const call = answered();

    const eventId = await request({
      callSid: call.id,
      action: 'transfer',
      api: 'calling',
      transfer: { dest: 'sip:desk@example.com' },
    });
    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const [first, again] = resultsFor(eventId).map(updated);
    expect(first).toMatchObject({
      action: 'transfer',
      api: 'calling',
      change: { dest: 'sip:desk@example.com' },
      replayed: false,
    });
    expect(again).toMatchObject({ api: 'calling', replayed: true });
    expect(stack.emulator.native.transfersOf(stack.projectId, call.id)).toEqual(['sip:desk@example.com']);
    expect(nativeCommands()).toHaveLength(1);
  });

  it("never sends a transfer again that a crashed invocation left in progress, even after that invocation's deadline", async () => {
    const call = answered();
    const detail = {
      callSid: call.id,
      action: 'transfer',
      api: 'calling',
      transfer: { dest: 'sip:after-crash@example.com' },
      idempotencyKey: 'crash-transfer-1',
    };
    const leftBehind = createCallUpdateIdempotency({
      tableName: stack.idempotencyTableName,
      expiresAfterSeconds: 3600,
      client: new DynamoDBClient({ endpoint: stack.dynamodb.url }),
    });
    leftBehind.persistenceStore.configure({ config: leftBehind.config, keyPrefix: IDEMPOTENCY_KEY_PREFIX });
    // The crashed invocation had 1 ms left; a transfer's record, like a redirect's, blocks for the whole window.
    await leftBehind.persistenceStore.saveInProgress({ id: randomUUID(), source: SOURCE, detail }, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const eventId = await request(detail);

    expect(stack.aws.targetErrors.map((e) => e.error)).toEqual([
      expect.any(IdempotencyAlreadyInProgressError),
    ]);
    expect(resultsFor(eventId)).toEqual([]);
    expect(stack.emulator.requests).toEqual([]);
  });

  it('reports a transfer answered 500 as final REDIRECT_OUTCOME_UNKNOWN and never sends it again', async () => {
    const call = answered();
    stack.emulator.injectFault({ kind: 'status', status: 500, method: 'POST', times: 5 });

    const eventId = await request({
      callSid: call.id,
      action: 'transfer',
      api: 'calling',
      transfer: { dest: '+14155550199' },
    });
    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const [first, again] = resultsFor(eventId).map(failed);
    expect(first).toMatchObject({
      api: 'calling',
      final: true,
      replayed: false,
      error: { code: 'REDIRECT_OUTCOME_UNKNOWN' },
    });
    expect(again).toMatchObject({ replayed: true, error: { code: 'REDIRECT_OUTCOME_UNKNOWN' } });
    expect(nativeCommands()).toHaveLength(1);
    expect(stack.aws.targetErrors).toEqual([]);
  });
});

describe('fields a kind of call lacks are refused by name, with nothing sent', () => {
  it('refuses Method for a call the request says is native, sending nothing to either API', async () => {
    const call = answered();

    const eventId = await request({
      callSid: call.id,
      action: 'update',
      api: 'calling',
      update: { Url: 'https://example.com/next.swml', Method: 'GET' },
    });

    const detail = failed(only(eventId));
    expect(detail).toMatchObject({ api: 'calling', final: true, error: { code: 'INVALID_REQUEST' } });
    expect(detail.error.violations?.map((v) => v.field)).toEqual(['Method']);
    expect(stack.emulator.requests).toEqual([]);
  });

  it('refuses a transfer of a call the request says is a Compatibility call, sending nothing', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress' });

    const eventId = await request({
      callSid: call.sid,
      action: 'transfer',
      api: 'compatibility',
      transfer: { dest: 'sip:desk@example.com' },
    });

    const detail = failed(only(eventId));
    expect(detail).toMatchObject({ api: 'compatibility', final: true, error: { code: 'INVALID_REQUEST' } });
    expect(detail.error.violations?.map((v) => v.field)).toEqual(['transfer']);
    expect(stack.emulator.requests).toEqual([]);
  });

  it('ends a Compatibility call without api with exactly one request, the Compatibility update', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress' });

    const detail = updated(only(await request({ callSid: call.sid, action: 'terminate' })));

    expect(detail).toMatchObject({ api: 'compatibility', outcome: 'updated', call: { status: 'completed' } });
    expect(sent()).toEqual([compatibilityUpdate(call.sid)]);
  });

  it('refuses a transfer of a Compatibility call found by reading: reads only, no change sent', async () => {
    const call = stack.emulator.seedCall(stack.projectId, { status: 'in-progress' });

    const eventId = await request({
      callSid: call.sid,
      action: 'transfer',
      transfer: { dest: '+14155550199' },
    });

    const detail = failed(only(eventId));
    expect(detail).toMatchObject({ api: 'compatibility', error: { code: 'INVALID_REQUEST' } });
    expect(detail.error.violations?.map((v) => v.field)).toEqual(['transfer']);
    // Its voice log (source laml) tells it is a Compatibility call: one read.
    expect(sent()).toEqual([voiceLog(call.sid)]);
  });

  it.each([
    [{ action: 'transfer', transfer: { dest: 'ftp://example.com/x' } }, 'dest'],
    [{ action: 'transfer', transfer: {} }, 'dest'],
    [
      { action: 'transfer', update: { Url: 'https://example.com/a' }, transfer: { dest: '+14155550199' } },
      'update',
    ],
    [
      { action: 'update', update: { Url: 'https://example.com/a' }, transfer: { dest: '+14155550199' } },
      'transfer',
    ],
    [{ action: 'terminate', api: 'relay' }, 'api'],
  ])('refuses %j naming %s, before reading or sending anything', async (fields, field) => {
    const call = answered();

    const detail = failed(only(await request({ callSid: call.id, ...fields })));

    expect(detail).toMatchObject({ final: true, error: { code: 'INVALID_REQUEST' } });
    expect(detail.error.violations?.map((v) => v.field)).toContain(field);
    expect(stack.emulator.requests).toEqual([]);
  });
});
