/**
 * JSON Schemas (draft 2020-12) of SignalWire's native Calling API and voice logs, as this project reads and
 * writes them, written from the facts of SignalWire's published OpenAPI document (`Calling.CallLeg`,
 * `Calling.CallHangupRequest`, `Calling.CallUpdateCurrentCallRequest`, `Calling.CallTransferRequest`,
 * `Voice.RelayVoiceLog`, `Voice.LogListResponse`, `Types.StatusCodes.*`). They reject any property the API
 * does not define, so a drift in either direction shows up in tests, and compile under Ajv's strict mode.
 *
 * Left out on purpose: `dial` (the project never creates calls) and the Fabric subscriber device leg (a
 * `status` that is always null says nothing the project could act on); see `assumptions.ts`.
 */
import {
  CALL_LEG_TYPES,
  CALLING_DIRECTIONS,
  CALLING_STATUSES,
  CALLING_UPDATE_STATUSES,
  HANGUP_REASONS,
  RELAY_VOICE_TYPES,
  VOICE_LOG_DIRECTIONS,
  VOICE_LOG_STATUSES,
  VOICE_SOURCES,
} from './types.ts';

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

const uuid = { type: 'string', format: 'uuid' } as const;
const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const number = { type: 'number' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const uri = { type: 'string', format: 'uri' } as const;
/** An inline SWML document: the OpenAPI subset keeps only "an object". */
const swmlDocument = { type: 'object' } as const;

const chargeDetails = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'charge'],
    additionalProperties: false,
    properties: { description: string, charge: number },
  },
} as const;

/** `Calling.CallLeg`: every field is always present. */
export const callingCallSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: [
    'id',
    'from',
    'to',
    'direction',
    'source',
    'url',
    'charge',
    'created_at',
    'charge_details',
    'status',
    'duration',
    'duration_ms',
    'billing_ms',
    'type',
    'parent_id',
  ],
  additionalProperties: false,
  properties: {
    id: uuid,
    from: string,
    to: string,
    direction: { type: 'string', enum: CALLING_DIRECTIONS },
    source: { type: 'string', enum: ['realtime_api'] },
    url: nullableString,
    charge: number,
    created_at: dateTime,
    charge_details: chargeDetails,
    status: { type: ['string', 'null'], enum: [...CALLING_STATUSES, null] },
    duration: nullableInteger,
    duration_ms: nullableInteger,
    billing_ms: nullableInteger,
    type: { type: 'string', enum: CALL_LEG_TYPES },
    parent_id: { type: ['string', 'null'], format: 'uuid' },
  },
} as const;

/** `Voice.RelayVoiceLog`: the entry of a call (either kind) in the voice logs. */
const voiceLogObject = {
  type: 'object',
  required: [
    'id',
    'from',
    'to',
    'source',
    'charge',
    'charge_details',
    'created_at',
    'type',
    'url',
    'direction',
    'status',
    'duration',
    'duration_ms',
    'billing_ms',
    'parent_id',
  ],
  additionalProperties: false,
  properties: {
    id: uuid,
    from: string,
    to: string,
    source: { type: 'string', enum: VOICE_SOURCES },
    charge: number,
    charge_details: chargeDetails,
    created_at: dateTime,
    type: { type: 'string', enum: RELAY_VOICE_TYPES },
    url: { type: ['string', 'null'] },
    direction: { type: 'string', enum: VOICE_LOG_DIRECTIONS },
    status: { type: 'string', enum: VOICE_LOG_STATUSES },
    duration: nullableInteger,
    duration_ms: nullableInteger,
    billing_ms: nullableInteger,
    parent_id: nullableString,
  },
} as const;

/** `Voice.VoiceLog` as Get voice log answers it for a call. */
export const voiceLogSchema = { $schema: DRAFT_2020_12, ...voiceLogObject } as const;

/**
 * An entry that is not a call log (video-room legs, Dialogflow and Fabric logs, discarded logs): only what
 * every such entry shares is checked, since the reader passes over them.
 */
const otherLogEntry = {
  type: 'object',
  required: ['id', 'created_at'],
  properties: {
    id: uuid,
    created_at: dateTime,
    type: { type: 'string', not: { enum: RELAY_VOICE_TYPES } },
  },
} as const;

/** `Voice.LogListResponse`: one page of voice logs, newest first; `next` absent on the last page. */
export const voiceLogPageSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['links', 'data'],
  additionalProperties: false,
  properties: {
    links: {
      type: 'object',
      required: ['self', 'first'],
      additionalProperties: false,
      properties: { self: string, first: string, next: string, prev: string },
    },
    data: { type: 'array', items: { anyOf: [voiceLogObject, otherLogEntry] } },
  },
} as const;

/** `Voice.LogEventsListResponse`: the events of one voice log. */
export const voiceLogEventsSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['data'],
  additionalProperties: false,
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['event_at', 'level', 'name', 'details', 'project_id', 'log_id'],
        additionalProperties: false,
        properties: {
          event_at: dateTime,
          level: { type: 'string', enum: ['info', 'warn', 'error', 'debug'] },
          name: string,
          details: { type: 'object' },
          project_id: uuid,
          log_id: uuid,
        },
      },
    },
  },
} as const;

/** `Calling.CallHangupRequest`. */
export const endCommandSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['id', 'command', 'params'],
  additionalProperties: false,
  properties: {
    id: uuid,
    command: { const: 'calling.end' },
    params: {
      type: 'object',
      additionalProperties: false,
      properties: { reason: { type: 'string', enum: HANGUP_REASONS } },
    },
  },
} as const;

const updateCommon = {
  id: uuid,
  fallback_url: string,
  status: { type: 'string', enum: CALLING_UPDATE_STATUSES },
  status_url: uri,
} as const;

/**
 * `Calling.CallUpdateCurrentCallRequest`: `id` inside `params`, and `url` or `swml` required (the published
 * schema's two branches), with `fallback_url` and `status` optional beside them.
 */
export const updateCommandSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['command', 'params'],
  additionalProperties: false,
  properties: {
    command: { const: 'update' },
    params: {
      anyOf: [
        {
          type: 'object',
          required: ['id', 'url'],
          additionalProperties: false,
          properties: { ...updateCommon, url: string },
        },
        {
          type: 'object',
          required: ['id', 'swml'],
          additionalProperties: false,
          properties: { ...updateCommon, swml: swmlDocument },
        },
      ],
    },
  },
} as const;

/** `Calling.CallTransferRequest`: `dest` a SIP URI, phone number, SWML URL or inline SWML. */
export const transferCommandSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['id', 'command', 'params'],
  additionalProperties: false,
  properties: {
    id: uuid,
    command: { const: 'calling.transfer' },
    params: {
      type: 'object',
      required: ['dest'],
      additionalProperties: false,
      properties: { dest: { anyOf: [string, swmlDocument] } },
    },
  },
} as const;

/** The body of `POST /api/calling/calls` for the commands this project sends, chosen by `command`. */
export const callingCommandSchemas = {
  'calling.end': endCommandSchema,
  update: updateCommandSchema,
  'calling.transfer': transferCommandSchema,
} as const;

/** `Types.StatusCodes.RestApiErrorItem` in the `errors[]` of a 422 (`Calling.CallCreate422Error`). */
export const validationErrorSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['errors'],
  additionalProperties: false,
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'code', 'message', 'url'],
        additionalProperties: false,
        properties: { type: string, code: string, message: string, attribute: nullableString, url: string },
      },
    },
  },
} as const;

/** `Types.StatusCodes.StatusCode400/401/404/500`: a bare `error` naming the status. */
export const statusErrorSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: { type: 'string', enum: ['Bad Request', 'Unauthorized', 'Not Found', 'Internal Server Error'] },
  },
} as const;

/**
 * The body of a status the Calling API does not document (429, 502, 503, 504): assumed to follow the
 * documented `{ "error": "<reason phrase>" }` shape (`assumptions.ts`); the client reads any body anyway.
 */
export const undocumentedStatusErrorSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'string',
      enum: ['Too Many Requests', 'Bad Gateway', 'Service Unavailable', 'Gateway Timeout'],
    },
  },
} as const;
