import { normalizeProvider } from '@smithy/core/client';
import { escapeUri, HttpRequest } from '@smithy/core/protocols';
import { hasOwn, isArrayBuffer, toHex, toUint8Array } from '@smithy/core/serde';
import type {
  AwsCredentialIdentity,
  ChecksumConstructor,
  HeaderBag,
  HttpRequest as IHttpRequest,
  Provider,
  RequestSigningArguments,
  SigningArguments,
} from '@smithy/types';

/**
 * Stands in for `@smithy/signature-v4` in the Lambda bundles (the esbuild alias of infra/runtime.ts), whose only
 * export the AWS SDK takes is `SignatureV4`: the SigV4 signature of a request in its `authorization` header,
 * which is how every call of the functions is signed. This is that class's request and string signing
 * (@smithy/signature-v4 5.7, Apache-2.0), the same canonical request, scope, signing key (cached per day, region,
 * service and credentials, 50 at most) and headers. Left out: presigned URLs and the signing of event-stream
 * messages (with the event headers' binary format), which no operation the functions send uses; asked for
 * either, it throws rather than sign differently. test/unit/aws-sigv4.test.ts holds it to the SDK's signer over
 * generated requests, and test/infra/call-control-function.test.ts checks a bundle's signature with the SDK's.
 */

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE_HEADER = 'x-amz-date';
const TOKEN_HEADER = 'x-amz-security-token';
const SHA256_HEADER = 'x-amz-content-sha256';
const SIGNATURE_QUERY = 'x-amz-signature';
/** What the functions never do, said once for both (infra/runtime.ts BUNDLE_ALIAS replaced the SDK's signer). */
const NOT_BUNDLED = ' not bundled with the functions (infra/runtime.ts)';
/** Headers the signer replaces: a signature, and the dates it computes from `signingDate`. */
const GENERATED_HEADERS = ['authorization', AMZ_DATE_HEADER, 'date'];
/** Headers a proxy or client may change in flight, so never signed unless the caller says so. */
const ALWAYS_UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MAX_CACHED_KEYS = 50;

const signingKeys = new Map<string, Uint8Array>();

const hmac = (Hash: ChecksumConstructor, secret: string | Uint8Array, data: string): Promise<Uint8Array> => {
  const hash = new Hash(secret);
  hash.update(toUint8Array(data));
  return hash.digest();
};

/** The request's signed path: dot segments resolved, each segment escaped twice (once for the URL). */
const canonicalPath = (path: string, uriEscapePath: boolean): string => {
  if (!uriEscapePath) return path;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
};

const canonicalQuery = (query: IHttpRequest['query'] = {}): string => {
  const keys: string[] = [];
  const serialized: Record<string, string> = {};
  for (const key in query) {
    if (!hasOwn(query, key) || key.toLowerCase() === SIGNATURE_QUERY) continue;
    const encodedKey = escapeUri(key);
    keys.push(encodedKey);
    const value = query[key];
    if (typeof value === 'string') serialized[encodedKey] = `${encodedKey}=${escapeUri(value)}`;
    else if (Array.isArray(value)) {
      serialized[encodedKey] = value
        .map((item) => `${encodedKey}=${escapeUri(item)}`)
        .sort()
        .join('&');
    }
  }
  return keys
    .sort()
    .map((key) => serialized[key])
    .filter((entry) => entry)
    .join('&');
};

const canonicalHeaders = (
  headers: HeaderBag,
  unsignable?: Set<string>,
  signable?: Set<string>,
): Map<string, string> => {
  const canonical = new Map<string, string>();
  for (const name of Object.keys(headers).sort()) {
    const value = headers[name];
    if (value == null) continue;
    const lower = name.toLowerCase();
    const unsigned =
      ALWAYS_UNSIGNABLE.has(lower) ||
      unsignable?.has(lower) ||
      lower.startsWith('proxy-') ||
      lower.startsWith('sec-');
    if (unsigned && !signable?.has(lower)) continue;
    canonical.set(
      lower,
      value
        .replace(/[\r\n]/g, ' ')
        .replace(/[ \t]+/g, ' ')
        .replace(/^ | $/g, ''),
    );
  }
  return canonical;
};

const payloadHash = async ({ headers, body }: IHttpRequest, Hash: ChecksumConstructor): Promise<string> => {
  for (const name in headers) {
    if (hasOwn(headers, name) && name.toLowerCase() === SHA256_HEADER) return headers[name] as string;
  }
  if (body == null) return EMPTY_SHA256;
  if (typeof body === 'string' || ArrayBuffer.isView(body) || isArrayBuffer(body)) {
    const hash = new Hash();
    hash.update(toUint8Array(body as string | Uint8Array));
    return toHex(await hash.digest());
  }
  return 'UNSIGNED-PAYLOAD';
};

const dates = (signingDate: SigningArguments['signingDate']) => {
  const date =
    typeof signingDate === 'number'
      ? new Date(signingDate * 1000)
      : typeof signingDate === 'string'
        ? new Date(Number(signingDate) ? Number(signingDate) * 1000 : signingDate)
        : (signingDate ?? new Date());
  const longDate = date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return { longDate, shortDate: longDate.slice(0, 8) };
};

interface SignatureV4Init {
  applyChecksum?: boolean;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  region: string | Provider<string>;
  service: string;
  sha256: ChecksumConstructor;
  uriEscapePath?: boolean;
}

/**
 * Where `@smithy/signature-v4a`, when a bundle loads it, registers its SigV4a signer for
 * `@aws-sdk/signature-v4-multi-region` (EventBridge global endpoints): as in the original, empty until then.
 */
export const signatureV4aContainer: { SignatureV4a: unknown } = { SignatureV4a: null };

/** The AWS SDK's SigV4 request signer, as the functions use it (see the module comment). */
export class SignatureV4 {
  private readonly service: string;
  private readonly sha256: ChecksumConstructor;
  private readonly uriEscapePath: boolean;
  private readonly applyChecksum: boolean;
  private readonly regionProvider: Provider<string>;
  // Not read-only: @aws-sdk/signature-v4-multi-region's subclass swaps it for one signature.
  private credentialProvider: Provider<AwsCredentialIdentity>;

  constructor({
    applyChecksum,
    credentials,
    region,
    service,
    sha256,
    uriEscapePath = true,
  }: SignatureV4Init) {
    this.service = service;
    this.sha256 = sha256;
    this.uriEscapePath = uriEscapePath;
    this.applyChecksum = typeof applyChecksum === 'boolean' ? applyChecksum : true;
    this.regionProvider = normalizeProvider(region);
    this.credentialProvider = normalizeProvider(credentials);
  }

  /** Signs a request (or a string, as the original does); event-stream messages are not supported here. */
  sign(toSign: string, options?: SigningArguments): Promise<string>;
  sign(toSign: IHttpRequest, options?: RequestSigningArguments): Promise<IHttpRequest>;
  async sign(
    toSign: string | IHttpRequest,
    options?: RequestSigningArguments,
  ): Promise<string | IHttpRequest> {
    if (typeof toSign === 'string') return this.signString(toSign, options);
    const shape = toSign as unknown as { headers?: unknown; payload?: unknown; message?: unknown };
    if ((shape.headers && shape.payload) || shape.message) {
      throw new Error(`event-stream signing is${NOT_BUNDLED}`);
    }
    return this.signRequest(toSign, options);
  }

  presign(): Promise<IHttpRequest> {
    return Promise.reject(new Error(`presigned URLs are${NOT_BUNDLED}`));
  }

  async signString(
    stringToSign: string,
    { signingDate, signingRegion, signingService }: SigningArguments = {},
  ): Promise<string> {
    const credentials = await this.credentials();
    const region = signingRegion ?? (await this.regionProvider());
    const { shortDate } = dates(signingDate);
    return this.hmacHex(await this.signingKey(credentials, region, shortDate, signingService), stringToSign);
  }

  async signRequest(
    requestToSign: IHttpRequest,
    {
      signingDate,
      signableHeaders,
      unsignableHeaders,
      signingRegion,
      signingService,
    }: RequestSigningArguments = {},
  ): Promise<IHttpRequest> {
    const credentials = await this.credentials();
    const region = signingRegion ?? (await this.regionProvider());
    const request = HttpRequest.clone(requestToSign);
    for (const name in request.headers) {
      if (hasOwn(request.headers, name) && GENERATED_HEADERS.includes(name.toLowerCase()))
        delete request.headers[name];
    }
    const { longDate, shortDate } = dates(signingDate);
    const scope = `${shortDate}/${region}/${signingService ?? this.service}/aws4_request`;
    request.headers[AMZ_DATE_HEADER] = longDate;
    if (credentials.sessionToken) request.headers[TOKEN_HEADER] = credentials.sessionToken;
    const hash = await payloadHash(request, this.sha256);
    const hasSha256Header = Object.keys(request.headers).some((name) => name.toLowerCase() === SHA256_HEADER);
    if (!hasSha256Header && this.applyChecksum) request.headers[SHA256_HEADER] = hash;
    const headers = canonicalHeaders(request.headers, unsignableHeaders, signableHeaders);
    const names = [...headers.keys()].sort();
    const canonicalRequest = [
      request.method,
      canonicalPath(request.path, this.uriEscapePath),
      canonicalQuery(request.query),
      names.map((name) => `${name}:${headers.get(name)}`).join('\n'),
      '',
      names.join(';'),
      hash,
    ].join('\n');
    const digest = new this.sha256();
    digest.update(toUint8Array(canonicalRequest));
    const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${toHex(await digest.digest())}`;
    const key = await this.signingKey(credentials, region, shortDate, signingService);
    request.headers.authorization =
      `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${names.join(';')}, Signature=${await this.hmacHex(key, stringToSign)}`;
    return request;
  }

  private async credentials(): Promise<AwsCredentialIdentity> {
    const credentials = await this.credentialProvider();
    if (
      typeof credentials !== 'object' ||
      typeof credentials.accessKeyId !== 'string' ||
      typeof credentials.secretAccessKey !== 'string'
    ) {
      throw new Error('Resolved credential object is not valid');
    }
    return credentials;
  }

  private async hmacHex(key: Uint8Array, data: string): Promise<string> {
    return toHex(await hmac(this.sha256, key, data));
  }

  /** The day's signing key, derived in four HMACs and kept for the next requests of the same day. */
  private async signingKey(
    credentials: AwsCredentialIdentity,
    region: string,
    shortDate: string,
    service = this.service,
  ): Promise<Uint8Array> {
    const credentialsHash = toHex(
      await hmac(this.sha256, credentials.secretAccessKey, credentials.accessKeyId),
    );
    const cacheKey = `${shortDate}:${region}:${service}:${credentialsHash}:${credentials.sessionToken}`;
    const cached = signingKeys.get(cacheKey);
    if (cached) return cached;
    let key: string | Uint8Array = `AWS4${credentials.secretAccessKey}`;
    for (const part of [shortDate, region, service, 'aws4_request']) key = await hmac(this.sha256, key, part);
    signingKeys.set(cacheKey, key as Uint8Array);
    // The oldest key goes first, as in the original's queue.
    for (const oldest of signingKeys.keys()) {
      if (signingKeys.size <= MAX_CACHED_KEYS) break;
      signingKeys.delete(oldest);
    }
    return key as Uint8Array;
  }
}
