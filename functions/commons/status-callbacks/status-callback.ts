import { type FieldViolation, RequestValidationError } from '../errors.ts';
import type { CallStatusChangedDetail } from '../events/contracts.ts';
import { canonicalSid, isSid } from '../signalwire/sids.ts';
import { CALL_STATUSES, type CallStatus } from '../signalwire/types.ts';
import type { FormParams } from './signature.ts';

const STATUS_WORD = /^[a-z][a-z-]{0,31}$/;
const COUNT = /^\d{1,9}$/;

/**
 * Callback statuses that are not Call resource statuses. SignalWire reports an answered call as `answered`
 * (the `StatusCallbackEvent` name) and also as `in-progress`; a call being set up may be `initiated`.
 */
const STATUS_ALIASES: Readonly<Record<string, CallStatus>> = { answered: 'in-progress', initiated: 'queued' };

/** `callStatus` mapped onto the Call resource's statuses; null for a value this project does not know. */
export const normalizeCallStatus = (callStatus: string): CallStatus | null =>
  (CALL_STATUSES as readonly string[]).includes(callStatus)
    ? (callStatus as CallStatus)
    : // Own names only: `constructor` is a status word by its form, and Object.prototype would answer for it.
      Object.hasOwn(STATUS_ALIASES, callStatus)
      ? (STATUS_ALIASES[callStatus] as CallStatus)
      : null;

const first = (params: FormParams, name: string): string | undefined =>
  params.find(([key]) => key === name)?.[1];

/**
 * Longest text a "Call Status Changed" keeps of a callback's field (SignalWire's are far shorter). Cut, since a
 * signed 64 KiB body of control characters, each written `\u0001` in JSON, would otherwise make an event over
 * EventBridge's 256 KiB, refused on every delivery.
 */
export const MAX_CALLBACK_TEXT_CHARS = 256;

/**
 * `value`'s first {@link MAX_CALLBACK_TEXT_CHARS} UTF-16 units, never ending on half a surrogate pair: a lone
 * surrogate would be written `\udXXX` in the event and read as U+FFFD (or refused) by a consumer.
 */
export const cutCallbackText = (value: string): string => {
  if (value.length <= MAX_CALLBACK_TEXT_CHARS) return value;
  const cut = value.slice(0, MAX_CALLBACK_TEXT_CHARS);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
};

const text = (params: FormParams, name: string): string | null => {
  const value = first(params, name);
  return value === undefined || value === '' ? null : cutCallbackText(value);
};

const count = (params: FormParams, name: string): number | null => {
  const value = first(params, name);
  return value !== undefined && COUNT.test(value) ? Number(value) : null;
};

/**
 * A time in milliseconds since the epoch as RFC 3339 `date-time` (the published schema's format); null when it
 * is not a time, or is outside the years 0000 to 9999, which ISO 8601 writes with a sign and six digits
 * (`+010000-01-01T…`) that RFC 3339, and so every consumer validating against the schema, refuses.
 */
export const rfc3339Time = (ms: number): string | null => {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  return /^\d{4}-/.test(iso) ? iso : null;
};

/** RFC 2822 (SignalWire's format) or ISO 8601, as RFC 3339; null when absent or unreadable. */
const isoTime = (value: string | null): string | null =>
  value === null ? null : rfc3339Time(Date.parse(value));

/**
 * The "Call Status Changed" detail of a verified status callback. The call, project and status must be
 * present and well-formed (the request is refused otherwise); every other field is passed on when present.
 * SIDs are published in their canonical form, as every other event carries them.
 */
export const toCallStatusChanged = (params: FormParams, receivedAt: Date): CallStatusChangedDetail => {
  const violations: FieldViolation[] = [];
  const callSid = first(params, 'CallSid') ?? '';
  const accountSid = first(params, 'AccountSid') ?? '';
  const callStatus = first(params, 'CallStatus') ?? '';
  for (const [field, value] of [
    ['CallSid', callSid],
    ['AccountSid', accountSid],
  ] as const) {
    if (!isSid(value)) {
      violations.push({ field, rule: 'sid', message: `${field} must be a SignalWire SID (a UUID)` });
    }
  }
  if (!STATUS_WORD.test(callStatus)) {
    violations.push({
      field: 'CallStatus',
      rule: 'format',
      message: 'CallStatus must be a call status word',
    });
  }
  if (violations.length > 0) throw new RequestValidationError(violations);

  const parentCallSid = text(params, 'ParentCallSid');
  return {
    api: 'compatibility',
    accountSid: canonicalSid(accountSid),
    callSid: canonicalSid(callSid),
    callStatus,
    status: normalizeCallStatus(callStatus),
    sequenceNumber: count(params, 'SequenceNumber'),
    timestamp: isoTime(text(params, 'Timestamp')),
    receivedAt: receivedAt.toISOString(),
    duration: count(params, 'CallDuration'),
    direction: text(params, 'Direction'),
    from: text(params, 'From'),
    to: text(params, 'To'),
    parentCallSid:
      parentCallSid !== null && isSid(parentCallSid) ? canonicalSid(parentCallSid) : parentCallSid,
    answeredBy: text(params, 'AnsweredBy'),
    sipResponseCode: text(params, 'SipResponseCode'),
    callbackSource: text(params, 'CallbackSource'),
  };
};
