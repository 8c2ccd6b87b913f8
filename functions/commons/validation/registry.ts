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
 * `generated/<module>.cjs`, each validator exported under its key here. Add a schema, run the script, import.
 */
export const VALIDATOR_MODULES = {
  /**
   * HTTP events, with @middy/validator's `transpileSchema` options: query strings are coerced
   * (`pageSize=5` is a number), but never into or out of an array: a field sent twice is refused, not
   * silently reduced to one of its values.
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
    // Written as one file per group of the functions that use it (the cleanup and the HTTP API's dry run; the
    // event consumer), so that each bundle carries only its own (scripts/compile-validators.ts). A policy and a
    // cleanup event share their rules, so they are compiled together.
    files: {
      'cleanup-policy': ['validateCleanupPolicyInput', 'validateCleanupEvent'],
      'call-update-requested': ['validateCallUpdateRequestedEvent'],
    },
    options: { coerceTypes: false, useDefaults: false, verbose: true },
    schemas: {
      validateCleanupPolicyInput: cleanupPolicyInputSchema,
      validateCleanupEvent: cleanupEventSchema,
      validateCallUpdateRequestedEvent: callUpdateRequestedEventSchema,
    },
  },
} as const;
