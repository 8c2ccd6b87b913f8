import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignalWireError, SignalWireNetworkError } from '#commons/errors';
import { type RetryNotice, SignalWireClient } from '#commons/signalwire/client';
import { CALL_SID, PROJECT_ID, sampleCall } from '../support/fixtures.ts';
import { SCRIPTED_TOKEN as TOKEN, useScriptedClient } from '../support/scripted-client.ts';
import { refusingOrigin } from '../support/scripted-server.ts';

// The edges of the client's rules that the main suite (signalwire-client.test.ts) leaves open: the exact
// boundaries of its time budget and idle gap, the defaults, and what a caller without a retry listener gets.

const { clientFor } = useScriptedClient();

afterEach(() => {
  vi.restoreAllMocks();
});

/** Stops the wall clock the client reads, so a budget or an idle gap can sit exactly on its limit. */
const freezeClock = () => vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-06T08:00:00Z'));

const rateLimited = { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } };

describe('SignalWireClient: the idle gap before a redirect', () => {
  it('by default reads the call before the first redirect, and not before one that follows an exchange at once', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }], {
      staleAfterMs: undefined,
    });

    await client.updateCall(CALL_SID, { Url: 'https://example.com/a.xml' });
    await client.updateCall(CALL_SID, { Url: 'https://example.com/b.xml' });

    expect(received.map((r) => r.method)).toEqual(['GET', 'POST', 'POST']);
  });

  it('reads the call first only after an idle gap longer than staleAfterMs, not one equal to it', async () => {
    freezeClock();
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }], { staleAfterMs: 0 });
    await client.getCall(CALL_SID);

    await client.updateCall(CALL_SID, { Url: 'https://example.com/a.xml' });

    expect(received.map((r) => r.method)).toEqual(['GET', 'POST']);
  });
});

describe('SignalWireClient: the total time budget', () => {
  it('waits for a Retry-After that ends exactly at the total budget', async () => {
    freezeClock();
    const { client, received } = await clientFor(
      [
        { ...rateLimited, headers: { 'retry-after': '1' } },
        { status: 200, body: sampleCall() },
      ],
      { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, maxTotalMs: 1_000 } },
    );

    await expect(client.getCall(CALL_SID)).resolves.toEqual(sampleCall());
    expect(received).toHaveLength(2);
  });

  it('retries a refused connection whose backoff ends exactly at the total budget', async () => {
    freezeClock();
    const notices: RetryNotice[] = [];
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: TOKEN,
      spaceOrigin: await refusingOrigin(),
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10, maxTotalMs: 10 },
      onRetry: (notice) => notices.push(notice),
      random: () => 1,
    });

    await expect(client.getCall(CALL_SID)).rejects.toBeInstanceOf(SignalWireNetworkError);
    expect(notices).toEqual([{ attempt: 1, delayMs: 10, reason: 'connection' }]);
  });

  it('does not retry a refused connection whose backoff would end past the total budget', async () => {
    const notices: RetryNotice[] = [];
    const client = new SignalWireClient({
      projectId: PROJECT_ID,
      apiToken: TOKEN,
      spaceOrigin: await refusingOrigin(),
      retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 500, maxTotalMs: 100 },
      onRetry: (notice) => notices.push(notice),
      random: () => 1,
    });

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'connection',
      mayHaveReachedServer: false,
      message: 'connection to SignalWire failed (ECONNREFUSED)',
    });
    expect(notices).toEqual([]);
  });
});

describe('SignalWireClient: retries without a listener and their reasons', () => {
  it('retries a 429 and a dropped connection for a caller that passed no onRetry', async () => {
    const { client, received } = await clientFor(
      [rateLimited, { drop: true }, { status: 200, body: sampleCall() }],
      { onRetry: undefined },
    );

    await expect(client.getCall(CALL_SID)).resolves.toEqual(sampleCall());
    expect(received).toHaveLength(3);
  });

  it('reports a read that timed out, then answered, as retried for a timeout', async () => {
    const { client, notices } = await clientFor(
      [
        { status: 200, body: sampleCall(), delayMs: 400 },
        { status: 200, body: sampleCall() },
      ],
      { timeoutMs: 100 },
    );

    await expect(client.getCall(CALL_SID)).resolves.toEqual(sampleCall());
    expect(notices).toEqual([{ attempt: 1, delayMs: 0, reason: 'timeout' }]);
  });

  it('leaves no listener on a shared stop signal once its retry waits are over', async () => {
    const run = new AbortController();
    const { client, received } = await clientFor(
      [
        { ...rateLimited, headers: { 'retry-after': '0' } },
        { ...rateLimited, headers: { 'retry-after': '0' } },
        { status: 200, body: sampleCall() },
      ],
      { retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 5_000 } },
    );

    await expect(client.getCall(CALL_SID, { signal: run.signal })).resolves.toEqual(sampleCall());

    expect(received).toHaveLength(3);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('stops waiting to retry at once when the deadline passes as the 429 arrives', async () => {
    const deadline = new AbortController();
    const { client, received } = await clientFor(
      [
        { ...rateLimited, headers: { 'retry-after': '1' } },
        { status: 200, body: sampleCall() },
      ],
      { onRetry: () => deadline.abort() },
    );

    const started = Date.now();
    const error = await client.getCall(CALL_SID, { signal: deadline.signal }).catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'timeout',
      mayHaveReachedServer: false,
      message: 'the function ran out of time while waiting to retry (SignalWire answered 429)',
    });
    expect(Date.now() - started).toBeLessThan(900);
    expect(received).toHaveLength(1);
  });
});

describe('SignalWireClient: list pages', () => {
  it('reconnects once when a list page loses its connection (a read is safe to repeat)', async () => {
    const page = { calls: [], next_page_uri: null, page: 0, page_size: 50 };
    const { client, received } = await clientFor([{ drop: true }, { status: 200, body: page }]);

    await expect(client.listCallsPage({ Status: 'in-progress' })).resolves.toMatchObject({ calls: [] });
    expect(received.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('holds a list page to the list cap, not only a call to the call cap', async () => {
    const calls = Array.from({ length: 100 }, () => sampleCall({ caller_name: 'n'.repeat(1_500) }));
    const page = { calls, next_page_uri: null };
    const { client } = await clientFor([{ status: 200, body: page }], {
      answerCaps: { call: 1_000_000, list: 50_000 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1 },
    });

    const error = await client.listCallsPage({ Status: 'in-progress' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(error).toMatchObject({
      kind: 'connection',
      mayHaveReachedServer: true,
      message: "SignalWire's answer exceeded 50000 bytes",
    });
  });

  it("refuses a next_page_uri that leaves the space or this project's calls, sending nothing", async () => {
    const { client, received } = await clientFor([{ status: 200, body: {} }]);

    for (const nextPageUri of [
      `https://elsewhere.example.com/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls.json?Page=1`,
      '/api/laml/2010-04-01/Accounts/another-project/Calls.json?Page=1',
      `/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Messages.json?Page=1`,
    ]) {
      await expect(client.listCallsPage({ nextPageUri })).rejects.toThrow(
        'SignalWire returned a next_page_uri outside this project',
      );
    }
    expect(received).toHaveLength(0);
  });
});

describe('SignalWireClient: answers that are not what they claim', () => {
  it('fails a read answered 200 with a body that is not JSON as a 502 saying so', async () => {
    const { client } = await clientFor([{ status: 200, body: '{"sid": "' }]);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({
      status: 502,
      message: 'SignalWire answered 200 with a body that is not JSON',
    });
  });

  it('treats a 300 answer as a redirect it does not follow, not as a success', async () => {
    const { client } = await clientFor([{ status: 300, body: sampleCall() }]);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toMatchObject({
      status: 502,
      message: 'SignalWire answered HTTP 300, a redirect, which is not followed',
    });
  });
});

describe('SignalWireClient: what a caller reads when no answer comes', () => {
  it('names its own timeout when SignalWire never answers a read', async () => {
    const { client } = await clientFor([{ status: 200, body: sampleCall(), delayMs: 1_000 }], {
      timeoutMs: 100,
    });

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'timeout',
      mayHaveReachedServer: true,
      message: 'no answer from SignalWire within 100 ms',
    });
  });

  it('says the request was abandoned when the deadline passes while SignalWire is answering', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall(), delayMs: 1_000 }]);

    const error = await client
      .getCall(CALL_SID, { signal: AbortSignal.timeout(100) })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'timeout',
      mayHaveReachedServer: true,
      message: 'the request was abandoned: the function ran out of time',
    });
    expect(received).toHaveLength(1);
  });
});

describe('SignalWireClient: what reaches SignalWire', () => {
  it('asks for JSON, and sends a read without a body or a content type', async () => {
    const { client, received } = await clientFor([{ status: 200, body: sampleCall() }]);

    await client.getCall(CALL_SID);

    expect(received[0]?.headers.accept).toBe('application/json');
    expect(received[0]?.headers['content-type']).toBeUndefined();
  });
});
