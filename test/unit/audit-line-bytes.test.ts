import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { type AuditRecord, audit } from '../../functions/commons/calls/audit.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';

/**
 * The lean audit line against Powertools' own Logger, byte for byte (the timestamp alone masked: the two are
 * written microseconds apart), across the states a function's logger goes through in its life: the cold start
 * and the warm invocations after it, a trace id that changes per invocation or is absent, appended and reset
 * keys, a correlation id, a level that hides INFO, and the dev-mode pretty print.
 */

const invocation = (awsRequestId: string): Context =>
  createLambdaContext({
    functionName: 'call-control-cleanup',
    memoryMB: 256,
    timeoutMs: 300_000,
    awsRequestId,
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
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(mask(String(chunk)));
    return true;
  });
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    lines.push(mask(`${args.map(String).join(' ')}\n`));
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

type Keys = Parameters<Logger['appendKeys']>[0];

/** An HTTP request as the http-api's middlewares run it: a warm start, its keys appended one by one, its line. */
const request = (logger: Logger, id: string, keys: Keys[], root?: string) => {
  warm(logger, `req-${id}`, root);
  for (const key of keys) logger.appendKeys(key);
  audit(logger, record(`CA-${id}`));
};

/**
 * The life of an HTTP function's logger: a request after another, each appending its own keys (whose values
 * change every time, and sometimes which keys, their order or their kind), and the states around them.
 */
const httpLife: Array<(logger: Logger) => void> = [
  (logger) => request(logger, 'cold', [{ apiRequestId: 'api-0' }, { callSid: 'CA0' }]),
  (logger) =>
    request(
      logger,
      'h1',
      [{ apiRequestId: 'api-1' }, { callSid: 'CA1' }],
      '1-6759e988-0000000000000000000000b1',
    ),
  (logger) =>
    request(
      logger,
      'h2',
      [{ apiRequestId: 'api-2' }, { callSid: 'CA2' }],
      '1-6759e988-0000000000000000000000b2',
    ),
  (logger) => request(logger, 'h3', [{ apiRequestId: 'api-3' }, { callSid: 'CA3' }]),
  // A key more, and the same keys in another order.
  (logger) => request(logger, 'h4', [{ apiRequestId: 'api-4' }, { accountSid: 'AC4' }, { callSid: 'CA4' }]),
  (logger) => request(logger, 'h5', [{ callSid: 'CA5' }, { apiRequestId: 'api-5' }]),
  // Values JSON escapes, and a key appended twice (its place is its first).
  (logger) =>
    request(logger, 'h6', [
      { apiRequestId: 'a "quoted" \\ \u2028 \ud800 é 😀', callSid: 'CA6' },
      { apiRequestId: 'api-6' },
    ]),
  // Values that are not a non-empty string: absent, empty, an object.
  (logger) =>
    request(logger, 'h7', [{ apiRequestId: 'api-7' }, { scheduleName: undefined }, { callSid: 'CA7' }]),
  (logger) => request(logger, 'h8', [{ apiRequestId: '' }, { callSid: 'CA8' }]),
  (logger) => request(logger, 'h9', [{ apiRequestId: 'api-9' }, { retry: { attempt: 2, codes: [429] } }]),
  (logger) => request(logger, 'h10', [{ apiRequestId: 'api-10' }, { callSid: 'CA10' }]),
  // A key removed and appended again within a request; a correlation id.
  (logger) => {
    request(logger, 'h11', [{ apiRequestId: 'api-11' }, { callSid: 'CA11' }]);
    logger.removeKeys(['apiRequestId']);
    audit(logger, record('CA11-removed'));
    logger.appendKeys({ apiRequestId: 'api-11-again' });
    logger.setCorrelationId('corr-11');
    audit(logger, record('CA11-again'));
  },
  (logger) => request(logger, 'h12', [{ apiRequestId: 'api-12' }, { callSid: 'CA12' }]),
  // A temporary key that is also persistent, then persistent keys of other kinds.
  (logger) => {
    logger.appendPersistentKeys({ callSid: 'CA-persistent' });
    request(logger, 'h13', [{ apiRequestId: 'api-13' }, { callSid: 'CA13' }]);
  },
  (logger) => request(logger, 'h14', [{ apiRequestId: 'api-14' }]),
  (logger) => {
    logger.removePersistentKeys(['callSid']);
    request(logger, 'h15', [{ apiRequestId: 'api-15' }]);
  },
  (logger) => {
    logger.setPersistentLogAttributes({ tenant: 'acme' });
    request(logger, 'h15b', [{ apiRequestId: 'api-15b' }]);
  },
  // Keys of the context's, the record's and a reserved name (Powertools drops the last with a warning).
  (logger) => request(logger, 'h16', [{ apiRequestId: 'api-16' }, { function_request_id: 'req-h16' }]),
  (logger) => request(logger, 'h17', [{ apiRequestId: 'api-17' }, { audit: 'not the record' }]),
  (logger) =>
    request(logger, 'h18', [
      { apiRequestId: 'api-18' },
      { level: 'DEBUG' } as unknown as Keys,
      { callSid: 'CA18' },
    ]),
  // Several lines in one request.
  (logger) => {
    request(logger, 'h19', [{ apiRequestId: 'api-19' }, { callSid: 'CA19' }]);
    audit(logger, record('CA19-second'));
    audit(logger, record('CA19-third'));
  },
  // A level that hides the line for the rest of a request (the next request's sampling decision restores it).
  (logger) => {
    warm(logger, 'req-h20', undefined);
    logger.appendKeys({ apiRequestId: 'api-20' });
    logger.setLogLevel('WARN');
    audit(logger, record('CA-h20-hidden'));
  },
  (logger) =>
    request(
      logger,
      'h21',
      [{ apiRequestId: 'api-21' }, { callSid: 'CA21' }],
      '1-6759e988-0000000000000000000000c1',
    ),
  (logger) =>
    request(
      logger,
      'h22',
      [{ apiRequestId: 'api-22' }, { callSid: 'CA22' }],
      '1-6759e988-0000000000000000000000c2',
    ),
];

/** What each logger writes over the same life, each in a fresh environment of its own. */
const written = (create: () => Logger, dev: boolean, steps = life): string[] => {
  vi.stubEnv('POWERTOOLS_DEV', dev ? 'true' : '');
  // As Lambda sets it for an on-demand environment: the first invocation is the cold start.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  vi.stubEnv('_X_AMZN_TRACE_ID', trace('1-5759e988-bd862e3fe1be46a994272793'));
  const lines = capture();
  const logger = create();
  for (const step of steps) step(logger);
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

  it.each([
    ['as deployed (one JSON line per record)', false],
    ['in dev mode (pretty printed)', true],
  ])(
    "writes the same lines %s through an HTTP function's requests, each appending its own keys",
    (_, dev) => {
      // Act
      const create = (Writer: typeof Logger) => () => new Writer({ serviceName: 'call-control-http-api' });
      const powertools = written(create(Logger), dev, httpLife);
      const lean = written(create(CallControlLogger), dev, httpLife);

      // Assess: line for line the same bytes, and each request's own values really show in its line
      expect(lean).toEqual(powertools);
      const audits = lean.filter((line) => line.includes('call-control audit'));
      expect(audits).toHaveLength(27);
      expect(lean.join('')).not.toContain('CA-h20-hidden');
      const values = (line: string) =>
        [/"apiRequestId": ?"([^"]*)"/, /"callSid": ?"([^"]*)"/, /"function_request_id": ?"([^"]*)"/].map(
          (pattern) => pattern.exec(line)?.[1],
        );
      expect(values(audits[1] ?? '')).toEqual(['api-1', 'CA1', 'req-h1']);
      expect(values(audits[2] ?? '')).toEqual(['api-2', 'CA2', 'req-h2']);
      expect(audits[2]).toContain('1-6759e988-0000000000000000000000b2');
      expect(audits[3]).not.toContain('xray_trace_id');
      expect(values(audits[26] ?? '')).toEqual(['api-22', 'CA22', 'req-h22']);
    },
  );
});

describe('the lean audit line on the warm path', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('has Powertools render the line once for a run of warm requests with the same keys, not once per request', () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const lines = capture();
    const logger = new CallControlLogger({ serviceName: 'call-control-http-api' });
    const renders = vi.spyOn(
      Logger.prototype as unknown as { createAndPopulateLogItem: () => unknown },
      'createAndPopulateLogItem',
    );
    request(logger, 'r0', [{ apiRequestId: 'api-0' }, { callSid: 'CA0' }]);

    // Act: the first warm request renders (the cold start's line said `cold_start: true`), the next four reuse it
    for (let i = 1; i <= 5; i++)
      request(logger, `r${i}`, [{ apiRequestId: `api-${i}` }, { callSid: `CA${i}` }]);

    // Assess
    expect(renders).toHaveBeenCalledTimes(2);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toContain('"function_request_id":"req-r5"');
    expect(lines[5]).toContain('"apiRequestId":"api-5","callSid":"CA5","audit":{');
  });

  it("writes Powertools' own line when a key's value holds the text the template marks its gaps with", () => {
    // Prepare: a value a request could carry, holding the template's marks (the module's own, spelled out here)
    vi.stubEnv('POWERTOOLS_DEV', '');
    const lines = capture();
    const marks = [0, 1, 2, 3, 4].map((slot) => `\u0000call-control-audit-${slot}\u0000`);

    // Act: each logger through the same two requests, the value in a key whose kind keeps it in the template's text
    for (const Writer of [Logger, CallControlLogger]) {
      const logger = new Writer({ serviceName: 'call-control-http-api' });
      for (const id of ['m1', 'm2'])
        request(logger, id, [{ apiRequestId: `api-${id}` }, { detail: { marks } }]);
    }

    // Assess
    expect(lines).toHaveLength(4);
    expect(lines.slice(2)).toEqual(lines.slice(0, 2));
    expect(lines[1]).toContain('"detail":{"marks":["\\u0000call-control-audit-0\\u0000",');
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
