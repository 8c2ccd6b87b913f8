import { describe, expect, it } from 'vitest';
import { CallingClient } from '#commons/calling/client';
import { RedirectOutcomeUnknownError, SignalWireError } from '#commons/errors';
import { CALL_SID, sampleCall } from '../support/fixtures.ts';
import { useScriptedClient } from '../support/scripted-client.ts';
import type { Script } from '../support/scripted-server.ts';

// Both clients read SignalWire's answers the same way (signalwire/outcomes.ts): a byte order mark before the JSON
// is ignored, and a 2xx body that is not JSON is a 502 saying what the answer claimed to be.

const { clientFor } = useScriptedClient();

const NATIVE_ID = '5a1e0c8e-3b7f-4c2d-9e1a-0f2b3c4d5e6f';
const nativeCall = {
  id: NATIVE_ID,
  status: 'ended',
  created_at: '2026-12-07T10:00:00Z',
  from: '+14155550100',
  to: '+14155550123',
  direction: 'outbound-api',
  charge: 0,
  duration: 12,
  parent_id: null,
};
const withBom = (body: unknown): Script => ({ status: 200, body: `\ufeff${JSON.stringify(body)}` });
const html: Script = {
  status: 200,
  body: '<html><body>Welcome to the hotel network</body></html>',
  headers: { 'content-type': 'text/html; charset=utf-8' },
};

const nativeFor = async (script: Script[]) => {
  const { client } = await clientFor(script, { staleAfterMs: 60_000 });
  return new CallingClient(client);
};

describe('SignalWire answers: a byte order mark before the JSON', () => {
  it('is ignored by the Compatibility client: the call is read', async () => {
    const { client } = await clientFor([withBom(sampleCall())]);

    await expect(client.getCall(CALL_SID)).resolves.toMatchObject({ sid: CALL_SID });
  });

  it('is ignored by the native client: the ended call is read, not reported as a failure', async () => {
    const client = await nativeFor([withBom(nativeCall)]);

    await expect(client.endCall(NATIVE_ID, 'hangup')).resolves.toMatchObject({
      id: NATIVE_ID,
      status: 'ended',
    });
  });

  it("is ignored before an error body, whose message is SignalWire's", async () => {
    const { client } = await clientFor([
      { status: 404, body: `\ufeff${JSON.stringify({ code: 20404, message: 'The call was not found' })}` },
    ]);

    await expect(client.getCall(CALL_SID)).rejects.toMatchObject({
      status: 404,
      message: 'The call was not found',
    });
  });
});

describe('SignalWire answers: a 2xx body that is not JSON', () => {
  it('is a 502 naming the content type it claimed, from the Compatibility client', async () => {
    const { client } = await clientFor([html]);

    const error = await client.getCall(CALL_SID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({
      status: 502,
      message: 'SignalWire answered 200 with a body that is not JSON (it is text/html)',
    });
  });

  it('is the same 502 from the native client', async () => {
    const client = await nativeFor([html]);

    const error = await client.getVoiceLog(NATIVE_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SignalWireError);
    expect(error).toMatchObject({
      status: 502,
      message: 'SignalWire answered 200 with a body that is not JSON (it is text/html)',
    });
  });

  it('leaves a redirect’s outcome unknown in both clients, as any unusable 2xx does', async () => {
    // Each client first proves its idle socket with a read (answered), then sends the redirect (answered HTML).
    const compatibility = (await clientFor([{ status: 200, body: sampleCall() }, html])).client;
    const native = await nativeFor([{ status: 200, body: nativeCall }, html]);

    const errors = await Promise.all([
      compatibility.updateCall(CALL_SID, { Url: 'https://example.com/next.xml' }).catch((e: unknown) => e),
      native.updateCall(NATIVE_ID, { url: 'https://example.com/next.swml' }).catch((e: unknown) => e),
    ]);

    for (const error of errors) {
      expect(error).toBeInstanceOf(RedirectOutcomeUnknownError);
      expect((error as RedirectOutcomeUnknownError).cause).toMatchObject({
        status: 502,
        message: 'SignalWire answered 200 with a body that is not JSON (it is text/html)',
      });
    }
  });

  it.each([
    ['an empty content type', { 'content-type': '' }, 'is not JSON'],
    ['a JSON content type', { 'content-type': 'application/json' }, 'is not JSON'],
    ['a +json content type', { 'content-type': 'application/problem+json' }, 'is not JSON'],
    ['a content type that is no media type', { 'content-type': 'text/<b>html</b>' }, 'is not JSON'],
    [
      'a media type name longer than RFC 6838 allows',
      { 'content-type': `text/${'x'.repeat(8000)}` },
      'is not JSON',
    ],
  ])('with %s says so, and echoes nothing else from the header', async (_what, headers, why) => {
    const client = await nativeFor([{ status: 200, body: 'OK', headers }]);

    await expect(client.getVoiceLog(NATIVE_ID)).rejects.toMatchObject({
      status: 502,
      message: `SignalWire answered 200 with a body that ${why}`,
    });
  });
});
