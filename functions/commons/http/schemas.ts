import { CALL_APIS } from '../calling/vocabulary.ts';
import { callUpdateSchema, sidSchema, transferDestSchema } from '../calls/call-update-schema.ts';
import { DATE_FILTERS, LIST_QUERY_TO_SIGNALWIRE, type ListFilters } from '../signalwire/list-query-params.ts';
import { CALL_STATUSES } from '../signalwire/types.ts';

// The filters' names live with their mapping to SignalWire's query; the route's schema and checks read them here.
export { DATE_FILTERS, LIST_QUERY_TO_SIGNALWIRE };

/**
 * JSON Schemas of the operator routes' events (after header/event normalisation and body parsing). They are
 * compiled ahead of time into `../generated/validators.js` (`npm run validators`), so no schema compiler is
 * bundled or run at cold start.
 */

/** The list route's query: the filters (and the API to narrow to), or a cursor alone. */
export type ListQuery = ListFilters & { cursor?: string; api?: (typeof CALL_APIS)[number] };

/** The API a request names for its call (`compatibility` or `calling`), skipping the write-first resolution. */
export const apiSchema = { type: 'string', enum: [...CALL_APIS] } as const;

/**
 * A number, SIP address or client name to filter by: no control characters (C0, DEL, C1), which API Gateway
 * hands over decoded from `%00`, `%0A`, `%1B`… and no address holds; and no space at either end, which is what
 * an unencoded `+` of a phone number (`?to=+1415…`) reads as in a query string: matching nothing, silently.
 */
const addressFilter = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  pattern:
    '^[^\\s\\u0000-\\u001f\\u007f-\\u009f](?:[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f])?$',
} as const;
const dateFilter = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z ,:.+-]+$' } as const;

const pathParameters = (required: string[]) =>
  ({
    type: 'object',
    required,
    properties: { callSid: sidSchema, accountSid: sidSchema },
  }) as const;

/**
 * The API a request names for its call. Update, terminate and transfer take it in the body; the chain moves it
 * to the query (`apiOutOfBody`) before validation, so every route checks it in one place and the change's own
 * schema stays the change's. It is the only query parameter these routes take: any other (`?Status=canceled` on a
 * terminate, say) is refused by name rather than silently ignored.
 */
const apiQuery = { type: 'object', additionalProperties: false, properties: { api: apiSchema } } as const;

export const updateCallEventSchema = {
  type: 'object',
  required: ['pathParameters', 'body'],
  properties: {
    pathParameters: pathParameters(['callSid']),
    queryStringParameters: apiQuery,
    body: callUpdateSchema,
  },
} as const;

export const terminateCallEventSchema = {
  type: 'object',
  required: ['pathParameters'],
  properties: {
    pathParameters: pathParameters(['callSid']),
    queryStringParameters: apiQuery,
    body: { type: 'object', maxProperties: 0 },
  },
} as const;

export const getCallEventSchema = {
  type: 'object',
  required: ['pathParameters'],
  properties: { pathParameters: pathParameters(['callSid']), queryStringParameters: apiQuery },
} as const;

/** The transfer route's body: where to, and optionally the API that owns the call. */
export const transferCallEventSchema = {
  type: 'object',
  required: ['pathParameters', 'body'],
  properties: {
    pathParameters: pathParameters(['callSid']),
    queryStringParameters: apiQuery,
    body: {
      type: 'object',
      required: ['dest'],
      additionalProperties: false,
      properties: { dest: transferDestSchema },
    },
  },
} as const;

export const listCallsEventSchema = {
  type: 'object',
  properties: {
    pathParameters: pathParameters([]),
    queryStringParameters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: [...CALL_STATUSES] },
        to: addressFilter,
        from: addressFilter,
        parentCallSid: sidSchema,
        startTime: dateFilter,
        startTimeBefore: dateFilter,
        startTimeAfter: dateFilter,
        endTime: dateFilter,
        endTimeBefore: dateFilter,
        endTimeAfter: dateFilter,
        // Decimal digits, checked as text: Ajv's coercion would read `0x10`, `1e3` or ` 5` as numbers, and turns
        // `Infinity` into a number its own minimum/maximum checks then skip.
        pageSize: { type: 'string', pattern: '^(?:[1-9][0-9]{0,2}|1000)$' },
        cursor: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[A-Za-z0-9_-]+$' },
        api: apiSchema,
      },
    },
  },
} as const;
