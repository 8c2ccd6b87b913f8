import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { captureOutput } from '../support/output-capture.ts';

/** A fresh copy of the modules, read with `env` set (they read the environment once, at load). */
const load = async (env: Record<string, string>) => {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const powertools = await import('../../functions/commons/platform/powertools.ts');
  const { powertoolsMiddlewares } = await import('../../functions/commons/platform/middlewares.ts');
  return { ...powertools, powertoolsMiddlewares };
};

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const context = (awsRequestId: string): Context =>
  createLambdaContext({
    functionName: 'call-control-http-api',
    memoryMB: 512,
    timeoutMs: 30_000,
    awsRequestId,
  });

interface Step {
  callSid: string;
  fail?: boolean;
}

/**
 * What a function writes over invocations with `middlewares` (built from the module's own logger and metrics):
 * each appends a key, writes a line and counts a metric; some fail. Timestamps are frozen.
 */
const run = async (
  modules: Awaited<ReturnType<typeof load>>,
  middlewares: (m: typeof modules) => MiddlewareObj[],
  steps: Step[],
): Promise<string[]> => {
  const { logger, metrics } = modules;
  vi.useFakeTimers({ now: 1_796_000_000_000, toFake: ['Date'] });
  const handler = middy<Step, string>()
    .use(middlewares(modules))
    .handler(async ({ callSid, fail }) => {
      logger.appendKeys({ callSid });
      logger.info('acting on the call');
      metrics.addMetric('CallsActedOn', 'Count', 1);
      if (fail) throw new Error('SignalWire said no');
      return callSid;
    });
  const output = captureOutput();
  try {
    for (const [index, step] of steps.entries()) {
      await handler(step, context(`req-${index}`)).catch(() => undefined);
    }
  } finally {
    output.restore();
    vi.useRealTimers();
  }
  return output.lines;
};

const STEPS: Step[] = [
  { callSid: 'CA-cold' },
  { callSid: 'CA1' },
  { callSid: 'CA2', fail: true },
  { callSid: 'CA3' },
];

/** The same invocations through Powertools' own middlewares and through the set, each on fresh modules. */
const throughBoth = async (env: Record<string, string>) => ({
  powertools: await run(
    await load(env),
    ({ logger, metrics }) => [
      injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj,
      logMetrics(metrics) as MiddlewareObj,
    ],
    STEPS,
  ),
  own: await run(await load(env), ({ powertoolsMiddlewares }) => powertoolsMiddlewares(), STEPS),
});

describe('the Powertools middleware set of every function', () => {
  it("writes what Powertools' own logger and metrics middlewares write, invocation after invocation, failed or not", async () => {
    // Act
    const env = { POWERTOOLS_DEV: '', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };
    const { powertools, own } = await throughBoth(env);

    // Assess: the same lines; each carries its own invocation's context and key only, and every one is flushed
    expect(own).toEqual(powertools);
    const lines = own.map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = lines.filter((line) => line.message === 'acting on the call');
    expect(logged.map((line) => [line.function_request_id, line.callSid, line.cold_start])).toEqual([
      ['req-0', 'CA-cold', true],
      ['req-1', 'CA1', false],
      ['req-2', 'CA2', false],
      ['req-3', 'CA3', false],
    ]);
    expect(lines.filter((line) => '_aws' in line)).toHaveLength(STEPS.length);
  });

  it('makes the debug sampling decision as Powertools does, but never logs the event, and says so once at load', async () => {
    // Prepare: loading the modules is the cold start, where the warning is written
    const env = {
      POWERTOOLS_DEV: '',
      POWERTOOLS_LOGGER_LOG_EVENT: 'true',
      POWERTOOLS_LOGGER_SAMPLE_RATE: '1',
    };
    const atLoad = captureOutput();
    try {
      await load(env);
    } finally {
      atLoad.restore();
    }

    // Act
    const { powertools, own } = await throughBoth(env);

    // Assess: Powertools logs each event (credentials and all: the operator API's Authorization header); the set
    // writes every other line the same, and the reason it skips the event once, when its module loads
    const events = powertools.filter((line) => line.includes('"message":"Lambda invocation event"'));
    expect(events).toHaveLength(STEPS.length);
    expect(events[0]).toContain('"event":{"callSid":"CA-cold"}');
    expect(own).toEqual(powertools.filter((line) => !events.includes(line)));
    expect(own.join('')).not.toContain('"event"');
    expect(own.filter((line) => line.includes('due to sampling rate'))).toHaveLength(STEPS.length - 1);
    const warnings = atLoad.records().filter((record) => record.level === 'WARN');
    expect(warnings.map((record) => record.message)).toEqual([
      'POWERTOOLS_LOGGER_LOG_EVENT ignored: events hold secrets',
    ]);
  });

  it('makes no sampling decision without a sample rate, and writes what Powertools writes at any level', async () => {
    // Prepare: the level set, no sample rate
    const env = { POWERTOOLS_DEV: '', POWERTOOLS_LOG_LEVEL: 'WARN' };
    const modules = await load(env);
    const refresh = vi.spyOn(modules.logger, 'refreshSampleRateCalculation');

    // Act
    const own = await run(modules, ({ powertoolsMiddlewares }) => powertoolsMiddlewares(), STEPS);
    const { powertools } = await throughBoth(env);

    // Assess: Powertools' decision would only set the same level again; the lines are Powertools' own
    expect(refresh).not.toHaveBeenCalled();
    expect(own).toEqual(powertools);
    expect(own.filter((line) => line.includes('"_aws"'))).toHaveLength(STEPS.length);
    expect(own.join('')).not.toContain('acting on the call');
  });

  it('warns of nothing at load when the event is not asked for', async () => {
    // Act
    const atLoad = captureOutput();
    try {
      await load({ POWERTOOLS_DEV: '', POWERTOOLS_LOGGER_LOG_EVENT: 'false' });
    } finally {
      atLoad.restore();
    }

    // Assess
    expect(atLoad.lines).toEqual([]);
  });
});
