import { RequestValidationError } from '#commons/errors';
import { validateGetCallEvent, validateUpdateCallEvent } from '#commons/generated/validators';
import type { CallUpdate } from '#commons/signalwire/types';
import { violationsFromAjv } from '#commons/validation/violations';
import { type Hint, UsageError } from './errors.ts';
import { visible } from './safe-text.ts';

/**
 * The functions' own precompiled validators, run before anything is sent (in every mode, so `--direct`
 * refuses exactly what the API refuses): a bad SID or update never leaves the machine.
 */
const check = (valid: boolean, errors: Parameters<typeof violationsFromAjv>[0], hint: Hint): void => {
  if (valid) return;
  const error = new RequestValidationError(violationsFromAjv(errors));
  throw new UsageError(error.violations.map((violation) => violation.message).join('; '), hint);
};

/**
 * A call SID as typed or pasted: surrounding spaces, tabs, CR and LF (a copied line) are trimmed; anything
 * else that is not a UUID is refused, saying what it is.
 */
export const checkCallSid = (callSid: string): string => {
  const sid = callSid.trim().toLowerCase();
  if (!validateGetCallEvent({ pathParameters: { callSid: sid } })) {
    throw new UsageError(
      `"${visible(callSid)}" is not a call SID (callSid must be a UUID: 36 characters, 8-4-4-4-12 hexadecimal digits${sid.length !== 36 ? `; this is ${sid.length}` : ''})`,
      (command) => `\`${command('calls list')}\` shows the calls and their SIDs.`,
    );
  }
  return sid;
};

export const checkUpdate = (callSid: string, update: CallUpdate): void => {
  const hint: Hint =
    update.Status !== undefined && update.Url !== undefined
      ? (command) =>
          `End the call (\`${command(`calls end ${callSid}`)}\`) or redirect it (\`${command(`calls redirect ${callSid} --url URL`)}\`): one or the other, not both.`
      : 'URLs are absolute http(s) URLs without user:password; methods are GET or POST; --status is completed or canceled.';
  check(
    validateUpdateCallEvent({ pathParameters: { callSid }, body: update }),
    validateUpdateCallEvent.errors,
    hint,
  );
};
