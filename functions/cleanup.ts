import '#commons/platform/bundle-prelude';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { CLEANUP_POLICY_REJECTED_MESSAGE, CLEANUP_REPORT_MESSAGE } from '#commons/calls/audit';
import { scheduleActor } from '#commons/calls/audit-actors';
import { type CleanupConfig, readCleanupConfig } from '#commons/cleanup/config';
import { type CleanupEvent, parseCleanupEvent } from '#commons/cleanup/policy';
import { CleanupListingError, type CleanupReport, runCleanup } from '#commons/cleanup/run-cleanup';
import { RequestValidationError } from '#commons/errors';
import { readSignalWireConfig } from '#commons/platform/config';
import {
  CLEANUP_CALLS_ENDED_METRIC,
  CLEANUP_CALLS_FAILED_METRIC,
  CLEANUP_CALLS_FOUND_METRIC,
  CLEANUP_CIRCUIT_BREAKER_TRIPPED_METRIC,
  CLEANUP_RUNS_METRIC,
} from '#commons/platform/metric-names';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger, metrics } from '#commons/platform/powertools';
import { type ComposedSignalWireAccess, createSignalWireAccess } from '#commons/signalwire/access';

/**
 * The scheduled cleanup: EventBridge Scheduler invokes it with `{ scheduleName, policy? }`; it ends the
 * stale calls the policy names and returns (and logs) one report. A bad policy throws before anything is
 * listed; a List Calls failure throws after the report is logged, so the function's error alarm fires.
 */
export const createCleanupHandler = (
  access: Pick<ComposedSignalWireAccess, 'forAccount' | 'nativeFor'>,
  config: CleanupConfig,
) =>
  middy<CleanupEvent, CleanupReport>()
    .use(powertoolsMiddlewares())
    .handler(async (event: CleanupEvent, context: Context) => {
      let input: ReturnType<typeof parseCleanupEvent>;
      try {
        input = parseCleanupEvent(event, config.defaultPolicy);
      } catch (error) {
        if (error instanceof RequestValidationError) {
          logger.error(CLEANUP_POLICY_REJECTED_MESSAGE, { violations: error.violations });
        }
        throw error;
      }
      const { scheduleName, policy, scheduler } = input;
      logger.appendKeys({ scheduleName });

      const calls = await access.forAccount(policy.accountSid);
      // Native calls (SWML, RELAY, AI agents) are found and ended through the same project's Calling API.
      const native = policy.apis.includes('calling') ? await access.nativeFor(policy.accountSid) : undefined;
      const report = await runCleanup(calls, policy, {
        ...(native ? { native } : {}),
        scheduleName,
        actor: scheduleActor(scheduleName, scheduler, context.invokedFunctionArn),
        accountSid: calls.projectId,
        logger,
        concurrency: config.concurrency,
        maxEndsPerSecond: config.maxEndsPerSecond,
        timeMarginMs: config.timeMarginMs,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      });

      logger.info(CLEANUP_REPORT_MESSAGE, { report });
      metrics.addMetadata('scheduleName', scheduleName);
      metrics.addMetric(CLEANUP_RUNS_METRIC, MetricUnit.Count, 1);
      metrics.addMetric(CLEANUP_CALLS_FOUND_METRIC, MetricUnit.Count, report.found);
      metrics.addMetric(CLEANUP_CALLS_ENDED_METRIC, MetricUnit.Count, report.ended);
      metrics.addMetric(CLEANUP_CALLS_FAILED_METRIC, MetricUnit.Count, report.failed);
      if (report.circuitBreaker.tripped) {
        metrics.addMetric(CLEANUP_CIRCUIT_BREAKER_TRIPPED_METRIC, MetricUnit.Count, 1);
      }
      if (report.listingFailures.length > 0) throw new CleanupListingError(report);
      return report;
    });

export const handler = createCleanupHandler(
  createSignalWireAccess(readSignalWireConfig(), logger),
  readCleanupConfig(),
);
