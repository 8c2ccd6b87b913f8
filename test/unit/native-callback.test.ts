import { describe, expect, it } from 'vitest';
import { RequestValidationError } from '#commons/errors';
import {
  computeJsonSignature,
  parseJsonBody,
  projectOf,
  toNativeCallStatusChanged,
  verifyJsonSignature,
} from '#commons/status-callbacks/native-callback';
import { cutCallbackText, MAX_CALLBACK_TEXT_CHARS } from '#commons/status-callbacks/status-callback';

/*
 * The vector, computed independently of this project's code with openssl, by the scheme SignalWire's SDKs
 * verify JSON webhooks with (lower-case hex of HMAC-SHA1 over the URL followed by the raw body):
 *
 *   printf '%s' "$URL$BODY" | openssl dgst -sha1 -hmac 'PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0'
 *   SHA1(stdin)= dd6b1b67bfa78554f22a93fc97ecac86754d0e84
 */
const KEY = 'PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0';
const URL = 'https://hooks.example.com/signalwire/webhooks/signalwire/status';
const BODY =
  '{"event_type":"calling.call.state","project_id":"7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d","params":{"call_id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","call_state":"answered"}}';
const VECTOR = 'dd6b1b67bfa78554f22a93fc97ecac86754d0e84';

describe('the JSON callback signature', () => {
  it('is the openssl vector', () => {
    expect(computeJsonSignature(KEY, URL, BODY)).toBe(VECTOR);
  });

  it('verifies the vector, with the URL as sent or with its default port', () => {
    expect(verifyJsonSignature({ signingKey: KEY, signature: VECTOR, url: URL, rawBody: BODY })).toBe(true);
    const withPort = URL.replace('.com/', '.com:443/');
    expect(verifyJsonSignature({ signingKey: KEY, signature: VECTOR, url: withPort, rawBody: BODY })).toBe(
      true,
    );
  });

  it('refuses a body changed by one byte, another key, another URL, or the base64 form-callback encoding', () => {
    const changed = BODY.replace('answered', 'answerex');
    expect(verifyJsonSignature({ signingKey: KEY, signature: VECTOR, url: URL, rawBody: changed })).toBe(
      false,
    );
    expect(verifyJsonSignature({ signingKey: `${KEY}x`, signature: VECTOR, url: URL, rawBody: BODY })).toBe(
      false,
    );
    expect(
      verifyJsonSignature({ signingKey: KEY, signature: VECTOR, url: `${URL}?x=1`, rawBody: BODY }),
    ).toBe(false);
    const base64 = Buffer.from(VECTOR, 'hex').toString('base64');
    expect(verifyJsonSignature({ signingKey: KEY, signature: base64, url: URL, rawBody: BODY })).toBe(false);
  });

  it('signs the raw body, not a re-serialised one: the same JSON with other spacing is another signature', () => {
    const spaced = JSON.stringify(JSON.parse(BODY), null, 1);
    expect(verifyJsonSignature({ signingKey: KEY, signature: VECTOR, url: URL, rawBody: spaced })).toBe(
      false,
    );
  });
});

describe('a native call state callback as "Call Status Changed"', () => {
  const at = new Date('2026-12-06T08:00:00.000Z');

  it('maps the CallState payload, with api calling and the state in the Compatibility words', () => {
    const body = parseJsonBody(
      JSON.stringify({
        event_type: 'calling.call.state',
        timestamp: 1_796_544_000.5,
        project_id: '7B1A3C2E-5D4F-4A6B-9C8D-0E1F2A3B4C5D',
        params: {
          call_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
          call_state: 'ended',
          direction: 'outbound',
          device: { type: 'phone', params: { from_number: '+14155550100', to_number: '+13105550142' } },
          parent: { call_id: '0f0e0d0c-0b0a-4909-8807-060504030201' },
        },
      }),
    );
    expect(projectOf(body)).toBe('7B1A3C2E-5D4F-4A6B-9C8D-0E1F2A3B4C5D');
    expect(toNativeCallStatusChanged(body, at)).toEqual({
      api: 'calling',
      accountSid: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d',
      callSid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      callStatus: 'ended',
      status: 'completed',
      sequenceNumber: null,
      timestamp: '2026-12-06T08:00:00.500Z',
      receivedAt: '2026-12-06T08:00:00.000Z',
      duration: null,
      direction: 'outbound',
      from: '+14155550100',
      to: '+13105550142',
      parentCallSid: '0f0e0d0c-0b0a-4909-8807-060504030201',
      answeredBy: null,
      sipResponseCode: null,
      callbackSource: 'calling.call.state',
    });
  });

  it.each([
    ['created', 'queued'],
    ['ringing', 'ringing'],
    ['answered', 'in-progress'],
    ['ending', 'in-progress'],
    ['ended', 'completed'],
    ['transferring', null],
  ])('reads call_state %s as status %s', (state, status) => {
    const body = {
      project_id: '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d',
      params: { call_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', call_state: state },
    };
    expect(toNativeCallStatusChanged(body, at)).toMatchObject({ callStatus: state, status, timestamp: null });
  });

  it('refuses a body without a well-formed project, call or state, naming each field', () => {
    const refusal = (() => {
      try {
        toNativeCallStatusChanged({ project_id: 'x', params: { call_state: 'Answered!' } }, at);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(RequestValidationError);
    expect((refusal as RequestValidationError).violations.map((v) => v.field)).toEqual([
      'project_id',
      'params.call_id',
      'params.call_state',
    ]);
    expect(() => toNativeCallStatusChanged(parseJsonBody('[1]'), at)).toThrow(RequestValidationError);
    expect(parseJsonBody('not json')).toBeUndefined();
  });
});

describe('cutCallbackText', () => {
  it('keeps text up to the limit, and cuts longer text without leaving half a surrogate pair', () => {
    const short = 'a'.repeat(MAX_CALLBACK_TEXT_CHARS);
    expect(cutCallbackText(short)).toBe(short);
    expect(cutCallbackText(`${'a'.repeat(MAX_CALLBACK_TEXT_CHARS)}b`)).toBe(short);
    // 255 units, then an emoji (two units) straddling the limit: the emoji goes whole, not half.
    const straddling = `${'a'.repeat(MAX_CALLBACK_TEXT_CHARS - 1)}😀tail`;
    const cut = cutCallbackText(straddling);
    expect(cut).toBe('a'.repeat(MAX_CALLBACK_TEXT_CHARS - 1));
    expect(cut.isWellFormed()).toBe(true);
    // An emoji ending exactly at the limit is kept.
    const ending = `${'a'.repeat(MAX_CALLBACK_TEXT_CHARS - 2)}😀tail`;
    expect(cutCallbackText(ending)).toBe(`${'a'.repeat(MAX_CALLBACK_TEXT_CHARS - 2)}😀`);
  });
});
