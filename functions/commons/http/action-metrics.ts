import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ErrorDescription } from '../errors.ts';
import {
  HTTP_CALL_ACTIONS_FAILED_METRIC,
  HTTP_CALL_ACTIONS_REJECTED_METRIC,
  HTTP_CALLS_UPDATED_METRIC,
} from '../platform/metric-names.ts';
import { metrics } from '../platform/powertools.ts';
import type { refusalAuditor } from './route.ts';

/** Counts a call action the API carried out: the call updated, or found already ended. */
export const countApplied = (outcome: 'updated' | 'already-ended'): void => {
  metrics.addMetric(
    outcome === 'updated' ? HTTP_CALLS_UPDATED_METRIC : 'CallsAlreadyEnded',
    MetricUnit.Count,
    1,
  );
};

/** Counts a call action the API did not carry out: refused (4xx, the request's fault) or failed (5xx). */
export const countRefusal = (described: ErrorDescription): void => {
  metrics.addMetric(
    described.httpStatus < 500 ? HTTP_CALL_ACTIONS_REJECTED_METRIC : HTTP_CALL_ACTIONS_FAILED_METRIC,
    MetricUnit.Count,
    1,
  );
};

/** The refusal auditor, counting what it audits (a call action refused before it reached the service). */
export const countedRefusals =
  (audit: ReturnType<typeof refusalAuditor>): ReturnType<typeof refusalAuditor> =>
  (event, error, context) => {
    const described = audit(event, error, context);
    if (described) countRefusal(described);
    return described;
  };
