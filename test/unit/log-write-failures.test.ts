import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_MESSAGE, type AuditRecord } from '../../functions/commons/calls/audit.ts';
import { CallControlMetrics } from '../../functions/commons/platform/emf-metrics.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';

/**
 * A write to stdout that throws (EPIPE once the reader is gone, EAGAIN on a full non-blocking pipe) must not fail
 * the invocation whose outcome the line records, as it does not through Powertools' own `Console`; the audit line
 * then goes to stderr (the same log group in Lambda), not nowhere.
 */

const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });

/** stdout throws on every write; what reaches stderr is kept (or, with `stderrToo`, stderr throws as well). */
const brokenStdout = (stderrToo = false) => {
  const stderr: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(() => {
    throw epipe();
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    if (stderrToo) throw epipe();
    stderr.push(String(chunk));
    return true;
  });
  return stderr;
};

const record: AuditRecord = {
  trigger: 'http',
  actor: { name: 'jwt:user-1', attested: { sub: 'user-1' }, claimed: {} },
  accountSid: 'default',
  callSid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  change: { Status: 'completed' },
  outcome: 'updated',
  reason: 'applied',
};

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_DEV', '');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('a metric line stdout refuses', () => {
  const options = { serviceName: 'call-control-http-api', namespace: 'SignalWireCallControl' };

  it("is lost without failing the flush, as Powertools' own flush", () => {
    brokenStdout();
    for (const metrics of [new Metrics(options), new CallControlMetrics(options)]) {
      metrics.addMetric('CallsUpdated', MetricUnit.Count, 1);

      expect(() => metrics.publishStoredMetrics()).not.toThrow();
    }
  });
});

describe('an audit line stdout refuses', () => {
  const audited = (stderr: string[]) =>
    stderr.map((line) => JSON.parse(line) as { message: string; audit: AuditRecord });

  it('goes to stderr whole, from the templated line, and the call to write it returns', () => {
    const stderr = brokenStdout();
    const logger = new CallControlLogger({ serviceName: 'call-control-http-api' });

    expect(() => logger.info(AUDIT_MESSAGE, { audit: record })).not.toThrow();
    expect(() => logger.auditJson(JSON.stringify(record))).not.toThrow();

    expect(audited(stderr)).toMatchObject([
      { message: AUDIT_MESSAGE, audit: record },
      { message: AUDIT_MESSAGE, audit: record },
    ]);
  });

  it("goes to stderr whole from Powertools' line too (no template where TZ is not UTC)", () => {
    vi.stubEnv('TZ', 'Europe/Paris');
    const stderr = brokenStdout();
    const logger = new CallControlLogger({ serviceName: 'call-control-http-api' });

    expect(() => logger.info(AUDIT_MESSAGE, { audit: record })).not.toThrow();

    expect(audited(stderr)).toMatchObject([{ message: AUDIT_MESSAGE, audit: record }]);
  });

  it('is given up without failing the invocation when stderr refuses it too', () => {
    brokenStdout(true);
    for (const tz of ['UTC', 'Europe/Paris']) {
      vi.stubEnv('TZ', tz);
      const logger = new CallControlLogger({ serviceName: 'call-control-http-api' });

      expect(() => logger.info(AUDIT_MESSAGE, { audit: record })).not.toThrow();
    }
  });
});
