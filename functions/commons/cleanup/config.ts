import { readInteger } from '../platform/config.ts';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_TIME_MARGIN_MS,
  ENV,
} from '../platform/settings.ts';
import { type CleanupPolicyInput, parseDefaultPolicy } from './policy.ts';

/** Settings of the cleanup function, from its environment. */
export interface CleanupConfig {
  /** `CLEANUP_DEFAULT_POLICY`: the policy a schedule's own `policy` is merged over. */
  defaultPolicy: CleanupPolicyInput | undefined;
  /** `CLEANUP_CONCURRENCY`: end requests in flight at once, 1 to 50. @default 10 */
  concurrency: number;
  /** `CLEANUP_TIME_MARGIN_MS`: time kept in reserve before the Lambda timeout. @default 10000 */
  timeMarginMs: number;
  /** `CLEANUP_MAX_ENDS_PER_SECOND`: end requests started per second, 1 to 1380. @default 200 */
  maxEndsPerSecond: number;
}

/** Reads and validates the cleanup settings; a bad value fails the cold start, naming the variable. */
export const readCleanupConfig = (): CleanupConfig => ({
  defaultPolicy: parseDefaultPolicy(process.env[ENV.cleanupDefaultPolicy]),
  concurrency: readInteger(ENV.cleanupConcurrency, CLEANUP_CONCURRENCY),
  timeMarginMs: readInteger(ENV.cleanupTimeMarginMs, CLEANUP_TIME_MARGIN_MS),
  maxEndsPerSecond: readInteger(ENV.cleanupMaxEndsPerSecond, CLEANUP_ENDS_PER_SECOND),
});
