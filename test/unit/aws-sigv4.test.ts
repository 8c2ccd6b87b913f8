import { Readable } from 'node:stream';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 as SdkSignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest as IHttpRequest, QueryParameterBag } from '@smithy/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignatureV4 } from '#commons/platform/aws-sigv4';

/**
 * functions/commons/platform/aws-sigv4.ts stands in for `@smithy/signature-v4` in the bundles (infra/runtime.ts
 * BUNDLE_ALIAS). Here both sign the same generated requests, and every header and query parameter of the
 * signed requests, the signature included, must be the same.
 */

const SEED = 20_261_206;

const token = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/);
const text = fc.string({ unit: 'binary', maxLength: 24 });

const headerName = fc.oneof(
  token,
  fc.constantFrom(
    'Host',
    'user-agent',
    'X-Amzn-Trace-Id',
    'Proxy-Authorization',
    'sec-fetch-mode',
    'Expect',
    'Authorization',
    'X-Amz-Date',
    'date',
    'X-Amz-Target',
    'content-type',
    'X-Amz-Content-Sha256',
  ),
);
/** Values with runs of spaces, tabs and line breaks, which the canonical form folds. */
const headerValue = fc.oneof(
  fc.stringMatching(/^[ \t]*[A-Za-z0-9=;.,/ \t]{0,20}[\r\n]?[A-Za-z0-9 ]{0,6}[ \t]*$/),
  fc.constant('application/x-amz-json-1.1'),
);
const query: fc.Arbitrary<QueryParameterBag> = fc.dictionary(
  fc.oneof(text, fc.constant('X-Amz-Signature')),
  fc.oneof(text, fc.array(text, { maxLength: 3 })),
  { maxKeys: 4 },
);
const path = fc.oneof(
  fc.constant('/'),
  fc
    .array(fc.oneof(text, fc.constantFrom('.', '..', '', 'a b', 'é')), { maxLength: 5 })
    .chain((segments) => fc.boolean().map((trailing) => `/${segments.join('/')}${trailing ? '/' : ''}`)),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }),
  fc.uint8Array({ maxLength: 20 }).map((bytes) => bytes.buffer),
  fc.constant('stream'),
);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path,
  query,
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
  body,
});

const credentials = fc.record(
  {
    accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
    secretAccessKey: fc.string({ minLength: 1, maxLength: 40 }),
    sessionToken: fc.string({ minLength: 1, maxLength: 40 }),
  },
  { requiredKeys: ['accessKeyId', 'secretAccessKey'] },
);

const options = fc.record(
  {
    signingDate: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
    signingRegion: fc.constantFrom('us-east-1', 'eu-west-1', 'us-gov-west-1'),
    signingService: fc.constantFrom('secretsmanager', 'events', 'dynamodb'),
    unsignableHeaders: fc.constantFrom(new Set(['content-type']), new Set<string>()),
    signableHeaders: fc.constantFrom(new Set(['user-agent']), new Set<string>()),
  },
  { requiredKeys: ['signingDate'] },
);

const construction = fc.record({
  region: fc.constantFrom('us-east-1', 'ap-southeast-2'),
  service: fc.constantFrom('secretsmanager', 'logs'),
  uriEscapePath: fc.boolean(),
  applyChecksum: fc.option(fc.boolean(), { nil: undefined }),
});

type RequestShape = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** A request as the SDK would hand it over (a stream body is made anew for each signer). */
const httpRequest = (shape: RequestShape): IHttpRequest =>
  new HttpRequest({
    protocol: 'https:',
    hostname: 'secretsmanager.us-east-1.amazonaws.com',
    method: shape.method,
    path: shape.path,
    query: shape.query,
    headers: { ...shape.headers },
    body: shape.body === 'stream' ? Readable.from(['streamed']) : shape.body,
  });

const signedParts = (signed: IHttpRequest) => ({
  method: signed.method,
  path: signed.path,
  headers: signed.headers,
  query: signed.query,
});

describe('the SigV4 signer of the bundles', () => {
  it('signs every request as the SDK does: headers, date, session token, payload hash and signature', async () => {
    await fc.assert(
      fc.asyncProperty(request, credentials, options, construction, async (shape, creds, signing, init) => {
        const config = { ...init, credentials: creds, sha256: Sha256 };
        const original = httpRequest(shape);

        const mine = await new SignatureV4(config).sign(original, signing);
        const sdk = await new SdkSignatureV4(config).sign(httpRequest(shape), signing);

        expect(signedParts(mine)).toEqual(signedParts(sdk));
        expect(mine.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
        // The request given is left as it was (the signer signs a copy), as the SDK's signer leaves it.
        expect(mine).not.toBe(original);
        expect(signedParts(original)).toEqual(signedParts(httpRequest(shape)));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('signs strings as the SDK does, with the credentials and region from providers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), credentials, options, async (stringToSign, creds, { signingDate }) => {
        const config = {
          region: async () => 'us-east-1',
          service: 'secretsmanager',
          credentials: async () => creds,
          sha256: Sha256,
        };

        const mine = await new SignatureV4(config).sign(stringToSign, { signingDate });
        const sdk = await new SdkSignatureV4(config).sign(stringToSign, { signingDate });

        expect(mine).toBe(sdk);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('matches the SDK on a known request (a Secrets Manager read) and on dates given as epoch seconds', async () => {
    const config = {
      region: 'us-east-1',
      service: 'secretsmanager',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      sha256: Sha256,
    };
    const read = () =>
      new HttpRequest({
        method: 'POST',
        hostname: 'secretsmanager.us-east-1.amazonaws.com',
        path: '/',
        headers: {
          host: 'secretsmanager.us-east-1.amazonaws.com',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue',
        },
        body: '{"SecretId":"prod/signalwire"}',
      });

    for (const signingDate of [new Date('2026-12-06T12:00:00Z'), 1_796_558_400, '1796558400'] as const) {
      const mine = await new SignatureV4(config).sign(read(), { signingDate: signingDate as Date });
      const sdk = await new SdkSignatureV4(config).sign(read(), { signingDate: signingDate as Date });
      expect(mine.headers).toEqual(sdk.headers);
    }
  });

  it('refuses credentials without keys, as the SDK does', async () => {
    const config = {
      region: 'us-east-1',
      service: 'secretsmanager',
      credentials: async () => ({ accessKeyId: 'AKID' }) as never,
      sha256: Sha256,
    };

    await expect(new SignatureV4(config).sign(new HttpRequest({}))).rejects.toThrow(
      'Resolved credential object is not valid',
    );
    await expect(new SdkSignatureV4(config).sign(new HttpRequest({}))).rejects.toThrow(
      'Resolved credential object is not valid',
    );
  });

  it('refuses presigning and event-stream signing, which the bundles leave out, instead of signing differently', async () => {
    const signer = new SignatureV4({
      region: 'us-east-1',
      service: 'logs',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      sha256: Sha256,
    });
    const message = { message: { headers: {}, body: new Uint8Array() }, priorSignature: '' };

    await expect(signer.presign()).rejects.toThrow(/presigned URLs are not bundled/);
    await expect(signer.sign(message as never)).rejects.toThrow(/event-stream signing is not bundled/);
  });
});
