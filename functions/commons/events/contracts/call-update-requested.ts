import {
  callUpdateSchema,
  sidSchema,
  TRANSFER_DEST_RULE,
  transferDestSchema,
  transferSchema,
} from '../../calls/call-update-schema.ts';
import type { CallUpdate } from '../../signalwire/types.ts';
import {
  CALL_APIS,
  CALL_UPDATE_REQUEST_ACTIONS,
  type CallApiName,
  type CallUpdateRequestAction,
  type EventBridgeEnvelopeOf,
  type EventContract,
  PUBLISHED_SOURCE,
} from './event-contract.ts';
import { callUpdateDefinition, DRAFT_04, sidDefinition } from './json-schema-parts.ts';

/**
 * The "Call Update Requested" contract (inbound: another system asks for a call to be updated or ended): its
 * detail-type, its TypeScript type, the runtime schema the function validates with, and the published schema.
 */

/** Inbound: another system asks for a call to be updated or ended. */
export const CALL_UPDATE_REQUESTED = 'Call Update Requested';

/** `detail` of "Call Update Requested". */
export interface CallUpdateRequestedDetail {
  /** The call to update (a UUID). */
  callSid: string;
  /** The SignalWire project; the secret's default project when absent. */
  accountSid?: string;
  /**
   * `update` applies `update`; `terminate` ends the call whatever its state (idempotent); `transfer` transfers a
   * native call to `transfer.dest` (`calling.transfer`, sent at most once).
   */
  action: CallUpdateRequestAction;
  /**
   * The API that owns the call: `compatibility` (cXML/LaML) or `calling` (the native Calling API). Absent: the
   * service finds out by reading (the Compatibility API first, then the voice logs).
   */
  api?: CallApiName;
  /** SignalWire's fields, with the same rules as the HTTP route. Required for `update`. */
  update?: CallUpdate;
  /** For `transfer` (required): where the call goes. */
  transfer?: { dest: string };
  /** Deduplicates requests across events (per source); the event id is used when absent. */
  idempotencyKey?: string;
  /** Echoed in the result event, so the requester can match it to its request. */
  correlationId?: string;
}

export type CallUpdateRequestedEvent = EventBridgeEnvelopeOf<
  typeof CALL_UPDATE_REQUESTED,
  CallUpdateRequestedDetail
>;

/** Printable ASCII without spaces: keys and ids end up in logs and DynamoDB keys. */
const token = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[!-~]+$' } as const;

/** `detail` of "Call Update Requested", as integrators and the schema registry read it.(left out of the bundles: see json-schema-parts.ts). */
export const callUpdateRequestedDetailJsonSchema = /* @__PURE__ */ (() =>
  ({
    $schema: DRAFT_04,
    title: 'CallUpdateRequested',
    description: `detail of a "Call Update Requested" event (any allowed source, detail-type "Call Update Requested"): asks for a live SignalWire call to be updated or ended. The outcome is published as "Call Updated" or "Call Update Failed" (${PUBLISHED_SOURCE}) carrying this event's id as requestEventId and its correlationId.`,
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
          'update: apply `update` (required). terminate: end the call whatever its state (Status=completed); ending a call that has already ended succeeds with outcome already-ended. transfer: transfer a native call to `transfer.dest` (required; calling.transfer, sent at most once).',
        type: 'string',
        enum: [...CALL_UPDATE_REQUEST_ACTIONS],
      },
      api: {
        description:
          'The API that owns the call: compatibility (cXML/LaML calls) or calling (native calls: SWML, RELAY, AI agents). Absent: found by reading (the Compatibility API, then the voice logs). A field the named API lacks (Method, FallbackMethod, StatusCallback, StatusCallbackMethod for calling; transfer for compatibility) fails with INVALID_REQUEST naming it, and nothing is sent.',
        type: 'string',
        enum: [...CALL_APIS],
      },
      update: {
        description:
          "For action update: SignalWire's Update a Call fields, with the same rules as the HTTP route. For terminate: absent or empty. For a native call, Url redirects it to new SWML (update with url) and Status ends it (calling.end).",
        type: 'object',
      },
      transfer: {
        description: 'For action transfer only (required there): where the native call goes.',
        $ref: '#/definitions/Transfer',
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
        properties: {
          action: { enum: ['update'] },
          update: { $ref: '#/definitions/CallUpdate' },
          transfer: { not: {} },
        },
        required: ['update'],
      },
      {
        properties: {
          action: { enum: ['terminate'] },
          update: { type: 'object', maxProperties: 0 },
          transfer: { not: {} },
        },
      },
      {
        properties: {
          action: { enum: ['transfer'] },
          update: { not: {} },
        },
        required: ['transfer'],
      },
    ],
    definitions: {
      CallUpdate: callUpdateDefinition,
      Transfer: {
        description: 'Where a native call is transferred (calling.transfer).',
        type: 'object',
        required: ['dest'],
        additionalProperties: false,
        properties: {
          dest: {
            description: `A SIP URI (sip:…), an E.164 phone number (+…) or an absolute http(s) SWML URL; an inline SWML document is not accepted. ${TRANSFER_DEST_RULE}.`,
            ...transferDestSchema,
          },
        },
      },
    },
  }) as const)();

/** Names a "Call Update Requested" detail may carry. */
export const CALL_UPDATE_REQUESTED_FIELDS = [
  'callSid',
  'accountSid',
  'action',
  'api',
  'update',
  'transfer',
  'idempotencyKey',
  'correlationId',
] as const satisfies readonly (keyof CallUpdateRequestedDetail)[];

/**
 * The runtime schema of a "Call Update Requested" detail: the update part is `callUpdateSchema` itself and
 * the transfer part `transferSchema`, so the event and the HTTP routes apply the same fields and rules. Compiled
 * ahead of time, so left out of the bundles (see json-schema-parts.ts).
 */
const callUpdateRequestedDetailSchema = /* @__PURE__ */ (() =>
  ({
    type: 'object',
    required: ['callSid', 'action'],
    additionalProperties: false,
    properties: {
      callSid: sidSchema,
      accountSid: sidSchema,
      action: { type: 'string', enum: [...CALL_UPDATE_REQUEST_ACTIONS] },
      api: { type: 'string', enum: [...CALL_APIS] },
      update: { type: 'object' },
      transfer: { type: 'object' },
      idempotencyKey: token,
      correlationId: token,
    },
    allOf: [
      {
        if: { properties: { action: { const: 'update' } }, required: ['action'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
        then: { required: ['update'], properties: { update: callUpdateSchema, transfer: false } },
      },
      {
        // A terminate carries no update; an empty object is tolerated, as on the HTTP terminate route.
        if: { properties: { action: { const: 'terminate' } }, required: ['action'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
        then: { properties: { update: { type: 'object', maxProperties: 0 }, transfer: false } },
      },
      {
        if: { properties: { action: { const: 'transfer' } }, required: ['action'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, never awaited
        then: { required: ['transfer'], properties: { transfer: transferSchema, update: false } },
      },
    ],
  }) as const)();

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

/** The "Call Update Requested" contract, for the infra, `npm run schemas` and the docs. */
export const callUpdateRequestedContract = {
  detailType: CALL_UPDATE_REQUESTED,
  fileName: 'call-update-requested.schema.json',
  schemaType: 'CallUpdateRequested',
  detailJsonSchema: callUpdateRequestedDetailJsonSchema,
} as const satisfies EventContract;
