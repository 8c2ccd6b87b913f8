import { describe, expect, it, vi } from 'vitest';
import { RedirectOutcomeUnknownError, SignalWireNetworkError } from '#commons/errors';
import { SignalWireClient } from '#commons/signalwire/client';
import { ExchangeFailureError, exchange } from '#commons/signalwire/transport';
import { CALL_SID, PROJECT_ID, sampleCall } from '../support/fixtures.ts';

// The transport knows whether the connection was established; these tests script what it reports, so that
// the client's reading of each failure is pinned without having to make a kernel produce it.
vi.mock('#commons/signalwire/transport', async (importOriginal) => ({
  ...(await importOriginal<typeof import('#commons/signalwire/transport')>()),
  exchange: vi.fn(),
}));

const scripted = vi.mocked(exchange);
const ok = { status: 200, text: JSON.stringify(sampleCall()), retryAfter: undefined };

const clientWith = (...outcomes: Array<ExchangeFailureError | typeof ok>) => {
  scripted.mockReset();
  for (const outcome of outcomes) {
    if (outcome instanceof ExchangeFailureError) scripted.mockRejectedValueOnce(outcome);
    else scripted.mockResolvedValueOnce(outcome);
  }
  return new SignalWireClient({
    projectId: PROJECT_ID,
    apiToken: 'PTclassification-token-0123456789',
    spaceOrigin: 'https://example.signalwire.com',
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1_000 },
    staleAfterMs: 60_000,
  });
};

describe('SignalWireClient: what each transport failure means', () => {
  it.each(['EHOSTUNREACH', 'ENETUNREACH', 'ECONNREFUSED'])(
    'defect: %s on an established connection was read as "not sent", so a redirect could go out twice',
    async (code) => {
      const client = clientWith(ok, new ExchangeFailureError('connection', true, code), ok);
      await client.getCall(CALL_SID); // a recent exchange: the redirect goes out without a safety read

      const error = await client
        .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
      expect(scripted.mock.calls.map(([request]) => request.method)).toEqual(['GET', 'POST']);
    },
  );

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET'])(
    '%s before the connection was established is not sent: a redirect is retried',
    async (code) => {
      const client = clientWith(ok, new ExchangeFailureError('connection', false, code), ok);
      await client.getCall(CALL_SID);

      await expect(client.updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })).resolves.toEqual(
        sampleCall(),
      );
      expect(scripted.mock.calls.map(([request]) => request.method)).toEqual(['GET', 'POST', 'POST']);
    },
  );

  it('a refused certificate is not retried within the request, and reported as not sent', async () => {
    const client = clientWith(new ExchangeFailureError('connection', false, 'CERT_HAS_EXPIRED'), ok);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect(error).toMatchObject({
      kind: 'connection',
      permanent: true,
      mayHaveReachedServer: false,
      message: "SignalWire's TLS certificate was refused (CERT_HAS_EXPIRED)",
    });
    expect(scripted).toHaveBeenCalledTimes(1);
  });

  it('a failure without a code is described as unknown, not as an empty code', async () => {
    const unnamed = new ExchangeFailureError('connection', false, undefined);
    const client = clientWith(unnamed, unnamed, unnamed);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'connection',
      mayHaveReachedServer: false,
      message: 'connection to SignalWire failed (unknown)',
    });
  });

  it('a failure the transport does not describe is read as the least safe case: a redirect may have arrived', async () => {
    const client = clientWith(ok);
    await client.getCall(CALL_SID);
    scripted.mockRejectedValueOnce(new TypeError('something else broke'));

    const error = await client
      .updateCall(CALL_SID, { Url: 'https://example.com/next.xml' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
    expect(error).toMatchObject({
      kind: 'connection',
      cause: { mayHaveReachedServer: true, message: 'connection to SignalWire failed (unknown)' },
    });
    expect(scripted).toHaveBeenCalledTimes(2);
  });
});
