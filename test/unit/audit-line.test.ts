import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_MESSAGE, type AuditRecord, audit } from '../../functions/commons/calls/audit.ts';
import { changeForAudit } from '../../functions/commons/calls/audit-record.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';
import { cleanupContext } from '../support/lambda-context.ts';

const context = cleanupContext;

const record: AuditRecord = {
  trigger: 'schedule',
  actor: {
    name: 'nightly',
    attested: { scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly' },
    claimed: { scheduleName: 'nightly "quoted" \u2028 name' },
  },
  accountSid: 'default',
  callSid: 'CA0123456789abcdef0123456789abcdef',
  change: { Status: 'completed' },
  outcome: 'updated',
  reason: 'in-progress for more than 14400 s',
  priorStatus: 'in-progress',
  resultingStatus: 'completed',
  signalwireCode: 20404,
  correlationId: 'corr-1',
};

/** Every line written to `stream` (Powertools' console and ours write there), as written. */
const capture = (stream: NodeJS.WriteStream = process.stdout) => {
  const lines: string[] = [];
  vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
};

describe('the audit line', () => {
  beforeEach(() => {
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );
    vi.stubEnv('POWERTOOLS_DEV', '');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("is the JSON line Powertools' own Logger writes for the same record: same fields, values and key order, one line", () => {
    // Prepare
    const lines = capture();
    const powertools = new Logger({ serviceName: 'call-control-cleanup' });
    const lean = new CallControlLogger({ serviceName: 'call-control-cleanup' });
    for (const logger of [powertools, lean]) {
      logger.addContext(context);
      logger.appendKeys({ scheduleName: 'nightly' });
    }

    // Act
    audit(powertools, record);
    audit(lean, record);

    // Assess
    expect(lines).toHaveLength(2);
    const [expected, actual] = lines.map((line) => {
      expect(line.endsWith('}\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      const { timestamp, ...rest } = JSON.parse(line) as Record<string, unknown>;
      expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      return rest;
    });
    expect(actual).toEqual(expected);
    expect(Object.keys(actual ?? {})).toEqual(Object.keys(expected ?? {}));
    expect(actual).toMatchObject({
      level: 'INFO',
      message: AUDIT_MESSAGE,
      function_request_id: context.awsRequestId,
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      scheduleName: 'nightly',
      audit: record,
    });
  });

  it('starts with a debug sampling rate, whose decision Powertools logs while the logger is being built', () => {
    // Prepare
    const lines = capture();

    // Act: a rate of 1 always samples: Powertools sets the level to DEBUG and says so from its constructor
    const lean = new CallControlLogger({ serviceName: 'call-control-cleanup', sampleRateValue: 1 });
    lean.addContext(context);
    audit(lean, record);

    // Assess
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'Setting log level to DEBUG due to sampling rate',
      AUDIT_MESSAGE,
    ]);
  });

  it("leaves every other line to Powertools' serialiser (an error is still formatted with its name and message)", () => {
    // Prepare
    const lines = capture(process.stderr);
    const lean = new CallControlLogger({ serviceName: 'call-control-cleanup' });

    // Act
    lean.error('cleanup failed', new RangeError('page size out of range'));

    // Assess
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'ERROR',
      message: 'cleanup failed',
      error: { name: 'RangeError', message: 'page size out of range' },
    });
  });

  it('keeps a change without an `@` as it is and still masks the user part of a URL, cut at 2 KiB', () => {
    const long = `https://example.com/${'a'.repeat(3000)}`;

    expect(changeForAudit({ Status: 'completed', Url: 'https://example.com/x?y=1' })).toEqual({
      Status: 'completed',
      Url: 'https://example.com/x?y=1',
    });
    expect(changeForAudit({ Url: 'https://user:secret@example.com/x' })).toEqual({
      Url: 'https://***@example.com/x',
    });
    expect(changeForAudit({ Url: long }).Url).toBe(long.slice(0, 2048));
    // What a URL parser still reads as user:password@: scheme-relative, no scheme, leading controls or spaces.
    for (const [sent, kept] of [
      ['//user:secret@example.com/x', '//***@example.com/x'],
      ['user:secret@example.com/x', 'user:***@example.com/x'],
      ['\u0001https://user:secret@example.com/x', '\u0001https://***@example.com/x'],
      ['\u00a0https://user:secret@example.com/x', '\u00a0https://***@example.com/x'],
      ['https:////user:secret@ex@ample.com/x', 'https:////***@ample.com/x'],
    ]) {
      expect(changeForAudit({ FallbackUrl: sent })).toEqual({ FallbackUrl: kept });
    }
    expect(changeForAudit({ Url: 'https://example.com/p@th?to=a@b' })).toEqual({
      Url: 'https://example.com/p@th?to=a@b',
    });
    expect(changeForAudit({ Url: `${long}@` }).Url).toBe(long.slice(0, 2048));
  });

  it("keeps a transfer's SIP address with its user, and masks a SIP user:password or a SWML URL's user", () => {
    expect(changeForAudit({ Transfer: 'sip:desk@example.com' })).toEqual({
      Transfer: 'sip:desk@example.com',
    });
    expect(changeForAudit({ Transfer: 'sip:desk:secret@example.com' })).toEqual({
      Transfer: 'sip:***@example.com',
    });
    expect(changeForAudit({ Transfer: 'https://user:secret@example.com/a.swml' })).toEqual({
      Transfer: 'https://***@example.com/a.swml',
    });
    expect(changeForAudit({ Transfer: '+14155550123', Url: 'sip:desk@example.com' })).toEqual({
      Transfer: '+14155550123',
      Url: 'sip:***@example.com',
    });
  });
});
