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

/** A warm invocation as the middleware starts it: the sampling decision (the level set again), then the context. */
const warm = (logger: Logger, awsRequestId: string, root: string | undefined, version = '$LATEST') => {
  vi.stubEnv('_X_AMZN_TRACE_ID', root === undefined ? undefined : trace(root));
  logger.resetKeys();
  logger.refreshSampleRateCalculation();
  logger.addContext({
    ...invocation(awsRequestId),
    functionVersion: version,
    memoryLimitInMB: version === '2' ? '512' : '256',
  });
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
  // Warm invocations of the same function one after another, traced and not: only the ids change.
  (logger) => warm(logger, 'req-warm-3', '1-6759e988-00000000000000000000000c'),
  (logger) => audit(logger, record('CA13')),
  (logger) => warm(logger, 'req-warm-4', '1-6759e988-00000000000000000000000d'),
  (logger) => audit(logger, record('CA14')),
  (logger) => warm(logger, 'req-warm-5', undefined),
  (logger) => audit(logger, record('CA15')),
  (logger) => warm(logger, 'req-warm-6', undefined),
  (logger) => audit(logger, record('CA16')),
  // A new version of the function (its context, not only its ids, changes).
  (logger) => warm(logger, 'req-warm-7', undefined, '2'),
  (logger) => audit(logger, record('CA17')),
  // A caller's key of a context's name, here even of the same value, outlives the invocation it was set in.
  (logger) => logger.appendKeys({ function_request_id: 'req-warm-7' }),
  (logger) => audit(logger, record('CA18')),
  (logger) =>
    logger.addContext({ ...invocation('req-warm-8'), functionVersion: '2', memoryLimitInMB: '512' }),
  (logger) => audit(logger, record('CA19')),
  (logger) => warm(logger, 'req-warm-9', '1-6759e988-00000000000000000000000f'),
  (logger) => audit(logger, record('CA20')),
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
    expect(lean).toHaveLength(20);
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
    const ids = lean
      .slice(12)
      .map((line) => [
        /"function_request_id": ?"([^"]+)"/.exec(line)?.[1],
        /"xray_trace_id": ?"([^"]+)"/.exec(line)?.[1],
        /"function_memory_size": ?"([^"]+)"/.exec(line)?.[1],
      ]);
    expect(ids).toEqual([
      ['req-warm-3', '1-6759e988-00000000000000000000000c', '256'],
      ['req-warm-4', '1-6759e988-00000000000000000000000d', '256'],
      ['req-warm-5', undefined, '256'],
      ['req-warm-6', undefined, '256'],
      ['req-warm-7', undefined, '512'],
      ['req-warm-7', undefined, '512'],
      ['req-warm-7', undefined, '512'],
      ['req-warm-9', '1-6759e988-00000000000000000000000f', '256'],
    ]);
  });
});

describe('the lean audit line on the warm path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("writes a context key given at construction as Powertools does, even where it equals the invocation's own", () => {
    // Prepare: a persistent trace id equal to the first invocation's
    vi.stubEnv('POWERTOOLS_DEV', '');
    const lines = capture();
    const root = '1-6759e988-0000000000000000000000a1';
    const loggers = [Logger, CallControlLogger].map(
      (Writer) =>
        new Writer({ serviceName: 'call-control-http-api', persistentKeys: { xray_trace_id: root } }),
    );

    // Act: each logger through the same two warm invocations, the second with another trace id
    for (const logger of loggers) {
      warm(logger, 'req-1', root);
      audit(logger, record('CA1'));
      warm(logger, 'req-2', '1-6759e988-0000000000000000000000a2');
      audit(logger, record('CA2'));
    }

    // Assess
    const masked = lines.map((line) => line.replace(/"timestamp":"[^"]+"/, ''));
    expect(masked.slice(2)).toEqual(masked.slice(0, 2));
    expect(masked[3]).toContain('"function_request_id":"req-2"');
  });
});
