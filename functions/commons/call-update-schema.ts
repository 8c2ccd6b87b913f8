import { CALL_UPDATE_FIELDS, HTTP_METHODS, UPDATE_STATUSES } from './signalwire/types.ts';

/**
 * A callback URL: absolute http(s) with a host, as SignalWire must be able to fetch it. No user:password in
 * it: credentials in a URL would be written to audit records and result events.
 */
const callbackUrl = {
  type: 'string',
  format: 'uri',
  pattern: '^https?://[^\\s/?#@]+(?:[/?#]|$)',
  maxLength: 2048,
} as const;
const method = { type: 'string', enum: [...HTTP_METHODS] } as const;

/**
 * The update a caller may ask for, in SignalWire's field names, with this project's rules on top of
 * SignalWire's schema: at least one field; a method only with its URL; never `Status` and `Url` together
 * (end the call or redirect it, not both); nothing else. Shared by the HTTP route and the event contract.
 */
export const callUpdateSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    Url: callbackUrl,
    Method: method,
    Status: { type: 'string', enum: [...UPDATE_STATUSES] },
    FallbackUrl: callbackUrl,
    FallbackMethod: method,
    StatusCallback: callbackUrl,
    StatusCallbackMethod: method,
  },
  dependentRequired: {
    Method: ['Url'],
    FallbackMethod: ['FallbackUrl'],
    StatusCallbackMethod: ['StatusCallback'],
  },
  // `type` inside `not`, so that a body that is not an object fails on `type` alone, not on this rule too.
  not: { type: 'object', required: ['Status', 'Url'], properties: { Status: true, Url: true } },
} as const;

/** camelCase spellings callers may use instead of SignalWire's PascalCase ones. */
export const CALL_UPDATE_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  CALL_UPDATE_FIELDS.map((field) => [field[0]?.toLowerCase() + field.slice(1), field]),
);

/** A SignalWire SID (call or project): a UUID. */
export const sidSchema = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;
