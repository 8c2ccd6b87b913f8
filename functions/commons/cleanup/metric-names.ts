/**
 * The cleanup function's custom metrics (Powertools Metrics, EMF; dimension `service`). The two that alarms
 * watch are defined with the alarms, so both sides use the same strings; the other two are only graphed.
 */
export {
  CLEANUP_CALLS_FAILED_METRIC,
  CLEANUP_CIRCUIT_BREAKER_TRIPPED_METRIC,
} from '../../../infra/metric-names.ts';

/** Calls a run listed and examined in the states its policy cleans. */
export const CLEANUP_CALLS_FOUND_METRIC = 'CallsFound';

/** Calls SignalWire ended at a run's request. */
export const CLEANUP_CALLS_ENDED_METRIC = 'CallsEnded';
