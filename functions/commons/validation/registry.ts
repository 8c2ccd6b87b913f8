import { cleanupEventSchema, cleanupPolicyInputSchema } from '../cleanup/policy-schemas.ts';
import { callUpdateRequestedEventSchema } from '../events/contracts/call-update-requested.ts';
import {
  getCallEventSchema,
  listCallsEventSchema,
  terminateCallEventSchema,
  transferCallEventSchema,
  updateCallEventSchema,
} from '../http/schemas.ts';

/**
 * Every schema the functions validate with, compiled ahead of time by `npm run validators` into
 * `generated/<module>.js`, each validator exported under its key here. Add a schema, run the script, import.
 */
export const VALIDATOR_MODULES = {
  /**
   * HTTP events: query strings are coerced (`pageSize=5` is a number), but never into or out of an array
   * (`coerceTypes: true`, not middy's `'array'`): a field sent twice is refused, not silently reduced to one
   * of its values.
   */
  validators: {
    options: { coerceTypes: true, useDefaults: 'empty' },
    schemas: {
      validateUpdateCallEvent: updateCallEventSchema,
      validateTerminateCallEvent: terminateCallEventSchema,
      validateGetCallEvent: getCallEventSchema,
      validateListCallsEvent: listCallsEventSchema,
      validateTransferCallEvent: transferCallEventSchema,
    },
  },
  /** JSON documents (policies, events): no coercion, no defaults (`"300"` is not a number); errors keep their schema for messages. */
  'strict-validators': {
    options: { coerceTypes: false, useDefaults: false, verbose: true },
    schemas: {
      validateCleanupPolicyInput: cleanupPolicyInputSchema,
      validateCleanupEvent: cleanupEventSchema,
      validateCallUpdateRequestedEvent: callUpdateRequestedEventSchema,
    },
  },
} as const;
