import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  describeError,
  type FieldViolation,
  RequestRejectedError,
  RequestValidationError,
} from '../errors.ts';
import { fromMiddyValidation, type ViolationContext } from '../validation.ts';

type HttpMiddleware = MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context
>;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json(?:\s*;.*)?$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded(?:\s*;.*)?$/i;

/**
 * Rejects, before any parsing, a body that is too large or of a type neither body parser reads, so the
 * caller is told that instead of a confusing schema error. Bodies are small: a full update is well under 8 KiB.
 */
export const requestGuard = (options: { maxBodyBytes: number }): HttpMiddleware => ({
  before: ({ event }) => {
    const body = event.body;
    if (body === undefined || body === '') return;
    const bytes = event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
    if (bytes > options.maxBodyBytes) {
      throw new RequestRejectedError(
        413,
        'PAYLOAD_TOO_LARGE',
        `the body must be at most ${options.maxBodyBytes} bytes`,
      );
    }
    const contentType = event.headers['content-type'] ?? '';
    if (!JSON_TYPE.test(contentType) && !FORM_TYPE.test(contentType)) {
      throw new RequestRejectedError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'send the body as application/json or application/x-www-form-urlencoded',
      );
    }
  },
});

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
    const renamed: Record<string, unknown> = {};
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
      renamed[name] = value;
    }
    if (violations.length > 0) throw new RequestValidationError(violations);
    (event as unknown as Record<string, unknown>)[container] = renamed;
  },
});

/** Adds API Gateway's request id to every log line of the request (Powertools adds Lambda's own). */
export const requestLogKeys = (logger: Logger): HttpMiddleware => ({
  before: ({ event }) => {
    const requestId = event.requestContext?.requestId;
    if (requestId) logger.appendKeys({ apiRequestId: requestId });
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
    return new RequestValidationError([{ field: 'body', rule: 'json', message: 'body is not valid JSON' }]);
  }
  if (status === 404 && pkg === '@middy/http-router') {
    return new RequestRejectedError(404, 'ROUTE_NOT_FOUND', 'no such route');
  }
  if (status === 415) {
    return new RequestRejectedError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported content type');
  }
  return undefined;
};

/**
 * The one place an error becomes an HTTP answer: `{ "error": { code, message, ... } }` with the status
 * `describeError` assigns. Unexpected errors are logged in full and answered with a bare 500.
 * Written here rather than with `@middy/http-error-handler`, which answers a plain-text message and knows
 * neither SignalWire's error codes nor per-field violations.
 */
export const errorResponse = (options: {
  logger: Logger;
  violations?: ViolationContext;
  /** Told of every refused request before it is answered (the audit of refused actions). */
  onRefused?: (event: APIGatewayProxyEventV2, error: unknown) => void;
}): HttpMiddleware => ({
  onError: (request) => {
    const error = middyHttpError(request.error) ?? fromMiddyValidation(request.error, options.violations);
    const redirect =
      typeof (request.event.body as unknown as { Url?: unknown } | undefined)?.Url === 'string';
    const update = request.event.requestContext?.http?.method === 'POST';
    const described = describeError(error, { redirect, update });
    options.onRefused?.(request.event, error);
    if (described.code === 'INTERNAL_ERROR') {
      options.logger.error('unexpected error', { error: request.error as Error });
    } else {
      options.logger.info('request refused', { error: { code: described.code, message: described.message } });
    }
    const headers: Record<string, string> = {};
    if (described.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(described.retryAfterSeconds);
    request.response = jsonResponse(
      described.httpStatus,
      {
        error: {
          code: described.code,
          message: described.message,
          retryable: described.retryable,
          ...(described.violations ? { violations: described.violations } : {}),
          ...(described.signalwire ? { signalwire: described.signalwire } : {}),
          requestId: request.event.requestContext?.requestId,
        },
      },
      headers,
    );
  },
});
