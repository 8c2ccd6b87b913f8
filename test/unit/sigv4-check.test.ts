import { describe, expect, it } from 'vitest';
import { checkSignature } from '#local/sigv4-check';

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

describe('checkSignature (the local API Gateway’s SigV4 check)', () => {
  it('accepts the signature of AWS’s own test vector', async () => {
    expect(await checkSignature(request, authorization(GOOD), credentials, at)).toBeUndefined();
  });

  it('refuses a signature off by one digit, or a request changed after signing', async () => {
    const wrong = `${GOOD.slice(0, -1)}0`;
    expect(await checkSignature(request, authorization(wrong), credentials, at)).toMatchObject({
      status: 403,
    });
    const changed = { ...request, url: '/?extra=1' };
    expect(await checkSignature(changed, authorization(GOOD), credentials, at)).toMatchObject({
      status: 403,
      message: expect.stringContaining('signature we calculated does not match'),
    });
  });

  it('refuses an unknown access key and a date more than five minutes away', async () => {
    expect(
      await checkSignature(request, authorization(GOOD), { ...credentials, accessKeyId: 'AKIDOTHER' }, at),
    ).toMatchObject({ status: 403, message: 'The security token included in the request is invalid.' });
    const later = new Date(at.getTime() + 6 * 60_000);
    expect(await checkSignature(request, authorization(GOOD), credentials, later)).toMatchObject({
      status: 403,
      message: expect.stringContaining('Signature expired'),
    });
  });
});
