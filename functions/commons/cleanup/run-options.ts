import type { AuditActor, AuditLog, AuditTrigger } from '../calls/audit.ts';
import type { NativeCallsApi } from '../calls/port.ts';
import {
  CLEANUP_CONCURRENCY,
  CLEANUP_ENDS_PER_SECOND,
  CLEANUP_TIME_MARGIN_MS,
  type IntegerRange,
  inRange,
} from '../platform/settings.ts';

/** Options of {@link runCleanup}. */
export interface CleanupOptions {
  /** The schedule's name: the report's `scheduleName`. */
  scheduleName: string;
  /**
   * Who started the run, for the audit records (see `scheduleActor`).
   * @default - the schedule's name, as claimed by the input
   */
  actor?: AuditActor;
  /** The project `api` belongs to, for the audit records and the report. */
  accountSid: string;
  /**
   * The same project's native Calling API and voice logs: required when the policy covers `calling` (its
   * default), since native calls are found and ended only there.
   */
  native?: NativeCallsApi;
  /** Where audit records go (one `call-control audit` line per call acted on). */
  logger: AuditLog;
  /** The audit records' trigger: `cli` when the `call-control` CLI runs the engine itself. @default 'schedule' */
  trigger?: AuditTrigger;
  /** End requests in flight at once (1 to 50). @default 10 */
  concurrency?: number;
  /**
   * End requests started per second (1 to 1380). In-flight bounds alone do not bound the rate (50 in flight
   * at 20 ms is 2,500 per second), and SignalWire allows 13,800 POSTs per 10 s for the whole account, shared
   * with every other caller; the client still backs off on 429 / 503. @default 200
   */
  maxEndsPerSecond?: number;
  /**
   * Time left before the invocation is stopped (Lambda's `context.getRemainingTimeInMillis`).
   * @default () => Infinity (no time budget)
   */
  remainingTimeMs?: () => number;
  /**
   * No new work starts once `remainingTimeMs()` is under this; requests still in flight when it falls
   * under half of it are abandoned, so the report is always written in time. @default 10000
   */
  timeMarginMs?: number;
  /** Calls per List Calls page (1 to 1000). @default 200 */
  pageSize?: number;
  /** Entries kept in each list of the report (`failedCalls`, `unknownAgeCalls`); counts stay exact. @default 100 */
  maxListedCalls?: number;
  /** The clock (epoch ms) ages are measured against, read once at the start. @default Date.now */
  now?: () => number;
}

const rangeCheck = (name: string, value: number, range: IntegerRange): number => {
  if (!inRange(range, value)) {
    throw new RangeError(`${name} must be an integer from ${range.min} to ${range.max}, got ${value}`);
  }
  return value;
};

/** The run's bounds, checked once before anything starts. */
export interface RunBounds {
  concurrency: number;
  pageSize: number;
  timeMarginMs: number;
  maxListed: number;
  endIntervalMs: number;
}

export const boundsOf = (options: CleanupOptions): RunBounds => ({
  concurrency: rangeCheck(
    'concurrency',
    options.concurrency ?? CLEANUP_CONCURRENCY.default,
    CLEANUP_CONCURRENCY,
  ),
  pageSize: rangeCheck('pageSize', options.pageSize ?? 200, { min: 1, max: 1000, default: 200 }),
  timeMarginMs: rangeCheck(
    'timeMarginMs',
    options.timeMarginMs ?? CLEANUP_TIME_MARGIN_MS.default,
    // Below the deployed minimum too: a run without a Lambda deadline (tests, the CLI) may keep less.
    { ...CLEANUP_TIME_MARGIN_MS, min: 0 },
  ),
  maxListed: rangeCheck('maxListedCalls', options.maxListedCalls ?? 100, {
    min: 0,
    max: 10_000,
    default: 100,
  }),
  endIntervalMs:
    1000 /
    rangeCheck(
      'maxEndsPerSecond',
      options.maxEndsPerSecond ?? CLEANUP_ENDS_PER_SECOND.default,
      CLEANUP_ENDS_PER_SECOND,
    ),
});
