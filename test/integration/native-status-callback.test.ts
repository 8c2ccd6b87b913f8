import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_STATUS_CHANGED } from '#commons/events/contracts';
import { STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import type { PublishedEvent } from '#local/aws-emulator';
import { type LocalStack, startLocalStack } from '#local/local-stack';
import { eventSchemaFileValidator } from '../support/event-schema-files.ts';
import { captureOutput } from '../support/output-capture.ts';

/**
 * Native calls' status callbacks (`status_url`, `call_state_url`: JSON bodies) through the local API gateway
 * to the real status-callback function and on to the local bus.
 */

const output = captureOutput();
let stack: LocalStack;
const matchesCallStatusChanged = eventSchemaFileValidator('call-status-changed.schema.json');

/**
 * SignalWire's JSON scheme, written here from its SDKs' description and not with the project's code: hex of
 * HMAC-SHA1 over the URL followed by the raw body. test/unit/native-callback.test.ts checks the project's code
 * against an openssl vector.
 */
const sign = (key: string, url: string, rawBody: string): string =>
  createHmac('sha1', key)
    .update(url + rawBody)
    .digest('hex');

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

const webhookUrl = (query = ''): string => `${stack.api.url}${STATUS_CALLBACK_ROUTE.path}${query}`;

/** When the fixtures' callbacks were sent: now, in whole seconds since the epoch (a quarter second added below). */
const SENT_AT_SECONDS = Math.floor(Date.now() / 1000);

/** A `calling.call.state` body as SignalWire's CallState payload has it, written with its own spacing. */
const callState = (
  callId: string,
  state: string,
  project = stack.projectId,
  sentAtSeconds = SENT_AT_SECONDS,
): string =>
  `{"event_type":"calling.call.state","event_channel":"swml:${callId}","timestamp":${sentAtSeconds}.25,` +
  `"project_id":"${project}","space_id":"${randomUUID()}","params":{"node_id":"n1","call_id":"${callId}",` +
  `"call_state":"${state}","direction":"outbound","device":{"type":"phone","params":` +
  `{"from_number":"+14155550100","to_number":"+13105550142"}}}}`;

const post = (url: string, body: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

const statusEventsFor = (callSid: string): PublishedEvent[] =>
  stack.aws.putEvents.filter(
    (e) => e.envelope['detail-type'] === CALL_STATUS_CHANGED && e.envelope.detail.callSid === callSid,
  );

describe('a native call state callback (JSON)', () => {
  it('publishes "Call Status Changed" with api "calling" when signed over the URL and the raw body', async () => {
    const callId = randomUUID();
    const url = webhookUrl('?tenant=acme');
    const body = callState(callId, 'answered');

    const answer = await post(url, body, { 'x-signalwire-signature': sign(stack.signingKey, url, body) });

    expect(answer.status).toBe(204);
    const [event] = statusEventsFor(callId);
    expect(event?.envelope.detail).toEqual({
      api: 'calling',
      accountSid: stack.projectId,
      callSid: callId,
      callStatus: 'answered',
      status: 'in-progress',
      sequenceNumber: null,
      timestamp: new Date(SENT_AT_SECONDS * 1000 + 250).toISOString(),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      duration: null,
      direction: 'outbound',
      from: '+14155550100',
      to: '+13105550142',
      parentCallSid: null,
      answeredBy: null,
      sipResponseCode: null,
      callbackSource: 'calling.call.state',
    });
    expect(
      matchesCallStatusChanged(event?.envelope.detail),
      JSON.stringify(matchesCallStatusChanged.errors),
    ).toBe(true);
  });

  it('accepts a body that begins with a byte order mark when the signature covers it, byte for byte, and publishes it read past the mark', async () => {
    const callId = randomUUID();
    const body = `\ufeff${callState(callId, 'ringing')}`;

    const answer = await post(webhookUrl(), body, {
      'x-signalwire-signature': sign(stack.signingKey, webhookUrl(), body),
    });

    expect(answer.status).toBe(204);
    expect(statusEventsFor(callId).map((e) => e.envelope.detail)).toEqual([
      expect.objectContaining({ api: 'calling', callStatus: 'ringing', status: 'ringing' }),
    ]);
  });

  it('refuses 403, and publishes nothing, a byte order mark put before a body signed without it', async () => {
    const callId = randomUUID();
    const signed = callState(callId, 'ended');

    const answer = await post(webhookUrl(), `\ufeff${signed}`, {
      'x-signalwire-signature': sign(stack.signingKey, webhookUrl(), signed),
    });

    expect(answer.status).toBe(403);
    expect(statusEventsFor(callId)).toHaveLength(0);
  });

  it('does not publish the same signed callback twice', async () => {
    const callId = randomUUID();
    const body = callState(callId, 'ended');
    const headers = { 'x-signalwire-signature': sign(stack.signingKey, webhookUrl(), body) };

    const first = await post(webhookUrl(), body, headers);
    const again = await post(webhookUrl(), body, headers);

    expect([first.status, again.status]).toEqual([204, 204]);
    expect(statusEventsFor(callId).map((e) => e.envelope.detail.status)).toEqual(['completed']);
  });

  it('acknowledges a signed callback replayed after its replay window (its timestamp two days old) without publishing it', async () => {
    const callId = randomUUID();
    const body = callState(callId, 'ended', stack.projectId, SENT_AT_SECONDS - 2 * 86_400);

    const replay = await post(webhookUrl(), body, {
      'x-signalwire-signature': sign(stack.signingKey, webhookUrl(), body),
    });

    expect(replay.status).toBe(204);
    expect(statusEventsFor(callId)).toEqual([]);
  });

  const forgeries: Array<[string, (url: string, body: string) => Record<string, string>]> = [
    ['no signature', () => ({})],
    [
      'the form scheme (base64 over the URL alone)',
      (url) => ({
        'x-signalwire-signature': createHmac('sha1', stack.signingKey).update(url).digest('base64'),
      }),
    ],
    [
      'a signature of another body',
      (url, body) => ({
        'x-signalwire-signature': sign(stack.signingKey, url, body.replace('ringing', 'ended')),
      }),
    ],
    ['another key', (url, body) => ({ 'x-signalwire-signature': sign('PSK_other', url, body) })],
  ];

  it.each(forgeries)('answers 403 to %s and publishes nothing', async (_name, headersFor) => {
    const callId = randomUUID();
    const body = callState(callId, 'ringing');

    const answer = await post(webhookUrl(), body, headersFor(webhookUrl(), body));

    expect(answer.status).toBe(403);
    expect(statusEventsFor(callId)).toEqual([]);
  });

  it('answers 403 to a callback naming a project the secret does not hold', async () => {
    const callId = randomUUID();
    const body = callState(callId, 'ringing', randomUUID());

    const answer = await post(webhookUrl(), body, {
      'x-signalwire-signature': sign(stack.signingKey, webhookUrl(), body),
    });

    expect(answer.status).toBe(403);
    expect(statusEventsFor(callId)).toEqual([]);
  });

  it('answers 400 naming the field to a signed callback without a call id, and publishes nothing', async () => {
    const body = JSON.stringify({ project_id: stack.projectId, params: { call_state: 'answered' } });
    const before = stack.aws.putEvents.length;

    const answer = await post(webhookUrl(), body, {
      'x-signalwire-signature': sign(stack.signingKey, webhookUrl(), body),
    });

    expect(answer.status).toBe(400);
    const { error } = (await answer.json()) as { error: { violations: Array<{ field: string }> } };
    expect(error.violations.map((v) => v.field)).toEqual(['params.call_id']);
    expect(stack.aws.putEvents.length).toBe(before);
  });
});
