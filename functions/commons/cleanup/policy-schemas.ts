import { sidSchema } from '../calls/call-update-schema.ts';
import { CALL_APIS } from '../calls/result.ts';
import { CALL_DIRECTIONS } from '../signalwire/types.ts';

/**
 * JSON Schemas of the cleanup policy and the scheduler's input. Compiled ahead of time, strictly, by
 * `npm run validators` (see functions/commons/validation/registry.ts); `policy.ts` uses the validators.
 */

// Nothing younger than a minute is "stuck", and the floor catches a policy written in the wrong unit.
export const MIN_AGE_SECONDS = 60;
export const MAX_AGE_SECONDS = 30 * 86_400;
export const MAX_CALLS_TO_END = 10_000;
const MAX_LIST_ITEMS = 1_000;

const ageSchema = { type: 'integer', minimum: MIN_AGE_SECONDS, maximum: MAX_AGE_SECONDS } as const;
const addressSchema = { type: 'string', minLength: 1, maxLength: 256 } as const;
const addressListSchema = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_LIST_ITEMS,
  uniqueItems: true,
  items: addressSchema,
} as const;
const addressFilterSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { prefixes: addressListSchema, numbers: addressListSchema },
} as const;

/** One policy source (env default or schedule input): the rules on each field, none required. */
export const cleanupPolicyInputSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAgeSeconds: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { inProgress: ageSchema, queued: ageSchema, ringing: ageSchema },
    },
    to: addressFilterSchema,
    from: addressFilterSchema,
    directions: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: [...CALL_DIRECTIONS] },
    },
    // Which kinds of call the policy covers (both when absent): `compatibility`, `calling` (native).
    apis: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: [...CALL_APIS] },
    },
    neverTouch: { type: 'array', maxItems: MAX_LIST_ITEMS, uniqueItems: true, items: addressSchema },
    maxCallsToEnd: { type: 'integer', minimum: 1, maximum: MAX_CALLS_TO_END },
    dryRun: { type: 'boolean' },
    accountSid: sidSchema,
  },
} as const;

export const cleanupEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['scheduleName'],
  properties: {
    // EventBridge Scheduler's own rule for schedule names.
    scheduleName: { type: 'string', pattern: '^[0-9A-Za-z._-]{1,64}$' },
    policy: cleanupPolicyInputSchema,
    // Put in by EventBridge Scheduler itself through its context attributes (<aws.scheduler.schedule-arn>, ...).
    scheduler: {
      type: 'object',
      additionalProperties: false,
      required: ['scheduleArn', 'executionId'],
      properties: {
        scheduleArn: {
          type: 'string',
          pattern:
            '^arn:aws[a-z-]*:scheduler:[a-z0-9-]+:[0-9]{12}:schedule/[0-9A-Za-z._-]{1,64}/[0-9A-Za-z._-]{1,64}$',
        },
        executionId: { type: 'string', pattern: '^[!-~]{1,128}$' },
        scheduledTime: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' },
        attemptNumber: { type: 'string', pattern: '^[0-9]{1,3}$' },
      },
    },
  },
} as const;
