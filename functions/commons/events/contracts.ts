import { callUpdateSchema, sidSchema } from '../calls/call-update-schema.ts';
import type { CallActionResult } from '../calls/result.ts';
import type { ErrorDescription, FieldViolation } from '../errors.ts';
import type { Call, CallStatus, CallUpdate } from '../signalwire/types.ts';

/**
 * The EventBridge contract of the call-control functions, as the functions see it. The one source of the
 * `detail` shapes is the JSON Schemas in `./schemas/` (`npm run schemas` writes them to `schemas/events/` for
 * integrators and the schema registry); the types below are written out, as the package exports them, and
 * `test/types/event-contract-types.ts` checks at compile time that they are the types `json-schema-to-ts`
 * derives from those schemas.
 */

/** `source` of every event the functions publish, unless `EVENT_SOURCE` says otherwise. */
// Not `signalwire.…`: these events are published by this deployment, not by SignalWire (before 0.2.0 it was
// `signalwire.call-control`).
export const DEFAULT_EVENT_SOURCE = 'call-control';

/** Inbound: another system asks for a call to be updated or ended. */
export const CALL_UPDATE_REQUESTED = 'Call Update Requested';
/** Outbound: the requested update was applied (or the call had already ended, for a terminate). */
export const CALL_UPDATED = 'Call Updated';
/** Outbound: the requested update was not applied. */
export const CALL_UPDATE_FAILED = 'Call Update Failed';
/** Outbound: SignalWire reported a change of a call's status through its status callback. */
export const CALL_STATUS_CHANGED = 'Call Status Changed';

/** What a "Call Update Requested" event asks for. */
export const CALL_UPDATE_REQUEST_ACTIONS = ['update', 'terminate'] as const;
export type CallUpdateRequestAction = (typeof CALL_UPDATE_REQUEST_ACTIONS)[number];

/** `detail` of "Call Update Requested". */
export interface CallUpdateRequestedDetail {
  /** The call to update (a UUID). */
  callSid: string;
  /** The SignalWire project; the secret's default project when absent. */
  accountSid?: string;
  /** `update` applies `update`; `terminate` ends the call whatever its state (idempotent). */
  action: CallUpdateRequestAction;
  /** SignalWire's fields, with the same rules as the HTTP route. Required for `update`. */
  update?: CallUpdate;
  /** Deduplicates requests across events (per source); the event id is used when absent. */
  idempotencyKey?: string;
  /** Echoed in the result event, so the requester can match it to its request. */
  correlationId?: string;
}

/** EventBridge's envelope, as `aws-lambda`'s `EventBridgeEvent`: declared here so the package needs no @types. */
export interface EventBridgeEnvelopeOf<TDetailType extends string, TDetail> {
  id: string;
  version: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  source: string;
  'detail-type': TDetailType;
  detail: TDetail;
  'replay-name'?: string;
}

export type CallUpdateRequestedEvent = EventBridgeEnvelopeOf<
  typeof CALL_UPDATE_REQUESTED,
  CallUpdateRequestedDetail
>;

/** Fields every result event ("Call Updated", "Call Update Failed") carries to tie it to its request. */
export interface CallUpdateResultBase {
  /** `id` of the "Call Update Requested" event this answers. */
  requestEventId: string;
  /** `source` of the request. */
  requestSource: string;
  /** The request's correlation id, or null when it gave none. */
  correlationId: string | null;
  /** The request's idempotency key, or null when it gave none. */
  idempotencyKey: string | null;
  /**
   * True when the request was a repeat (same event id, or same idempotency key from the same source) of one
   * already handled: the outcome is the one recorded then, and the call was not touched again.
   */
  replayed: boolean;
}

/** `detail` of "Call Updated". */
export interface CallUpdatedDetail extends CallUpdateResultBase {
  accountSid: string;
  callSid: string;
  action: CallUpdateRequestAction;
  /** What was sent to SignalWire, in its field names (`{ Status: 'completed' }` for a terminate). */
  change: CallUpdate;
  /** `already-ended`: a terminate found the call over; `call` is the call as it is now. */
  outcome: CallActionResult['outcome'];
  /** The Call resource as SignalWire answered it. */
  call: Call;
}

/** The error of a "Call Update Failed", in the words and codes of the HTTP API's error body. */
export interface CallUpdateError {
  code: ErrorDescription['code'];
  message: string;
  /** Whether sending the same request again later could succeed. */
  retryable: boolean;
  /** The first violations (at most 10), names and messages cut to a bounded length. */
  violations?: FieldViolation[];
  /** How many violations were found beyond the listed ones. */
  moreViolations?: number;
  /** SignalWire's own error, when it answered with one. */
  signalwire?: NonNullable<ErrorDescription['signalwire']>;
}

/** `detail` of "Call Update Failed". */
export interface CallUpdateFailedDetail extends CallUpdateResultBase {
  /** As given (or as resolved, once known); null when the request did not carry a usable one. */
  accountSid: string | null;
  callSid: string | null;
  action: CallUpdateRequestAction | null;
  /**
   * True: this is the outcome of the request. False: the failure was transient and the event is handed back
   * for an automatic retry; a later "Call Updated" or "Call Update Failed" with the same `requestEventId`
   * follows, unless the retries run out, in which case the event lands in the dead-letter queue.
   */
  final: boolean;
  error: CallUpdateError;
}

/** `detail` of "Call Status Changed". */
export interface CallStatusChangedDetail {
  accountSid: string;
  callSid: string;
  /**
   * `CallStatus` exactly as SignalWire sent it. SignalWire may report an answered call as `answered` and
   * as `in-progress` (both can arrive for one call); this field says which one this callback carried.
   */
  callStatus: string;
  /** `callStatus` mapped onto the Call resource's statuses (`answered` → `in-progress`, `initiated` → `queued`); null when unknown. */
  status: CallStatus | null;
  /** SignalWire's `SequenceNumber`: orders the callbacks of one call. */
  sequenceNumber: number | null;
  /** When SignalWire says the change happened (its `Timestamp`), ISO 8601; null when absent or unreadable. */
  timestamp: string | null;
  /** When the callback reached this function, ISO 8601. */
  receivedAt: string;
  /** `CallDuration` in seconds (sent with the final status); null otherwise. */
  duration: number | null;
  direction: string | null;
  from: string | null;
  to: string | null;
  parentCallSid: string | null;
  answeredBy: string | null;
  sipResponseCode: string | null;
  /** `CallbackSource` (e.g. `call-progress-events`). */
  callbackSource: string | null;
}

/** Printable ASCII without spaces: keys and ids end up in logs and DynamoDB keys. */
const tokenSchema = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[!-~]+$' } as const;

/** Names a "Call Update Requested" detail may carry. */
export const CALL_UPDATE_REQUESTED_FIELDS = [
  'callSid',
  'accountSid',
  'action',
  'update',
  'idempotencyKey',
  'correlationId',
] as const satisfies readonly (keyof CallUpdateRequestedDetail)[];

/**
 * The runtime schema of a "Call Update Requested" detail: the update part is `callUpdateSchema` itself, so
 * the event and the HTTP route apply the same seven fields and rules.
 */
const callUpdateRequestedDetailSchema = {
  type: 'object',
  required: ['callSid', 'action'],
  additionalProperties: false,
  properties: {
    callSid: sidSchema,
    accountSid: sidSchema,
    action: { type: 'string', enum: [...CALL_UPDATE_REQUEST_ACTIONS] },
    update: { type: 'object' },
    idempotencyKey: tokenSchema,
    correlationId: tokenSchema,
  },
  allOf: [
    {
      if: { properties: { action: { const: 'update' } }, required: ['action'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      then: { required: ['update'], properties: { update: callUpdateSchema } },
    },
    {
      // A terminate carries no update; an empty object is tolerated, as on the HTTP terminate route.
      if: { properties: { action: { const: 'terminate' } }, required: ['action'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
      then: { properties: { update: { type: 'object', maxProperties: 0 } } },
    },
  ],
} as const;

/** The whole event the function receives: the envelope fields it relies on, and the detail. */
export const callUpdateRequestedEventSchema = {
  type: 'object',
  required: ['id', 'source', 'detail-type', 'detail'],
  properties: {
    id: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1 },
    'detail-type': { type: 'string', enum: [CALL_UPDATE_REQUESTED] },
    detail: callUpdateRequestedDetailSchema,
  },
} as const;
