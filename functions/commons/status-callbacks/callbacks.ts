import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { RequestValidationError } from '../errors.ts';
import type { CallStatusChangedDetail } from '../events/contracts.ts';
import { queryUtf8Violations } from '../http/utf8-input.ts';
import {
  parseJsonBody,
  projectOf,
  toNativeCallStatusChanged,
  verifyJsonSignature,
} from './native-callback.ts';
import { callbackParamsOf, type FormParams, verifySignature } from './signature.ts';
import { toCallStatusChanged } from './status-callback.ts';

/** One status callback as the webhook reads it, whichever kind of call sent it. */
export interface ReceivedCallback {
  /** The project the callback names: it chooses the key that must have signed it, nothing more. */
  accountSid: string | undefined;
  /** Whether `signature` is this callback's signature with `signingKey`, by its kind's scheme. */
  verify(signingKey: string, signature: string): boolean;
  /** What the signature covers, to recognise a replay (the URL is added by the caller). */
  signed: FormParams;
  /** The "Call Status Changed" detail (throws a validation error naming the field when it cannot be read). */
  detail(receivedAt: Date): CallStatusChangedDetail;
}

/** A JSON body: the status callback of a native call. */
export const isJsonCallback = (event: APIGatewayProxyEventV2): boolean =>
  event.requestContext.http.method === 'POST' &&
  /^application\/json\s*(?:;|$)/i.test(event.headers['content-type'] ?? '');

/**
 * Each callback's body as it arrived, before `requestGuard` reads past a leading byte order mark: SignalWire signs
 * the bytes it sends, so the signature is checked over these, a byte order mark included, and the body is then
 * read as every route reads it. Keyed by the event, so nothing outlives the request.
 */
const receivedBodies = new WeakMap<APIGatewayProxyEventV2, string>();

/** Keeps the body as received, for {@link readCallback}; must run before `requestGuard`. */
export const keepReceivedBody = (): MiddlewareObj<APIGatewayProxyEventV2> => ({
  before: ({ event }) => {
    if (typeof event.body === 'string') receivedBodies.set(event, event.body);
  },
});

const textOf = (body: string | undefined, isBase64Encoded: boolean): string =>
  isBase64Encoded ? Buffer.from(body ?? '', 'base64').toString('utf8') : (body ?? '');

/**
 * Reads a status callback: a form (or query string) of a Compatibility call, signed over the sorted parameters;
 * or a JSON body of a native call, signed over the raw body (`native-callback.ts` cites the scheme's sources).
 * Either signature is checked over the body as received ({@link keepReceivedBody}); what is published is read
 * from the body past a byte order mark. A GET callback's query, its parameters, must be UTF-8 as a form body must.
 * @throws RequestValidationError naming a query parameter that is not UTF-8
 */
export const readCallback = (event: APIGatewayProxyEventV2, url: string): ReceivedCallback => {
  const received = receivedBodies.get(event) ?? event.body;
  if (isJsonCallback(event)) {
    const rawBody = textOf(received, event.isBase64Encoded);
    const body = parseJsonBody(textOf(event.body, event.isBase64Encoded));
    return {
      accountSid: projectOf(body),
      verify: (signingKey, signature) => verifyJsonSignature({ signingKey, signature, url, rawBody }),
      signed: [['', rawBody]],
      detail: (receivedAt) => toNativeCallStatusChanged(body, receivedAt),
    };
  }
  if (event.requestContext.http.method === 'GET') {
    const notUtf8 = queryUtf8Violations(event.rawQueryString ?? '');
    if (notUtf8.length > 0) throw new RequestValidationError(notUtf8);
  }
  const params = callbackParamsOf(event, received);
  return {
    accountSid: params.values.find(([name]) => name === 'AccountSid')?.[1],
    verify: (signingKey, signature) => verifySignature({ signingKey, signature, url, params: params.signed }),
    signed: params.signed,
    detail: (receivedAt) => toCallStatusChanged(params.values, receivedAt),
  };
};
