import { CALL_UPDATE_REQUEST_ACTIONS } from '../contracts.ts';
import { callUpdateDefinition, DRAFT_04, sidDefinition } from './shared.ts';

/** Printable ASCII without spaces: keys and ids end up in logs and DynamoDB keys. */
const token = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[!-~]+$' } as const;

/** `detail` of "Call Update Requested", as integrators and the schema registry read it. */
export const callUpdateRequestedDetailJsonSchema = {
  $schema: DRAFT_04,
  title: 'CallUpdateRequested',
  description:
    'detail of a "Call Update Requested" event (any allowed source, detail-type "Call Update Requested"): asks for a live SignalWire call to be updated or ended. The outcome is published as "Call Updated" or "Call Update Failed" (source signalwire.call-control) carrying this event\'s id as requestEventId and its correlationId.',
  type: 'object',
  required: ['callSid', 'action'],
  additionalProperties: false,
  properties: {
    callSid: {
      description: 'The call to update: a SignalWire call SID (a UUID).',
      ...sidDefinition,
    },
    accountSid: {
      description:
        'The SignalWire project (Project ID, a UUID). Absent: the default project of the configured secret.',
      ...sidDefinition,
    },
    action: {
      description:
        'update: apply `update` (required). terminate: end the call whatever its state (Status=completed); ending a call that has already ended succeeds with outcome already-ended.',
      type: 'string',
      enum: [...CALL_UPDATE_REQUEST_ACTIONS],
    },
    update: {
      description:
        "For action update: SignalWire's Update a Call fields, with the same rules as the HTTP route. For terminate: absent or empty.",
      type: 'object',
    },
    idempotencyKey: {
      description:
        'Requests from the same source with the same key are applied once (within the idempotency window, 24 hours by default); repeats get the recorded outcome again with replayed=true. Absent: the event id deduplicates redeliveries. Reusing a key for a different call or update fails with INVALID_REQUEST.',
      ...token,
    },
    correlationId: { description: 'Echoed in the result event.', ...token },
  },
  anyOf: [
    {
      properties: { action: { enum: ['update'] }, update: { $ref: '#/definitions/CallUpdate' } },
      required: ['update'],
    },
    {
      properties: {
        action: { enum: ['terminate'] },
        update: { type: 'object', maxProperties: 0 },
      },
    },
  ],
  definitions: { CallUpdate: callUpdateDefinition },
} as const;
