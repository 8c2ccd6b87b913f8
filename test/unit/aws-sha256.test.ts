import { Sha256 as SdkSha256, Sha256Js } from '@smithy/core/checksum';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '#commons/platform/aws-sha256';

/**
 * functions/commons/platform/aws-sha256.ts stands in for `@smithy/core/checksum` in the bundles (infra/runtime.ts
 * BUNDLE_ALIAS). Here it digests as the SDK's own `Sha256` (its `node:crypto` class) and as its JavaScript
 * fallback, as a hash and as an HMAC, over text and bytes, in one piece or several.
 */

const SEED = 20_261_206;

type Data = string | NodeJS.ArrayBufferView;
type Key = Data | ArrayBuffer;

/** Text, bytes, and a view into the middle of a larger buffer. */
const data: fc.Arbitrary<Data> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 300 }),
  fc
    .uint8Array({ minLength: 8, maxLength: 80 })
    .map((bytes) => new DataView(bytes.buffer, 3, bytes.length - 5)),
);
/** A key may also be a bare ArrayBuffer. */
const key: fc.Arbitrary<Key> = fc.oneof(
  data,
  fc.uint8Array({ maxLength: 80 }).map((bytes) => bytes.buffer),
);

type Constructor = new (secret?: Key) => { update(data: Data): void; digest(): Promise<Uint8Array> };

const digestOf = async (Hash: Constructor, secret: Key | undefined, chunks: readonly Data[]) => {
  const hash = new Hash(secret);
  for (const chunk of chunks) hash.update(chunk);
  return Buffer.from(await hash.digest()).toString('hex');
};

describe('the SHA-256 of the bundles', () => {
  it('digests as the SDK does: a hash or an HMAC, of text or bytes, in one piece or several', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(key, { nil: undefined }),
        fc.array(data, { maxLength: 4 }),
        async (secret, chunks) => {
          const mine = await digestOf(Sha256, secret, chunks);
          expect(mine).toBe(await digestOf(SdkSha256 as Constructor, secret, chunks));
          expect(mine).toBe(await digestOf(Sha256Js as Constructor, secret, chunks));
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('digests a known vector: the empty string, and an HMAC of RFC 4231 test case 2', async () => {
    expect(await digestOf(Sha256, undefined, [''])).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(await digestOf(Sha256, 'Jefe', ['what do ya want ', 'for nothing?'])).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('goes on hashing after a digest, refuses more data after an HMAC digest, and starts over on reset', async () => {
    const hash = new Sha256();
    hash.update('call');
    await hash.digest();
    hash.update('-control');
    expect(Buffer.from(await hash.digest()).toString('hex')).toBe(
      await digestOf(Sha256, undefined, ['call-control']),
    );

    const hmac = new Sha256('key');
    hmac.update('call');
    await hmac.digest();
    expect(() => hmac.update('more')).toThrow('Attempted to update an already finished hash.');
    hmac.reset();
    hmac.update('call');
    expect(Buffer.from(await hmac.digest()).toString('hex')).toBe(await digestOf(Sha256, 'key', ['call']));
  });
});
