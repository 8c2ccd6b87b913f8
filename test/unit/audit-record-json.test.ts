import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditLog, AuditRecord } from '../../functions/commons/calls/audit.ts';
import {
  type AuditedResult,
  auditRecordFrame,
  auditRecordJson,
  type CallOrigin,
  changeForAudit,
  writeAuditRecord,
} from '../../functions/commons/calls/audit-record.ts';
import type { CallOutcome } from '../../functions/commons/calls/service.ts';
import { CleanupLedger, type Settlement, type Target } from '../../functions/commons/cleanup/report.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';
import { cleanupContext } from '../support/lambda-context.ts';

/**
 * The cleanup writes each audit record as JSON built from a frame made once per run (calls/audit-record.ts
 * `auditRecordJson`), and the functions' logger writes that JSON as it is (`auditJson`). These check that the text
 * is the one `JSON.stringify` makes of the record `writeAuditRecord` builds, field for field and in the same order
 * (the CloudWatch queries and the parsers of audit lines read that text), and that the line is the same.
 */

const origin: CallOrigin = {
  trigger: 'schedule',
  actor: {
    name: 'nightly "quoted" \u2028',
    attested: { scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly' },
    claimed: { scheduleName: 'nightly' },
  },
};

/** The record `writeAuditRecord` writes, as the text `JSON.stringify` makes of it. */
const recordText = (o: CallOrigin, target: Parameters<typeof writeAuditRecord>[2], result: AuditedResult) => {
  const lines: string[] = [];
  const log: AuditLog = { info: (_message, { audit }) => lines.push(JSON.stringify(audit)) };
  writeAuditRecord(log, o, target, result);
  return lines[0];
};

const results: AuditedResult[] = [
  {
    outcome: 'updated',
    resultingStatus: 'completed',
    reason: 'rule "a"',
    priorStatus: 'in-progress',
    api: 'compatibility',
  },
  {
    outcome: 'failed',
    reason: 'rule; SignalWire answered 502',
    errorCode: 'UPSTREAM_ERROR',
    signalwireCode: 20500,
    priorStatus: 'ringing',
    api: 'calling',
  },
  {
    outcome: 'rejected',
    reason: 'r',
    errorCode: 'CALL_STATE_CONFLICT',
    resultingStatus: undefined,
    priorStatus: 'queued',
  },
  { outcome: 'would-end', reason: 'rule; dry run, not ended \u0007' },
];

describe('auditRecordJson', () => {
  it.each(results)(
    'is the text JSON.stringify makes of the record writeAuditRecord writes (%#)',
    (result) => {
      for (const o of [origin, { ...origin, correlationId: 'corr-1' }]) {
        const target = { accountSid: 'project-1', callSid: 'CA0123', change: { Status: 'canceled' } };
        const frame = auditRecordFrame(o, target.accountSid);
        const change = JSON.stringify(changeForAudit(target.change));
        expect(auditRecordJson(frame, target.callSid, change, result)).toBe(recordText(o, target, result));
      }
    },
  );

  it('cuts SIDs and stands in for those that are not strings, as writeAuditRecord does', () => {
    const long = 'x'.repeat(200);
    const result = results[0] as AuditedResult;
    expect(auditRecordJson(auditRecordFrame(origin, long), long, '{}', result)).toBe(
      recordText(origin, { accountSid: long, callSid: long, change: {} }, result),
    );
    expect(auditRecordJson(auditRecordFrame(origin, 7), null, '{}', result)).toBe(
      recordText(origin, { accountSid: 7, callSid: null, change: {} }, result),
    );
  });

  it('keeps every value its JSON, however many values the fields take and whichever field takes them', () => {
    // Statuses, APIs and codes of more values than it keeps the JSON of, some that JSON escapes, a value of one
    // field taken again by another, and values that are not strings: each record is still JSON.stringify's text
    const frame = auditRecordFrame(origin, 'project-1');
    const values = [
      ...Array.from({ length: 150 }, (_, i) => `status-${i % 100}`),
      'quoted "status" \\ \u2028 \u0000 \ud800',
      'quoted "status" \\ \u2028 \u0000 \ud800',
      'completed',
      '',
    ];
    for (const [i, value] of values.entries()) {
      const result = {
        outcome: values[(i * 7) % values.length],
        reason: value,
        priorStatus: value,
        resultingStatus: values[(i + 3) % values.length],
        api: value,
        errorCode: i % 2 === 0 ? value : undefined,
        signalwireCode: i % 3 === 0 ? i : undefined,
      } as unknown as AuditedResult;
      expect(auditRecordJson(frame, `CA${i}`, '{}', result)).toBe(
        recordText(origin, { accountSid: 'project-1', callSid: `CA${i}`, change: {} }, result),
      );
    }
  });

  it('keeps no JSON of a value that is not a string: one that serialises otherwise the next time is written anew', async () => {
    // A value of a field that changes between records (an object's own field, its toJSON, a boolean after a
    // number): only a string's JSON is the same every time. A fresh module: its kept values are not full yet.
    vi.resetModules();
    const { auditRecordFrame, auditRecordJson } = await import(
      '../../functions/commons/calls/audit-record.ts'
    );
    const frame = auditRecordFrame(origin, 'project-1');
    const detail = { code: 'first' };
    let told = 'told first';
    const telling = { toJSON: () => told };
    for (const step of ['first', 'second']) {
      const result = {
        outcome: 'failed',
        reason: step,
        errorCode: detail,
        priorStatus: telling,
        signalwireCode: step === 'first' ? 1 : true,
      } as unknown as AuditedResult;
      expect(auditRecordJson(frame, 'CA1', '{}', result)).toBe(
        recordText(origin, { accountSid: 'project-1', callSid: 'CA1', change: {} }, result),
      );
      detail.code = 'second';
      told = 'told second';
    }
  });
});

const target: Target = { sid: 'CA1', api: 'compatibility', status: 'ringing', rule: 'ringing for 90 s' };
const settlements: Settlement[] = [
  {
    kind: 'applied',
    outcome: {
      ok: true,
      outcome: 'updated',
      accountSid: 'p',
      callSid: 'CA1',
      call: { sid: 'CA1', status: 'canceled' },
    } as Extract<CallOutcome, { ok: true }>,
  },
  {
    kind: 'applied',
    outcome: {
      ok: true,
      outcome: 'already-ended',
      accountSid: 'p',
      callSid: 'CA1',
      call: { sid: 'CA1', status: 'completed' },
    } as Extract<CallOutcome, { ok: true }>,
  },
  {
    kind: 'failed',
    error: {
      code: 'UPSTREAM_ERROR',
      httpStatus: 502,
      message: 'SignalWire answered 502',
      signalwire: { status: 502, code: 20500, message: 'bad gateway' },
    } as never,
  },
  {
    kind: 'state-changed',
    error: {
      code: 'CALL_STATE_CONFLICT',
      httpStatus: 409,
      message: 'answered',
      signalwire: { status: 400, code: 21220, message: 'x' },
    } as never,
  },
  { kind: 'gave-up', code: 'INTERRUPTED', message: 'out of time' },
  { kind: 'would-end' },
];

const ledgerOf = (logger: AuditLog) =>
  new CleanupLedger(
    {
      scheduleName: 'nightly',
      accountSid: 'project-1',
      dryRun: false,
      startedAt: '2026-12-07T00:00:00.000Z',
      cap: 10,
    },
    { logger, trigger: origin.trigger, actor: origin.actor },
    100,
  );

describe('auditRecordJson and a polluted Object.prototype', () => {
  it('adds no inherited key, as the record writeAuditRecord spreads holds none', () => {
    const result: AuditedResult = { outcome: 'updated', reason: 'r', priorStatus: 'ringing' };
    const target = { accountSid: 'project-1', callSid: 'CA1', change: { Status: 'canceled' } };
    // An enumerable key on Object.prototype (a prototype pollution elsewhere), with a quote in its name.
    const injected = 'api":"x","actor';
    Object.defineProperty(Object.prototype, injected, {
      value: 'forged',
      enumerable: true,
      configurable: true,
    });
    let got: string;
    let want: string;
    try {
      got = auditRecordJson(auditRecordFrame(origin, target.accountSid), target.callSid, '{}', result);
      want = recordText(origin, { ...target, change: {} }, result) as string;
    } finally {
      delete (Object.prototype as Record<string, unknown>)[injected];
    }
    expect(got).toBe(want);
    expect(got).not.toContain('forged');
  });
});

describe("the cleanup ledger's audit records", () => {
  it('are the records writeAuditRecord writes, as objects to a log without auditJson and as their JSON to one with it', () => {
    const objects: AuditRecord[] = [];
    const texts: string[] = [];
    const plain = ledgerOf({ info: (_message, { audit }) => objects.push(audit) });
    const lean = ledgerOf({ info: () => expect.unreachable(), auditJson: (json) => texts.push(json) });
    for (const settlement of settlements) {
      plain.settle(target, settlement);
      lean.settle(target, settlement);
    }
    expect(texts).toHaveLength(settlements.length);
    expect(texts.map((text) => JSON.parse(text))).toEqual(objects);
    expect(objects[0]).toEqual({
      trigger: 'schedule',
      actor: origin.actor,
      accountSid: 'project-1',
      callSid: 'CA1',
      change: { Status: 'canceled' },
      outcome: 'updated',
      reason: 'ringing for 90 s',
      resultingStatus: 'canceled',
      priorStatus: 'ringing',
      api: 'compatibility',
    });
    expect(Object.keys(objects[2] as object)).toEqual([
      'trigger',
      'actor',
      'accountSid',
      'callSid',
      'change',
      'outcome',
      'reason',
      'errorCode',
      'signalwireCode',
      'priorStatus',
      'api',
    ]);
  });
});

const context = cleanupContext;

describe('CallControlLogger.auditJson', () => {
  const record: AuditRecord = {
    ...origin,
    accountSid: 'project-1',
    callSid: 'CA1',
    change: { Status: 'completed' },
    outcome: 'updated',
    reason: 'in-progress for 7200 s "by" start_time \u2028',
    signalwireCode: 20404,
  };
  /** The line each way of writing the record gives, without its timestamp. */
  const bothLines = () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // Powertools' dev mode writes through the global console.
    vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    const logger = new CallControlLogger({ serviceName: 'call-control-cleanup' });
    logger.addContext(context);
    logger.info('call-control audit', { audit: record });
    logger.auditJson(JSON.stringify(record));
    logger.addContext({ ...context, awsRequestId: 'second' });
    logger.appendKeys({ run: 'r-1' });
    logger.info('call-control audit', { audit: record });
    logger.auditJson(JSON.stringify(record));
    return lines.map((line) => line.replace(/"timestamp": ?"[^"]+"/, '"timestamp":"-"'));
  };

  beforeEach(() => vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'));
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('writes the line info writes of the same record, cold and warm, from the template', () => {
    vi.stubEnv('POWERTOOLS_DEV', '');
    const [coldInfo, coldJson, warmInfo, warmJson] = bothLines();
    expect(coldJson).toBe(coldInfo);
    expect(warmJson).toBe(warmInfo);
    expect(JSON.parse(warmJson as string)).toMatchObject({
      audit: record,
      run: 'r-1',
      function_request_id: 'second',
    });
  });

  it('writes the line info writes where Powertools writes it (pretty-printed under POWERTOOLS_DEV)', () => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const [coldInfo, coldJson, warmInfo, warmJson] = bothLines();
    expect(coldJson).toBe(coldInfo);
    expect(warmJson).toBe(warmInfo);
    expect(coldInfo).toContain('\n  ');
  });

  it('writes nothing below INFO, as info does', () => {
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    expect(bothLines()).toEqual([]);
  });
});
