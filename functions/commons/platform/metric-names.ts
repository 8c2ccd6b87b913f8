/**
 * Names shared between the functions' telemetry and the alarms that watch it. The cleanup function emits its
 * custom metrics through Powertools Metrics (EMF); an alarm on a name that nothing emits never fires, so
 * both sides must use exactly these strings.
 */

/** Default CloudWatch namespace of the custom metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
export const DEFAULT_METRICS_NAMESPACE = 'SignalWireCallControl';

/**
 * Dimension naming the construct instance a metric comes from (its value: `CALL_CONTROL_METRICS_INSTANCE`),
 * next to Powertools' own `service` dimension.
 */
export const METRICS_INSTANCE_DIMENSION = 'instance';

/** How Powertools Metrics' warning about an invocation with nothing to publish starts. */
export const EMPTY_METRICS_WARNING_PREFIX = 'No application metrics to publish';

/** `POWERTOOLS_SERVICE_NAME` of the cleanup function, which Powertools Metrics adds as the `service` dimension. */
export const CLEANUP_SERVICE_NAME = 'call-control-cleanup';

/** Count of calls the cleanup function failed to end during a run. */
export const CLEANUP_CALLS_FAILED_METRIC = 'CallsFailed';

/** Emitted (1) by a cleanup run that reached its `maxCallsToEnd` cap with more stale calls left: the circuit breaker. */
export const CLEANUP_CIRCUIT_BREAKER_TRIPPED_METRIC = 'CircuitBreakerTripped';

/** `POWERTOOLS_SERVICE_NAME` of the other functions. */
export const HTTP_API_SERVICE_NAME = 'call-control-http-api';
export const CALL_UPDATE_EVENTS_SERVICE_NAME = 'call-control-call-update-events';
export const STATUS_CALLBACK_SERVICE_NAME = 'call-control-status-callback';
/** `POWERTOOLS_SERVICE_NAME` of the operator console's functions (`CallControlProps.console`). */
export const AUDIT_SEARCH_SERVICE_NAME = 'call-control-audit-search';
export const CONSOLE_ASSETS_SERVICE_NAME = 'call-control-console-assets';
export const CONSOLE_PRE_TOKEN_SERVICE_NAME = 'call-control-console-pre-token';
export const CLEANUP_DRY_RUN_SERVICE_NAME = 'call-control-cleanup-dry-run';

/** Calls a cleanup run listed and examined in the states its policy cleans (graphed, not alarmed). */
export const CLEANUP_CALLS_FOUND_METRIC = 'CallsFound';

/** Calls SignalWire ended at a cleanup run's request (graphed, not alarmed). */
export const CLEANUP_CALLS_ENDED_METRIC = 'CallsEnded';

/** Status callbacks refused for a missing or wrong signature (alarmed: a missing or rotated signing key). */
export const STATUS_CALLBACKS_REJECTED_METRIC = 'StatusCallbacksRejected';

/** Calls the HTTP API updated or ended (answered 200 `updated`). */
export const HTTP_CALLS_UPDATED_METRIC = 'CallsUpdated';

/** Call actions the HTTP API refused: the request's fault (a 4xx: invalid input, the call's state forbids it). */
export const HTTP_CALL_ACTIONS_REJECTED_METRIC = 'CallActionsRejected';

/** Call actions the HTTP API could not carry out now (a 5xx: SignalWire unreachable, throttled, failing). */
export const HTTP_CALL_ACTIONS_FAILED_METRIC = 'CallActionsFailed';

/** "Call Update Requested" events applied (the call updated or ended). */
export const EVENTS_CALLS_UPDATED_METRIC = 'CallUpdateRequestsApplied';

/** "Call Update Requested" events answered with Call Update Failed (refused or failed). */
export const EVENTS_CALLS_FAILED_METRIC = 'CallUpdateRequestsFailed';

/** Cleanup runs (one per invocation that got as far as a report: dry runs included). */
export const CLEANUP_RUNS_METRIC = 'CleanupRuns';
