import { gzipSync } from 'node:zlib';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_SECONDS } from '#commons/signalwire/answers';
import { createIdempotencyTable } from '#local/dynamodb';
import { createLambdaContext } from '#local/lambda-context';
import { seedNativeCalls } from '#local/native-seeds';
import { callUpdateEvents } from '../support/event-bus.ts';
import { useHandler, useLocalStack } from '../support/local-stack-suite.ts';
import { operatorApi } from '../support/operator-api.ts';

/**
 * Inputs and answers found by trying the functions as an adversary would (qa-api): a list filter carrying
 * control characters, events API Gateway never builds but a direct invoke can, and a SignalWire (or a cache in
 * front of it) that answers 200 with another call or a Retry-After no client should take at face value. Through
 * the local API Gateway, the real handlers, the real HTTP client and the emulator.
 */

const { stack, output } = useLocalStack({ SIGNALWIRE_TIMEOUT_MS: '800', POWERTOOLS_LOG_LEVEL: 'INFO' });
const httpApi = useHandler<(event: unknown, context: unknown) => Promise<HttpResult>>(
  () => import('../../functions/http-api.ts'),
);
const statusCallback = useHandler<(event: unknown, context: unknown) => Promise<HttpResult>>(
  () => import('../../functions/status-callback.ts'),
);
const { request } = operatorApi(stack);
const events = callUpdateEvents(stack);

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const seed = () => stack.emulator.seedCall(stack.projectId, { status: 'in-progress', ageSeconds: 60 });
const posts = () => stack.emulator.requests.filter((r) => r.method === 'POST');
/** Another call's whole resource, as a cache or a misrouting proxy might answer it. */
const anotherCall = () =>
  JSON.stringify(stack.emulator.seedCall(stack.projectId, { status: 'completed', ageSeconds: 60 }));

/** A v2 event as a direct invoke may write it: `overrides` replace what API Gateway would always set. */
const directEvent = (callSid: string, overrides: Record<string, unknown>) => ({
  version: '2.0',
  routeKey: 'POST /calls/{callSid}',
  rawPath: `/calls/${callSid}`,
  rawQueryString: '',
  headers: { host: 'api.example.com', 'content-type': 'application/json' },
  requestContext: { http: { method: 'POST', path: `/calls/${callSid}` }, requestId: 'direct' },
  pathParameters: { callSid },
  isBase64Encoded: false,
  ...overrides,
});
const invokeDirectly = (event: unknown) =>
  httpApi()(event, createLambdaContext({ functionName: 'call-control-http-api', timeoutMs: 6_000 }));

describe('list filters with control characters, or an unencoded +', () => {
  it.each([
    ['to', '%2B14155550100%00'],
    ['to', '%2B1415%0A5550100'],
    ['from', 'sip%3Aa%1B%5B2J%40example.com'],
    ['from', '%2B1%C2%85'],
    ['to', '+14155550100'],
    ['from', 'sip%3Aagent%40example.com%20'],
  ])('refuses %s=%s with a 400 naming the field, and lists nothing upstream', async (field, value) => {
    const answer = await request('GET', `/calls?${field}=${value}`);

    expect(answer.status, answer.text).toBe(400);
    expect((answer.json.error as { violations: unknown[] }).violations).toEqual([
      {
        field,
        rule: 'characters',
        message: `${field} must be a number, SIP address or client name without control characters or spaces at either end (a + in a query string reads as a space: write it %2B)`,
      },
    ]);
    expect(stack.emulator.requests).toEqual([]);
  });

  it('still lists by a SIP address or a number with a plus', async () => {
    const answer = await request(
      'GET',
      '/calls?from=sip%3Aagent%40example.com&to=%2B14155550100&api=compatibility',
    );

    expect(answer.status, answer.text).toBe(200);
    expect(stack.emulator.requests[0]?.query).toMatchObject({
      From: 'sip:agent@example.com',
      To: '+14155550100',
    });
  });
});

describe('query parameters on the single-call routes', () => {
  it.each([
    ['a terminate', 'POST', '/terminate?Status=canceled', undefined, 'Status'],
    ['an update', 'POST', '?Url=https%3A%2F%2Fevil.example%2Fx.xml', { Status: 'completed' }, 'Url'],
    ['a transfer', 'POST', '/transfer?dest=sip%3Aother%40example.com', { dest: 'sip:a@example.com' }, 'dest'],
    ['a read', 'GET', '?fields=all', undefined, 'fields'],
  ])(
    '%s refuses a query parameter other than api by name, instead of ignoring it',
    async (_name, method, rest, body, field) => {
      const call = seed();

      const answer = await request(method, `/calls/${call.sid}${rest}`, body);

      expect(answer.status, answer.text).toBe(400);
      expect((answer.json.error as { violations: unknown[] }).violations).toEqual([
        { field, rule: 'unknown-field', message: `${field} is not a known field; allowed: api` },
      ]);
      expect(stack.emulator.requests).toEqual([]);
      expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
    },
  );

  it('still takes api in the query', async () => {
    const call = seed();

    const answer = await request('POST', `/calls/${call.sid}/terminate?api=compatibility`);

    expect(answer.status, answer.text).toBe(200);
  });
});

describe('direct invokes API Gateway would never send', () => {
  it.each([
    ['null', null],
    ['a string', 'POST /calls'],
    ['an array', [{ routeKey: 'POST /calls/{callSid}/terminate' }]],
  ])(
    'an event that is %s is a 400 naming event, from the operator API and the webhook alike',
    async (_name, event) => {
      const context = () => createLambdaContext({ functionName: 'direct', timeoutMs: 6_000 });

      for (const result of [await httpApi()(event, context()), await statusCallback()(event, context())]) {
        expect(result.statusCode, result.body).toBe(400);
        expect(JSON.parse(result.body).error.violations).toEqual([
          {
            field: 'event',
            rule: 'type',
            message: 'event must be an API Gateway HTTP API (payload 2.0) event object',
          },
        ]);
      }
      expect(stack.emulator.requests).toEqual([]);
    },
  );

  it.each([
    ['a megabyte of text', 'r'.repeat(1 << 20), 'r'.repeat(256)],
    ['an object', { injected: 'key' }, undefined],
  ])(
    'a requestId that is %s is logged cut to 256 characters, or not at all',
    async (_name, requestId, logged) => {
      const call = seed();
      const before = output.records().length;
      const event = directEvent(call.sid, { body: '{"Status":"completed"}' });

      await invokeDirectly({ ...event, requestContext: { ...event.requestContext, requestId } });

      const lines = output.records().slice(before);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line.apiRequestId).toEqual(logged);
    },
  );

  it.each([
    ['a megabyte of text', 'r'.repeat(1 << 20), 'r'.repeat(256)],
    ['an object', { injected: 'key' }, undefined],
  ])(
    'a requestId that is %s is answered in a refusal as it is logged: cut to 256 characters, or not at all',
    async (_name, requestId, answered) => {
      const call = seed();
      const event = directEvent(call.sid, { body: '{"Status":"bogus"}' });

      const result = await invokeDirectly({
        ...event,
        requestContext: { ...event.requestContext, requestId },
      });

      expect(result.statusCode, result.body).toBe(400);
      expect(JSON.parse(result.body).error.requestId).toEqual(answered);
      expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
    },
  );

  it('an event without headers is refused as a body without a media type (415), not a 500', async () => {
    const call = seed();
    const before = output.records().length;

    const result = await invokeDirectly(directEvent(call.sid, { headers: undefined, body: '{}' }));

    expect(result.statusCode, result.body).toBe(415);
    expect(JSON.parse(result.body).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(output.audits(before)).toEqual([expect.objectContaining({ outcome: 'rejected' })]);
    expect(stack.emulator.requests).toEqual([]);
  });

  it('a body that is an object, not text, is a 400 naming body, not a 500', async () => {
    const call = seed();
    const before = output.records().length;

    const result = await invokeDirectly(directEvent(call.sid, { body: { Status: 'completed' } }));

    expect(result.statusCode, result.body).toBe(400);
    expect(JSON.parse(result.body).error.violations).toEqual([
      { field: 'body', rule: 'type', message: 'body must be text, as API Gateway sends it' },
    ]);
    expect(output.audits(before)).toEqual([
      expect.objectContaining({ outcome: 'rejected', errorCode: 'INVALID_REQUEST' }),
    ]);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });
});

describe('direct invokes with header values that are not text', () => {
  it.each([
    ['content-type', { 'content-type': 5 }],
    ['content-type', { 'content-type': ['application/json'] }],
    ['content-encoding', { 'content-type': 'application/json', 'content-encoding': { gzip: true } }],
  ])('a %s that is not text is a 400 naming it, not a 500 to retry', async (name, headers) => {
    const call = seed();
    const before = output.records().length;

    const result = await invokeDirectly(directEvent(call.sid, { headers, body: '{}' }));

    expect(result.statusCode, result.body).toBe(400);
    expect(JSON.parse(result.body).error.violations).toEqual([
      {
        field: `headers.${name}`,
        rule: 'type',
        message: `headers.${name} must be text, as API Gateway sends it`,
      },
    ]);
    expect(
      output
        .records()
        .slice(before)
        .filter((r) => r.level === 'ERROR'),
    ).toEqual([]);
    expect(stack.emulator.getCall(stack.projectId, call.sid)?.status).toBe('in-progress');
  });
});

describe('SignalWire answering 200 with another call', () => {
  it('a redirect so answered is sent once and answered 502 REDIRECT_OUTCOME_UNKNOWN, never 200 "updated"', async () => {
    const call = seed();
    stack.emulator.injectFault({ kind: 'garble', body: anotherCall(), method: 'POST' });
    const before = output.records().length;

    const answer = await request('POST', `/calls/${call.sid}`, { Url: 'https://example.com/next.xml' });

    expect(answer.status, answer.text).toBe(502);
    expect(answer.json.error).toMatchObject({ code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false });
    expect(posts()).toHaveLength(1);
    expect(output.audits(before)).toEqual([
      expect.objectContaining({ outcome: 'failed', errorCode: 'REDIRECT_OUTCOME_UNKNOWN' }),
    ]);
  });

  it('an end so answered is a retryable 502 saying so, not a 200 with the other call', async () => {
    const call = seed();
    stack.emulator.injectFault({ kind: 'garble', body: anotherCall(), method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status, answer.text).toBe(502);
    expect(answer.json.error).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      signalwire: {
        message: 'SignalWire answered 200 with a body that is another call, not the one asked for',
      },
    });
  });

  it('a read so answered is a 502, not the other call', async () => {
    const call = seed();
    stack.emulator.injectFault({ kind: 'garble', body: anotherCall(), method: 'GET' });

    const answer = await request('GET', `/calls/${call.sid}?api=compatibility`);

    expect(answer.status, answer.text).toBe(502);
    expect(answer.json.sid).toBeUndefined();
  });

  it('a redirect event so answered publishes one final "Call Update Failed", sent once', async () => {
    const call = seed();
    stack.emulator.injectFault({ kind: 'garble', body: anotherCall(), method: 'POST' });

    const eventId = await events.request({
      callSid: call.sid,
      action: 'update',
      update: { Url: 'https://example.com/next.xml' },
    });

    const failed = events.failed(events.onlyResult(eventId));
    expect(failed).toMatchObject({ final: true, error: { code: 'REDIRECT_OUTCOME_UNKNOWN' } });
    expect(posts()).toHaveLength(1);
  });
});

describe('Retry-After from SignalWire', () => {
  it.each([
    ['delay-seconds past any number', '99999999999999999999999'],
    ['a date in the year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('%s is passed on capped at an hour, a valid delay-seconds', async (_name, retryAfter) => {
    const call = seed();
    stack.emulator.injectFault({ kind: 'status', status: 429, retryAfter, method: 'POST' });

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status, answer.text).toBe(503);
    expect(answer.headers.get('retry-after')).toBe(String(MAX_RETRY_AFTER_SECONDS));
    expect(posts()).toHaveLength(1);
  });

  it.each([
    [
      'a native end',
      'POST',
      '/api/calling/',
      (id: string) => request('POST', `/calls/${id}/terminate?api=calling`),
    ],
    ['a native read', 'GET', '/api/voice/logs/', (id: string) => request('GET', `/calls/${id}?api=calling`)],
  ] as const)(
    '%s throttled by the Calling API is a 503 passing on its Retry-After, the call left as it was',
    async (_name, method, pathPrefix, send) => {
      const { id } = stack.emulator.native.seed(stack.projectId, { status: 'answered', ageSeconds: 60 });
      stack.emulator.injectFault({
        kind: 'status',
        status: 429,
        retryAfter: '7',
        method,
        pathPrefix,
        times: 10,
      });

      const answer = await send(id);
      stack.emulator.clearFaults();

      expect(answer.status, answer.text).toBe(503);
      expect(answer.json.error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryable: true });
      expect(answer.headers.get('retry-after')).toBe('7');
      expect(stack.emulator.native.get(stack.projectId, id)?.status).toBe('answered');
    },
  );

  it('garbage that reads as a past date is no reason to retry at once: the client backs off', async () => {
    const call = seed();
    stack.emulator.injectFault({ kind: 'status', status: 429, retryAfter: '-5', method: 'POST', times: 4 });
    const started = Date.now();

    const answer = await request('POST', `/calls/${call.sid}/terminate`);

    expect(answer.status, answer.text).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(posts()).toHaveLength(4);
    // Three jittered backoffs (ceilings 200, 400, 800 ms) take time; three zero waits took a few milliseconds.
    expect(Date.now() - started).toBeGreaterThan(20);
  });
});

describe('the Calling API or the voice logs answering 200 with something else than the call', () => {
  /** A native call to act on, with the function's connection in use (no safety read opens the sequence). */
  const nativeCall = async (): Promise<string> => {
    const id = seedNativeCalls(stack.emulator, stack.projectId).swml[0]?.id as string;
    await request('GET', '/calls/3fa85f64-5717-4562-b3fc-2c963f66afa6');
    stack.emulator.clearRequests();
    return id;
  };
  const otherId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const anotherNativeCall = JSON.stringify({ id: otherId, status: 'ended', type: 'relay_pstn_call' });
  const commands = () => stack.emulator.requests.filter((r) => r.path === '/api/calling/calls');

  it.each([
    ['a redirect', '', { Url: 'https://example.com/next.swml', api: 'calling' }],
    ['a transfer', '/transfer', { dest: 'sip:agent@example.com', api: 'calling' }],
  ])(
    '%s so answered is sent once and answered 502 REDIRECT_OUTCOME_UNKNOWN, never 200 "updated"',
    async (_name, route, body) => {
      const id = await nativeCall();
      stack.emulator.injectFault({ kind: 'garble', body: anotherNativeCall, pathPrefix: '/api/calling/' });

      const answer = await request('POST', `/calls/${id}${route}`, body);

      expect(answer.status, answer.text).toBe(502);
      expect(answer.json.error).toMatchObject({ code: 'REDIRECT_OUTCOME_UNKNOWN', retryable: false });
      expect(commands()).toHaveLength(1);
    },
  );

  it('an end so answered is a retryable 502 saying so, not a 200 with the other call', async () => {
    const id = await nativeCall();
    stack.emulator.injectFault({ kind: 'garble', body: anotherNativeCall, pathPrefix: '/api/calling/' });

    const answer = await request('POST', `/calls/${id}/terminate?api=calling`);

    expect(answer.status, answer.text).toBe(502);
    expect(answer.json.error).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      signalwire: {
        message:
          'SignalWire answered the Calling API with a body that is another call, not the one asked for',
      },
    });
  });

  it.each([
    ['null', 'null', 'is not a voice log'],
    ['an empty object', '{}', 'is not a voice log'],
    [
      "another call's log",
      JSON.stringify({
        id: otherId,
        created_at: '2026-12-06T10:00:00Z',
        source: 'realtime_api',
        status: 'completed',
      }),
      "is another call's voice log, not the one asked for",
    ],
  ])(
    'a voice log answered as %s is a retryable 502, not a 500, a 404 or another call',
    async (_name, body, why) => {
      const id = await nativeCall();
      stack.emulator.injectFault({ kind: 'garble', body, pathPrefix: '/api/voice/logs' });

      const answer = await request('GET', `/calls/${id}?api=calling`);

      expect(answer.status, answer.text).toBe(502);
      expect(answer.json.error).toMatchObject({
        code: 'UPSTREAM_ERROR',
        retryable: true,
        signalwire: { message: `SignalWire answered the Calling API with a body that ${why}` },
      });
    },
  );

  it("takes the call's own id in capitals as its own, in a command's answer and in a voice log (UUIDs: any case)", async () => {
    const id = await nativeCall();
    const upper = id.toUpperCase();
    const ended = JSON.stringify({
      id: upper,
      status: 'ended',
      type: 'relay_pstn_call',
      created_at: '2026-12-06T10:00:00Z',
    });
    stack.emulator.injectFault({ kind: 'garble', body: ended, pathPrefix: '/api/calling/' });

    const end = await request('POST', `/calls/${id}/terminate?api=calling`);

    expect(end.status, end.text).toBe(200);
    expect(end.json).toMatchObject({ sid: upper, status: 'completed' });
    // That answer is thin (no from, to, direction, charge): the end was applied all the same, and what describes
    // the call comes from its voice log, never undefined or NaN.
    const { from, to, direction } = stack.emulator.native.get(stack.projectId, id) ?? {};
    expect(end.json).toMatchObject({ from, to, direction, price: expect.any(Number) });
    const log = { id: upper, created_at: '2026-12-06T10:00:00Z', source: 'realtime_api', status: 'ended' };
    stack.emulator.injectFault({ kind: 'garble', body: JSON.stringify(log), pathPrefix: '/api/voice/logs' });

    const read = await request('GET', `/calls/${id}?api=calling`);

    expect(read.status, read.text).toBe(200);
    expect(read.json).toMatchObject({ sid: upper, status: 'completed' });
  });

  it('a thin answer to a redirect is the redirect applied, sent once, described from the voice log', async () => {
    const id = await nativeCall();
    const thin = JSON.stringify({ id, status: 'answered', created_at: '2026-12-06T10:00:00Z' });
    stack.emulator.injectFault({ kind: 'garble', body: thin, pathPrefix: '/api/calling/' });

    const answer = await request('POST', `/calls/${id}`, {
      Url: 'https://example.com/next.swml',
      api: 'calling',
    });

    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('x-call-outcome')).toBe('updated');
    const { from, to, direction } = stack.emulator.native.get(stack.projectId, id) ?? {};
    expect(answer.json).toMatchObject({ sid: id, status: 'in-progress', from, to, direction, price: null });
    expect(commands()).toHaveLength(1);
    expect(stack.emulator.native.redirectsOf(stack.projectId, id)).toEqual([
      { url: 'https://example.com/next.swml' },
    ]);
  });

  it('a thin answer whose voice log cannot be read is still the change applied, with nothing made up', async () => {
    const id = await nativeCall();
    const thin = JSON.stringify({
      id,
      status: 'ended',
      created_at: '2026-12-06T10:00:00Z',
      charge: '12',
      duration: '60',
    });
    stack.emulator.injectFault({ kind: 'garble', body: thin, pathPrefix: '/api/calling/' });
    stack.emulator.injectFault({
      kind: 'status',
      status: 500,
      method: 'GET',
      pathPrefix: '/api/voice/logs/',
      times: 10,
    });

    const answer = await request('POST', `/calls/${id}/terminate?api=calling`);

    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ sid: id, status: 'completed', price: null, duration: 0 });
    expect(answer.text).not.toContain('NaN');
    stack.emulator.clearFaults();
  });

  it("a terminate whose owner is judged from another call's voice log ends nothing", async () => {
    const id = await nativeCall();
    const log = {
      id: otherId,
      created_at: '2026-12-06T10:00:00Z',
      source: 'realtime_api',
      status: 'completed',
    };
    stack.emulator.injectFault({ kind: 'garble', body: JSON.stringify(log), pathPrefix: '/api/voice/logs' });

    const answer = await request('POST', `/calls/${id}/terminate`);

    expect(answer.status, answer.text).toBe(502);
    expect(commands()).toEqual([]);
    expect(stack.emulator.native.get(stack.projectId, id)?.status).toBe('answered');
  });
});

describe('a refused URL that a parser would still read as user:password@', () => {
  const password = 'Pa55w0rdInUrl';
  it.each([
    ['scheme-relative', `//ops:${password}@example.com/next.xml`],
    ['after a control character', `\u0001https://ops:${password}@example.com/next.xml`],
    ['without a scheme', `ops:${password}@example.com/next.xml`],
  ])('%s is audited without the password, over HTTP and over the bus', async (_name, url) => {
    const before = output.lines.length;

    const answer = await request('POST', `/calls/${seed().sid}`, { FallbackUrl: url });
    await events.request({ callSid: seed().sid, action: 'update', update: { Url: url } });

    expect(answer.status, answer.text).toBe(400);
    const written = output.lines.slice(before).join('');
    expect(written).toContain('***@example.com/next.xml');
    expect(written).not.toContain(password);
    expect(answer.text).not.toContain(password);
    expect(stack.emulator.requests).toEqual([]);
  });
});

describe('the idempotency table missing (DynamoDB)', () => {
  it('a request is retried with a failure event and audit saying why, not "internal error", and nothing is sent', async () => {
    const table = new DynamoDBClient({ endpoint: stack.dynamodb.url });
    await table.send(new DeleteTableCommand({ TableName: stack.idempotencyTableName }));
    try {
      const call = seed();
      const before = output.records().length;

      const eventId = await events.request({
        callSid: call.sid,
        action: 'update',
        update: { Url: 'https://example.com/a.xml' },
      });

      const why =
        'the idempotency table could not be written before acting (ResourceNotFoundException): nothing was sent to SignalWire, and the request is retried';
      expect(events.failed(events.onlyResult(eventId))).toMatchObject({
        final: false,
        error: { code: 'INTERNAL_ERROR', message: why },
      });
      expect(output.audits(before)).toEqual([expect.objectContaining({ outcome: 'failed', reason: why })]);
      expect(stack.aws.targetErrors).toHaveLength(1);
      expect(stack.emulator.requests).toEqual([]);
    } finally {
      await createIdempotencyTable(table, stack.idempotencyTableName);
    }
  });
});

describe('a transfer to a SWML URL whose host is not ASCII', () => {
  const dest = 'https://bücher.example/flow.swml';
  const words =
    'dest must be a SIP URI (sip:agent@example.com), a phone number in E.164 (+14155550100) or the http(s) URL of a SWML script, with no user:password@';

  it('is refused naming dest over HTTP, as a callback URL with such a host is, and sends nothing', async () => {
    const id = seedNativeCalls(stack.emulator, stack.projectId).swml[0]?.id as string;
    stack.emulator.clearRequests();

    const answer = await request('POST', `/calls/${id}/transfer`, { dest, api: 'calling' });

    expect(answer.status, answer.text).toBe(400);
    // Saying why, as a callback URL's refusal does: the host's xn-- form to write instead.
    expect((answer.json.error as { violations: unknown[] }).violations).toEqual([
      {
        field: 'dest',
        rule: 'format',
        message: `${words}: its host is not ASCII (write an internationalised domain name in its xn-- form: xn--bcher-kva.example)`,
      },
    ]);
    expect(stack.emulator.requests).toEqual([]);
  });

  it('is refused naming dest over the bus, and sends nothing', async () => {
    const id = seedNativeCalls(stack.emulator, stack.projectId).swml[0]?.id as string;
    stack.emulator.clearRequests();

    const eventId = await events.request({
      callSid: id,
      action: 'transfer',
      transfer: { dest },
      api: 'calling',
    });

    const failed = events.failed(events.onlyResult(eventId));
    expect(failed.error.violations?.map((violation) => violation.field)).toEqual(['dest']);
    expect(stack.emulator.requests).toEqual([]);
  });
});

describe('List Calls answered 200 with something else than a page of calls', () => {
  it.each([
    ['null', 'null', 'is not a page of calls'],
    ['an object without calls', '{"page":0}', 'is not a page of calls'],
    [
      'a next_page_uri that is a number',
      '{"calls":[],"next_page_uri":7}',
      'has a next_page_uri that is not a string',
    ],
    [
      'calls that are not Calls',
      '{"calls":[null,{"sid":5}],"next_page_uri":null}',
      'lists an entry that is not a Call (no string "sid" or "status")',
    ],
  ])('%s is a retryable 502 saying so, not a 500 or a 200 listing non-calls', async (_name, body, why) => {
    stack.emulator.injectFault({ kind: 'garble', body, method: 'GET' });

    const answer = await request('GET', '/calls?api=compatibility');

    expect(answer.status, answer.text).toBe(502);
    expect(answer.json.error).toMatchObject({
      code: 'UPSTREAM_ERROR',
      retryable: true,
      signalwire: { message: `SignalWire answered 200 with a body that ${why}` },
    });
  });
});

describe('the voice logs answered 200 with something else than a page of logs', () => {
  it.each([
    [
      'null entries',
      '{"data":[null],"links":{}}',
      'lists an entry that is not a voice log (no string "id" or "created_at")',
    ],
    [
      'a links.next that is a number',
      '{"data":[],"links":{"next":5}}',
      'has a links.next that is not a string',
    ],
    // Read against the list's URL, an empty link is its first page again: a listing that never ends.
    ['an empty links.next', '{"data":[],"links":{"next":" "}}', 'has an empty links.next'],
  ])('%s is a retryable 502 saying so, not a 500', async (_name, body, why) => {
    stack.emulator.injectFault({ kind: 'garble', body, pathPrefix: '/api/voice/logs' });

    const answer = await request('GET', '/calls?api=calling');

    expect(answer.status, answer.text).toBe(502);
    expect(answer.json.error).toMatchObject({
      code: 'UPSTREAM_ERROR',
      signalwire: { message: `SignalWire answered the Calling API with a body that ${why}` },
    });
  });
});

describe('the voice logs: a last page whose links.next is null', () => {
  it('is read as a last page (no next), not refused as a page that is not one', async () => {
    const self = `${stack.emulator.url}/api/voice/logs?page_size=50`;
    const body = JSON.stringify({ data: [], links: { self, first: self, next: null } });
    stack.emulator.injectFault({ kind: 'garble', body, pathPrefix: '/api/voice/logs' });

    const answer = await request('GET', '/calls?api=calling');

    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ calls: [], next_cursor: null });
  });
});

describe('the voice logs: a links.next relative to the space, or outside it', () => {
  it('follows a relative links.next through the cursor it answers, not a 500', async () => {
    const self = `${stack.emulator.url}/api/voice/logs?page_size=1`;
    const body = JSON.stringify({
      data: [],
      links: {
        self,
        first: self,
        next: '/api/voice/logs?page_size=1&page_number=1&page_token=PAbm90LWEtdG9rZW4',
      },
    });
    stack.emulator.injectFault({ kind: 'garble', body, pathPrefix: '/api/voice/logs' });

    const first = await request('GET', '/calls?api=calling&pageSize=1');

    expect(first.status, first.text).toBe(200);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    stack.emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify({ data: [], links: { self, first: self } }),
      pathPrefix: '/api/voice/logs',
    });
    const next = await request(
      'GET',
      `/calls?cursor=${encodeURIComponent(first.json.next_cursor as string)}`,
    );
    expect(next.status, next.text).toBe(200);
    expect(stack.emulator.requests.at(-1)?.path).toBe('/api/voice/logs');
  });

  it('refuses a links.next that leads back to the page just read, rather than a cursor to it again', async () => {
    const self = `${stack.emulator.url}/api/voice/logs?page_size=50`;
    const body = JSON.stringify({ data: [], links: { self, first: self, next: self } });
    stack.emulator.injectFault({ kind: 'garble', body, pathPrefix: '/api/voice/logs' });

    const answer = await request('GET', '/calls?api=calling');

    expect(answer.status, answer.text).toBe(502);
    expect(answer.text).toContain('leads back to the same page');
  });

  it('refuses a links.next on another origin as the page is read, so that no cursor holds it', async () => {
    const self = `${stack.emulator.url}/api/voice/logs`;
    const body = JSON.stringify({
      data: [],
      links: { self, first: self, next: 'https://evil.example.com/api/voice/logs?page_token=PA1' },
    });
    stack.emulator.injectFault({ kind: 'garble', body, pathPrefix: '/api/voice/logs' });

    const answer = await request('GET', '/calls?api=calling');

    expect(answer.status, answer.text).toBe(502);
    expect(answer.text).toContain('outside the voice logs of this space');
    expect(answer.text).not.toContain('next_cursor');
  });
});

describe('a compressed body', () => {
  it.each([
    ['JSON', 'application/json', JSON.stringify({ Status: 'completed' })],
    ['a form', 'application/x-www-form-urlencoded', 'Status=completed'],
  ])(
    '%s sent with content-encoding gzip is a 415 saying so, not a confusing 400 about its bytes',
    async (_name, type, text) => {
      const call = seed();

      const response = await fetch(`${stack.api.url}/calls/${call.sid}`, {
        method: 'POST',
        body: gzipSync(text),
        headers: { 'content-type': type, 'content-encoding': 'gzip' },
      });

      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({
        error: {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'content-encoding "gzip" is not supported: send the body uncompressed',
        },
      });
      expect(stack.emulator.requests).toEqual([]);
    },
  );
});
