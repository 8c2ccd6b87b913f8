import { RequestValidationError } from '#commons/errors';
import { validateGetCallEvent, validateUpdateCallEvent } from '#commons/generated/validators';
import type { CallUpdate } from '#commons/signalwire/types';
import { violationsFromAjv } from '#commons/validation/violations';
import { UsageError } from './errors.ts';

/**
 * The functions' own precompiled validators, run before anything is sent (in every mode, so `--direct`
 * refuses exactly what the API refuses): a bad SID or update never leaves the machine.
 */
const check = (valid: boolean, errors: Parameters<typeof violationsFromAjv>[0]): void => {
  if (valid) return;
  const error = new RequestValidationError(violationsFromAjv(errors));
  throw new UsageError(
    error.violations.map((violation) => violation.message).join('; '),
    'Call SIDs are UUIDs (see `call-control calls list`); URLs are absolute http(s) URLs without user:password.',
  );
};

export const checkCallSid = (callSid: string): string => {
  const sid = callSid.toLowerCase();
  check(validateGetCallEvent({ pathParameters: { callSid: sid } }), validateGetCallEvent.errors);
  return sid;
};

export const checkUpdate = (callSid: string, update: CallUpdate): void => {
  check(
    validateUpdateCallEvent({ pathParameters: { callSid }, body: update }),
    validateUpdateCallEvent.errors,
  );
};
