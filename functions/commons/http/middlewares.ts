import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { isTypeValid, parse as parseContentType } from 'content-type';
import {
  describeError,
  type ErrorDescription,
  type FieldViolation,
  publicError,
  RequestRejectedError,
  RequestValidationError,
} from '../errors.ts';
import { requireCanonicalAccountSidInPath } from '../signalwire/sids.ts';
import {
  fieldLabel,
  fromMiddyValidation,
  keyNameViolation,
  keyViolations,
  type ViolationContext,
} from '../validation/violations.ts';
import { requireUtf8Body, utf8Violations } from './utf8-input.ts';

type HttpMiddleware = MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context
>;

/** The media types the body parsers read: JSON, any `+json` structured syntax, and HTML forms. */
const FORM_TYPE = 'application/x-www-form-urlencoded';
const isJsonType = (type: string): boolean =>
  type === 'application/json' || /^application\/[^/]+\+json$/.test(type);
const MAX_MEDIA_TYPE_ECHO = 100;
/** A header's value as a refusal quotes it: as a JSON string, cut to {@link MAX_MEDIA_TYPE_ECHO} characters. */
const echo = (value: string): string => JSON.stringify(value.slice(0, MAX_MEDIA_TYPE_ECHO));
const unsupportedMediaType = (message: string) =>
  new RequestRejectedError(415, 'UNSUPPORTED_MEDIA_TYPE', message);
/** Charsets whose bytes UTF-8 decoding reads as sent (ASCII is a subset of UTF-8). */
const UTF8_COMPATIBLE = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * The body's bytes as the caller sent them. API Gateway base64-encodes non-text bodies (forms among them):
 * the decoded length is computed exactly, padding included, so a body at the cap is not counted over it.
 */
export const decodedBodyBytes = (body: string, isBase64Encoded: boolean): number =>
  Buffer.byteLength(body, isBase64Encoded ? 'base64' : 'utf8');

/**
 * Rejects, before any parsing, a body that is too large or of a type neither body parser reads, so the
 * caller is told that instead of a confusing schema error. Bodies are small: a full update is well under 8 KiB.
 *
 * The media type is parsed as RFC 9110 writes it (`content-type`: case-insensitive type and subtype,
 * parameters after optional whitespace and `;`), and the header is then rewritten to the bare lower-case type
 * (`application/json`), so the body parsers, which match the header with their own stricter patterns, read
 * every body this guard lets through. Both parsers read UTF-8, so a body declared in another charset is refused.
 */
export const requestGuard = (options: { maxBodyBytes: number }): HttpMiddleware => ({
  before: ({ event }) => {
    const body: unknown = event.body;
    if (body === undefined || body === '') return;
    // API Gateway always hands the body over as text; a direct invoke may put anything there.
    if (typeof body !== 'string') {
      throw new RequestValidationError([
        { field: 'body', rule: 'type', message: 'body must be text, as API Gateway sends it' },
      ]);
    }
    if (decodedBodyBytes(body, event.isBase64Encoded === true) > options.maxBodyBytes) {
      throw new RequestRejectedError(
        413,
        'PAYLOAD_TOO_LARGE',
        `the body must be at most ${options.maxBodyBytes} bytes`,
      );
    }
    // A direct invoke may leave the headers out; API Gateway always sends them.
    event.headers ??= {};
    const headers = event.headers;
    // API Gateway passes a compressed body on as it came (base64): the parsers would read the compressed bytes.
    const encoding = headerText(headers, 'content-encoding')?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      throw unsupportedMediaType(
        `content-encoding ${echo(encoding)} is not supported: send the body uncompressed`,
      );
    }
    const header = headerText(headers, 'content-type') ?? '';
    const { type, parameters } = parseContentType(header);
    if (!isTypeValid(type) || (!isJsonType(type) && type !== FORM_TYPE)) {
      const shown = header.trim() === '' ? 'a body without a media type' : `media type ${echo(header)}`;
      throw unsupportedMediaType(
        `${shown} is not supported: send the body as application/json (or a +json type) or application/x-www-form-urlencoded`,
      );
    }
    const charset = parameters.charset?.toLowerCase();
    // Both parsers decode UTF-8: any other declared charset would apply a mis-decoded Url or value. The media
    // type parser skips a malformed parameter and keeps the first of two, so a charset it did not read (or read
    // once of several) is refused too: what the sender meant is unknown.
    const declared = header.match(/;\s*charset\s*(?:=|;|$)/gi)?.length ?? 0;
    if (
      (charset !== undefined && !UTF8_COMPATIBLE.has(charset)) ||
      declared > (charset === undefined ? 0 : 1)
    ) {
      throw unsupportedMediaType(
        charset === undefined || declared > 1
          ? `the charset of media type ${echo(header)} is malformed or repeated: send charset=utf-8 once, or no charset`
          : `charset ${echo(charset)} is not supported: send the body as UTF-8 (charset=utf-8, or no charset)`,
      );
    }
    headers['content-type'] = type;
    // A UTF-8 byte order mark (`77u/` in base64: three bytes) says nothing; RFC 8259 lets a JSON parser ignore it,
    // which JSON.parse does not, and a form's first name would begin with it.
    const bom = event.isBase64Encoded ? '77u/' : '\ufeff';
    const sent = body.startsWith(bom) ? body.slice(bom.length) : body;
    event.body = sent;
    requireUtf8Body(sent, event.isBase64Encoded === true, type === FORM_TYPE);
    if (isJsonType(type)) {
      const text = event.isBase64Encoded ? Buffer.from(sent, 'base64').toString('utf8') : sent;
      const duplicate = duplicateJsonKey(text);
      if (duplicate !== undefined) {
        const field = fieldLabel(duplicate);
        throw new RequestValidationError([
          { field, rule: 'duplicate', message: `${field} is given more than once in the JSON body` },
        ]);
      }
    }
  },
});

/** A header's value: API Gateway sends text, a direct invoke may send anything else, refused naming the header. */
const headerText = (headers: Record<string, unknown>, name: string): string | undefined => {
  const value = headers[name];
  if (value === undefined || typeof value === 'string') return value;
  const field = `headers.${name}`;
  throw new RequestValidationError([
    { field, rule: 'type', message: `${field} must be text, as API Gateway sends it` },
  ]);
};

/**
 * The first key that one JSON object names twice, at any depth; undefined when there is none or the text is
 * not JSON (the body parser refuses that). `JSON.parse` keeps the last of two values silently.
 */
export const duplicateJsonKey = (text: string): string | undefined => {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  // A stack of the keys seen per open object (null for an array); valid JSON, so strings are terminated.
  const open: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      if (keys && expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      expectKey = false;
      i = end;
    } else if (char === '{') {
      open.push(new Set());
      expectKey = true;
    } else if (char === '[') {
      open.push(null);
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      expectKey = open.at(-1) instanceof Set;
    }
  }
  return undefined;
};

/**
 * Refuses what no schema can see once a parser has run: a query parameter given twice (API Gateway joins
 * the values with commas, so the function would read one made-up value), and reserved (`__proto__`,
 * `constructor`, `prototype`) or empty field names in the query or the body. Runs after the body parsers,
 * before any route's own middleware.
 */
export const inputShape = (): HttpMiddleware => ({
  before: ({ event }) => {
    // Most requests (every change) have no query string: nothing to parse.
    const violations = event.rawQueryString ? repeatedParameters(event.rawQueryString) : [];
    violations.push(
      ...utf8Violations(event),
      ...keyViolations(event.queryStringParameters),
      ...keyViolations(event.body),
    );
    if (violations.length > 0) throw new RequestValidationError(violations);
  },
});

/** A violation for each parameter a query string gives more than once. */
const repeatedParameters = (rawQueryString: string): FieldViolation[] => {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [name] of new URLSearchParams(rawQueryString)) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated].map((name) => {
    const field = fieldLabel(name);
    return { field, rule: 'type', message: `${field} must be a single string (it is given more than once)` };
  });
};

/**
 * Accepts alternative spellings of field names (camelCase for SignalWire's PascalCase, or the reverse) by
 * renaming them before validation. Naming one field twice, in both spellings, is refused.
 */
export const renameFields = (
  container: 'body' | 'queryStringParameters',
  aliases: Readonly<Record<string, string>>,
): HttpMiddleware => ({
  before: ({ event }) => {
    const source = (event as unknown as Record<string, unknown>)[container];
    if (typeof source !== 'object' || source === null || Array.isArray(source)) return;
    const renamed: Array<[string, unknown]> = [];
    const spelledAs = new Map<string, string>();
    const violations: FieldViolation[] = [];
    for (const [key, value] of Object.entries(source)) {
      const name = Object.hasOwn(aliases, key) ? (aliases[key] as string) : key;
      const earlier = spelledAs.get(name);
      if (earlier !== undefined) {
        violations.push({
          field: name,
          rule: 'duplicate',
          message: `${name} is given twice (as ${earlier} and ${key})`,
        });
        continue;
      }
      spelledAs.set(name, key);
      renamed.push([name, value]);
    }
    if (violations.length > 0) throw new RequestValidationError(violations);
    // fromEntries defines every name as an own field: an assignment would turn `__proto__` into a prototype.
    (event as unknown as Record<string, unknown>)[container] = Object.fromEntries(renamed);
  },
});

/**
 * API Gateway always invokes with an event object; a direct invoke may send `null`, a string or an array. Refused
 * naming `event` before any middleware reads a field of it (the error handler then sees an empty event).
 */
export const eventObject: HttpMiddleware = {
  before: (request) => {
    const event: unknown = request.event;
    if (typeof event === 'object' && event !== null && !Array.isArray(event)) return;
    request.event = {} as APIGatewayProxyEventV2;
    throw new RequestValidationError([
      {
        field: 'event',
        rule: 'type',
        message: 'event must be an API Gateway HTTP API (payload 2.0) event object',
      },
    ]);
  },
};

/**
 * Header names in lower case, as `@middy/http-header-normalizer` makes them with its defaults, in `headers` and
 * `multiValueHeaders`: of two names that differ only in case, the later one's value. API Gateway's HTTP API
 * (payload 2.0) sends every name in lower case already: such headers are kept as they came instead of copied name by
 * name into a new object (about 8 k instructions of every warm invocation); only names in another case (a direct
 * invoke) are copied. So the headers may inherit `Object.prototype`: read them only by fixed lower-case names,
 * never with `in` or by a name taken from input.
 */
export const lowerCaseHeaders: HttpMiddleware = {
  before: ({ event }) => {
    if (event.headers) event.headers = lowerCased(event.headers);
    const multi = event as { multiValueHeaders?: Record<string, string[] | undefined> };
    if (multi.multiValueHeaders) multi.multiValueHeaders = lowerCased(multi.multiValueHeaders);
  },
};

/** The headers themselves when every name is in lower case, else a copy with lower-case names (the later wins). */
const lowerCased = <T>(headers: Record<string, T>): Record<string, T> => {
  for (const name in headers) {
    if (name.toLowerCase() === name) continue;
    const copy: Record<string, T> = Object.create(null);
    for (const key in headers) copy[key.toLowerCase()] = headers[key] as T;
    return copy;
  }
  return headers;
};

/**
 * API Gateway's request id as it may be logged and answered: text, cut to 256 characters, since a direct invoke
 * may write any value there (a megabyte on every line, an object of keys); undefined otherwise.
 */
export const apiRequestIdOf = (requestId: unknown): string | undefined =>
  typeof requestId === 'string' && requestId !== '' ? requestId.slice(0, 256) : undefined;

/** Adds API Gateway's request id ({@link apiRequestIdOf}) to every log line of the request (Powertools adds Lambda's own). */
export const requestLogKeys = (logger: Logger): HttpMiddleware => ({
  before: ({ event }) => {
    const apiRequestId = apiRequestIdOf(event.requestContext?.requestId);
    if (apiRequestId !== undefined) logger.appendKeys({ apiRequestId });
  },
});

/** Headers every JSON answer carries. */
export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** Errors middy's own middlewares raise (`@middy/util` createError): a status and a public message. */
const middyHttpError = (error: unknown): RequestRejectedError | RequestValidationError | undefined => {
  const status = (error as { statusCode?: unknown }).statusCode;
  const pkg = (error as { cause?: { package?: unknown } }).cause?.package;
  if (status === 422 && pkg === '@middy/http-json-body-parser') {
    // The parser refuses `__proto__` (and `constructor` holding a `prototype`) while parsing, naming the key.
    const key = (error as { cause?: { data?: unknown } }).cause?.data;
    const forbidden = /forbidden key/i.test((error as Error).message) && typeof key === 'string';
    const reserved = forbidden ? keyNameViolation(key) : undefined;
    if (reserved) return new RequestValidationError([reserved]);
    return new RequestValidationError([{ field: 'body', rule: 'json', message: 'body is not valid JSON' }]);
  }
  if (status === 404 && pkg === '@middy/http-router') {
    return new RequestRejectedError(404, 'ROUTE_NOT_FOUND', 'no such route');
  }
  if (status === 415) return unsupportedMediaType('unsupported content type');
  return undefined;
};

/**
 * The one place a described failure becomes an HTTP answer: `{ "error": { code, message, ... } }` with the
 * status `describeError` assigned, logged once (unexpected errors in full, others by code).
 */
export const failureResponse = (
  logger: Logger,
  described: ErrorDescription,
  cause: unknown,
  requestId: unknown,
): APIGatewayProxyStructuredResultV2 => {
  if (described.code === 'INTERNAL_ERROR') {
    logger.error('unexpected error', { error: cause as Error });
  } else {
    logger.info('request refused', { error: { code: described.code, message: described.message } });
  }
  const headers: Record<string, string> = {};
  if (described.retryAfterSeconds !== undefined) headers['retry-after'] = String(described.retryAfterSeconds);
  // As logged (apiRequestIdOf): a direct invoke's object or megabyte is not echoed in the answer.
  return jsonResponse(
    described.httpStatus,
    { error: { ...publicError(described), requestId: apiRequestIdOf(requestId) } },
    headers,
  );
};

/**
 * Answers every error thrown in the chain (refusals before the call service, reads and lists, the function
 * running out of time) through {@link failureResponse}. `describe` may describe it itself, for instance to
 * audit a refused action with the same description.
 * Written here rather than with `@middy/http-error-handler`, which answers a plain-text message and knows
 * neither SignalWire's error codes nor per-field violations.
 */
export const errorResponse = (options: {
  logger: Logger;
  /** How refusals are worded: one context, or the context of the request's route. */
  violations?: ViolationContext | ((event: APIGatewayProxyEventV2) => ViolationContext);
  /** Describes a refused request (and may audit it); by default `describeError`. */
  describe?: (
    event: APIGatewayProxyEventV2,
    error: unknown,
    context: Pick<Context, 'invokedFunctionArn'>,
  ) => ErrorDescription | undefined;
}): HttpMiddleware => ({
  onError: (request) => {
    const context =
      typeof options.violations === 'function' ? options.violations(request.event) : options.violations;
    const error =
      middyHttpError(request.error) ??
      fromMiddyValidation(request.error, { ...context, input: request.event });
    const described =
      options.describe?.(request.event, error, request.context) ??
      describeError(error, {
        redirect: typeof (request.event.body as unknown as { Url?: unknown } | undefined)?.Url === 'string',
        operation: request.event.requestContext?.http?.method === 'POST' ? 'update' : 'read',
      });
    request.response = failureResponse(
      options.logger,
      described,
      request.error,
      request.event.requestContext?.requestId,
    );
  },
});

/** An account SID in the path must be canonical and literal already, so path-scoped IAM policies hold. */
export const canonicalAccountSid: HttpMiddleware = {
  before: ({ event }) => requireCanonicalAccountSidInPath(event.pathParameters?.accountSid, event.rawPath),
};

/** An update or terminate without a body validates as an empty object, so the error names the fields. */
export const bodyDefault: HttpMiddleware = {
  before: ({ event }) => {
    if (event.body === undefined) (event as { body?: unknown }).body = {};
  },
};
