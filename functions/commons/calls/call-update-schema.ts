import { SID_PATTERN } from '../signalwire/sids.ts';
import { CALL_UPDATE_FIELDS, HTTP_METHODS, UPDATE_STATUSES } from '../signalwire/types.ts';
import { HTTP_URL, IP_LITERAL, PORT } from '../validation/http-url.ts';

// A callback URL's rule is `validation/http-url.ts`'s, where a refusal is worded by the same parts. Built by
// calls marked pure, as the schemas below: a bundler keeps a template literal with substitutions even when nothing
// reads it, and the compiled validators have these patterns already.
const callbackUrl = /* @__PURE__ */ (() =>
  ({ type: 'string', format: 'uri', pattern: `^${HTTP_URL}`, maxLength: 2048 }) as const)();
const method = /* @__PURE__ */ (() => ({ type: 'string', enum: [...HTTP_METHODS] }) as const)();

/**
 * The update a caller may ask for, in SignalWire's field names, with this project's rules on top of
 * SignalWire's schema: at least one field; a method only with its URL; never `Status` and `Url` together
 * (end the call or redirect it, not both); nothing else. Shared by the HTTP route and the event contract.
 * Compiled ahead of time, so built by a call marked pure that the bundles leave out (as the contracts' JSON
 * Schemas: events/contracts/json-schema-parts.ts says why).
 */
export const callUpdateSchema = /* @__PURE__ */ (() =>
  ({
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
  }) as const)();

/** camelCase spellings callers may use instead of SignalWire's PascalCase ones. */
export const CALL_UPDATE_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  CALL_UPDATE_FIELDS.map((field) => [field[0]?.toLowerCase() + field.slice(1), field]),
);

/** A SignalWire SID (call or project): a UUID. */
export const sidSchema = {
  type: 'string',
  pattern: SID_PATTERN,
} as const;

/** A percent-encoded octet, the only `%` a SIP URI holds (RFC 3261's `escaped`). */
const ESCAPED = '%[0-9A-Fa-f]{2}';

/**
 * Where a native call may be transferred (`calling.transfer`'s `dest`): a SIP URI (`sip:`/`sips:`, an optional
 * user, a host: a name, IPv4 or IPv6 in brackets; an optional port from 1 to 65535 and parameters; `%` only as
 * `%XX`), a phone number in E.164, or the http(s) URL of a SWML script with the callback URLs' rules (a port from
 * 1 to 65535, no `user:password@`, printable ASCII, and the `uri` format: {@link transferDestSchema}). The one rule
 * of the HTTP transfer route and the "Call Update Requested" event. SignalWire also takes an inline SWML document;
 * this project does not, since the published spec leaves SWML's schema out and a document it cannot check would
 * reach SignalWire unchecked.
 */
export const TRANSFER_DEST_PATTERN = /* @__PURE__ */ (() =>
  `^(?:sips?:(?:(?:[A-Za-z0-9._~!$&'()*+,;=-]|${ESCAPED})+@)?(?:${IP_LITERAL}|[A-Za-z0-9.-]+)(?::${PORT})?(?:;(?:[A-Za-z0-9._~=-]|${ESCAPED})+)*$` +
  '|\\+[1-9][0-9]{6,14}$' +
  // Printable ASCII throughout, the host included (the callback URLs' `uri` format holds them to it; this does).
  `|(?=[!-~]+$)${HTTP_URL}[!-~]*$)`)();

/**
 * `dest`'s schema: the pattern, and for an http(s) URL the `uri` format too, as a callback URL's schema has it
 * (the characters to percent-encode, a `%` not in `%XX`, a second `#`, an IPv6 host that is none). In draft-04
 * words (`anyOf`, no `if`), since the event contract's published schema is draft-04.
 */
export const transferDestSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  pattern: TRANSFER_DEST_PATTERN,
  anyOf: [{ pattern: '^(?![Hh][Tt][Tt][Pp][Ss]?:)' }, { format: 'uri' }],
} as const;

/** The words for a `dest` that is none of the three. */
export const TRANSFER_DEST_RULE =
  'must be a SIP URI (sip:…), an E.164 phone number (+…) or an absolute http(s) SWML URL';

/** A transfer's fields: the body of `POST /calls/{callSid}/transfer` and a "Call Update Requested"'s `transfer`. */
export const transferSchema = {
  type: 'object',
  required: ['dest'],
  additionalProperties: false,
  properties: { dest: transferDestSchema },
} as const;

/** Names a transfer may carry. */
export const TRANSFER_FIELDS = ['dest'] as const;
