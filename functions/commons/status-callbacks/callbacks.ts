import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CallStatusChangedDetail } from '../events/contracts.ts';
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

const rawBodyOf = (event: APIGatewayProxyEventV2): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

/**
 * Reads a status callback: a form (or query string) of a Compatibility call, signed over the sorted parameters;
 * or a JSON body of a native call, signed over the raw body (`native-callback.ts` cites the scheme's sources).
 */
export const readCallback = (event: APIGatewayProxyEventV2, url: string): ReceivedCallback => {
  if (isJsonCallback(event)) {
    const rawBody = rawBodyOf(event);
    const body = parseJsonBody(rawBody);
    return {
      accountSid: projectOf(body),
      verify: (signingKey, signature) => verifyJsonSignature({ signingKey, signature, url, rawBody }),
      signed: [['', rawBody]],
      detail: (receivedAt) => toNativeCallStatusChanged(body, receivedAt),
    };
  }
  const params = callbackParamsOf(event);
  return {
    accountSid: params.values.find(([name]) => name === 'AccountSid')?.[1],
    verify: (signingKey, signature) => verifySignature({ signingKey, signature, url, params: params.signed }),
    signed: params.signed,
    detail: (receivedAt) => toCallStatusChanged(params.values, receivedAt),
  };
};
