import type { ErrorObject, ValidateFunction } from 'ajv';
import { validateCleanupEvent, validateCleanupPolicyInput } from '#commons/generated/strict-validators';
import type { SchedulerInvocation } from '../calls/audit-actors.ts';
import { CALL_APIS, type CallApi } from '../calls/result.ts';
import { type FieldViolation, RequestValidationError } from '../errors.ts';
import { ENV } from '../platform/settings.ts';
import type { ActiveCallStatus, CallDirection } from '../signalwire/types.ts';
import { violationsFromAjv } from '../validation/violations.ts';

/**
 * The cleanup policy: which live calls count as stale and may be ended. Every field is camelCase JSON, set
 * in `CLEANUP_DEFAULT_POLICY` and/or in a schedule's input (`policy`); see {@link resolvePolicy} for how the
 * two combine. Validation is strict: an unknown field, a wrong type or an out-of-range value is refused with
 * a message naming the field, and nothing is ended.
 */

/** Seconds a call may stay in a state before it counts as stale. A state without a value is never cleaned. */
export interface MaxAgeSeconds {
  /** Age by `start_time` (when the call was answered). */
  inProgress?: number;
  /** Age by `date_created`. */
  queued?: number;
  /** Age by `date_created`. */
  ringing?: number;
}

/** Matches a number (or SIP address) exactly or by prefix; a call matches when either list matches it. */
export interface AddressFilter {
  /** E.g. `+1310` matches `+13105550100`. */
  prefixes?: string[];
  numbers?: string[];
}

/** The policy as it is written (env default or schedule input): every field optional. */
export interface CleanupPolicyInput {
  maxAgeSeconds?: MaxAgeSeconds;
  to?: AddressFilter;
  from?: AddressFilter;
  directions?: CallDirection[];
  apis?: CallApi[];
  neverTouch?: string[];
  maxCallsToEnd?: number;
  dryRun?: boolean;
  accountSid?: string;
}

/** The policy a run applies: merged, validated, defaults filled in. */
export interface CleanupPolicy {
  /** At least one state. Each value from 60 s to 30 days. Required (no built-in default). */
  maxAgeSeconds: MaxAgeSeconds;
  /** Only calls whose `to` matches. @default - any `to` */
  to?: AddressFilter;
  /** Only calls whose `from` matches. @default - any `from` */
  from?: AddressFilter;
  /** Only calls in these directions. @default - any direction */
  directions?: CallDirection[];
  /**
   * The kinds of call the policy covers: `compatibility` (cXML/LaML calls, found through List Calls) and
   * `calling` (native calls: SWML, RELAY, AI agents, found through the voice logs). Narrows, never widens.
   * @default ['compatibility', 'calling']
   */
  apis: CallApi[];
  /**
   * Numbers, SIP addresses or call SIDs never touched, whatever else matches: a call is spared when its
   * `sid`, `parent_call_sid`, `to` or `from` is listed (compared case-insensitively). @default []
   */
  neverTouch: string[];
  /**
   * The circuit breaker: at most this many end requests per run (1 to 10,000). Once reached, nothing more is
   * ended; the run keeps listing only to count how many more calls were eligible. @default 100
   */
  maxCallsToEnd: number;
  /** Report, and audit as `would-end`, what would be ended; end nothing. @default false */
  dryRun: boolean;
  /** The SignalWire project (Project ID) to clean. @default - the secret's default project */
  accountSid?: string;
}

/** The input EventBridge Scheduler sends (`ScheduleTargetInput`), or a hand-made invocation. */
export interface CleanupEvent {
  /** The schedule's name: the audit records' actor. */
  scheduleName: string;
  /** Fields that replace the default policy's for this schedule. */
  policy?: CleanupPolicyInput;
  /** What EventBridge Scheduler attests about this invocation (its context attributes). */
  scheduler?: SchedulerInvocation;
}

export const POLICY_DEFAULTS = { neverTouch: [], maxCallsToEnd: 100, dryRun: false } as const;

/** Policy key of each state the cleanup ends, in the order the run lists them (billed calls first). */
export const CLEANED_STATES = [
  { status: 'in-progress', key: 'inProgress' },
  { status: 'ringing', key: 'ringing' },
  { status: 'queued', key: 'queued' },
] as const satisfies ReadonlyArray<{ status: ActiveCallStatus; key: keyof MaxAgeSeconds }>;

// Precompiled (scripts/compile-validators.ts) strictly: no type coercion and no defaults injected, so "300" is
// not a number and a typo is not ignored.
const validatePolicyInput = validateCleanupPolicyInput as unknown as ValidateFunction;
const validateEvent = validateCleanupEvent as unknown as ValidateFunction;

const PATTERN_WORDS: Readonly<Record<string, string>> = {
  scheduleName: 'must be 1 to 64 letters, digits, dots, dashes or underscores (a schedule name)',
  'policy.accountSid': 'must be a SignalWire Project ID (a UUID)',
  [`${ENV.cleanupDefaultPolicy}.accountSid`]: 'must be a SignalWire Project ID (a UUID)',
};

/** The policy's refusals, worded by the one translator every trigger uses, fields named from `prefix`. */
const violationsOf = (errors: readonly ErrorObject[] | null | undefined, prefix: string): FieldViolation[] =>
  violationsFromAjv(errors, { prefix, patterns: PATTERN_WORDS });

/**
 * Validates one policy source. `source` prefixes every field name in the errors (`policy`,
 * `CLEANUP_DEFAULT_POLICY`), so a message says where the bad value was written.
 * @throws RequestValidationError naming each bad field
 */
export const parsePolicyInput = (value: unknown, source: string): CleanupPolicyInput => {
  if (!validatePolicyInput(value)) {
    throw new RequestValidationError(violationsOf(validatePolicyInput.errors, source));
  }
  return value as CleanupPolicyInput;
};

/**
 * Reads `CLEANUP_DEFAULT_POLICY`: unset or blank means no default; anything else must be a valid policy
 * source (it may lack `maxAgeSeconds` when every schedule sets its own).
 * @throws Error when the variable is not JSON; RequestValidationError when a field is invalid
 */
export const parseDefaultPolicy = (json: string | undefined): CleanupPolicyInput | undefined => {
  if (json === undefined || json.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`environment variable ${ENV.cleanupDefaultPolicy} must be a JSON object`);
  }
  return parsePolicyInput(value, ENV.cleanupDefaultPolicy);
};

/**
 * Combines the default policy and a schedule's policy into the one a run applies. Field by field, a field
 * the schedule sets replaces the default's whole value (so a schedule that names only `ringing` in
 * `maxAgeSeconds` does not also inherit the default's `inProgress`), except `neverTouch`: the two lists are
 * joined, because a schedule may protect more calls but never unprotect one the default protects.
 * @throws RequestValidationError when neither source sets `maxAgeSeconds`
 */
export const resolvePolicy = (
  defaults: CleanupPolicyInput | undefined,
  override: CleanupPolicyInput | undefined,
): CleanupPolicy => {
  const merged: CleanupPolicyInput = { ...defaults, ...override };
  const neverTouch = [...new Set([...(defaults?.neverTouch ?? []), ...(override?.neverTouch ?? [])])];
  const { maxAgeSeconds } = merged;
  if (maxAgeSeconds === undefined) {
    throw new RequestValidationError([
      {
        field: 'maxAgeSeconds',
        rule: 'required',
        message: `maxAgeSeconds is required, in the schedule's policy or in ${ENV.cleanupDefaultPolicy}`,
      },
    ]);
  }
  return {
    ...merged,
    maxAgeSeconds,
    neverTouch,
    apis: merged.apis ?? [...CALL_APIS],
    maxCallsToEnd: merged.maxCallsToEnd ?? POLICY_DEFAULTS.maxCallsToEnd,
    dryRun: merged.dryRun ?? POLICY_DEFAULTS.dryRun,
  };
};

/**
 * Validates a cleanup invocation's input and resolves its policy over the default.
 * @throws RequestValidationError naming each bad field (`scheduleName`, `policy.maxAgeSeconds.queued`, ...)
 */
export const parseCleanupEvent = (
  event: unknown,
  defaults: CleanupPolicyInput | undefined,
): { scheduleName: string; policy: CleanupPolicy; scheduler?: SchedulerInvocation } => {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    // Ajv names the root ""; a refusal always names a field.
    throw new RequestValidationError([
      {
        field: 'event',
        rule: 'type',
        message: 'event must be an object: { scheduleName, policy?, scheduler? }',
      },
    ]);
  }
  if (!validateEvent(event)) throw new RequestValidationError(violationsOf(validateEvent.errors, ''));
  const { scheduleName, policy, scheduler } = event as CleanupEvent;
  return { scheduleName, policy: resolvePolicy(defaults, policy), ...(scheduler ? { scheduler } : {}) };
};
