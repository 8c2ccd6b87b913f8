import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * SignalWire's webhook signature (Twilio-compatible): base64 of HMAC-SHA1, keyed with the project's Signing
 * Key, over the full URL SignalWire requested followed by every POST parameter as name + value, names
 * sorted, no separators. Only form-encoded bodies are covered; the JSON-body variant (`bodySHA256` in the
 * query string) is not used by status callbacks.
 */

/** Form parameters in the order they were sent; a name may repeat. */
export type FormParams = ReadonlyArray<readonly [name: string, value: string]>;

/** The header names SignalWire signs with, lower-cased as API Gateway delivers them. */
export const SIGNATURE_HEADERS = ['x-signalwire-signature', 'x-twilio-signature'] as const;

/** The signature a request carries: `X-SignalWire-Signature`, else its `X-Twilio-Signature` alias. */
export const signatureOf = (headers: Readonly<Record<string, string | undefined>>): string | undefined => {
  for (const name of SIGNATURE_HEADERS) {
    const value = headers[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
};

/** Parses an `application/x-www-form-urlencoded` body; API Gateway hands form bodies over base64-encoded. */
export const parseFormBody = (body: string | undefined, isBase64Encoded: boolean): FormParams => {
  if (!body) return [];
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  return [...new URLSearchParams(text)];
};

/**
 * What a status callback carries (`values`) and which parameters its signature covers (`signed`). A POST
 * callback's form parameters are both: the signed ones read from the body as received (`receivedBody`, a byte
 * order mark included, which then begins the first name), the values from `event.body`, past it. A GET callback
 * (`StatusCallbackMethod=GET`) carries its parameters in the query string, which is already part of the signed
 * URL, so no parameters are appended (as Twilio's algorithm does for GET).
 */
export const callbackParamsOf = (
  event: APIGatewayProxyEventV2,
  receivedBody: string | undefined = event.body,
): { values: FormParams; signed: FormParams } => {
  if (event.requestContext.http.method === 'GET') {
    return { values: [...new URLSearchParams(event.rawQueryString)], signed: [] };
  }
  const values = parseFormBody(event.body, event.isBase64Encoded);
  const signed = receivedBody === event.body ? values : parseFormBody(receivedBody, event.isBase64Encoded);
  return { values, signed };
};

/**
 * The text that is signed. Names are sorted as JavaScript sorts strings (UTF-16 code units), as SignalWire's
 * own SDK does; the values of a repeated name follow each other in the order sent.
 */
export const signedText = (url: string, params: FormParams): string => {
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) {
    const values = byName.get(name);
    if (values) values.push(value);
    else byName.set(name, [value]);
  }
  let text = url;
  for (const name of [...byName.keys()].sort()) {
    // Stryker disable next-line ArrayDeclaration: every name listed is in the map, so the fallback never runs
    for (const value of byName.get(name) ?? []) text += name + value;
  }
  return text;
};

/** The signature SignalWire would send for this URL and these parameters. */
export const computeSignature = (signingKey: string, url: string, params: FormParams): string =>
  // A string is hashed as UTF-8.
  createHmac('sha1', signingKey).update(signedText(url, params)).digest('base64');

// The last group takes the rest of the text, newlines included (`s`), so it needs no `$`.
const AUTHORITY = /^(https?:)\/\/([^/?#]*)(.*)/is;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * The URL without a port and with the scheme's default port (`:443`, `:80`) when it had none; a URL with a
 * port keeps it in the second form. Signers disagree on whether the default port is part of the URL, so
 * SignalWire's validator accepts either; so does this one. Works on the text, so the path and query keep
 * exactly the encoding they arrived with.
 */
export const urlVariants = (url: string): string[] => {
  const match = AUTHORITY.exec(url);
  if (!match) return [url];
  // Stryker disable next-line StringLiteral: the three groups always match, so the defaults never apply
  const [, scheme = '', authority = '', rest = ''] = match;
  const portAt = authority.lastIndexOf(':');
  const hasPort = portAt > authority.lastIndexOf(']') && /^\d*$/.test(authority.slice(portAt + 1));
  const host = hasPort ? authority.slice(0, portAt) : authority;
  const withPort = hasPort ? authority : `${host}:${DEFAULT_PORTS[scheme.toLowerCase()]}`;
  return [...new Set([`${scheme}//${host}${rest}`, `${scheme}//${withPort}${rest}`])];
};

// A string is hashed as UTF-8.
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Whether `signature` is SignalWire's signature of the request. Every URL variant is checked, each with
 * `timingSafeEqual` over SHA-256 digests of the two strings, so the time taken depends neither on where the
 * strings differ nor on the length of what the caller sent.
 */
export const verifySignature = (input: {
  signingKey: string;
  signature: string | undefined;
  url: string;
  params: FormParams;
}): boolean => {
  if (!input.signature) return false;
  const given = digest(input.signature);
  let valid = false;
  for (const url of urlVariants(input.url)) {
    const expected = digest(computeSignature(input.signingKey, url, input.params));
    // Non-short-circuiting: every variant is computed and compared whatever the outcome of the others.
    valid = timingSafeEqual(given, expected) || valid;
  }
  return valid;
};

/** Where the public URL of a webhook comes from. */
export interface PublicUrlOptions {
  /**
   * Origin (and base path) SignalWire is configured with, e.g. `https://hooks.example.com/signalwire`; the
   * route path is appended. For a custom domain, whose API mapping API Gateway leaves out of `rawPath`.
   */
  publicBaseUrl?: string | undefined;
  /** The route's own path, appended to `publicBaseUrl`. */
  routePath: string;
}

/**
 * The URL SignalWire requested, rebuilt from an API Gateway HTTP API (payload 2.0) event: scheme from
 * `X-Forwarded-Proto` (API Gateway sets it; https otherwise), host from `requestContext.domainName`, then
 * `rawPath` (which on an HTTP API already starts with the stage name for a stage other than `$default`) and
 * `rawQueryString` as received. With `publicBaseUrl`, that base replaces scheme, host and any stage or
 * mapping prefix.
 */
export const publicUrlOf = (event: APIGatewayProxyEventV2, options: PublicUrlOptions): string => {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  if (options.publicBaseUrl)
    return `${options.publicBaseUrl.replace(/\/+$/, '')}${options.routePath}${query}`;
  // Stryker disable next-line OptionalChaining: split always returns at least one element
  const forwarded = event.headers['x-forwarded-proto']?.split(',', 1)[0]?.trim().toLowerCase();
  const scheme = forwarded === 'http' ? 'http' : 'https';
  // Stryker disable next-line StringLiteral: API Gateway always sets domainName; the fallback only satisfies the type
  const host = event.requestContext.domainName || event.headers.host || '';
  return `${scheme}://${host}${event.rawPath}${query}`;
};
