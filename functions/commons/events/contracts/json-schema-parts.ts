import { callUpdateSchema } from '../../calls/call-update-schema.ts';
import { SID_PATTERN } from '../../signalwire/sids.ts';

/*
 * The contracts' JSON Schemas are for the infra, `npm run schemas` and the docs; no function reads one at run
 * time. Each is built by an arrow function called in place and annotated `@__PURE__` (free of side effects), so
 * that a bundle leaves it out: a bundler keeps a constant whose literal spreads an array (`[...resultBaseRequired]`)
 * unless told it can go, and every function that imports a contract's types or names carried them all.
 */

/** Every schema file declares draft-04: the EventBridge schema registry reads `JSONSchemaDraft4`. */
export const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

/** A SignalWire SID (call or project): a UUID. */
export const sidDefinition = { type: 'string', pattern: SID_PATTERN } as const;

/** The fields every result event ("Call Updated", "Call Update Failed") carries to tie it to its request. */
export const resultBaseRequired = [
  'requestEventId',
  'requestSource',
  'correlationId',
  'idempotencyKey',
  'replayed',
] as const;

export const requestEventIdProperty = {
  description: 'id of the "Call Update Requested" event this answers.',
  type: 'string',
} as const;
export const requestSourceProperty = { description: 'source of that event.', type: 'string' } as const;
export const idempotencyKeyEchoProperty = {
  description: "The request's idempotencyKey; null when it gave none.",
  type: ['string', 'null'],
} as const;

const { dependentRequired, not, properties } = callUpdateSchema;

/**
 * The update of a "Call Update Requested", spelled in draft-04: `callUpdateSchema` itself (the rules the
 * HTTP route and the event function apply), with `dependentRequired` written as draft-04's `dependencies`
 * and `not`'s `properties: { Status: true }` (booleans are no draft-04 schemas) left out.
 */
export const callUpdateDefinition = {
  description:
    "SignalWire's Update a Call fields, in its spelling. At least one field; a method only with its URL; never Status and Url together (end the call or redirect it, not both); no other field.",
  type: callUpdateSchema.type,
  minProperties: callUpdateSchema.minProperties,
  additionalProperties: callUpdateSchema.additionalProperties,
  properties: {
    Url: {
      description: 'Redirects the call to this LaML (only while it is in progress).',
      ...properties.Url,
    },
    Method: properties.Method,
    Status: {
      description: 'completed ends the call; canceled ends it only while queued or ringing.',
      ...properties.Status,
    },
    FallbackUrl: properties.FallbackUrl,
    FallbackMethod: properties.FallbackMethod,
    StatusCallback: properties.StatusCallback,
    StatusCallbackMethod: properties.StatusCallbackMethod,
  },
  dependencies: dependentRequired,
  not: { type: not.type, required: not.required },
} as const;
