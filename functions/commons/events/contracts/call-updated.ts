import type { CallActionResult } from '../../calls/result.ts';
import { CALL_STATUSES, type CallUpdate, type CallView } from '../../signalwire/types.ts';
import {
  CALL_APIS,
  CALL_UPDATE_REQUEST_ACTIONS,
  type CallApiName,
  type CallUpdateRequestAction,
  type CallUpdateResultBase,
  type EventContract,
  PUBLISHED_SOURCE,
} from './event-contract.ts';
import {
  DRAFT_04,
  idempotencyKeyEchoProperty,
  requestEventIdProperty,
  requestSourceProperty,
  resultBaseRequired,
  sidDefinition,
} from './json-schema-parts.ts';

/** Outbound: the requested update was applied (or, for an end, the call was found over). */
export const CALL_UPDATED = 'Call Updated';

/** `detail` of "Call Updated". */
export interface CallUpdatedDetail extends CallUpdateResultBase {
  accountSid: string;
  callSid: string;
  action: CallUpdateRequestAction;
  /** The API that owns the call, and that the change went to. */
  api: CallApiName;
  /**
   * What was asked, in the Compatibility API's field names (`{ Status: 'completed' }` for a terminate), or
   * `{ dest }` for a transfer.
   */
  change: CallUpdate | { dest: string };
  /** `already-ended`: an end (a terminate, or an update with `Status`) found the call over; `call` is as it is now. */
  outcome: CallActionResult['outcome'];
  /** The Call resource as SignalWire answered it. */
  call: CallView;
}

const nullableString = { type: ['string', 'null'] } as const;

/** `detail` of "Call Updated", as integrators and the schema registry read it.(left out of the bundles: see json-schema-parts.ts). */
export const callUpdatedDetailJsonSchema = /* @__PURE__ */ (() =>
  ({
    $schema: DRAFT_04,
    title: 'CallUpdated',
    description: `detail of a "Call Updated" event (${PUBLISHED_SOURCE}): the "Call Update Requested" event requestEventId was applied. Published at least once: a repeated request publishes the recorded outcome again with replayed=true, so deduplicate on requestEventId (or on requestSource + idempotencyKey).`,
    type: 'object',
    required: [...resultBaseRequired, 'accountSid', 'callSid', 'action', 'api', 'change', 'outcome', 'call'],
    additionalProperties: false,
    properties: {
      requestEventId: requestEventIdProperty,
      requestSource: requestSourceProperty,
      correlationId: {
        description: "The request's correlationId; null when it gave none.",
        type: ['string', 'null'],
      },
      idempotencyKey: idempotencyKeyEchoProperty,
      replayed: {
        description:
          'true: a repeat of a request already handled; this is the outcome recorded then, and the call was not touched again.',
        type: 'boolean',
      },
      accountSid: {
        description: 'The SignalWire project the call belongs to.',
        $ref: '#/definitions/Sid',
      },
      callSid: { $ref: '#/definitions/Sid' },
      action: { type: 'string', enum: [...CALL_UPDATE_REQUEST_ACTIONS] },
      api: {
        description:
          'The API that owns the call and received the change: compatibility (cXML/LaML) or calling (the native Calling API).',
        type: 'string',
        enum: [...CALL_APIS],
      },
      change: {
        description:
          'What was asked, in the Compatibility field names ({"Status":"completed"} for a terminate; for a native call Url became update with url and Status calling.end), or {"dest": ...} for a transfer.',
        type: 'object',
        additionalProperties: { type: 'string' },
      },
      outcome: {
        description:
          'updated: SignalWire applied the change. already-ended: an end (a terminate, or an update with Status) found the call over; call is its current state. It says the call is over, not that this request ended it. An update with Status of a Compatibility call is already-ended only when it was resent after a lost answer (a timeout, a dropped connection, a 503) and the resend was refused as the call had ended, whatever ended it (refused at its first attempt, it is Call Update Failed); of a native call, whenever its voice log shows it over.',
        type: 'string',
        enum: ['updated', 'already-ended'],
      },
      call: { $ref: '#/definitions/Call' },
    },
    definitions: {
      Sid: sidDefinition,
      Call: {
        description:
          'The Call resource as SignalWire answered the update (every field of its Calls API; the main ones are described here). Dates are RFC 2822 in GMT.',
        type: 'object',
        required: [
          'sid',
          'account_sid',
          'status',
          'direction',
          'from',
          'to',
          'date_created',
          'date_updated',
          'start_time',
          'end_time',
          'duration',
        ],
        properties: {
          sid: { type: 'string' },
          account_sid: { type: 'string' },
          parent_call_sid: nullableString,
          status: {
            description:
              'The call status; null for a native call whose status SignalWire did not give (its command answer said null) or gave in a word not known here: unknown, neither live nor ended.',
            type: ['string', 'null'],
            enum: [...CALL_STATUSES, null],
          },
          direction: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          date_created: { type: 'string' },
          date_updated: { type: 'string' },
          start_time: nullableString,
          end_time: nullableString,
          duration: { description: 'Seconds.', type: 'integer' },
          answered_by: nullableString,
          price: { type: ['number', 'null'] },
          price_unit: { type: 'string' },
          uri: { type: 'string' },
        },
      },
    },
  }) as const)();

/** The "Call Updated" contract, for the infra, `npm run schemas` and the docs. */
export const callUpdatedContract = {
  detailType: CALL_UPDATED,
  fileName: 'call-updated.schema.json',
  schemaType: 'CallUpdated',
  detailJsonSchema: callUpdatedDetailJsonSchema,
} as const satisfies EventContract;
