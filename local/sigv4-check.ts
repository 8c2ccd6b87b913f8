import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Credentials the local API Gateway accepts signatures from (it prints them at start). */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What API Gateway answers when it refuses a SigV4 request, with its messages. */
export interface SignatureRefusal {
  status: 403;
  message: string;
}

/** The credential scope a signature must be made for: API Gateway's own region and `execute-api`. */
export interface SigningScope {
  region: string;
  /** @default 'execute-api' */
  service?: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
  'Access Key and signing method. Consult the service documentation for details.';
/** API Gateway refuses a signature dated more than five minutes away from its clock. */
const MAX_SKEW_MS = 5 * 60_000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 escaping as SigV4 wants it: everything but unreserved characters. */
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Query keys and values are escaped once, from their decoded form. */
const escapeQuery = (value: string): string => {
  try {
    return rfc3986(decodeURIComponent(value));
  } catch {
    return rfc3986(value);
  }
};

const parseAmzDate = (value: string): Date | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d, h, mi, s));
};

/** `20261206T210000Z`, the form of `x-amz-date`. */
const amzDateOf = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * Checks a SigV4 `Authorization` header the way API Gateway does for IAM routes: a known access key, a
 * credential scope of this gateway's region and service and of the request's own date, a date within five
 * minutes, and the signature recomputed from the specification (canonical request over the headers it names,
 * the path, the query and the hash of the body as received; written here independently of the SDK's signer,
 * so the CLI's signing is checked by a second implementation). An `x-amz-content-sha256` header never stands
 * in for the body's hash: one that differs from it (`UNSIGNED-PAYLOAD` included) is refused. Returns the
 * refusal, or undefined when the signature holds.
 */
export const checkSignature = async (
  request: SignedRequest,
  authorization: string,
  credentials: LocalCredentials,
  gateway: SigningScope,
  now = new Date(),
): Promise<SignatureRefusal | undefined> => {
  const parts = AUTHORIZATION.exec(authorization.trim());
  if (!parts)
    return { status: 403, message: 'Authorization header requires a valid SigV4 credential scope.' };
  const [, accessKeyId, date, region, service, signedHeaders, signature] = parts as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) {
    return { status: 403, message: 'The security token included in the request is invalid.' };
  }
  // API Gateway's own messages for a signature made for another service, region or day.
  const expectedService = gateway.service ?? 'execute-api';
  if (service !== expectedService) {
    return { status: 403, message: `Credential should be scoped to correct service: '${expectedService}'.` };
  }
  if (region !== gateway.region) {
    return { status: 403, message: `Credential should be scoped to a valid region, not '${region}'.` };
  }
  const amzDate = request.headers['x-amz-date'];
  const signingDate = typeof amzDate === 'string' ? parseAmzDate(amzDate) : undefined;
  if (!signingDate) return { status: 403, message: MISMATCH };
  if (amzDate?.slice(0, 8) !== date) {
    return {
      status: 403,
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate?.slice(0, 8)}'.`,
    };
  }
  // API Gateway's own wording, which names both dates: the CLI reads it to tell a wrong clock from wrong keys.
  if (now.getTime() - signingDate.getTime() > MAX_SKEW_MS) {
    return {
      status: 403,
      message: `Signature expired: ${amzDate} is now earlier than ${amzDateOf(now.getTime() - MAX_SKEW_MS)} (${amzDateOf(now.getTime())} - 5 min.)`,
    };
  }
  if (signingDate.getTime() - now.getTime() > MAX_SKEW_MS) {
    return {
      status: 403,
      message: `Signature not yet current: ${amzDate} is still later than ${amzDateOf(now.getTime() + MAX_SKEW_MS)} (${amzDateOf(now.getTime())} + 5 min.)`,
    };
  }

  const names = signedHeaders!.split(';');
  const canonicalHeaders: string[] = [];
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) return { status: 403, message: MISMATCH };
    const joined = Array.isArray(value) ? value.join(',') : value;
    canonicalHeaders.push(`${name}:${joined.trim().replace(/\s+/g, ' ')}\n`);
  }
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  // Every service but S3 escapes the path as sent once more (so `%20` becomes `%2520`).
  const canonicalUri = rawPath.split('/').map(rfc3986).join('/') || '/';
  const canonicalQuery = [...new URLSearchParams(queryAt < 0 ? '' : request.url.slice(queryAt + 1))]
    .map(([key, value]) => [escapeQuery(key), escapeQuery(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  // The body as received decides the hash; a header claiming another one is a body swapped after signing.
  const payloadHash = sha256Hex(request.body);
  const payloadHeader = request.headers['x-amz-content-sha256'];
  if (payloadHeader !== undefined && payloadHeader !== payloadHash) {
    return { status: 403, message: MISMATCH };
  }
  const canonicalRequest = [
    request.method,
    canonicalUri,
    canonicalQuery,
    canonicalHeaders.join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date!);
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  const matches =
    expected.length === signature!.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
  return matches ? undefined : { status: 403, message: MISMATCH };
};
