import { randomUUID } from 'node:crypto';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { describe, expect, it } from 'vitest';
import { emulatorRequests, NATIVE_COMMAND } from '../support/emulator-requests.ts';
import { callUpdateEvents, localIdempotencyStore, SOURCE } from '../support/event-bus.ts';
import { useLocalStack } from '../support/local-stack-suite.ts';

/**
 * "Call Update Requested" for native calls, end to end: the real SDK's PutEvents to the local bus, the rule's
 * delivery to the real event function (`functions/call-update-events.ts`), the real call service and Calling
 * API adapter against the emulator's native API, and the result event on the bus.
 */

const { stack } = useLocalStack({ SIGNALWIRE_TIMEOUT_MS: '800' });
const { request, envelopeOf, resultsFor, onlyResult: only, updated, failed } = callUpdateEvents(stack);
const { sent, compatibilityUpdate, voiceLog, compatibilityRead } = emulatorRequests(stack);

const answered = () => stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 30 });
const nativeCommands = () =>
  stack.emulator.requests.filter((r) => r.method === 'POST' && r.path === '/api/calling/calls');
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
    const leftBehind = localIdempotencyStore(stack);
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

describe('a native call whose status SignalWire did not give', () => {
  it('publishes "Call Updated" with call.status null, valid under the published schema, and replays it so', async () => {
    const call = answered();
    const body = JSON.stringify({ ...stack.emulator.native.get(stack.projectId, call.id), status: null });
    stack.emulator.injectFault({ kind: 'garble', body, method: 'POST', pathPrefix: '/api/calling/' });

    const eventId = await request({ callSid: call.id, action: 'terminate', api: 'calling' });
    await stack.deliverCallUpdateRequested(envelopeOf(eventId));

    const [first, again] = resultsFor(eventId).map(updated);
    expect(first).toMatchObject({ api: 'calling', outcome: 'updated', call: { sid: call.id, status: null } });
    expect(again).toMatchObject({ replayed: true, call: { sid: call.id, status: null } });
  });
});

describe('a native call answer that leaves out or garbles what describes the call', () => {
  it('publishes a thin calling.end answer whose voice log cannot be read as "Call Updated" valid under the published schema', async () => {
    const call = answered();
    const thin = { id: call.id, status: 'ended', created_at: new Date().toISOString() };
    stack.emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify(thin),
      method: 'POST',
      pathPrefix: '/api/calling/',
    });
    stack.emulator.injectFault({
      kind: 'status',
      status: 500,
      method: 'GET',
      times: 5,
      pathPrefix: '/api/voice/',
    });

    const detail = updated(only(await request({ callSid: call.id, action: 'terminate', api: 'calling' })));

    expect(detail.call).toMatchObject({
      sid: call.id,
      status: 'completed',
      to: '',
      from: '',
      direction: '',
      parent_call_sid: null,
    });
  });

  it('publishes a parent id that is not text as null, under the published schema', async () => {
    const call = answered();
    const body = { ...stack.emulator.native.get(stack.projectId, call.id), parent_id: 7 };
    stack.emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify(body),
      method: 'POST',
      pathPrefix: '/api/calling/',
    });

    const detail = updated(only(await request({ callSid: call.id, action: 'terminate', api: 'calling' })));

    expect(detail).toMatchObject({ callSid: call.id, call: { sid: call.id, parent_call_sid: null } });
  });
});
