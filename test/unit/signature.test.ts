import * as crypto from 'node:crypto';
import { RestClient } from '@signalwire/compatibility-api';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CredentialsStore } from '#commons/signalwire/credentials';
import {
  computeSignature,
  type FormParams,
  parseFormBody,
  publicUrlOf,
  signatureOf,
  urlVariants,
  verifySignature,
} from '#commons/status-callbacks/signature';
import { SigningKeys } from '#commons/status-callbacks/signing-keys';

// The comparison must go through timingSafeEqual: wrap it to watch what it is given.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

/*
 * Test vectors, computed independently of this project's code with Python's standard library:
 *
 *   python3 -c '
 *   import hmac, hashlib, base64
 *   def sign(url, params, key=b"PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0"):
 *       # names sorted (stable: a repeated name keeps its values in the order sent), name+value, no separators
 *       text = url + "".join(k + v for k, v in sorted(params, key=lambda kv: kv[0]))
 *       return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha1).digest()).decode()
 *   print(sign(URL, PARAMS))                              # V1
 *   print(sign(URL.replace(".com/", ".com:443/"), PARAMS)) # V2
 *   print(sign(CUSTOM_URL, UNICODE_PARAMS))                # V3
 *   print(sign(CUSTOM_URL, []))                            # V4
 *   '
 *
 * with URL, PARAMS, CUSTOM_URL and UNICODE_PARAMS as below. V1 and V4 were checked again with openssl:
 *
 *   printf '%s' 'https://abc123def4.execute-api.us-east-1.amazonaws.com/webhooks/signalwire/status?tenant=acme\
 *   AccountSid7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5dApiVersion2010-04-01CallSidb3877c40-da60-4998-90ad-b792e98472ca\
 *   CallStatusin-progressCallbackSourcecall-progress-eventsDirectionoutbound-apiFrom+14155550100SequenceNumber1\
 *   TimestampWed, 04 Mar 2026 10:00:03 +0000To+13105550142' \
 *     | openssl dgst -sha1 -hmac 'PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0' -binary | base64    # (one line)
 *   printf '%s' 'https://hooks.example.com/signalwire/webhooks/signalwire/status' \
 *     | openssl dgst -sha1 -hmac 'PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0' -binary | base64
 */
const KEY = 'PSK_test_0f8e7d6c5b4a39281706f5e4d3c2b1a0';
const URL_ = 'https://abc123def4.execute-api.us-east-1.amazonaws.com/webhooks/signalwire/status?tenant=acme';
const PARAMS: FormParams = [
  ['CallSid', 'b3877c40-da60-4998-90ad-b792e98472ca'],
  ['AccountSid', '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d'],
  ['CallStatus', 'in-progress'],
  ['From', '+14155550100'],
  ['To', '+13105550142'],
  ['Timestamp', 'Wed, 04 Mar 2026 10:00:03 +0000'],
  ['SequenceNumber', '1'],
  ['CallbackSource', 'call-progress-events'],
  ['ApiVersion', '2010-04-01'],
  ['Direction', 'outbound-api'],
];
const CUSTOM_URL = 'https://hooks.example.com/signalwire/webhooks/signalwire/status';
const UNICODE_PARAMS: FormParams = [
  ['CallSid', 'b3877c40-da60-4998-90ad-b792e98472ca'],
  ['AccountSid', '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d'],
  ['CallStatus', 'answered'],
  ['CallerName', 'Zoë Ångström'],
  ['Tag', 'b'],
  ['Tag', 'a'],
];
const V1 = '8YVnw/UN/6E9AVwiHNK4cDRVmD0=';
const V2 = '4DGgG3PApLA/z3JazFPI9vOaxBI=';
const V3 = 'YhnjgKQje0YHgG+F0T+Ms856q/k=';
const V4 = '9vxJvmurx4FhyYcSNWlPdIz7H9Q=';

const verify = (overrides: Partial<Parameters<typeof verifySignature>[0]> = {}): boolean =>
  verifySignature({ signingKey: KEY, signature: V1, url: URL_, params: PARAMS, ...overrides });

const replace = (params: FormParams, name: string, value: string): FormParams =>
  params.map(([key, old]) => [key, key === name ? value : old] as const);

/** The SDK's types resolve without its webhook helpers under this project's module resolution; they exist at run time. */
const { validateRequest } = RestClient as unknown as {
  validateRequest(
    signingKey: string,
    signature: string,
    url: string,
    params: Record<string, string | string[]>,
    suppressWarning: boolean,
  ): boolean;
};

/** SignalWire's own validator (its Node SDK), as a third opinion: params as a plain object, arrays for repeats. */
const sdkAccepts = (signature: string, url: string, params: FormParams, key = KEY): boolean => {
  const object: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const existing = object[name];
    object[name] = existing === undefined ? value : [existing, value].flat();
  }
  return validateRequest(key, signature, url, object, true);
};

describe('computeSignature', () => {
  it('matches vectors computed with Python and openssl', () => {
    expect(computeSignature(KEY, URL_, PARAMS)).toBe(V1);
    expect(computeSignature(KEY, URL_.replace('.com/', '.com:443/'), PARAMS)).toBe(V2);
    expect(computeSignature(KEY, CUSTOM_URL, UNICODE_PARAMS)).toBe(V3);
    expect(computeSignature(KEY, CUSTOM_URL, [])).toBe(V4);
  });
});

describe('verifySignature', () => {
  it('accepts a valid signature whatever order the parameters were sent in', () => {
    expect(verify()).toBe(true);
    expect(verify({ params: [...PARAMS].reverse() })).toBe(true);
    expect(verify({ url: CUSTOM_URL, params: UNICODE_PARAMS, signature: V3 })).toBe(true);
    expect(verify({ url: CUSTOM_URL, params: [], signature: V4 })).toBe(true);
  });

  it('accepts a URL signed with the default port when the request has none, and the reverse', () => {
    expect(verify({ signature: V2 })).toBe(true);
    expect(verify({ url: URL_.replace('.com/', '.com:443/'), signature: V1 })).toBe(true);
    const plain = 'http://hooks.example.com/status';
    expect(
      verify({
        url: plain,
        params: [],
        signature: computeSignature(KEY, 'http://hooks.example.com:80/status', []),
      }),
    ).toBe(true);
  });

  it('accepts an http URL with a port signed without it, as the local API Gateway is reached', () => {
    const signedWithout = computeSignature(KEY, 'http://127.0.0.1/webhooks/signalwire/status', PARAMS);

    expect(
      verify({ url: 'http://127.0.0.1:3000/webhooks/signalwire/status', signature: signedWithout }),
    ).toBe(true);
  });

  it('checks a URL it cannot split into scheme and host exactly as it is', () => {
    const url = 'urn:signalwire:status';
    const embedding = 'urn:x:https://hooks.example.com/status';

    expect(verify({ url, params: [], signature: computeSignature(KEY, url, []) })).toBe(true);
    expect(
      verify({
        url: embedding,
        params: [],
        signature: computeSignature(KEY, 'https://hooks.example.com/status', []),
      }),
    ).toBe(false);
  });

  it('accepts the default-port form of a host written as a number, which has no port to take off', () => {
    const url = 'http://2130706433/status';

    expect(
      verify({ url, params: [], signature: computeSignature(KEY, 'http://2130706433:80/status', []) }),
    ).toBe(true);
  });

  it.each<[string, Partial<Parameters<typeof verifySignature>[0]>]>([
    ['a tampered parameter', { params: replace(PARAMS, 'CallStatus', 'completed') }],
    ['an added parameter', { params: [...PARAMS, ['CallDuration', '5']] }],
    ['a removed parameter', { params: PARAMS.slice(1) }],
    [
      'the values of a repeated name in another order',
      { url: CUSTOM_URL, params: [...UNICODE_PARAMS.slice(0, 4), ['Tag', 'a'], ['Tag', 'b']], signature: V3 },
    ],
    ['another query string', { url: URL_.replace('tenant=acme', 'tenant=evil') }],
    ['no query string', { url: URL_.replace('?tenant=acme', '') }],
    [
      'a signature computed over the callback URL without its query',
      { signature: computeSignature(KEY, URL_.replace('?tenant=acme', ''), PARAMS) },
    ],
    [
      'a signature over a host cut at the colon of its user info, as if that were a port',
      {
        url: 'https://hooks:x@abc123def4.execute-api.us-east-1.amazonaws.com/status',
        params: [],
        signature: computeSignature(KEY, 'https://hooks/status', []),
      },
    ],
    ['another path', { url: URL_.replace('/status', '/status2') }],
    ['another host', { url: URL_.replace('abc123def4', 'abc123def5') }],
    ['http instead of https', { url: URL_.replace('https:', 'http:') }],
    ['a wrong key', { signingKey: `${KEY}x` }],
    ['the API token instead of the signing key', { signingKey: 'PT0123456789abcdef' }],
    ['no signature', { signature: undefined }],
    ['an empty signature', { signature: '' }],
    ['a truncated signature', { signature: V1.slice(0, -2) }],
    ['a signature in other case', { signature: V1.toLowerCase() }],
  ])('rejects %s', (_name, overrides) => {
    expect(verify(overrides)).toBe(false);
  });

  it("agrees with SignalWire's own SDK validator on valid and rejected requests", () => {
    const cases: Array<[string, string, FormParams]> = [
      [V1, URL_, PARAMS],
      [V2, URL_, PARAMS],
      [V1, URL_.replace('.com/', '.com:443/'), PARAMS],
      [V3, CUSTOM_URL, UNICODE_PARAMS],
      [V4, CUSTOM_URL, []],
      [V1, URL_, replace(PARAMS, 'To', '+13105550143')],
      [V1, URL_.replace('tenant=acme', 'tenant=evil'), PARAMS],
    ];

    for (const [signature, url, params] of cases) {
      expect(verifySignature({ signingKey: KEY, signature, url, params }), url).toBe(
        sdkAccepts(signature, url, params),
      );
    }
    expect(sdkAccepts(V1, URL_, PARAMS)).toBe(true);
  });

  describe('compares in constant time', () => {
    const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
    beforeEach(() => {
      timingSafeEqual.mockClear();
    });

    it.each([
      ['a valid signature', V1],
      ['a signature wrong in its first character', `A${V1.slice(1)}`],
      ['a signature wrong in its last character', `${V1.slice(0, -2)}A=`],
      ['a short signature', 'x'],
      ['a very long signature', V1.repeat(40)],
    ])(
      '%s: timingSafeEqual on equal-length buffers, once per URL variant, no early exit',
      (_name, signature) => {
        verify({ signature });

        expect(timingSafeEqual).toHaveBeenCalledTimes(urlVariants(URL_).length);
        for (const [given, expected] of timingSafeEqual.mock.calls) {
          expect((given as Buffer).length).toBe(32);
          expect((expected as Buffer).length).toBe(32);
        }
      },
    );
  });
});

describe('urlVariants', () => {
  it.each([
    ['https://h.example.com/p?q=1', ['https://h.example.com/p?q=1', 'https://h.example.com:443/p?q=1']],
    ['https://h.example.com:443/p', ['https://h.example.com/p', 'https://h.example.com:443/p']],
    ['http://127.0.0.1:3000/p', ['http://127.0.0.1/p', 'http://127.0.0.1:3000/p']],
    ['http://[::1]/p', ['http://[::1]/p', 'http://[::1]:80/p']],
    [
      'https://h.example.com/a%2Fb?x=%20y',
      ['https://h.example.com/a%2Fb?x=%20y', 'https://h.example.com:443/a%2Fb?x=%20y'],
    ],
  ])('%s -> without and with the port, encoding untouched', (url, variants) => {
    expect(urlVariants(url)).toEqual(variants);
  });
});

describe('signatureOf', () => {
  it('reads X-SignalWire-Signature, else X-Twilio-Signature', () => {
    expect(signatureOf({ 'x-signalwire-signature': 'a', 'x-twilio-signature': 'b' })).toBe('a');
    expect(signatureOf({ 'x-twilio-signature': 'b' })).toBe('b');
    expect(signatureOf({ 'x-signalwire-signature': '', 'x-twilio-signature': 'b' })).toBe('b');
    expect(signatureOf({})).toBeUndefined();
  });
});

describe('parseFormBody', () => {
  it('decodes a base64 form body as API Gateway delivers it, keeping order and repeats', () => {
    const form = 'From=%2B14155550100&CallerName=Zo%C3%AB+%C3%85ngstr%C3%B6m&Tag=b&Tag=a';

    expect(parseFormBody(Buffer.from(form).toString('base64'), true)).toEqual([
      ['From', '+14155550100'],
      ['CallerName', 'Zoë Ångström'],
      ['Tag', 'b'],
      ['Tag', 'a'],
    ]);
    expect(parseFormBody(form, false)).toEqual(parseFormBody(Buffer.from(form).toString('base64'), true));
    expect(parseFormBody(undefined, false)).toEqual([]);
    expect(parseFormBody(undefined, true)).toEqual([]);
    expect(parseFormBody('', true)).toEqual([]);
  });
});

describe('publicUrlOf', () => {
  const event = (overrides: {
    rawPath?: string;
    rawQueryString?: string;
    headers?: Record<string, string>;
    domainName?: string;
    stage?: string;
  }): APIGatewayProxyEventV2 =>
    ({
      rawPath: overrides.rawPath ?? '/webhooks/signalwire/status',
      rawQueryString: overrides.rawQueryString ?? '',
      headers: overrides.headers ?? { 'x-forwarded-proto': 'https' },
      requestContext: {
        domainName: overrides.domainName ?? 'abc123def4.execute-api.us-east-1.amazonaws.com',
        stage: overrides.stage ?? '$default',
      },
    }) as unknown as APIGatewayProxyEventV2;
  const route = { routePath: '/webhooks/signalwire/status' };

  it('is https, the API domain, the raw path and the raw query string', () => {
    expect(publicUrlOf(event({ rawQueryString: 'tenant=a%20b&x=1' }), route)).toBe(
      'https://abc123def4.execute-api.us-east-1.amazonaws.com/webhooks/signalwire/status?tenant=a%20b&x=1',
    );
    expect(publicUrlOf(event({ headers: {} }), route)).toMatch(/^https:\/\//);
  });

  it('keeps a named stage once: on an HTTP API it is already the start of rawPath', () => {
    const staged = event({ rawPath: '/prod/webhooks/signalwire/status', stage: 'prod' });

    expect(publicUrlOf(staged, route)).toBe(
      'https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/webhooks/signalwire/status',
    );
  });

  it('follows X-Forwarded-Proto (the local API Gateway serves http) and ignores other values', () => {
    expect(
      publicUrlOf(event({ headers: { 'x-forwarded-proto': 'http' }, domainName: '127.0.0.1:3000' }), route),
    ).toBe('http://127.0.0.1:3000/webhooks/signalwire/status');
    expect(publicUrlOf(event({ headers: { 'x-forwarded-proto': 'gopher' } }), route)).toMatch(/^https:/);
    expect(publicUrlOf(event({ headers: { 'x-forwarded-proto': ' HTTP , https' } }), route)).toMatch(
      /^http:/,
    );
  });

  it('uses PUBLIC_BASE_URL instead of the host and any stage or mapping, then the route path and query', () => {
    const staged = event({ rawPath: '/prod/webhooks/signalwire/status', rawQueryString: 'tenant=acme' });

    expect(publicUrlOf(staged, { ...route, publicBaseUrl: 'https://hooks.example.com/signalwire/' })).toBe(
      'https://hooks.example.com/signalwire/webhooks/signalwire/status?tenant=acme',
    );
    expect(publicUrlOf(staged, { ...route, publicBaseUrl: 'https://hooks.example.com/signalwire//' })).toBe(
      'https://hooks.example.com/signalwire/webhooks/signalwire/status?tenant=acme',
    );
  });
});

describe('SigningKeys', () => {
  const PROJECT = '7b1a3c2e-5d4f-4a6b-9c8d-0e1f2a3b4c5d';
  const secretWith = (signingKey: string) =>
    JSON.stringify({
      projectId: PROJECT,
      apiToken: 'PT-local',
      spaceUrl: 'example.signalwire.com',
      signingKey,
    });

  it('reads a rotated key afresh at most once per interval, so forged requests cannot force a read each', async () => {
    let stored = secretWith('PSK_old');
    let now = 0;
    const reads: boolean[] = [];
    const store = new CredentialsStore({
      read: async (refresh) => {
        reads.push(refresh);
        return stored;
      },
    });
    const keys = new SigningKeys(store, { minRefreshIntervalMs: 60_000, now: () => now });

    expect(await keys.current(PROJECT)).toBe('PSK_old');
    expect(await keys.rotated(PROJECT, 'PSK_old')).toBeUndefined();
    stored = secretWith('PSK_new');
    now = 59_999;
    const tooSoon = await keys.rotated(PROJECT, 'PSK_old');
    now = 60_000;
    const rotated = await keys.rotated(PROJECT, 'PSK_old');

    expect(tooSoon).toBeUndefined();
    expect(rotated).toBe('PSK_new');
    expect(reads).toEqual([false, true, true]);
  });
});
