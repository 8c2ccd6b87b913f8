import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { checkSignature } from '#local/sigv4-check';
import { NodeSha256 } from '../../cli/core/sha256.ts';

/** AWS's published SigV4 test suite, case "get-vanilla" (aws-sig-v4-test-suite). */
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const request = {
  method: 'GET',
  url: '/',
  headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
  body: Buffer.alloc(0),
};
const authorization = (signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`;
const at = new Date('2015-08-30T12:36:00Z');
const GOOD = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
/** The vector's scope: region us-east-1, service "service". */
const VECTOR_SCOPE = { region: 'us-east-1', service: 'service' };

describe('checkSignature (the local API Gateway’s SigV4 check)', () => {
  it('accepts the signature of AWS’s own test vector', async () => {
    expect(await checkSignature(request, authorization(GOOD), credentials, VECTOR_SCOPE, at)).toBeUndefined();
  });

  it('refuses a signature off by one digit, or a request changed after signing', async () => {
    const wrong = `${GOOD.slice(0, -1)}0`;
    expect(await checkSignature(request, authorization(wrong), credentials, VECTOR_SCOPE, at)).toMatchObject({
      status: 403,
    });
    const changed = { ...request, url: '/?extra=1' };
    expect(await checkSignature(changed, authorization(GOOD), credentials, VECTOR_SCOPE, at)).toMatchObject({
      status: 403,
      message: expect.stringContaining('signature we calculated does not match'),
    });
  });

  it('refuses an unknown access key and a date more than five minutes away', async () => {
    expect(
      await checkSignature(
        request,
        authorization(GOOD),
        { ...credentials, accessKeyId: 'AKIDOTHER' },
        VECTOR_SCOPE,
        at,
      ),
    ).toMatchObject({ status: 403, message: 'The security token included in the request is invalid.' });
    const later = new Date(at.getTime() + 6 * 60_000);
    expect(
      await checkSignature(request, authorization(GOOD), credentials, VECTOR_SCOPE, later),
    ).toMatchObject({
      status: 403,
      message: expect.stringMatching(
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
      ),
    });
    const earlier = new Date(at.getTime() - 6 * 60_000);
    expect(
      await checkSignature(request, authorization(GOOD), credentials, VECTOR_SCOPE, earlier),
    ).toMatchObject({
      status: 403,
      message: expect.stringMatching(
        /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/,
      ),
    });
  });

  describe('binds service, region and body hash as API Gateway does (issue 17, finding 10)', () => {
    const local = { accessKeyId: 'local', secretAccessKey: 'local' };
    const gateway = { region: 'eu-west-1' };
    /** A POST signed by the SDK's own signer, as the CLI signs it. */
    const signed = async (region: string, service: string, body: string) => {
      const signer = new SignatureV4({ credentials: local, region, service, sha256: NodeSha256 });
      const request = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 8080,
        path: '/calls/CA1/terminate',
        headers: { host: '127.0.0.1:8080', 'content-type': 'application/json' },
        body,
      });
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      return {
        authorization: headers.authorization ?? '',
        request: { method: 'POST', url: '/calls/CA1/terminate', headers, body: Buffer.from(body) },
      };
    };

    it('accepts a request signed for execute-api in the gateway’s region', async () => {
      const { request, authorization } = await signed(
        'eu-west-1',
        'execute-api',
        '{"Url":"https://a.example"}',
      );
      expect(await checkSignature(request, authorization, local, gateway)).toBeUndefined();
    });

    it('refuses a signature made for another service', async () => {
      const { request, authorization } = await signed('eu-west-1', 'lambda', '{}');
      expect(await checkSignature(request, authorization, local, gateway)).toEqual({
        status: 403,
        message: "Credential should be scoped to correct service: 'execute-api'.",
      });
    });

    it('refuses a signature made for another region', async () => {
      const { request, authorization } = await signed('us-east-1', 'execute-api', '{}');
      expect(await checkSignature(request, authorization, local, gateway)).toMatchObject({
        status: 403,
        message: expect.stringContaining('scoped to a valid region'),
      });
    });

    it('refuses a swapped body, whatever an unsigned x-amz-content-sha256 header says', async () => {
      const original = '{"Url":"https://a.example"}';
      const { request, authorization } = await signed('eu-west-1', 'execute-api', original);
      const swapped = Buffer.from('{"Url":"https://evil.example"}');
      const originalHash = createHash('sha256').update(original).digest('hex');

      for (const header of [undefined, originalHash, 'UNSIGNED-PAYLOAD']) {
        const headers = { ...request.headers, ...(header ? { 'x-amz-content-sha256': header } : {}) };
        expect(
          await checkSignature({ ...request, headers, body: swapped }, authorization, local, gateway),
        ).toMatchObject({
          status: 403,
          message: expect.stringContaining('signature we calculated does not match'),
        });
      }
      // The header cannot make an unchanged body fail either way but by disagreeing with it.
      expect(
        await checkSignature(
          { ...request, headers: { ...request.headers, 'x-amz-content-sha256': originalHash } },
          authorization,
          local,
          gateway,
        ),
      ).toBeUndefined();
    });
  });
});
