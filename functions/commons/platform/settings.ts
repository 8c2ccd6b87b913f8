/**
 * The functions' settings in one place: the environment variable each is read from, and for numbers the
 * range and default. The functions read them at cold start (and refuse a value out of range); the CDK
 * construct sets them and refuses the same values at synth time, so a deployment that could not run is
 * never made.
 */

/** Environment variable names, shared by the functions (which read them) and the construct (which sets them). */
export const ENV = {
  signalWireSecretId: 'SIGNALWIRE_SECRET_ID',
  secretCacheTtlSeconds: 'SECRET_CACHE_TTL_SECONDS',
  signalWireTimeoutMs: 'SIGNALWIRE_TIMEOUT_MS',
  signalWireLocalSpaceOrigin: 'SIGNALWIRE_LOCAL_SPACE_ORIGIN',
  eventBusName: 'EVENT_BUS_NAME',
  eventSource: 'EVENT_SOURCE',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  idempotencyTtlSeconds: 'IDEMPOTENCY_TTL_SECONDS',
  maxEventAgeSeconds: 'CALL_UPDATE_MAX_EVENT_AGE_SECONDS',
  allowedEventSources: 'ALLOWED_EVENT_SOURCES',
  replayWindowSeconds: 'STATUS_CALLBACK_REPLAY_WINDOW_SECONDS',
  cleanupDefaultPolicy: 'CLEANUP_DEFAULT_POLICY',
  cleanupConcurrency: 'CLEANUP_CONCURRENCY',
  cleanupMaxEndsPerSecond: 'CLEANUP_MAX_ENDS_PER_SECOND',
  cleanupTimeMarginMs: 'CLEANUP_TIME_MARGIN_MS',
  metricsInstance: 'CALL_CONTROL_METRICS_INSTANCE',
} as const;

/**
 * The Lambda alias each AWS trigger invokes, and that only that trigger is granted: API Gateway's integration,
 * the event rule's target, the schedules' target. The function reads which one it was invoked through from
 * `context.invokedFunctionArn`, which Lambda sets and no invoker can write, and attests a trigger's identity
 * fields only then; an invoke of the unqualified function (by hand, the CLI's `cleanup`) is recorded as claimed.
 */
export const TRIGGER_ALIASES = {
  http: 'api-gateway',
  event: 'event-rule',
  schedule: 'scheduler',
} as const;

/** An integer setting: its inclusive range and its default. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/**
 * Timeout of one request to SignalWire. At most 20 s, so that the API function (29 s, API Gateway's limit)
 * can still answer after the client's retry.
 */
export const SIGNALWIRE_TIMEOUT_MS = { min: 100, max: 20_000, default: 5_000 } as const;

/** How long a warm container reuses the secret before reading it again: up to a day. */
export const SECRET_CACHE_TTL_SECONDS = { min: 0, max: 86_400, default: 300 } as const;

/**
 * Time the cleanup keeps in reserve before its 5-minute timeout: at least a second (the report must be
 * written), at most 4 minutes (a run must have time to do something).
 */
export const CLEANUP_TIME_MARGIN_MS = { min: 1_000, max: 240_000, default: 10_000 } as const;

/** End requests in flight at once. */
export const CLEANUP_CONCURRENCY = { min: 1, max: 50, default: 10 } as const;

/**
 * End requests started per second. SignalWire allows 13,800 POST/PUT/PATCH requests per 10 s for the whole
 * account, shared with the HTTP API and the event consumer: the default, 200 per second (2,000 per 10 s),
 * leaves most of it to them. The maximum is the account's whole budget.
 */
export const CLEANUP_ENDS_PER_SECOND = { min: 1, max: 1380, default: 200 } as const;

/**
 * Time a request keeps before its invocation's deadline for what follows SignalWire's answer (the audit
 * record, the response or the result event): SignalWire requests are cut this long before it.
 */
export const REQUEST_DEADLINE_MARGIN_MS = 1_000;

/** Longest name or id echoed back (a refused field's name, an audit record's project and call); longer ones are cut. */
export const MAX_ECHOED_NAME_CHARS = 64;

/** The cleanup function's timeout: the construct sets it, the local stack gives its runs as much, the CLI waits past it. */
export const CLEANUP_FUNCTION_TIMEOUT_SECONDS = 300;

/** The stack's default name: cdk.json's `stackName`, the CLI's `--stack` default, the local stack's name. */
export const DEFAULT_STACK_NAME = 'SignalWireCallControl';

/** How long a request's outcome is remembered by idempotency, or a callback against replays: 1 min to 30 days. */
export const REMEMBERED_SECONDS = { min: 60, max: 30 * 86_400, default: 86_400 } as const;

/**
 * How long EventBridge and Lambda retry a "Call Update Requested" event (`callUpdateEvents.maxEventAge`): 1 minute
 * to 6 hours. The idempotency window must be at least this long.
 */
export const MAX_EVENT_AGE_SECONDS = { min: 60, max: 6 * 3600, default: 3600 } as const;

/** Timeout of the function applying "Call Update Requested" events. */
export const EVENTS_FUNCTION_TIMEOUT_SECONDS = 60;

/** Time an event invocation keeps beyond its SignalWire requests: secret read, deadline margin, publishing. */
export const EVENTS_FUNCTION_MARGIN_MS = 5_000;

/**
 * Longest SignalWire timeout the event function takes: a redirect's worst case (safety read, its one reconnect,
 * the POST: 3 requests) plus the margin must end before the function's timeout.
 */
export const EVENTS_SIGNALWIRE_TIMEOUT_MAX_MS = Math.floor(
  (EVENTS_FUNCTION_TIMEOUT_SECONDS * 1000 - EVENTS_FUNCTION_MARGIN_MS) / 3,
);

/** Whether `value` is an integer within `range`. */
export const inRange = (range: IntegerRange, value: number): boolean =>
  Number.isInteger(value) && value >= range.min && value <= range.max;

/**
 * How long before the Lambda timeout the event function stops waiting for an idempotency record write
 * (COMPLETED, or the release of a record): the result is then published without it, instead of the invocation
 * being cut (and retried into a second request to SignalWire).
 */
export const RECORD_DEADLINE_MARGIN_MS = 500;
