import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AuditRecord, audit } from '#commons/calls/audit';
import { powertoolsMiddlewares } from '#commons/platform/middlewares';
import { logger, metrics } from '#commons/platform/powertools';
import { createLambdaContext } from '#local/lambda-context';

/**
 * A function's Powertools over a life of warm invocations, bundled as a function is (test/unit/powertools-env.test.ts
 * bundles it with and without the cached environment reads and compares what each writes): per invocation the
 * runtime's trace header changes, and the handler writes an audit line, an ordinary line, a warning, and a metric.
 */

const record = (callSid: string): AuditRecord => ({
  trigger: 'schedule',
  actor: { name: 'nightly', attested: { scheduleArn: 'arn:aws:scheduler:::schedule/x' }, claimed: {} },
  accountSid: 'default',
  callSid,
  change: { Status: 'completed' },
  outcome: 'updated',
  reason: 'older than "30m"',
  resultingStatus: 'completed',
});

const handler = middy<{ callSid: string }, void>()
  .use(powertoolsMiddlewares())
  .handler(async ({ callSid }) => {
    logger.appendKeys({ callSid });
    audit(logger, record(callSid));
    logger.info('ordinary line', { step: 1 });
    logger.warn('a warning');
    metrics.addMetric('LifeSteps', 'Count', 1);
  });

const context = (awsRequestId: string): Context =>
  createLambdaContext({ functionName: 'call-control-life', memoryMB: 256, timeoutMs: 60_000, awsRequestId });

/** Trace headers as the runtime sets them before each invocation: traced, traced, untraced, traced. */
export const TRACE_ROOTS = [
  '1-6759e988-00000000000000000000000a',
  '1-6759e988-00000000000000000000000b',
  undefined,
  '1-6759e988-00000000000000000000000c',
];

/**
 * Runs the life, and answers how often each variable was read during the invocations (the environment watched
 * through a proxy from the first invocation on).
 */
export const live = async (): Promise<Record<string, number>> => {
  const reads: Record<string, number> = {};
  const environment = process.env;
  process.env = new Proxy(environment, {
    get: (target, key) => {
      if (typeof key === 'string') reads[key] = (reads[key] ?? 0) + 1;
      return Reflect.get(target, key);
    },
  });
  try {
    for (const [index, root] of TRACE_ROOTS.entries()) {
      // As the runtime sets it (on the environment itself: not a read of the function's).
      if (root === undefined) delete environment._X_AMZN_TRACE_ID;
      else environment._X_AMZN_TRACE_ID = `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`;
      await handler({ callSid: `CA${index}` }, context(`req-${index}`));
    }
  } finally {
    process.env = environment;
  }
  return reads;
};
