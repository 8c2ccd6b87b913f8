import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AuditRecord, audit } from '../../functions/commons/calls/audit.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';

/**
 * The lean audit line against Powertools' own Logger, byte for byte (the timestamp alone masked: the two are
 * written microseconds apart), across the states a function's logger goes through in its life: the cold start
 * and the warm invocations after it, a trace id that changes per invocation or is absent, appended and reset
 * keys, a correlation id, a level that hides INFO, and the dev-mode pretty print.
 */

const invocation = (awsRequestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'call-control-cleanup',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup',
  memoryLimitInMB: '256',
  awsRequestId,
  logGroupName: '/aws/lambda/call-control-cleanup',
  logStreamName: '2026/12/06/[$LATEST]def',
  getRemainingTimeInMillis: () => 300_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const record = (callSid: string): AuditRecord => ({
  trigger: 'schedule',
  actor: { name: 'nightly', attested: { scheduleArn: 'arn:aws:scheduler:::schedule/x' }, claimed: {} },
  accountSid: 'default',
  callSid,
  change: { Status: 'completed' },
  outcome: 'updated',
  reason: 'older than "30m" \u2028 \u00e9',
  priorStatus: 'in-progress',
  resultingStatus: 'completed',
  api: 'compatibility',
  signalwireCode: 200,
});

const trace = (root: string) => `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`;

/** Every line either logger writes, to stdout or (dev mode) through the global console, timestamp masked. */
const capture = () => {
  const lines: string[] = [];
  const mask = (text: string) =>
    text.replace(/"timestamp": ?"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/, '"timestamp":T');
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(mask(String(chunk)));
    return true;
  });
  vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => {
    lines.push(mask(`${args.map(String).join(' ')}\n`));
  });
  return lines;
};

/** The life of a logger: three invocations with their keys, levels and trace ids; audit lines in each. */
const life: Array<(logger: Logger) => void> = [
  (logger) => logger.addContext(invocation('req-cold')),
  (logger) => audit(logger, record('CA1')),
  (logger) => audit(logger, record('CA2')),
  (logger) => logger.appendKeys({ scheduleName: 'nightly' }),
  (logger) => audit(logger, record('CA3')),
  (logger) => logger.setCorrelationId('corr-7'),
  (logger) => audit(logger, record('CA4')),
  // The next invocation straight after a line: nothing but its context and trace id changes what it carries.
  (logger) => {
    vi.stubEnv('_X_AMZN_TRACE_ID', trace('1-6759e988-00000000000000000000000b'));
    logger.addContext(invocation('req-warm-1'));
  },
  (logger) => audit(logger, record('CA5')),
  (logger) => logger.resetKeys(),
  (logger) => audit(logger, record('CA6')),
  (logger) => logger.appendPersistentKeys({ tenant: 'acme' }),
  (logger) => audit(logger, record('CA7')),
  (logger) => logger.setLogLevel('WARN'),
  (logger) => audit(logger, record('CA-hidden')),
  (logger) => logger.setLogLevel('INFO'),
  (logger) => audit(logger, record('CA8')),
  // As the middleware starts a warm invocation: the sampling decision (a level set again), then the context.
  (logger) => {
    vi.stubEnv('_X_AMZN_TRACE_ID', undefined);
    logger.refreshSampleRateCalculation();
    logger.addContext(invocation('req-warm-2'));
  },
  (logger) => audit(logger, record('CA9')),
  (logger) => logger.removePersistentKeys(['tenant']),
  (logger) => audit(logger, record('CA10')),
  (logger) => logger.setCorrelationId('corr-8'),
  (logger) => audit(logger, record('CA11')),
  (logger) => logger.removeKeys(['correlation_id']),
  (logger) => audit(logger, record('CA12')),
];

/** What each logger writes over the same life, each in a fresh environment of its own. */
const written = (create: () => Logger, dev: boolean): string[] => {
  vi.stubEnv('POWERTOOLS_DEV', dev ? 'true' : '');
  // As Lambda sets it for an on-demand environment: the first invocation is the cold start.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  vi.stubEnv('_X_AMZN_TRACE_ID', trace('1-5759e988-bd862e3fe1be46a994272793'));
  const lines = capture();
  const logger = create();
  for (const step of life) step(logger);
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  return lines;
};

describe("the lean audit line, byte for byte against Powertools' own Logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it.each([
    ['as deployed (one JSON line per record)', false],
    ['in dev mode (pretty printed)', true],
  ])('writes the same lines %s, through every state of a cold and two warm invocations', (_, dev) => {
    // Act
    const powertools = written(() => new Logger({ serviceName: 'call-control-cleanup' }), dev);
    const lean = written(() => new CallControlLogger({ serviceName: 'call-control-cleanup' }), dev);

    // Assess: line for line the same bytes, and the states really show in them
    expect(lean).toEqual(powertools);
    expect(lean).toHaveLength(12);
    const text = lean.join('');
    expect(text).not.toContain('CA-hidden');
    for (const shown of [
      '"cold_start":',
      'req-warm-2',
      'corr-7',
      'acme',
      '1-6759e988-00000000000000000000000b',
    ]) {
      expect(text).toContain(shown);
    }
    expect(lean[0]).toMatch(/"cold_start": ?true/);
    expect(lean[4]).toMatch(/"cold_start": ?false/);
    expect(lean[4]).toContain('1-6759e988-00000000000000000000000b');
    expect(lean[5]).not.toContain('corr-7');
    expect(lean[8]).not.toContain('xray_trace_id');
    expect(lean[10]).toContain('corr-8');
    expect(lean[11]).not.toContain('corr-8');
  });
});
