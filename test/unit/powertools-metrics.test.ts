import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../functions/commons/platform/settings.ts';
import { captureOutput } from '../support/output-capture.ts';

/** A fresh copy of the module, read with `env` set (it reads the environment once, at load). */
const loadPowertools = async (env: Record<string, string>) => {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import('../../functions/commons/platform/powertools.ts');
};

afterEach(() => {
  vi.unstubAllEnvs();
});

const EMPTY_WARNING = 'No application metrics to publish';

describe('Powertools metrics of a function', () => {
  it('say nothing at INFO for an invocation with no metric to publish', async () => {
    const { metrics } = await loadPowertools({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const output = captureOutput();
    try {
      metrics.publishStoredMetrics();
    } finally {
      output.restore();
    }

    expect(output.lines.join('')).toBe('');
  });

  it('still log the empty-metrics notice at DEBUG, as a structured line of the function’s logger', async () => {
    const { metrics } = await loadPowertools({
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
    const output = captureOutput();
    try {
      metrics.publishStoredMetrics();
    } finally {
      output.restore();
    }

    expect(output.records()).toEqual([
      expect.objectContaining({ level: 'DEBUG', message: expect.stringContaining(EMPTY_WARNING) }),
    ]);
  });

  it('keep every other Metrics warning a warning', async () => {
    const { metricsLogger } = await loadPowertools({});
    const target = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const logger = metricsLogger(target);

    logger.warn(`${EMPTY_WARNING}. The cold-start metric may be published if enabled.`);
    logger.warn('Dimension limit reached');

    expect(target.debug.mock.calls).toEqual([
      [`${EMPTY_WARNING}. The cold-start metric may be published if enabled.`],
    ]);
    expect(target.warn.mock.calls).toEqual([['Dimension limit reached']]);
  });

  it('carry the construct instance as a dimension next to service when the construct sets it', async () => {
    const { metrics } = await loadPowertools({
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_SERVICE_NAME: 'call-control-cleanup',
      [ENV.metricsInstance]: 'telephony-staging/CallControl',
    });
    const output = captureOutput();
    try {
      metrics.addMetric('CallsFailed', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    } finally {
      output.restore();
    }

    expect(output.records()).toEqual([
      expect.objectContaining({
        CallsFailed: 1,
        service: 'call-control-cleanup',
        instance: 'telephony-staging/CallControl',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [expect.objectContaining({ Dimensions: [['service', 'instance']] })],
        }),
      }),
    ]);
  });
});
