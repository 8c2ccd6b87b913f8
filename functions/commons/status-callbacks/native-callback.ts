import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { STATUS_OF_NATIVE } from '../calling/vocabulary.ts';
import { type FieldViolation, RequestValidationError } from '../errors.ts';
import type { CallStatusChangedDetail } from '../events/contracts.ts';
import { canonicalSid, isSid } from '../signalwire/sids.ts';
import { urlVariants } from './signature.ts';
import { cutCallbackText, rfc3339Time } from './status-callback.ts';

/**
 * Status callbacks of native calls (`status_url` of the Calling API's `dial`/`update`, `call_state_url` of SWML
 * `connect`): a JSON body, signed in `X-SignalWire-Signature` with the project's Signing Key as the lower-case
 * hex of HMAC-SHA1 over the URL SignalWire requested followed by the raw body, byte for byte.
 *
 * That scheme is SignalWire's own, as its published SDKs verify JSON (RELAY/SWML) webhooks:
 * - signalwire/signalwire-typescript `src/WebhookValidator.ts` at commit
 *   3fc95bfea438480866c004e07af95145b7708c31 ("Scheme A (RELAY/SWML/JSON): hex(HMAC-SHA1(key, url + rawBody))");
 * - signalwire/signalwire-ruby `lib/signalwire/webhook/validate_request.rb` at commit
 *   166f861565d1011775fdc868aa8bf5afb1548aa2 (`payload = url + raw_body`, `OpenSSL::HMAC.hexdigest(sha1, …)`);
 * - SignalWire's Python SDK reference, "validate_webhook_signature" (signalwire.com/docs/server-sdks/reference/
 *   python/core/security/validate-webhook-signature): the raw, unparsed body, the full URL.
 * The body's fields are those of SignalWire's `CallState` payload (realtime SDK reference, "CallState":
 * `event_type` `calling.call.state`, `timestamp`, `project_id`, `params.call_id`, `params.call_state` one of
 * created, ringing, answered, ending, ended, `params.device`, `params.parent`).
 */

/** The signature SignalWire sends for a JSON callback to `url` with this raw body. */
export const computeJsonSignature = (signingKey: string, url: string, rawBody: string): string =>
  createHmac('sha1', signingKey)
    .update(url + rawBody)
    .digest('hex');

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Whether `signature` is SignalWire's signature of this JSON callback: every URL variant (with and without the
 * default port, as for form callbacks) compared in constant time over SHA-256 digests.
 */
export const verifyJsonSignature = (input: {
  signingKey: string;
  signature: string;
  url: string;
  rawBody: string;
}): boolean => {
  const given = digest(input.signature);
  let valid = false;
  for (const url of urlVariants(input.url)) {
    const expected = digest(computeJsonSignature(input.signingKey, url, input.rawBody));
    valid = timingSafeEqual(given, expected) || valid;
  }
  return valid;
};

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** The body as JSON, or undefined when it is not (a signed body that is not JSON is refused later, by name). */
export const parseJsonBody = (rawBody: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** The project a JSON callback names: it only chooses which key must have signed it. */
export const projectOf = (body: Record<string, unknown> | undefined): string | undefined => {
  const project = body?.project_id;
  return typeof project === 'string' ? project : undefined;
};

const STATE_WORD = /^[a-z][a-z_-]{0,31}$/;
const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? cutCallbackText(value) : null;

/** `timestamp` as SignalWire sends it (seconds since the epoch, maybe fractional), as RFC 3339. */
const isoTime = (value: unknown): string | null =>
  typeof value === 'number' && Number.isFinite(value) ? rfc3339Time(value * 1000) : null;

/**
 * The "Call Status Changed" detail of a verified JSON callback of a native call: `project_id`,
 * `params.call_id` and `params.call_state` must be present and well-formed (refused by name otherwise); the
 * rest is passed on when present. Fields a native callback has no counterpart for are null.
 */
export const toNativeCallStatusChanged = (
  body: Record<string, unknown> | undefined,
  receivedAt: Date,
): CallStatusChangedDetail => {
  const params = record(body?.params);
  const device = record(record(params.device).params);
  const projectId = body?.project_id;
  const callId = params.call_id;
  const callState = params.call_state;
  const violations: FieldViolation[] = [];
  if (body === undefined) {
    violations.push({ field: 'body', rule: 'type', message: 'body must be a JSON object' });
  }
  for (const [field, value] of [
    ['project_id', projectId],
    ['params.call_id', callId],
  ] as const) {
    if (typeof value !== 'string' || !isSid(value)) {
      violations.push({ field, rule: 'sid', message: `${field} must be a SignalWire SID (a UUID)` });
    }
  }
  if (typeof callState !== 'string' || !STATE_WORD.test(callState)) {
    violations.push({
      field: 'params.call_state',
      rule: 'format',
      message: 'params.call_state must be a call state word',
    });
  }
  if (violations.length > 0) throw new RequestValidationError(violations);
  const parent = text(record(params.parent).call_id);
  const state = callState as string;
  return {
    api: 'calling',
    accountSid: canonicalSid(projectId as string),
    callSid: canonicalSid(callId as string),
    callStatus: state,
    status: Object.hasOwn(STATUS_OF_NATIVE, state)
      ? STATUS_OF_NATIVE[state as keyof typeof STATUS_OF_NATIVE]
      : null,
    sequenceNumber: null,
    timestamp: isoTime(body?.timestamp),
    receivedAt: receivedAt.toISOString(),
    duration: null,
    direction: text(params.direction),
    from: text(device.from_number),
    to: text(device.to_number),
    parentCallSid: parent !== null && isSid(parent) ? canonicalSid(parent) : parent,
    answeredBy: null,
    sipResponseCode: null,
    callbackSource: text(body?.event_type),
  };
};
