import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FieldViolation } from '../errors.ts';
import { CALL_UPDATE_REQUESTED_FIELDS } from '../events/contracts.ts';
import { validateCallUpdateRequestedEvent } from '../generated/strict-validators.cjs';
import { CALL_UPDATE_FIELDS } from '../signalwire/types.ts';
import { keyViolations, type ViolationContext, violationsFromAjv } from '../validation/violations.ts';

/**
 * Precompiled strictly (no type coercion): unlike a query string, an event's JSON is typed, and the
 * published JSON Schema does not coerce either.
 */
const validateEvent = validateCallUpdateRequestedEvent as unknown as ValidateFunction;

/** Words for the violations of a "Call Update Requested". */
const CALL_UPDATE_REQUESTED_VIOLATIONS: ViolationContext = {
  allowed: { detail: CALL_UPDATE_REQUESTED_FIELDS, update: CALL_UPDATE_FIELDS },
  patterns: {
    idempotencyKey: 'must be 1 to 128 printable ASCII characters without spaces',
    correlationId: 'must be 1 to 128 printable ASCII characters without spaces',
  },
};

/**
 * Ajv reports paths from the event's root (`/detail/update/Url`); the update's fields are named as on the
 * HTTP route (`Url`, container `update`), the detail's as themselves (`callSid`, container `detail`).
 */
const fromUpdate = (error: ErrorObject): ErrorObject =>
  error.instancePath === '/detail/update' || error.instancePath.startsWith('/detail/update/')
    ? { ...error, instancePath: error.instancePath.slice('/detail'.length) }
    : error;

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
  return validateEvent(event)
    ? []
    : violationsFromAjv((validateEvent.errors ?? []).map(fromUpdate), CALL_UPDATE_REQUESTED_VIOLATIONS);
};
