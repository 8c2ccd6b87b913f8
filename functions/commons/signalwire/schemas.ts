/**
 * JSON Schemas (draft 2020-12) of SignalWire's Compatibility API Calls resource, as this project
 * reads and writes it. They describe the same shapes as `types.ts` (whose enum arrays they reuse) and
 * reject any property the API does not define, so a drift in either direction shows up in tests.
 * They compile under Ajv's strict mode, the mode `scripts/compile-validators.ts` compiles every validator in.
 */
import type { Call } from './types.ts';
import { CALL_RESOURCE_DIRECTIONS, CALL_STATUSES, HTTP_METHODS, UPDATE_STATUSES } from './types.ts';

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

const uuid = { type: 'string', format: 'uuid' } as const;
const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;
const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const integer = { type: 'integer' } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const uri = { type: 'string', format: 'uri' } as const;
const httpMethod = { type: 'string', enum: HTTP_METHODS } as const;

/** Who answered a call when answering-machine detection ran; null otherwise. */
const ANSWERED_BY = ['human', 'machine', null] as const;

/** Every field of the Call resource; all of them are always present in SignalWire's answers. */
const CALL_FIELDS = [
  'sid',
  'account_sid',
  'date_created',
  'date_updated',
  'parent_call_sid',
  'to',
  'formatted_to',
  'to_formatted',
  'from',
  'formatted_from',
  'from_formatted',
  'phone_number_sid',
  'status',
  'start_time',
  'end_time',
  'duration',
  'price',
  'price_unit',
  'direction',
  'answered_by',
  'api_version',
  'forwarded_from',
  'caller_name',
  'uri',
  'subresource_uris',
  'annotation',
  'group_sid',
  'audio_in_mos',
  'sip_result_code',
  'audio_rtt_avg',
  'audio_rtt_min',
  'audio_rtt_max',
  'audio_out_jitter_min',
  'audio_out_jitter_max',
  'audio_out_jitter_avg',
  'audio_out_lost',
] as const satisfies readonly (keyof Call)[];

/** The Call object without `$schema`, so it can be embedded in the list page as well. */
const callObject = {
  type: 'object',
  required: CALL_FIELDS,
  additionalProperties: false,
  properties: {
    sid: uuid,
    account_sid: uuid,
    // RFC 2822 dates in GMT; left as plain strings because the API documents no stricter format.
    date_created: string,
    date_updated: string,
    parent_call_sid: nullableUuid,
    to: string,
    formatted_to: string,
    to_formatted: string,
    from: string,
    formatted_from: string,
    from_formatted: string,
    phone_number_sid: nullableUuid,
    status: { type: 'string', enum: CALL_STATUSES },
    start_time: nullableString,
    end_time: nullableString,
    duration: integer,
    price: nullableNumber,
    price_unit: string,
    // The published enum (OpenAPI `CallDirection`): inbound and outbound only. The `Call` type reads the
    // Twilio-style kinds too (status callbacks carry them), but the resource is held to what SignalWire publishes,
    // so the emulator cannot drift to answers the real API does not document.
    direction: { type: 'string', enum: CALL_RESOURCE_DIRECTIONS },
    answered_by: { type: ['string', 'null'], enum: ANSWERED_BY },
    api_version: string,
    forwarded_from: nullableString,
    caller_name: nullableString,
    uri: string,
    subresource_uris: {
      type: 'object',
      required: ['notifications', 'recordings'],
      additionalProperties: false,
      properties: { notifications: nullableString, recordings: string },
    },
    annotation: nullableString,
    group_sid: nullableString,
    audio_in_mos: nullableNumber,
    sip_result_code: nullableString,
    audio_rtt_avg: nullableInteger,
    audio_rtt_min: nullableInteger,
    audio_rtt_max: nullableInteger,
    audio_out_jitter_min: nullableInteger,
    audio_out_jitter_max: nullableInteger,
    audio_out_jitter_avg: nullableInteger,
    audio_out_lost: nullableInteger,
  },
} as const;

/** The Call resource as Retrieve, Update and List Calls return it. */
export const callSchema = { $schema: DRAFT_2020_12, ...callObject } as const;

/** One page of List Calls. The page URIs are paths relative to the space host; next/previous are null at the ends. */
export const callListPageSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['calls', 'uri', 'first_page_uri', 'next_page_uri', 'previous_page_uri', 'page', 'page_size'],
  additionalProperties: false,
  properties: {
    calls: { type: 'array', items: callObject },
    uri: string,
    first_page_uri: string,
    next_page_uri: nullableString,
    previous_page_uri: nullableString,
    page: integer,
    page_size: integer,
  },
} as const;

/** The error body of the Calls endpoints: a numeric SignalWire code next to the HTTP status. */
export const errorResponseSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['code', 'message', 'more_info', 'status'],
  additionalProperties: false,
  properties: { code: integer, message: string, more_info: string, status: integer },
} as const;

/**
 * The list-of-errors body some SignalWire endpoints answer with; its codes are strings. The published
 * shape marks nothing required; `errors` and each item's `code`/`message` are required here so that an
 * empty object is not mistaken for an error body.
 */
export const errorArrayResponseSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  required: ['errors'],
  additionalProperties: false,
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: { code: string, message: string, more_info: string },
      },
    },
  },
} as const;

/** The form body of Update a Call: all seven fields optional, nothing else allowed. */
export const updateCallFormSchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  additionalProperties: false,
  properties: {
    Url: uri,
    Method: httpMethod,
    Status: { type: 'string', enum: UPDATE_STATUSES },
    FallbackUrl: uri,
    FallbackMethod: httpMethod,
    StatusCallback: uri,
    StatusCallbackMethod: httpMethod,
  },
} as const;

/**
 * The query of List Calls. `Page` (zero-based) defaults to 0 and `PageSize` to 50 on SignalWire's side;
 * no defaults are declared so a validator that fills defaults leaves the query as the caller sent it.
 * The time filters are strings because SignalWire pins down no single format (RFC 2822 or ISO 8601).
 */
export const listCallsQuerySchema = {
  $schema: DRAFT_2020_12,
  type: 'object',
  additionalProperties: false,
  properties: {
    Status: { type: 'string', enum: CALL_STATUSES },
    To: string,
    From: string,
    ParentCallSid: uuid,
    StartTime: string,
    'StartTime<': string,
    'StartTime>': string,
    EndTime: string,
    'EndTime<': string,
    'EndTime>': string,
    Page: { type: 'integer', minimum: 0 },
    PageSize: { type: 'integer', minimum: 1, maximum: 1000 },
    PageToken: { type: 'string', pattern: '^P[AB]' },
  },
} as const;
