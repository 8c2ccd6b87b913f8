import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What `@smithy/signature-v4` hands a hash. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/**
 * SHA-256 and HMAC-SHA-256 over node:crypto in the shape `@smithy/signature-v4` asks for (the SDK's own
 * `@smithy/hash-node`, without another dependency). Shared by the CLI's signer and the local API Gateway's
 * signature check.
 */
export class NodeSha256 {
  #hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.#hash = this.#fresh();
  }

  update(data: SourceData): void {
    this.#hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}
