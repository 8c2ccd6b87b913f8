import { createHmac, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALL_STATUS_CHANGED,
  type CallStatusChangedDetail,
  DEFAULT_EVENT_SOURCE,
} from '#commons/events/contracts';
import { STATUS_CALLBACK_ROUTE } from '#commons/http/routes';
import {
  DEFAULT_METRICS_NAMESPACE,
  STATUS_CALLBACK_SERVICE_NAME,
  STATUS_CALLBACKS_REJECTED_METRIC,
} from '#commons/platform/metric-names';
import { createCallbackReplays } from '#commons/status-callbacks/callback-replays';
import type { PublishedEvent } from '#local/aws-emulator';
import { createLambdaContext } from '#local/lambda-context';
import { LOCAL_SECRET_NAME, type LocalStack, startLocalStack } from '#local/local-stack';
import { answerInternalServerError, startDynamoDbProxy } from '../support/dynamodb-proxy.ts';
import { eventSchemaFileValidator } from '../support/event-schema-files.ts';
import { captureOutput } from '../support/output-capture.ts';

const output = captureOutput();
let stack: LocalStack;
let signingKey: string;

const matchesCallStatusChanged = eventSchemaFileValidator('call-status-changed.schema.json');

/**
 * SignalWire's signing, written here from its description and not with the project's code: HMAC-SHA1 over
 * the URL and the sorted parameters, base64. test/unit/signature.test.ts checks the project's code against
 * vectors from Python and openssl; this helper reproduces those vectors (first test below).
 */
const sign = (key: string, url: string, params: Array<[string, string]>): string =>
  createHmac('sha1', key)
    .update(
      url +
        [...params]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, value]) => name + value)
          .join(''),
    )
    .digest('base64');

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  // The refused-callback metric is alarmed: check that it is emitted (EMF lines on stdout).
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  // As the construct sets it for this function: the alarm's dimension.
  process.env.POWERTOOLS_SERVICE_NAME = STATUS_CALLBACK_SERVICE_NAME;
  stack = await startLocalStack();
  signingKey = stack.signingKey;
});

afterAll(async () => {
  await stack?.stop();
  output.restore();
});

/** When the fixtures' callbacks were sent: now, to the second, as SignalWire writes its `Timestamp` (RFC 2822). */
const SENT_AT = new Date(Math.floor(Date.now() / 1000) * 1000);

const webhookUrl = (query = ''): string => `${stack.api.url}${STATUS_CALLBACK_ROUTE.path}${query}`;

const callback = (overrides: Record<string, string> = {}): Array<[string, string]> =>
  Object.entries({
    AccountSid: stack.projectId,
    CallSid: randomUUID(),
    CallStatus: 'in-progress',
    ApiVersion: '2010-04-01',
    Direction: 'outbound-api',
    From: '+14155550100',
    To: '+13105550142',
    Timestamp: SENT_AT.toUTCString(),
    SequenceNumber: '1',
    CallbackSource: 'call-progress-events',
    ...overrides,
  });

/** POSTs a form body as SignalWire does, with the given headers. */
const post = (url: string, params: Array<[string, string]>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });

const statusEventsFor = (callSid: string): PublishedEvent[] =>
  stack.aws.putEvents.filter(
    (e) => e.envelope['detail-type'] === CALL_STATUS_CHANGED && e.envelope.detail.callSid === callSid,
  );

describe('the test signer', () => {
  it('reproduces the Python/openssl vector of the unit tests', () => {
    expect(
      sign(
        'PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0',
        'https://hooks.example.com/signalwire/webhooks/signalwire/status',
        [],
      ),
    ).toBe('9vxJvmurx4FhyYcSNWlPdIz7H9Q=');
  });
});

describe('POST /webhooks/signalwire/status', () => {
  // First in the file: a forged request elsewhere would use up the container's one forced secret read a minute.
  it('accepts a callback signed with a signing key rotated since the secret was cached', async () => {
    const params = callback();
    await post(webhookUrl(), params, { 'x-signalwire-signature': sign(signingKey, webhookUrl(), params) });
    const rotated = `PSK_${randomUUID().replaceAll('-', '')}`;
    stack.aws.putSecret(
      LOCAL_SECRET_NAME,
      JSON.stringify({
        projectId: stack.projectId,
        apiToken: stack.apiToken,
        spaceUrl: stack.emulator.url,
        signingKey: rotated,
      }),
    );
    signingKey = rotated;
    const after = callback();

    const answer = await post(webhookUrl(), after, {
      'x-signalwire-signature': sign(rotated, webhookUrl(), after),
    });

    expect(answer.status).toBe(204);
    expect(statusEventsFor(after[1]?.[1] as string)).toHaveLength(1);
  });

  it('accepts a callback whose form is declared charset=UTF-8, as Twilio-compatible senders label it', async () => {
    const params = callback();

    const answer = await post(webhookUrl(), params, {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
    });

    expect(answer.status).toBe(204);
    expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(1);
  });

  it('publishes "Call Status Changed" for a validly signed callback and answers 204', async () => {
    const url = webhookUrl('?tenant=acme&x=a%20b');
    const params = callback({ CallStatus: 'completed', CallDuration: '42', SequenceNumber: '3' });
    const callSid = params[1]?.[1] as string;

    const answer = await post(url, params, { 'x-signalwire-signature': sign(signingKey, url, params) });

    expect(answer.status).toBe(204);
    const [event] = statusEventsFor(callSid);
    expect(event?.entry.Source).toBe(DEFAULT_EVENT_SOURCE);
    expect(event?.entry.DetailType).toBe(CALL_STATUS_CHANGED);
    expect(event?.eventBusName).toBe(stack.eventBusName);
    expect(event?.envelope.detail).toEqual({
      api: 'compatibility',
      accountSid: stack.projectId,
      callSid,
      callStatus: 'completed',
      status: 'completed',
      sequenceNumber: 3,
      timestamp: SENT_AT.toISOString(),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      duration: 42,
      direction: 'outbound-api',
      from: '+14155550100',
      to: '+13105550142',
      parentCallSid: null,
      answeredBy: null,
      sipResponseCode: null,
      callbackSource: 'call-progress-events',
    });
    expect(
      matchesCallStatusChanged(event?.envelope.detail),
      JSON.stringify(matchesCallStatusChanged.errors),
    ).toBe(true);
  });

  it('publishes a signed callback whose headers and CallStatus are names every object inherits, as data: status null', async () => {
    const url = webhookUrl();
    const params = callback({ CallStatus: 'constructor' });
    const callSid = params[1]?.[1] as string;

    const answer = await post(url, params, {
      'x-signalwire-signature': sign(signingKey, url, params),
      // Computed, so that it is a header and not the object's prototype.
      ['__proto__']: 'x',
      constructor: 'x',
      toString: 'x',
      hasOwnProperty: 'x',
      'X-Forwarded-Proto': 'https',
    });

    expect(answer.status).toBe(204);
    const [event] = statusEventsFor(callSid);
    expect(event?.envelope.detail).toMatchObject({ callStatus: 'constructor', status: null });
    expect(
      matchesCallStatusChanged(event?.envelope.detail),
      JSON.stringify(matchesCallStatusChanged.errors),
    ).toBe(true);
  });

  it("accepts X-Twilio-Signature, and a URL signed without the port, as SignalWire's validator does", async () => {
    const twilio = callback();
    const portless = callback();
    const withoutPort = webhookUrl().replace(/:\d+\//, '/');

    const first = await post(webhookUrl(), twilio, {
      'x-twilio-signature': sign(signingKey, webhookUrl(), twilio),
    });
    const second = await post(webhookUrl(), portless, {
      'x-signalwire-signature': sign(signingKey, withoutPort, portless),
    });

    expect([first.status, second.status]).toEqual([204, 204]);
    expect(statusEventsFor(twilio[1]?.[1] as string)).toHaveLength(1);
    expect(statusEventsFor(portless[1]?.[1] as string)).toHaveLength(1);
  });

  it('publishes both answered and in-progress for one call, telling them apart', async () => {
    const callSid = randomUUID();
    const answered = callback({ CallSid: callSid, CallStatus: 'answered', SequenceNumber: '1' });
    const inProgress = callback({ CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '2' });

    for (const params of [answered, inProgress]) {
      const answer = await post(webhookUrl(), params, {
        'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
      });
      expect(answer.status).toBe(204);
    }

    const details = statusEventsFor(callSid).map(
      (e) => e.envelope.detail as unknown as CallStatusChangedDetail,
    );
    expect(
      details.map(({ callStatus, status, sequenceNumber }) => ({ callStatus, status, sequenceNumber })),
    ).toEqual([
      { callStatus: 'answered', status: 'in-progress', sequenceNumber: 1 },
      { callStatus: 'in-progress', status: 'in-progress', sequenceNumber: 2 },
    ]);
  });

  it.each<
    [
      string,
      (params: Array<[string, string]>) => Record<string, string>,
      (params: Array<[string, string]>) => Array<[string, string]>,
    ]
  >([
    ['no signature header', () => ({}), (params) => params],
    ['an empty signature', () => ({ 'x-signalwire-signature': '' }), (params) => params],
    [
      'a tampered parameter',
      (params) => ({ 'x-signalwire-signature': sign(signingKey, webhookUrl(), params) }),
      (params) => params.map(([name, value]) => [name, name === 'CallStatus' ? 'completed' : value]),
    ],
    [
      'a signature for another URL',
      (params) => ({ 'x-signalwire-signature': sign(signingKey, webhookUrl('?tenant=other'), params) }),
      (params) => params,
    ],
    [
      'a signature with the API token instead of the signing key',
      (params) => ({ 'x-signalwire-signature': sign(stack.apiToken, webhookUrl(), params) }),
      (params) => params,
    ],
    [
      'a signature for a project the secret does not hold',
      (params) => ({ 'x-signalwire-signature': sign(signingKey, webhookUrl(), params) }),
      (params) => params.map(([name, value]) => [name, name === 'AccountSid' ? randomUUID() : value]),
    ],
  ])('answers 403 to %s and publishes nothing', async (_name, headersFor, sent) => {
    const params = callback();
    const body = sent(params);

    const answer = await post(webhookUrl(), body, headersFor(params));

    expect(answer.status).toBe(403);
    expect(await answer.json()).toEqual({ message: 'Forbidden' });
    expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(0);
  });

  it('publishes a signed 64 KB callback whose text fields are control characters: each field cut to 256 characters, so the event fits EventBridge', async () => {
    // Sent unencoded, a control character is 1 byte of the form and 6 of the event's JSON (\u0001): uncut, this
    // body's event would be about 380 KB, and PutEvents refuses more than 256 KB: every delivery would be a 500.
    const control = '\u0001'.repeat(9_000);
    const params = callback({
      From: control,
      To: control,
      Direction: control,
      AnsweredBy: control,
      SipResponseCode: control,
      CallbackSource: control,
      ParentCallSid: control,
    });
    const callSid = params[1]?.[1] as string;
    // Form parsers take the bytes as they come; only `&`, `=`, `+` and `%` need encoding.
    const body = params
      .map(([name, value]) => `${name}=${value === control ? value : encodeURIComponent(value)}`)
      .join('&');
    expect(Buffer.byteLength(body)).toBeGreaterThan(60 * 1024);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(64 * 1024);

    const answer = await fetch(webhookUrl(), {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
      },
    });

    expect(answer.status).toBe(204);
    const [event] = statusEventsFor(callSid);
    const cut = '\u0001'.repeat(256);
    expect(event?.envelope.detail).toMatchObject({
      from: cut,
      to: cut,
      direction: cut,
      answeredBy: cut,
      sipResponseCode: cut,
      callbackSource: cut,
      parentCallSid: cut,
    });
    expect(
      matchesCallStatusChanged(event?.envelope.detail),
      JSON.stringify(matchesCallStatusChanged.errors),
    ).toBe(true);
  });

  it('answers 400 naming the field to a signed callback without a call SID, and publishes nothing', async () => {
    const params = callback().filter(([name]) => name !== 'CallSid');
    const before = stack.aws.putEvents.length;

    const answer = await post(webhookUrl(), params, {
      'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
    });

    expect(answer.status).toBe(400);
    const { error } = (await answer.json()) as {
      error: { code: string; violations: Array<{ field: string }> };
    };
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.violations.map((v) => v.field)).toEqual(['CallSid']);
    expect(stack.aws.putEvents.length).toBe(before);
  });

  it('emits StatusCallbacksRejected, the alarmed metric, for every refused callback', async () => {
    const before = output.records().length;
    const params = callback();

    const answer = await post(webhookUrl(), params, { 'x-signalwire-signature': 'bm90IGEgc2lnbmF0dXJl' });

    expect(answer.status).toBe(403);
    const emitted = output
      .records()
      .slice(before)
      .filter((record) => record._aws !== undefined);
    expect(emitted).toEqual([
      expect.objectContaining({
        [STATUS_CALLBACKS_REJECTED_METRIC]: 1,
        service: STATUS_CALLBACK_SERVICE_NAME,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: DEFAULT_METRICS_NAMESPACE,
              Dimensions: [['service']],
              Metrics: [expect.objectContaining({ Name: STATUS_CALLBACKS_REJECTED_METRIC })],
            }),
          ],
        }),
      }),
    ]);
  });

  it('never writes a signing key or the API token to any log line or event', () => {
    const everything = output.lines.join('') + JSON.stringify(stack.aws.putEvents);

    expect(everything).toContain('status callback refused');
    for (const secret of [stack.signingKey, signingKey, stack.apiToken])
      expect(everything).not.toContain(secret);
  });
});

describe('replays', () => {
  it('answers a replayed signed callback 204 without publishing it again, within the replay window', async () => {
    const params = callback({ CallStatus: 'completed', SequenceNumber: '4' });
    const headers = { 'x-signalwire-signature': sign(signingKey, webhookUrl(), params) };

    const first = await post(webhookUrl(), params, headers);
    const replay = await post(webhookUrl(), params, headers);
    const again = await post(webhookUrl(), params, headers);

    expect([first.status, replay.status, again.status]).toEqual([204, 204, 204]);
    expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(1);
  });

  it('acknowledges a signed callback replayed after its replay window (its record gone, its Timestamp two days old) without publishing it', async () => {
    const twoDaysAgo = new Date(SENT_AT.getTime() - 2 * 86_400_000);
    const params = callback({ CallStatus: 'completed', Timestamp: twoDaysAgo.toUTCString() });
    const before = output.records().length;

    const replay = await post(webhookUrl(), params, {
      'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
    });

    expect(replay.status).toBe(204);
    expect(statusEventsFor(params[1]?.[1] as string)).toEqual([]);
    expect(output.records().slice(before)).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'status callback older than the replay window; acknowledged, not published',
        callbackTimestamp: twoDaysAgo.toISOString(),
        maxAgeSeconds: 86_400 - 600,
      }),
    );
  });

  it('publishes a signed callback whose Timestamp is hours old (a long call), and one without a Timestamp', async () => {
    const long = callback({ Timestamp: new Date(SENT_AT.getTime() - 20 * 3_600_000).toUTCString() });
    const none = callback().filter(([name]) => name !== 'Timestamp');

    for (const params of [long, none]) {
      const answer = await post(webhookUrl(), params, {
        'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
      });
      expect(answer.status).toBe(204);
      expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(1);
    }
  });

  it('still publishes a different callback of the same call and status (another sequence number)', async () => {
    const callSid = randomUUID();
    const one = callback({ CallSid: callSid, SequenceNumber: '1' });
    const two = callback({ CallSid: callSid, SequenceNumber: '2' });

    for (const params of [one, two]) {
      await post(webhookUrl(), params, { 'x-signalwire-signature': sign(signingKey, webhookUrl(), params) });
    }

    expect(statusEventsFor(callSid)).toHaveLength(2);
  });
  it('counts the first delivery as published, with the id of the event on the bus, and a replay as replayed', async () => {
    const params = callback({ CallStatus: 'ringing', SequenceNumber: '0' });
    const headers = { 'x-signalwire-signature': sign(signingKey, webhookUrl(), params) };
    const metricsOf = (from: number) =>
      output
        .records()
        .slice(from)
        .filter((record) => record._aws !== undefined)
        .map((record) =>
          Object.keys(record).filter(
            (key) => key.startsWith('CallStatuses') || key.startsWith('StatusCallbacks'),
          ),
        );

    const beforeFirst = output.records().length;
    await post(webhookUrl(), params, headers);
    const published = output
      .records()
      .slice(beforeFirst)
      .find((record) => record.message === 'call status published');
    const beforeReplay = output.records().length;
    await post(webhookUrl(), params, headers);

    const [event] = statusEventsFor(params[1]?.[1] as string);
    expect(published?.eventId).toBe(event?.envelope.id);
    expect(metricsOf(beforeFirst).slice(0, 1)).toEqual([['CallStatusesPublished']]);
    expect(metricsOf(beforeReplay)).toEqual([['StatusCallbacksReplayed']]);
  });
});

describe('the replay store', () => {
  const signed = () => ({ url: webhookUrl(), params: callback() });
  const context = (timeoutMs: number) => createLambdaContext({ functionName: 'status-callback', timeoutMs });

  it('acknowledges a delivery that arrives while the first is still being published, without publishing it', async () => {
    const replays = createCallbackReplays({ tableName: stack.idempotencyTableName, windowSeconds: 60 });
    const request = signed();
    let finish: ((eventId: string) => void) | undefined;
    const first = replays.acceptOnce(
      request,
      context(60_000),
      () => new Promise<string>((resolve) => (finish = resolve)),
    );
    // The first invocation's in-progress record is written before its publish starts.
    await expect.poll(() => finish !== undefined, { timeout: 5_000 }).toBe(true);
    let publishedAgain = false;

    const second = await replays.acceptOnce(request, context(60_000), async () => {
      publishedAgain = true;
      return 'second';
    });
    finish?.('first');

    expect(second).toEqual({ replayed: true });
    expect(publishedAgain).toBe(false);
    expect(await first).toEqual({ replayed: false, eventId: 'first' });
  });

  it('acknowledges a delivery of a callback already published as a replay, without publishing it again', async () => {
    const replays = createCallbackReplays({ tableName: stack.idempotencyTableName, windowSeconds: 60 });
    const request = signed();
    let publishes = 0;
    const publish = async () => `event-${++publishes}`;

    const first = await replays.acceptOnce(request, context(60_000), publish);
    const again = await replays.acceptOnce(request, context(60_000), publish);

    expect([first, again]).toEqual([{ replayed: false, eventId: 'event-1' }, { replayed: true }]);
    expect(publishes).toBe(1);
  });

  it('fails a delivery whose publish failed, so that SignalWire sends it again, and publishes the next one', async () => {
    const replays = createCallbackReplays({ tableName: stack.idempotencyTableName, windowSeconds: 60 });
    const request = signed();

    const failed = replays.acceptOnce(request, context(60_000), async () => {
      throw new Error('EventBridge is unavailable');
    });
    await expect(failed).rejects.toThrow('EventBridge is unavailable');
    const next = await replays.acceptOnce(request, context(60_000), async () => 'published-on-redelivery');

    expect(next).toEqual({ replayed: false, eventId: 'published-on-redelivery' });
  });

  it('acknowledges a published callback whose acceptance could not be recorded, so that SignalWire does not send it again', async () => {
    // A loopback proxy in front of the local DynamoDB that fails Powertools' COMPLETED write (UpdateItem).
    const { url: endpoint, server } = await startDynamoDbProxy(stack.dynamodb.url, {
      before: (target, _incoming, answer) => {
        if (!target.endsWith('.UpdateItem')) return false;
        answerInternalServerError(answer);
        return true;
      },
    });
    const beforeLogs = output.records().length;
    try {
      const replays = createCallbackReplays({
        tableName: stack.idempotencyTableName,
        windowSeconds: 60,
        client: new DynamoDBClient({ endpoint, maxAttempts: 1 }),
      });
      const request = signed();
      let publishes = 0;
      const publish = async () => `event-${++publishes}`;

      const first = await replays.acceptOnce(request, context(60_000), publish);
      // SignalWire's resend while the acceptance is still in progress: acknowledged, not published.
      const resend = await replays.acceptOnce(request, context(60_000), publish);

      expect(first).toEqual({ replayed: false, eventId: 'event-1' });
      expect(resend).toEqual({ replayed: true });
      expect(publishes).toBe(1);
      const logged = output
        .records()
        .slice(beforeLogs)
        .find((record) => record.level === 'ERROR');
      expect(logged?.message).toMatch(/published, but its acceptance could not be recorded/);
    } finally {
      server.close();
    }
  });

  it('publishes the same signed callback again once the replay window has passed', async () => {
    const replays = createCallbackReplays({ tableName: stack.idempotencyTableName, windowSeconds: 1 });
    const request = signed();

    await replays.acceptOnce(request, context(60_000), async () => 'first');
    // The window is counted in whole seconds.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const after = await replays.acceptOnce(request, context(60_000), async () => 'after-the-window');

    expect(after).toEqual({ replayed: false, eventId: 'after-the-window' });
  });

  it("publishes the next delivery of a callback whose first acceptance was cut off by the Lambda's timeout", async () => {
    const replays = createCallbackReplays({ tableName: stack.idempotencyTableName, windowSeconds: 60 });
    const request = signed();
    let started = false;
    // The first invocation times out (10 ms) while publishing and never finishes.
    void replays.acceptOnce(request, context(10), () => {
      started = true;
      return new Promise<string>(() => undefined);
    });
    await expect.poll(() => started, { timeout: 5_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const next = await replays.acceptOnce(request, context(60_000), async () => 'published-by-the-retry');

    expect(next).toEqual({ replayed: false, eventId: 'published-by-the-retry' });
  });
});

describe('GET /webhooks/signalwire/status (StatusCallbackMethod=GET)', () => {
  it('publishes a callback sent with GET, signed over the full URL with its query and no parameters', async () => {
    const params = callback({ CallStatus: 'ringing', SequenceNumber: '0' });
    const url = webhookUrl(`?${new URLSearchParams(params).toString()}`);

    const answer = await fetch(url, { headers: { 'x-signalwire-signature': sign(signingKey, url, []) } });
    const replay = await fetch(url, { headers: { 'x-signalwire-signature': sign(signingKey, url, []) } });

    expect([answer.status, replay.status]).toEqual([204, 204]);
    const events = statusEventsFor(params[1]?.[1] as string);
    expect(events).toHaveLength(1);
    expect(events[0]?.envelope.detail).toMatchObject({
      accountSid: stack.projectId,
      callStatus: 'ringing',
      status: 'ringing',
      sequenceNumber: 0,
    });
  });

  it('refuses a GET callback whose query was changed after signing, or signed as if it were a POST', async () => {
    const params = callback();
    const url = webhookUrl(`?${new URLSearchParams(params).toString()}`);
    const tampered = url.replace('CallStatus=in-progress', 'CallStatus=completed');

    const changed = await fetch(tampered, {
      headers: { 'x-signalwire-signature': sign(signingKey, url, []) },
    });
    const asPost = await fetch(url, { headers: { 'x-signalwire-signature': sign(signingKey, url, params) } });

    expect([changed.status, asPost.status]).toEqual([403, 403]);
    expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(0);
  });
});

describe('a form that begins with a byte order mark', () => {
  /** POSTs `body` as it is written, byte for byte. */
  const postRaw = (body: string, signature: string) =>
    fetch(webhookUrl(), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': signature },
    });

  it('is accepted when signed over the parameters as received (the mark begins the first name), and published as read past it', async () => {
    const params = callback();
    const received = params.map(([name, value], index): [string, string] => [
      index === 0 ? `\ufeff${name}` : name,
      value,
    ]);

    const answer = await postRaw(
      `\ufeff${new URLSearchParams(params).toString()}`,
      sign(signingKey, webhookUrl(), received),
    );

    expect(answer.status).toBe(204);
    expect(statusEventsFor(params[1]?.[1] as string).map((e) => e.envelope.detail)).toEqual([
      expect.objectContaining({ accountSid: stack.projectId, callStatus: 'in-progress' }),
    ]);
  });

  it('is refused 403, and nothing published, when the signature covers the body without the mark', async () => {
    const params = callback();

    const answer = await postRaw(
      `\ufeff${new URLSearchParams(params).toString()}`,
      sign(signingKey, webhookUrl(), params),
    );

    expect(answer.status).toBe(403);
    expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(0);
  });
});

describe('percent-encoded bytes that are not UTF-8 in a GET callback', () => {
  it('are refused 400 naming the parameter, before the signature is checked, as in a form; nothing is published', async () => {
    const params = callback().filter(([name]) => name !== 'From');
    const url = webhookUrl(`?${new URLSearchParams(params).toString()}&From=%FF`);

    const signed = await fetch(url, { headers: { 'x-signalwire-signature': sign(signingKey, url, []) } });
    const unsigned = await fetch(url);

    for (const answer of [signed, unsigned]) {
      expect(answer.status).toBe(400);
      const { error } = (await answer.json()) as { error: { violations: unknown[] } };
      expect(error.violations).toEqual([
        {
          field: 'From',
          rule: 'utf-8',
          message: 'From is not valid UTF-8: percent-encode its text as UTF-8 bytes',
        },
      ]);
    }
    expect(statusEventsFor(params[1]?.[1] as string)).toHaveLength(0);
  });
});

describe('one SID form', () => {
  it('publishes the SIDs of a callback that wrote them in upper case in their canonical lower case', async () => {
    const callSid = randomUUID();
    const parentCallSid = randomUUID();
    const params = callback({
      CallSid: callSid.toUpperCase(),
      AccountSid: stack.projectId.toUpperCase(),
      ParentCallSid: parentCallSid.toUpperCase(),
    });

    const answer = await post(webhookUrl(), params, {
      'x-signalwire-signature': sign(signingKey, webhookUrl(), params),
    });

    expect(answer.status).toBe(204);
    expect(statusEventsFor(callSid).map((e) => e.envelope.detail)).toEqual([
      expect.objectContaining({ callSid, accountSid: stack.projectId, parentCallSid }),
    ]);
  });
});
