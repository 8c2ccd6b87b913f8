import http from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { RedirectOutcomeUnknownError, SignalWireError, SignalWireNetworkError } from '#commons/errors';
import {
  answerCapsFor,
  CALL_ANSWER_MAX_BYTES,
  LAMBDA_RESPONSE_LIMIT_BYTES,
  PEAK_RSS_PER_ANSWER_BYTE,
  RUNTIME_BASELINE_MB,
} from '#commons/signalwire/answer-caps';
import { MAX_RETRY_AFTER_SECONDS } from '#commons/signalwire/answers';
import {
  parseErrorBody,
  parseRetryAfter,
  type RetryNotice,
  SignalWireClient,
} from '#commons/signalwire/client';
import { ExchangeFailureError, exchange } from '#commons/signalwire/transport';
import { CALL_SID, PROJECT_ID, sampleCall } from '../support/fixtures.ts';
import { SCRIPTED_TOKEN as TOKEN, useScriptedClient } from '../support/scripted-client.ts';
import { refusingOrigin } from '../support/scripted-server.ts';

const { clientFor, startServer } = useScriptedClient();

const rateLimited = {
  status: 429,
  body: { code: 20429, message: 'Too Many Requests', more_info: 'x', status: 429 },
};

describe('SignalWireClient requests', () => {
  it('posts exactly the given fields, form-encoded, to the documented path with Basic auth', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }]);

    const call = await client.updateCall(CALL_SID, {
      Status: 'completed',
      StatusCallback: 'https://example.com/status?a=1&b=2',
    });

    expect(call).toEqual(sampleCall());
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls/${CALL_SID}.json`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${PROJECT_ID}:${TOKEN}`).toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      Status: 'completed',
      StatusCallback: 'https://example.com/status?a=1&b=2',
    });
  });

  it('sends List Calls filters as SignalWire query parameters and follows next_page_uri to the end', async () => {
    const base = `/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls.json`;
    const page = (n: number, next: string | null) => ({
      status: 200,
      body: {
        calls: [sampleCall({ sid: `00000000-0000-4000-8000-00000000000${n}` })],
        uri: base,
        first_page_uri: base,
        next_page_uri: next,
        previous_page_uri: null,
        page: n,
        page_size: 1,
      },
    });
    const { client, received } = await clientFor([
      page(0, `${base}?Status=in-progress&PageSize=1&Page=1&PageToken=PA1`),
      page(1, `${base}?Status=in-progress&PageSize=1&Page=2&PageToken=PA2`),
      page(2, null),
    ]);

    const sids: string[] = [];
    for await (const p of client.listCalls({
      Status: 'in-progress',
      'StartTime<': '2026-11-27',
      PageSize: 1,
    })) {
      sids.push(...p.calls.map((c) => c.sid));
    }

    expect(sids).toHaveLength(3);
    expect(received.map((r) => r.url)).toEqual([
      `${base}?Status=in-progress&StartTime%3C=2026-11-27&PageSize=1`,
      `${base}?Status=in-progress&PageSize=1&Page=1&PageToken=PA1`,
      `${base}?Status=in-progress&PageSize=1&Page=2&PageToken=PA2`,
    ]);
  });

  it('refuses a next_page_uri that points outside the project, sending nothing there', async () => {
    const { client, received } = await clientFor([{ status: 200, body: {} }]);

    await expect(client.listCallsPage({ nextPageUri: 'https://evil.example.com/steal' })).rejects.toThrow(
      /outside this project/,
    );
    expect(received).toHaveLength(0);
  });
});

describe('SignalWireClient errors', () => {
  it('carries code, message, more_info and status from the documented error body', async () => {
    const body = {
      code: 20404,
      message: 'Not Found',
      more_info: 'https://developer.signalwire.com/x',
      status: 404,
    };
    const { client } = await clientFor([{ status: 404, body }]);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({ status: 404, code: 20404, message: 'Not Found', moreInfo: body.more_info });
  });

  it('reads the errors-array body shape too', () => {
    expect(
      parseErrorBody(
        400,
        JSON.stringify({ errors: [{ code: '21220', message: 'not in progress', more_info: 'u' }] }),
      ),
    ).toEqual({ code: 21220, message: 'not in progress', moreInfo: 'u' });
    expect(parseErrorBody(502, '<html>bad gateway</html>')).toEqual({
      code: undefined,
      message: 'SignalWire answered HTTP 502',
      moreInfo: undefined,
    });
  });

  it('defect: unbounded error body: cuts message and more_info to 500 characters', () => {
    const parsed = parseErrorBody(
      400,
      JSON.stringify({ code: 21220, message: 'm'.repeat(200_000), more_info: 'i'.repeat(200_000) }),
    );
    expect(parsed.code).toBe(21220);
    expect(parsed.message).toBe(`${'m'.repeat(499)}…`);
    expect(parsed.moreInfo).toBe(`${'i'.repeat(499)}…`);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Fri, 27 Nov 2026 14:00:00 GMT');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Fri, 27 Nov 2026 14:00:03 GMT', now)).toBe(3);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it.each([
    ['an RFC 850 date', 'Friday, 27-Nov-26 14:00:05 GMT', 5],
    ['an asctime date', 'Fri Nov 27 14:00:09 2026', 9],
  ])('parses Retry-After given as %s, the obsolete HTTP-date forms', (_name, value, seconds) => {
    expect(parseRetryAfter(value, Date.parse('Fri, 27 Nov 2026 14:00:00 GMT'))).toBe(seconds);
  });

  it.each(['-5', '1.5', '1, 2', '0x10', '+3', '2026-11-27T14:00:03Z'])(
    'Retry-After %j is neither delay-seconds nor an HTTP-date: no wait is read from it (not a zero one)',
    (value) => {
      expect(parseRetryAfter(value, Date.parse('Fri, 27 Nov 2026 14:00:00 GMT'))).toBeUndefined();
    },
  );

  it.each([
    ['delay-seconds past any number', '99999999999999999999999'],
    ['a date thousands of years away', 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('caps a Retry-After of %s at an hour, so the wait passed on is a sane whole number', (_name, value) => {
    expect(parseRetryAfter(value, Date.parse('Fri, 27 Nov 2026 14:00:00 GMT'))).toBe(MAX_RETRY_AFTER_SECONDS);
  });
});

describe('SignalWireClient retries', () => {
  it('retries 429 and 503 with growing backoff, then succeeds', async () => {
    const { client, notices, received } = await clientFor([
      rateLimited,
      { status: 503, body: { code: 503, message: 'busy', more_info: 'x', status: 503 } },
      { status: 200, body: sampleCall({ status: 'completed' }) },
    ]);

    const call = await client.updateCall(CALL_SID, { Status: 'completed' });

    expect(call.status).toBe('completed');
    expect(received).toHaveLength(3);
    expect(notices).toEqual([
      { attempt: 1, delayMs: 10, reason: 'rate-limited', status: 429 },
      { attempt: 2, delayMs: 20, reason: 'unavailable', status: 503 },
    ]);
  });

  it('honours Retry-After when SignalWire sends it', async () => {
    const { client, notices } = await clientFor([
      { ...rateLimited, headers: { 'retry-after': '1' } },
      { status: 200, body: sampleCall() },
    ]);

    const started = Date.now();
    await client.getCall(CALL_SID);

    expect(notices[0]?.delayMs).toBe(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('gives up after maxAttempts and surfaces the last 429 with its Retry-After', async () => {
    const { client, received } = await clientFor([{ ...rateLimited, headers: { 'retry-after': '0' } }]);

    const error = await client.updateCall(CALL_SID, { Status: 'completed' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({ status: 429, code: 20429, retryAfterSeconds: 0 });
    expect(received).toHaveLength(4);
  });

  it('backs off as it would without one when Retry-After is garbage that Date.parse reads as a past date', async () => {
    const { client, notices } = await clientFor([
      { ...rateLimited, headers: { 'retry-after': '-5' } },
      { status: 200, body: sampleCall() },
    ]);

    await client.getCall(CALL_SID);

    // The scripted client's policy: 10 ms doubling, with jitter fixed at the ceiling (a zero wait before the fix).
    expect(notices).toEqual([{ attempt: 1, delayMs: 10, reason: 'rate-limited', status: 429 }]);
  });

  it('does not wait past its total time budget for a long Retry-After', async () => {
    const { client, received } = await clientFor([{ ...rateLimited, headers: { 'retry-after': '30' } }]);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    expect(received).toHaveLength(1);
  });

  it('does not retry other errors', async () => {
    const { client, received } = await clientFor([
      { status: 422, body: { code: 10000, message: 'Invalid argument', more_info: 'x', status: 422 } },
    ]);

    await expect(client.updateCall(CALL_SID, { Status: 'canceled' })).rejects.toMatchObject({ code: 10000 });
    expect(received).toHaveLength(1);
  });

  it('reconnects once when a repeatable request loses its connection', async () => {
    const { client, notices, received } = await clientFor([
      { drop: true },
      { status: 200, body: sampleCall() },
    ]);

    const call = await client.updateCall(CALL_SID, { Status: 'completed' });

    expect(call.sid).toBe(CALL_SID);
    expect(received).toHaveLength(2);
    expect(notices).toEqual([{ attempt: 1, delayMs: 0, reason: 'stale-connection' }]);
  });

  it('reconnects only once for a repeatable request', async () => {
    const { client, received } = await clientFor([{ drop: true }]);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(received).toHaveLength(2);
  });

  it('never resends a redirect that may have reached SignalWire', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }, { drop: true }], {
      staleAfterMs: 60_000,
    });
    await client.getCall(CALL_SID);

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/laml.xml', Method: 'POST' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
    expect(error).toMatchObject({ kind: 'connection', cause: { mayHaveReachedServer: true } });
    expect(received.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it.each([
    ['500', { status: 500, body: { code: 20500, message: 'Internal Server Error' } }, 'answer'],
    ['502 from a gateway', { status: 502, body: '<html>Bad Gateway</html>' }, 'answer'],
    ['504 from a gateway', { status: 504, body: '<html>Gateway Timeout</html>' }, 'timeout'],
    ['200 with a body that is not JSON', { status: 200, body: '{"sid": "' }, 'answer'],
  ] as const)(
    'sends a redirect answered %s once and reports its outcome unknown',
    async (_name, answer, kind) => {
      const { client, received } = await clientFor([{ status: 200, body: sampleCall() }, answer], {
        staleAfterMs: 60_000,
      });
      await client.getCall(CALL_SID);

      const error = await client
        .updateCall(CALL_SID, { Url: 'https://example.com/laml.xml' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
      expect(error).toMatchObject({ kind });
      expect(received.filter((r) => r.method === 'POST')).toHaveLength(1);
    },
  );

  it('reports a 4xx answer to a redirect as it is: SignalWire decided', async () => {
    const { client, received } = await clientFor(
      [
        { status: 200, body: sampleCall() },
        { status: 400, body: { code: 21220, message: 'Call is not in-progress' } },
      ],
      { staleAfterMs: 60_000 },
    );
    await client.getCall(CALL_SID);

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/laml.xml' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({ status: 400, code: 21220 });
    expect(received.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  it('reports a failed safety read as the read failing: no redirect was sent', async () => {
    const { client, received } = await clientFor([{ drop: true }], { staleAfterMs: 0 });

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(received.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('times out a slow answer and does not resend a redirect after it', async () => {
    const { client, received } = await clientFor(
      [
        { status: 200, body: sampleCall() },
        { status: 200, body: sampleCall(), delayMs: 500 },
      ],
      { timeoutMs: 100, staleAfterMs: 60_000 },
    );
    await client.getCall(CALL_SID);

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
    expect(error).toMatchObject({ kind: 'timeout', cause: { mayHaveReachedServer: true } });
    expect(received.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('checks the connection with a GET before a redirect after an idle gap', async () => {
    const { client, received } = await clientFor([{ drop: true }, { status: 200, body: sampleCall() }], {
      staleAfterMs: 0,
    });

    await client.updateCall(CALL_SID, { Url: 'https://example.com/next.xml' });

    expect(received.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
    expect(new URLSearchParams(received[2]?.body).get('Url')).toBe('https://example.com/next.xml');
  });

  it('retries a refused connection (nothing was sent), even for a redirect', async () => {
    const origin = await refusingOrigin();
    const notices: RetryNotice[] = [];
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: TOKEN,
      spaceOrigin: origin,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 5, maxTotalMs: 1_000 },
      onRetry: (n) => notices.push(n),
      staleAfterMs: 60_000,
    });

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/x.xml' })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'connection', mayHaveReachedServer: false });
    expect(notices.map((n) => n.reason)).toEqual(['connection', 'connection']);
  });

  it('fails a silent TLS handshake as a connection that never carried the request, so a redirect is retried', async () => {
    // A TCP listener that accepts and never speaks: the https client connects, and its handshake never ends.
    const accepted: Socket[] = [];
    const silent = createNetServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const notices: RetryNotice[] = [];
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: TOKEN,
      spaceOrigin: `https://127.0.0.1:${port}`,
      timeoutMs: 100,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5, maxTotalMs: 1_000 },
      onRetry: (n) => notices.push(n),
      staleAfterMs: 60_000,
    });
    try {
      const error = await client
        .updateCall(CALL_SID, { Url: 'https://example.com/x.xml' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(SignalWireNetworkError);
      expect(error).toMatchObject({ kind: 'connection', mayHaveReachedServer: false });
      expect((error as Error).message).toBe('could not connect to SignalWire within 100 ms');
      expect(notices.map((n) => n.reason)).toEqual(['connection']);
      expect(accepted).toHaveLength(2);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('SignalWireClient transport', () => {
  it('sends a Content-Length body (never chunked), a user agent, and reuses one kept-alive connection', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }]);

    await client.updateCall(CALL_SID, { Status: 'completed' });
    await client.updateCall(CALL_SID, { Status: 'completed' });
    await client.getCall(CALL_SID);

    const [post] = received;
    expect(post?.headers['content-length']).toBe(String(Buffer.byteLength('Status=completed')));
    expect(post?.headers['transfer-encoding']).toBeUndefined();
    expect(post?.headers['user-agent']).toBe('signalwire-call-control');
    expect(received[2]?.headers['content-length']).toBeUndefined();
    expect(new Set(received.map((r) => r.remotePort)).size).toBe(1);
  });

  it('does not follow a 3xx: the credentials stay with the space, and a redirect sent is outcome-unknown', async () => {
    const moved = { status: 301, headers: { location: 'https://elsewhere.example.com/steal' }, body: '' };
    const { client, received } = await clientFor([moved], { staleAfterMs: 60_000 });

    const read = await client.getCall(CALL_SID).catch((e: unknown) => e);
    const redirect = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })
      .catch((e: unknown) => e);

    expect(read).toBeInstanceOf(SignalWireError);
    expect(read).toMatchObject({
      status: 502,
      message: 'SignalWire answered HTTP 301, a redirect, which is not followed',
    });
    expect(redirect).toBeInstanceOf(RedirectOutcomeUnknownError);
    expect(received).toHaveLength(2);
  });

  it("waits past the idle sockets' 4 s keep-alive timeout for a slow answer, up to its own timeout", async () => {
    const { client } = await clientFor([{ status: 200, body: sampleCall(), delayMs: 4_300 }], {
      timeoutMs: 8_000,
    });

    await expect(client.getCall(CALL_SID)).resolves.toEqual(sampleCall());
  });

  it('defect: an unrequested 101 left the request pending past its timeout; now it settles as a lost answer', async () => {
    // A raw server: the safety read is answered, the redirect's POST gets `101 Switching Protocols`, which
    // makes Node drop the socket without an error or a response.
    const posts: string[] = [];
    const raw = createNetServer((socket) => {
      socket.on('data', (data) => {
        const head = data.toString('latin1');
        if (head.startsWith('POST')) {
          posts.push(head);
          socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n');
          return;
        }
        const body = JSON.stringify(sampleCall());
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: TOKEN,
      spaceOrigin: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`,
      timeoutMs: 5_000,
      staleAfterMs: 0,
    });
    try {
      const started = Date.now();
      const error = await client
        .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(posts).toHaveLength(1);
    } finally {
      raw.close();
    }
  });

  it('sends through http.request as read at call time, which the Powertools Tracer patches for X-Ray', async () => {
    const { client } = await clientFor([{ status: 200, body: sampleCall() }]);
    const sent = vi.spyOn(http, 'request');
    try {
      await client.getCall(CALL_SID);

      expect(sent).toHaveBeenCalledTimes(1);
    } finally {
      sent.mockRestore();
    }
  });

  it('fails a request Node refuses to build as unsent, naming the code', async () => {
    const failure = await exchange({
      method: 'GET',
      url: new URL('http://127.0.0.1:9/'),
      headers: { 'x-bad': 'line\nbreak' },
      timeoutMs: 1_000,
      maxAnswerBytes: 1024,
    }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(ExchangeFailureError);
    expect(failure).toMatchObject({ reason: 'connection', sent: false, code: 'ERR_INVALID_CHAR' });
  });

  it('refuses an answer over the cap that arrives whole in one chunk, without an uncaught exception', async () => {
    // A small answer arrives complete: its socket is already back in the pool when the cap is exceeded, and an
    // error given to that request was once emitted where nothing listened (a crash of the whole function).
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const server = await startServer([
        { status: 200, body: 'x'.repeat(2_000) },
        { status: 200, body: 'x'.repeat(2_000) },
      ]);
      for (let attempt = 0; attempt < 2; attempt++) {
        const failure = await exchange({
          method: 'GET',
          url: new URL(`${server.origin}/`),
          headers: {},
          timeoutMs: 2_000,
          maxAnswerBytes: 1_000,
        }).catch((e: unknown) => e);
        expect(failure).toMatchObject({ reason: 'too-large' });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('reads a multi-chunk answer whole, multi-byte characters split across chunks included', async () => {
    const name = 'Zoë 🚀 '.repeat(20_000);
    const { client } = await clientFor([{ status: 200, body: sampleCall({ caller_name: name }) }]);

    const call = await client.getCall(CALL_SID);

    expect(call.caller_name).toBe(name);
  });

  it(`refuses a single call's answer over ${CALL_ANSWER_MAX_BYTES} bytes instead of holding it in memory`, async () => {
    const huge = { status: 200, body: `"${'x'.repeat(CALL_ANSWER_MAX_BYTES)}"` };
    const { client } = await clientFor([huge], {
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1 },
    });

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect((error as Error).message).toBe(`SignalWire's answer exceeded ${CALL_ANSWER_MAX_BYTES} bytes`);
  });

  it('finding 5: caps each answer by its operation, a list page higher than a single call', async () => {
    const calls = Array.from({ length: 200 }, () => sampleCall({ caller_name: 'n'.repeat(1_500) }));
    const page = {
      calls,
      uri: '/x',
      first_page_uri: '/x',
      next_page_uri: null,
      previous_page_uri: null,
      page: 0,
      page_size: 200,
    };
    const size = JSON.stringify(page).length;
    const caps = { call: Math.floor(size / 2), list: size + 1 };
    const { client } = await clientFor(
      [
        { status: 200, body: page },
        { status: 200, body: sampleCall({ caller_name: 'n'.repeat(size) }) },
      ],
      { answerCaps: caps, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1 } },
    );

    expect((await client.listCallsPage({ PageSize: 200 })).calls).toHaveLength(200);
    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`SignalWire's answer exceeded ${caps.call} bytes`);
  });

  it.each([128, 192, 256, 512, 1024, 3008, 10_240])(
    'finding 5: a %i MB function lists only pages it can hold and return (no 16 MiB page in 512 MB)',
    (memoryMb) => {
      const caps = answerCapsFor(memoryMb);

      // Returnable: the page re-serialised, then escaped as the proxy result's body (at most twice), fits 6 MB.
      expect(2 * caps.list).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
      // Holdable: the measured peak per byte read, on top of the runtime, fits the memory setting.
      expect(caps.list * PEAK_RSS_PER_ANSWER_BYTE + RUNTIME_BASELINE_MB * 2 ** 20).toBeLessThanOrEqual(
        memoryMb * 2 ** 20,
      );
      expect(caps.call).toBe(CALL_ANSWER_MAX_BYTES);
      // A page of 1,000 calls (about 1.5 MB) still fits from 192 MB up.
      if (memoryMb >= 192) expect(caps.list).toBeGreaterThan(1_500_000);
    },
  );

  it('finding 5: without a memory setting (the CLI) only the response limit bounds a list page', () => {
    expect(answerCapsFor(undefined).list).toBe(answerCapsFor(10_240).list);
    expect(answerCapsFor(512).list).toBeLessThan(16 * 2 ** 20);
  });

  it('gives up at once, sending nothing, when the caller has already run out of time', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }]);

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(error).toMatchObject({ mayHaveReachedServer: false });
    expect(received).toHaveLength(0);
  });
});

/** `depth` nested JSON arrays around a Call's fields: parses, but a recursive serialiser overflows on it. */
const deeplyNested = (depth: number) =>
  `{"sid":"${CALL_SID}","status":"in-progress","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;

describe('SignalWireClient: a 2xx that is not a usable Call', () => {
  const odd = [
    ['null', 'null', 'is null, not a Call'],
    ['an array', '[]', 'is an array, not a Call'],
    ['a number', '42', 'is a number, not a Call'],
    ['a Call whose sid is a number', JSON.stringify({ ...sampleCall(), sid: 7 }), 'has no string "sid"'],
    [
      'a Call whose status is an object',
      JSON.stringify({ ...sampleCall(), status: {} }),
      'has no string "status"',
    ],
    ['a deeply nested Call', deeplyNested(100_000), 'nests deeper than 16 levels'],
  ] as const;

  it.each(odd)(
    'odd 2xx body: a redirect answered 200 with %s is sent once and its outcome unknown',
    async (_name, body, why) => {
      const { client, received } = await clientFor(
        [
          { status: 200, body: sampleCall() },
          { status: 200, body },
        ],
        {
          staleAfterMs: 60_000,
        },
      );
      await client.getCall(CALL_SID);

      const error = await client
        .updateCall(CALL_SID, { Url: 'https://example.com/laml.xml' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
      expect(error).toMatchObject({
        kind: 'answer',
        message: `SignalWire answered 200 with a body that ${why}`,
      });
      expect(received.filter((r) => r.method === 'POST')).toHaveLength(1);
    },
  );

  it.each(odd)(
    'odd 2xx body: a read answered 200 with %s fails as a 502 saying why',
    async (_name, body, why) => {
      const { client } = await clientFor([{ status: 200, body }]);

      const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(SignalWireError);
      expect(error).toMatchObject({
        status: 502,
        message: `SignalWire answered 200 with a body that ${why}`,
      });
    },
  );
});

describe('SignalWireClient: a 2xx holding another call', () => {
  const otherCall = sampleCall({ sid: 'c0ffee00-0000-4000-8000-000000000001', status: 'completed' });

  it('a redirect answered 200 with another call is sent once and its outcome unknown', async () => {
    const { client, received } = await clientFor(
      [
        { status: 200, body: sampleCall() },
        { status: 200, body: otherCall },
      ],
      { staleAfterMs: 60_000 },
    );
    await client.getCall(CALL_SID);

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/laml.xml' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
    expect(error).toMatchObject({
      message: 'SignalWire answered 200 with a body that is another call, not the one asked for',
    });
    expect(received.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it.each([
    ['an end', (client: SignalWireClient) => client.updateCall(CALL_SID, { Status: 'completed' })],
    ['a read', (client: SignalWireClient) => client.getCall(CALL_SID)],
  ])('%s answered 200 with another call fails as a 502 saying so', async (_name, act) => {
    const { client } = await clientFor([{ status: 200, body: otherCall }]);

    const error = await act(client).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({
      status: 502,
      message: 'SignalWire answered 200 with a body that is another call, not the one asked for',
    });
  });

  it('takes the call asked for in either case as its own answer', async () => {
    const { client } = await clientFor([{ status: 200, body: sampleCall({ sid: CALL_SID.toUpperCase() }) }]);

    await expect(client.getCall(CALL_SID)).resolves.toMatchObject({ sid: CALL_SID.toUpperCase() });
  });
});

describe('SignalWireClient: a gateway 503 after forwarding', () => {
  it('gateway 503 after forwarding: a redirect answered 503 is sent once, not up to 4 times, and its outcome is unknown', async () => {
    const unavailable = { status: 503, body: '<html>Service Unavailable</html>' };
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }, unavailable], {
      staleAfterMs: 60_000,
    });
    await client.getCall(CALL_SID);

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/laml.xml' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
    expect(received.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('still retries a redirect answered 429: a rate limit is answered before anything is done', async () => {
    const { client, received } = await clientFor(
      [{ status: 200, body: sampleCall() }, rateLimited, { status: 200, body: sampleCall() }],
      { staleAfterMs: 60_000 },
    );
    await client.getCall(CALL_SID);

    await client.updateCall(CALL_SID, { Url: 'https://example.com/laml.xml' });

    expect(received.filter((r) => r.method === 'POST')).toHaveLength(2);
  });
});

describe('SignalWireClient: the deadline during a backoff', () => {
  it('deadline during 429/503 backoff: fails as a timeout of a request that did not reach SignalWire', async () => {
    const { client, received } = await clientFor([{ ...rateLimited, headers: { 'retry-after': '1' } }], {
      retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, maxTotalMs: 5_000 },
    });

    const error = await client
      .updateCall(CALL_SID, { Status: 'completed' }, { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(error).toMatchObject({ kind: 'timeout', mayHaveReachedServer: false });
    expect((error as Error).message).toBe(
      'the function ran out of time while waiting to retry (SignalWire answered 429)',
    );
    expect(received).toHaveLength(1);
  });
});

describe('SignalWireClient: upstream error text', () => {
  it('upstream echoes Authorization: the Basic credentials and the token never reach the error', async () => {
    const echo = http.createServer((request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          code: 21205,
          message: `bad request; you sent Authorization: ${request.headers.authorization} (token ${TOKEN})`,
          more_info: `https://example.com/?auth=${request.headers.authorization}`,
          debug: "a field that is not SignalWire's message",
        }),
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const client = new SignalWireClient({
        projectId: PROJECT_ID,
        apiToken: TOKEN,
        spaceOrigin: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
      });

      const error = (await client.getCall(CALL_SID).catch((e: unknown) => e)) as SignalWireError;

      const basic = Buffer.from(`${PROJECT_ID}:${TOKEN}`).toString('base64');
      const text = `${error.message} ${error.moreInfo}`;
      expect(text).not.toContain(basic);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('not SignalWire');
      expect(error.message).toBe('bad request; you sent Authorization: [redacted] (token [redacted])');
    } finally {
      echo.close();
    }
  });

  it.each([
    [
      'a Bearer header',
      'Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl',
      'Authorization: [redacted]',
    ],
    ['a Basic header', 'basic dXNlcjpwYXNz went through', '[redacted] went through'],
    ['an API token', 'token PT0123456789abcdef0123456789abcdef is bad', 'token [redacted] is bad'],
  ])('scrubs %s out of upstream error text', (_name, message, scrubbed) => {
    expect(parseErrorBody(400, JSON.stringify({ message })).message).toBe(scrubbed);
  });

  it.each([470, 480, 490, 495])(
    'finding 9: a credential that the 500-character cut would split is scrubbed whole, not left half visible (at %i)',
    (padding) => {
      const basic = Buffer.from(`${PROJECT_ID}:${TOKEN}`).toString('base64');
      for (const credential of [TOKEN, basic, `Basic ${basic}`]) {
        const message = `${'x'.repeat(padding)} ${credential}`;

        const parsed = parseErrorBody(400, JSON.stringify({ message, more_info: message }), [basic, TOKEN]);

        for (const text of [parsed.message, parsed.moreInfo ?? '']) {
          expect(text.length).toBeLessThanOrEqual(500);
          expect(text.startsWith('x'.repeat(padding))).toBe(true);
          // Not even the credential's first 8 characters survive the cut.
          expect(text.slice(padding)).not.toContain(credential.slice(0, 8));
          expect(text.slice(padding)).not.toContain(basic.slice(0, 8));
        }
      }
    },
  );
});
