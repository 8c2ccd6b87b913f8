import type { ErrorDescription, FieldViolation, RequestErrorCode } from '../../errors.ts';
import { MAX_LISTED_VIOLATIONS, MAX_VIOLATION_MESSAGE_CHARS } from '../../errors.ts';
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
} from './json-schema-parts.ts';

/** Outbound: the requested update was not applied. */
export const CALL_UPDATE_FAILED = 'Call Update Failed';

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
  /** For `EVENT_TOO_OLD`: the request's EventBridge `time`. */
  eventTime?: string;
  /** For `EVENT_TOO_OLD`: how old a request may be when it arrives, in seconds. */
  maxEventAgeSeconds?: number;
}

/** `detail` of "Call Update Failed". */
export interface CallUpdateFailedDetail extends CallUpdateResultBase {
  /** As given (or as resolved, once known); null when the request did not carry a usable one. */
  accountSid: string | null;
  callSid: string | null;
  action: CallUpdateRequestAction | null;
  /** The API that owns the call, once known (named by the request or found by reading); null otherwise. */
  api: CallApiName | null;
  /**
   * True: this is the outcome of the request. False: the failure was transient and the event is handed back
   * for an automatic retry; a later "Call Updated" or "Call Update Failed" with the same `requestEventId`
   * follows, unless the retries run out, in which case the event lands in the dead-letter queue.
   */
  final: boolean;
  error: CallUpdateError;
}

/** Every stable code of the error taxonomy (`test/unit/event-contracts.test.ts` checks none is missing). */
const ERROR_CODES = [
  'INVALID_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'ROUTE_NOT_FOUND',
  'ACCOUNT_NOT_CONFIGURED',
  'CALL_NOT_FOUND',
  'CALL_STATE_CONFLICT',
  'UPSTREAM_REJECTED',
  'UPSTREAM_AUTH_FAILED',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNREACHABLE',
  'REDIRECT_OUTCOME_UNKNOWN',
  'EVENT_TOO_OLD',
  'CREDENTIALS_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const satisfies readonly RequestErrorCode[];

/** `detail` of "Call Update Failed", as integrators and the schema registry read it.(left out of the bundles: see json-schema-parts.ts). */
export const callUpdateFailedDetailJsonSchema = /* @__PURE__ */ (() =>
  ({
    $schema: DRAFT_04,
    title: 'CallUpdateFailed',
    description: `detail of a "Call Update Failed" event (${PUBLISHED_SOURCE}): the "Call Update Requested" event requestEventId was not applied. final=true: this is the outcome (invalid event, source not allowed, the call's state, unknown call, a redirect whose outcome is unknown, ...). final=false: a transient failure; the event is retried automatically and a later "Call Updated" or "Call Update Failed" with the same requestEventId follows, unless the retries run out and the event lands in the dead-letter queue.`,
    type: 'object',
    required: [...resultBaseRequired, 'accountSid', 'callSid', 'action', 'api', 'final', 'error'],
    additionalProperties: false,
    properties: {
      requestEventId: requestEventIdProperty,
      requestSource: requestSourceProperty,
      correlationId: {
        description: "The request's correlationId; null when it gave none (or none that was well-formed).",
        type: ['string', 'null'],
      },
      idempotencyKey: idempotencyKeyEchoProperty,
      replayed: {
        description: 'true: a repeat of a request already handled; this is the outcome recorded then.',
        type: 'boolean',
      },
      accountSid: {
        description: 'The project, as given or resolved; null when unknown.',
        type: ['string', 'null'],
      },
      callSid: {
        description: 'The call, when the request named a well-formed one.',
        type: ['string', 'null'],
      },
      action: { type: ['string', 'null'], enum: [...CALL_UPDATE_REQUEST_ACTIONS, null] },
      api: {
        description:
          'The API that owns the call, as the request named it or as found by reading; null when not known (e.g. an invalid request, or a call neither API knows).',
        type: ['string', 'null'],
        enum: [...CALL_APIS, null],
      },
      final: {
        description:
          'false: the failure was transient and the request is being retried; wait for a later result.',
        type: 'boolean',
      },
      error: { $ref: '#/definitions/Error' },
    },
    definitions: {
      Error: {
        description: 'The same error the HTTP API answers, without HTTP.',
        type: 'object',
        required: ['code', 'message', 'retryable'],
        additionalProperties: false,
        properties: {
          code: {
            description:
              'Stable error code: INVALID_REQUEST (invalid event, source not allowed, reused idempotency key, an absent, unreadable or future time: see violations), CALL_NOT_FOUND, CALL_STATE_CONFLICT, ACCOUNT_NOT_CONFIGURED, UPSTREAM_*, REDIRECT_OUTCOME_UNKNOWN, EVENT_TOO_OLD (the event is older than its idempotency record is certain to be kept: see eventTime and maxEventAgeSeconds), CREDENTIALS_UNAVAILABLE, INTERNAL_ERROR.',
            type: 'string',
            enum: ERROR_CODES,
          },
          message: { type: 'string' },
          retryable: {
            description: 'Whether sending the same request again later could succeed.',
            type: 'boolean',
          },
          violations: {
            description: `For INVALID_REQUEST: one entry per rejected field and rule, the first ${MAX_LISTED_VIOLATIONS} at most (see moreViolations); field names are cut at 64 characters and messages at ${MAX_VIOLATION_MESSAGE_CHARS}.`,
            type: 'array',
            maxItems: MAX_LISTED_VIOLATIONS,
            items: {
              type: 'object',
              required: ['field', 'rule', 'message'],
              additionalProperties: false,
              properties: {
                field: { type: 'string', minLength: 1, maxLength: 64 },
                rule: { type: 'string', minLength: 1 },
                message: { type: 'string', maxLength: MAX_VIOLATION_MESSAGE_CHARS },
              },
            },
          },
          moreViolations: {
            description: 'How many violations were found beyond the ones listed in violations.',
            type: 'integer',
            minimum: 1,
          },
          eventTime: {
            description:
              'For EVENT_TOO_OLD: the time of the "Call Update Requested" event (EventBridge\'s time, which an archive replay keeps).',
            type: 'string',
            format: 'date-time',
          },
          maxEventAgeSeconds: {
            description:
              'For EVENT_TOO_OLD: how old a request may be when it arrives (the idempotency window less twice the clock tolerance).',
            type: 'integer',
            minimum: 1,
          },
          signalwire: {
            description: "SignalWire's own error, when it answered with one.",
            type: 'object',
            required: ['status', 'code', 'message', 'more_info'],
            additionalProperties: false,
            properties: {
              status: { description: 'HTTP status SignalWire answered.', type: 'integer' },
              code: {
                description: "SignalWire's error code, e.g. 21220, 10000, 20404.",
                type: ['integer', 'null'],
              },
              message: { type: 'string' },
              more_info: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
  }) as const)();

/** The "Call Update Failed" contract, for the infra, `npm run schemas` and the docs. */
export const callUpdateFailedContract = {
  detailType: CALL_UPDATE_FAILED,
  fileName: 'call-update-failed.schema.json',
  schemaType: 'CallUpdateFailed',
  detailJsonSchema: callUpdateFailedDetailJsonSchema,
} as const satisfies EventContract;
