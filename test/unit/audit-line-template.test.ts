import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';
import { type AuditRecord, audit } from '../../functions/commons/calls/audit.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';

/**
 * The audit line is written from a template Powertools renders once; these check that every change of what the
 * line carries (a new invocation, its trace id, the keys, the level) still shows in the next line, exactly as
 * Powertools' own Logger writes it.
 */

const invocation = (awsRequestId: string): Context =>
  createLambdaContext({
    functionName: 'call-control-http-api',
    memoryMB: 512,
    timeoutMs: 30_000,
    awsRequestId,
  });

const record = (callSid: string): AuditRecord => ({
  trigger: 'http',
  actor: { name: 'jwt:user-1', attested: { sub: 'user-1' }, claimed: {} },
  accountSid: 'default',
  callSid,
  change: { Status: 'completed' },
  outcome: 'updated',
  reason: 'asked "politely" \u2028',
});

/** Every line written to stdout, parsed, without its timestamp (the two loggers write a few µs apart). */
const capture = () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    lines,
    parsed: () =>
      lines.map((line) => {
        const { timestamp, ...rest } = JSON.parse(line) as Record<string, unknown>;
        expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        return { rest, keys: Object.keys(JSON.parse(line) as object) };
      }),
  };
};

const trace = (root: string) => `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`;

/** Every change of what an audit line carries, in an order that reaches each: one step at a time. */
const changes: Array<(logger: Logger) => void> = [
  (logger) => logger.addContext(invocation('req-1')),
  (logger) => logger.appendKeys({ route: 'POST /calls/{sid}' }),
  (logger) => logger.addContext(invocation('req-1b')),
  (logger) => logger.appendKeys({ route: 'PUT /calls/{sid}' }),
  (logger) => logger.resetKeys(),
  (logger) => logger.appendKeys({ route: 'GET /calls' }),
  (logger) => logger.appendPersistentKeys({ tenant: 'acme' }),
  (logger) => logger.removeKeys(['route']),
  (logger) => {
    vi.stubEnv('_X_AMZN_TRACE_ID', trace('1-6759e988-00000000000000000000000a'));
    logger.addContext(invocation('req-2'));
  },
  (logger) => logger.resetKeys(),
  (logger) => logger.removePersistentKeys(['tenant']),
];

describe('the templated audit line', () => {
  let powertools: Logger;
  let lean: CallControlLogger;
  const both = (act: (logger: Logger) => void) => {
    act(powertools);
    act(lean);
  };

  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('_X_AMZN_TRACE_ID', trace('1-5759e988-bd862e3fe1be46a994272793'));
    powertools = new Logger({ serviceName: 'call-control-http-api' });
    lean = new CallControlLogger({ serviceName: 'call-control-http-api' });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("follows each invocation's context and trace id, and every key change, as Powertools' own line does", () => {
    // Prepare
    const output = capture();
    const steps = changes;

    // Act: after every step, one audit line from each logger
    steps.forEach((step, index) => {
      both(step);
      both((logger) => audit(logger, record(`CA${index}`)));
    });

    // Assess: pairwise the same fields, values and key order; and the changes really show
    const lines = output.parsed();
    expect(lines).toHaveLength(steps.length * 2);
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i + 1]?.rest).toEqual(lines[i]?.rest);
      expect(lines[i + 1]?.keys).toEqual(lines[i]?.keys);
    }
    const leanLines = lines.filter((_, i) => i % 2 === 1).map((line) => line.rest);
    expect(leanLines[0]).toMatchObject({
      function_request_id: 'req-1',
      audit: record('CA0'),
    });
    expect(leanLines[1]).toMatchObject({ route: 'POST /calls/{sid}' });
    expect(leanLines[2]).toMatchObject({ function_request_id: 'req-1b' });
    expect(leanLines[3]).toMatchObject({ route: 'PUT /calls/{sid}' });
    expect(leanLines[4]).not.toHaveProperty('route');
    expect(leanLines[6]).toMatchObject({ route: 'GET /calls', tenant: 'acme' });
    expect(leanLines[7]).not.toHaveProperty('route');
    expect(leanLines[8]).toMatchObject({
      function_request_id: 'req-2',
      xray_trace_id: '1-6759e988-00000000000000000000000a',
    });
    expect(leanLines[10]).not.toHaveProperty('tenant');
  });

  it('follows every change in the lines of records written as their JSON (auditJson), the line kept in between', () => {
    // Prepare: a line before each change, so that the line the logger keeps for the invocation is there to go stale
    const output = capture();
    lean.auditJson(JSON.stringify(record('CA-first')));
    const first = output.lines.length;

    // Act: after every step, Powertools' own line and two of the lean logger's from the record's JSON
    changes.forEach((step, index) => {
      both(step);
      audit(powertools, record(`CA${index}`));
      lean.auditJson(JSON.stringify(record(`CA${index}`)));
      lean.auditJson(JSON.stringify(record(`CA${index}`)));
    });

    // Assess: the same fields, values and key order as Powertools' line of each step
    const lines = output.parsed().slice(first);
    expect(lines).toHaveLength(changes.length * 3);
    for (let i = 0; i < lines.length; i += 3) {
      for (const mine of [lines[i + 1], lines[i + 2]]) {
        expect(mine?.rest).toEqual(lines[i]?.rest);
        expect(mine?.keys).toEqual(lines[i]?.keys);
      }
    }
  });

  it('writes no line of a record written as its JSON while the level is above INFO, and writes again once lowered', () => {
    // Prepare
    const output = capture();
    lean.auditJson(JSON.stringify(record('CA-before')));

    // Act
    lean.setLogLevel('WARN');
    lean.auditJson(JSON.stringify(record('CA-hidden')));
    lean.setLogLevel('INFO');
    lean.auditJson(JSON.stringify(record('CA-after')));

    // Assess
    expect(output.lines.map((line) => (JSON.parse(line) as { audit: AuditRecord }).audit.callSid)).toEqual([
      'CA-before',
      'CA-after',
    ]);
  });

  it('writes no audit line while the level is above INFO, and writes again once it is lowered', () => {
    // Prepare
    const output = capture();
    audit(lean, record('CA-before'));

    // Act
    lean.setLogLevel('WARN');
    audit(lean, record('CA-hidden'));
    lean.setLogLevel('INFO');
    audit(lean, record('CA-after'));

    // Assess
    expect(output.lines.map((line) => (JSON.parse(line) as { audit: AuditRecord }).audit.callSid)).toEqual([
      'CA-before',
      'CA-after',
    ]);
  });

  it('reads nothing of a record the level drops: it is not serialised for a line never written', () => {
    // Prepare: a record that counts the reads of one of its fields; one logger above INFO from its construction
    // (no line rendered yet), one set above INFO after a line
    const output = capture();
    let reads = 0;
    const counted = { ...record('CA-hidden') };
    Object.defineProperty(counted, 'reason', {
      enumerable: true,
      get: () => {
        reads++;
        return 'asked';
      },
    });
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    const quiet = new CallControlLogger({ serviceName: 'call-control-http-api' });
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    audit(lean, record('CA-before'));
    lean.setLogLevel('WARN');

    // Act
    audit(quiet, counted);
    audit(lean, counted);

    // Assess
    expect(reads).toBe(0);
    expect(output.lines).toHaveLength(1);
  });

  it('leaves an audit line with other attributes besides the record to Powertools, which keeps them all', () => {
    // Prepare
    const output = capture();

    // Act
    lean.info('call-control audit', { audit: record('CA1'), extra: 'kept' });

    // Assess
    expect(JSON.parse(output.lines[0] ?? '{}')).toMatchObject({ extra: 'kept', audit: record('CA1') });
  });

  it('is built and writes its audit line when POWERTOOLS_LOGGER_SAMPLE_RATE samples the environment in at construction', () => {
    // Prepare: a rate of 1 samples every environment in, so Powertools' constructor sets the level to DEBUG
    vi.stubEnv('POWERTOOLS_LOGGER_SAMPLE_RATE', '1');
    const output = capture();

    // Act
    const sampledPowertools = new Logger({ serviceName: 'call-control-http-api' });
    const sampled = new CallControlLogger({ serviceName: 'call-control-http-api' });
    const constructionLines = output.lines.length;
    audit(sampledPowertools, record('CA-sampled'));
    audit(sampled, record('CA-sampled'));

    // Assess
    expect(sampled.getLevelName()).toBe('DEBUG');
    const [mine, theirs] = output.parsed().slice(constructionLines).reverse();
    expect(mine).toEqual(theirs);
    expect(mine?.rest).toMatchObject({ audit: record('CA-sampled') });
  });
});
