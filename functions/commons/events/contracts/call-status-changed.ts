import { CALL_STATUSES } from '../../signalwire/types.ts';
import { DRAFT_04, sidDefinition } from './shared.ts';

const nullableString = { type: ['string', 'null'] } as const;

/** `detail` of "Call Status Changed", as integrators and the schema registry read it. */
export const callStatusChangedDetailJsonSchema = {
  $schema: DRAFT_04,
  title: 'CallStatusChanged',
  description:
    'detail of a "Call Status Changed" event (source signalwire.call-control): a status callback SignalWire sent, with a verified signature. Status callbacks are not guaranteed to arrive once or in order: order by sequenceNumber (or timestamp) per callSid, and expect both "answered" and "in-progress" for one answered call; both have status "in-progress".',
  type: 'object',
  required: [
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
    accountSid: { $ref: '#/definitions/Sid' },
    callSid: { $ref: '#/definitions/Sid' },
    callStatus: {
      description:
        'CallStatus exactly as SignalWire sent it, e.g. ringing, answered, in-progress, completed.',
      type: 'string',
    },
    status: {
      description:
        'callStatus as a Call resource status: answered becomes in-progress, initiated becomes queued; null for a value not known here.',
      type: ['string', 'null'],
      enum: [...CALL_STATUSES, null],
    },
    sequenceNumber: {
      description: "SignalWire's SequenceNumber: orders the callbacks of one call.",
      type: ['integer', 'null'],
    },
    timestamp: {
      description:
        'When SignalWire says the change happened (its Timestamp), ISO 8601 UTC; null when absent or unreadable.',
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
} as const;
