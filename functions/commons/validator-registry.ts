import {
  getCallEventSchema,
  listCallsEventSchema,
  terminateCallEventSchema,
  updateCallEventSchema,
} from './http/schemas.ts';

/**
 * Every schema the functions validate with, by the name its precompiled validator is exported under from
 * `generated/validators.js`. Add a schema here, run `npm run validators`, import the validator.
 */
export const VALIDATOR_SCHEMAS = {
  validateUpdateCallEvent: updateCallEventSchema,
  validateTerminateCallEvent: terminateCallEventSchema,
  validateGetCallEvent: getCallEventSchema,
  validateListCallsEvent: listCallsEventSchema,
} as const;
