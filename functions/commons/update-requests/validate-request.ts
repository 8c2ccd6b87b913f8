import type { ErrorObject, ValidateFunction } from 'ajv';
import { validateCallUpdateRequestedEvent } from '#commons/generated/strict-validators';
import { TRANSFER_DEST_RULE, TRANSFER_FIELDS } from '../calls/call-update-schema.ts';
import type { FieldViolation } from '../errors.ts';
import { CALL_UPDATE_REQUESTED_FIELDS } from '../events/contracts.ts';
import { CALL_UPDATE_FIELDS } from '../signalwire/types.ts';
import { keyViolations, type ViolationContext, violationsFromAjv } from '../validation/violations.ts';

/**
 * Precompiled strictly (no type coercion): unlike a query string, an event's JSON is typed, and the
 * published JSON Schema does not coerce either.
 */
const validateEvent = validateCallUpdateRequestedEvent as unknown as ValidateFunction;

/** Words for the violations of a "Call Update Requested". */
const CALL_UPDATE_REQUESTED_VIOLATIONS: ViolationContext = {
  allowed: { detail: CALL_UPDATE_REQUESTED_FIELDS, update: CALL_UPDATE_FIELDS, transfer: TRANSFER_FIELDS },
  patterns: {
    dest: TRANSFER_DEST_RULE,
    idempotencyKey: 'must be 1 to 128 printable ASCII characters without spaces',
    correlationId: 'must be 1 to 128 printable ASCII characters without spaces',
  },
};

/**
 * Ajv reports paths from the event's root (`/detail/update/Url`); the update's and the transfer's fields are
 * named as on the HTTP routes (`Url`, container `update`; `dest`, container `transfer`), the detail's as
 * themselves (`callSid`, container `detail`).
 */
const fromUpdate = (error: ErrorObject): ErrorObject =>
  /^\/detail\/(?:update|transfer)(?:\/|$)/.test(error.instancePath)
    ? { ...error, instancePath: error.instancePath.slice('/detail'.length) }
    : error;

/** `update` with a transfer, `transfer` with an update or a terminate: the schema's `false`, in words. */
const misplaced = (error: ErrorObject): FieldViolation | undefined => {
  if (error.keyword !== 'false schema') return undefined;
  const field = error.instancePath === '/detail/transfer' ? 'transfer' : 'update';
  const actions = field === 'transfer' ? 'transfer' : 'update or terminate';
  return { field, rule: 'action', message: `${field} is only allowed with action ${actions}` };
};

/**
 * Checks a "Call Update Requested" event as the function does: one violation per field and rule, in the
 * words the HTTP API uses; empty when the event is valid.
 */
export const callUpdateRequestViolations = (event: unknown): FieldViolation[] => {
  // Reserved and empty names first, by name: as on the HTTP routes, whatever the schema says of them.
  const detail =
    typeof event === 'object' && event !== null ? (event as { detail?: unknown }).detail : undefined;
  const named = keyViolations(detail);
  if (named.length > 0) return named;
  if (validateEvent(event)) return [];
  const errors = validateEvent.errors ?? [];
  const placement = errors.map(misplaced).filter((violation) => violation !== undefined);
  return [
    ...placement,
    ...violationsFromAjv(errors.filter((error) => error.keyword !== 'false schema').map(fromUpdate), {
      ...CALL_UPDATE_REQUESTED_VIOLATIONS,
      input: detail,
    }),
  ];
};
