import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

/**
 * Stands in for `@smithy/core/checksum` in the Lambda bundles (the esbuild alias of infra/runtime.ts), whose only
 * export the AWS SDK clients take from there is `Sha256`: the hash and HMAC that sign every request. On Node.js,
 * that module's `Sha256` is its `Sha256Node`, `node:crypto`'s SHA-256, unless `node:crypto` has no SHA-256 (a
 * Node.js built without OpenSSL, which Lambda's is not); only then does it fall back to `Sha256Js`, a hash written
 * in JavaScript, which every function carried and never ran. (The module's other exports, MD5, CRC32, the
 * WebCrypto and blob hashers, serve S3 and browsers.) This is `Sha256Node`'s `node:crypto` class (@smithy/core
 * 3.41, Apache-2.0), the same digests: test/unit/aws-sha256.test.ts holds it to the SDK's own, and
 * test/infra/call-control-function.test.ts checks a bundle's request signature against the SDK's signer.
 */
export class Sha256 implements Checksum {
  readonly digestLength = 32;
  private readonly secret: SourceData | undefined;
  private hash: Hash | Hmac;
  private finished = false;

  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.createHash();
  }

  update(data: string | NodeJS.ArrayBufferView): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    // An HMAC digests once; a hash digests a copy, so that it can go on taking data.
    let digest: Buffer;
    if (this.secret) {
      this.finished = true;
      digest = this.hash.digest();
    } else {
      digest = (this.hash as Hash).copy().digest();
    }
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }

  reset(): void {
    this.hash = this.createHash();
    this.finished = false;
  }

  private createHash(): Hash | Hmac {
    return this.secret ? createHmac('sha256', toBinary(this.secret)) : createHash('sha256');
  }
}

/** A key as `node:crypto` takes it: text as it is (UTF-8), bytes as a Buffer over the same memory. */
const toBinary = (data: SourceData): string | Buffer => {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
};
