import { CALL_STATUSES, type CallStatus } from '../../signalwire/types.ts';
import { CALL_APIS, type CallApiName, type EventContract, PUBLISHED_SOURCE } from './event-contract.ts';
import { DRAFT_04, sidDefinition } from './json-schema-parts.ts';

/** Outbound: SignalWire reported a change of a call's status through its status callback. */
export const CALL_STATUS_CHANGED = 'Call Status Changed';

/** `detail` of "Call Status Changed". */
export interface CallStatusChangedDetail {
  /**
   * Which kind of call: `compatibility` (a form-encoded Compatibility callback, `StatusCallback`) or `calling`
   * (a native call's JSON callback, `status_url`/`call_state_url`).
   */
  api: CallApiName;
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

const nullableString = { type: ['string', 'null'] } as const;

/** `detail` of "Call Status Changed", as integrators and the schema registry read it.(left out of the bundles: see json-schema-parts.ts). */
export const callStatusChangedDetailJsonSchema = /* @__PURE__ */ (() =>
  ({
    $schema: DRAFT_04,
    title: 'CallStatusChanged',
    description: `detail of a "Call Status Changed" event (${PUBLISHED_SOURCE}): a status callback SignalWire sent, with a verified signature. Status callbacks are not guaranteed to arrive once or in order: order by sequenceNumber (or timestamp) per callSid, and expect both "answered" and "in-progress" for one answered call; both have status "in-progress".`,
    type: 'object',
    required: [
      'api',
      'accountSid',
      'callSid',
      'callStatus',
      'status',
      'sequenceNumber',
      'timestamp',
      'receivedAt',
      'duration',
      'direction',
      'from',
      'to',
      'parentCallSid',
      'answeredBy',
      'sipResponseCode',
      'callbackSource',
    ],
    additionalProperties: false,
    properties: {
      api: {
        description:
          "compatibility: a Compatibility call's form-encoded StatusCallback. calling: a native call's JSON callback (status_url, call_state_url); its sequenceNumber, duration, answeredBy and sipResponseCode are null, callbackSource is its event_type.",
        type: 'string',
        enum: [...CALL_APIS],
      },
      accountSid: { $ref: '#/definitions/Sid' },
      callSid: { $ref: '#/definitions/Sid' },
      callStatus: {
        description:
          'CallStatus exactly as SignalWire sent it, e.g. ringing, answered, in-progress, completed; for a native call its call_state (created, ringing, answered, ending, ended).',
        type: 'string',
      },
      status: {
        description:
          'callStatus as a Call resource status: answered becomes in-progress, initiated becomes queued; a native created becomes queued, ending in-progress, ended completed; null for a value not known here.',
        type: ['string', 'null'],
        enum: [...CALL_STATUSES, null],
      },
      sequenceNumber: {
        description: "SignalWire's SequenceNumber: orders the callbacks of one call.",
        type: ['integer', 'null'],
      },
      timestamp: {
        description:
          'When SignalWire says the change happened (its Timestamp), ISO 8601 UTC (RFC 3339 date-time); null when absent, unreadable, or outside the years 0000 to 9999.',
        type: ['string', 'null'],
        format: 'date-time',
      },
      receivedAt: {
        description: 'When the callback was received, ISO 8601 UTC.',
        type: 'string',
        format: 'date-time',
      },
      duration: {
        description: 'CallDuration in seconds, sent with the final status; null otherwise.',
        type: ['integer', 'null'],
      },
      direction: { description: 'inbound, outbound-api or outbound-dial.', type: ['string', 'null'] },
      from: nullableString,
      to: nullableString,
      parentCallSid: nullableString,
      answeredBy: nullableString,
      sipResponseCode: nullableString,
      callbackSource: { description: 'CallbackSource, e.g. call-progress-events.', type: ['string', 'null'] },
    },
    definitions: { Sid: sidDefinition },
  }) as const)();

/** The "Call Status Changed" contract, for the infra, `npm run schemas` and the docs. */
export const callStatusChangedContract = {
  detailType: CALL_STATUS_CHANGED,
  fileName: 'call-status-changed.schema.json',
  schemaType: 'CallStatusChanged',
  detailJsonSchema: callStatusChangedDetailJsonSchema,
} as const satisfies EventContract;
