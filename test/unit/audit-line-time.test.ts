import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AuditRecord, audit } from '../../functions/commons/calls/audit.ts';
import { auditRecordFrame, auditRecordJson } from '../../functions/commons/calls/audit-record.ts';
import { isoNow } from '../../functions/commons/platform/audit-logger.ts';
import { CallControlLogger } from '../../functions/commons/platform/powertools.ts';
import { cleanupContext } from '../support/lambda-context.ts';

/**
 * The audit line's timestamp is formatted once a second (`isoNow`): it must be the text `toISOString` makes of
 * the clock at every instant, however the clock moves, and the whole line Powertools' own, unmasked.
 */

/** Instants around and across seconds, the clock set back and forward, and the far ends of the date range. */
const instants = (): number[] => {
  const base = Date.UTC(2026, 11, 7, 8, 59, 59, 0);
  const steps = [0, 1, 9, 10, 99, 100, 998, 999, 1000, 1001, 1999, 2000, 999, 0, -1, -1000, -1001, 3_600_000];
  return [
    ...steps.map((step) => base + step),
    // Before 1970 (the remainder of a negative time) and around the epoch.
    1,
    0,
    -1,
    -999,
    -1000,
    -1001,
    -1000,
    -86_400_000 * 365 * 70 + 123,
    // Years of four digits' ends, and the extended years beyond them.
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1,
    Date.UTC(0, 0, 1) - 1,
    8.64e15,
    -8.64e15,
    8.64e15 - 1,
    // The same second again after another one, and the next after it.
    base + 500,
    base + 1500,
  ];
};

describe("the audit line's timestamp", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('is the text toISOString makes of the clock at every instant, however the clock moves', () => {
    for (const instant of instants()) {
      vi.setSystemTime(instant);
      expect([instant, isoNow()]).toEqual([instant, new Date().toISOString()]);
    }
  });

  it('takes whole milliseconds of a clock that gives fractions, and throws past the end of the date range', () => {
    // Prepare: a replaced Date.now (as a test or a library may install) giving fractions of a millisecond.
    vi.useRealTimers();
    const base = Date.UTC(2026, 11, 7, 8, 59, 59, 0);
    const clock = vi.spyOn(Date, 'now');

    // Act and assess: the same text as the Date of that instant, within a second and across it.
    for (const instant of [base + 0.25, base + 1.75, base + 999.5, base + 1000.5]) {
      clock.mockReturnValue(instant);
      expect([instant, isoNow()]).toEqual([instant, new Date(instant).toISOString()]);
    }
    clock.mockReturnValue(8.64e15 - 0.5);
    isoNow();
    clock.mockReturnValue(8.64e15);
    expect(isoNow()).toBe(new Date(8.64e15).toISOString());
    clock.mockReturnValue(8.64e15 + 1);
    expect(() => new Date(8.64e15 + 1).toISOString()).toThrow(RangeError);
    expect(() => isoNow()).toThrow(RangeError);
  });

  it("leaves the whole line, timestamp included, byte for byte Powertools' own", () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv(
      '_X_AMZN_TRACE_ID',
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    );
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const record: AuditRecord = {
      trigger: 'schedule',
      actor: { name: 'nightly', attested: {}, claimed: {} },
      accountSid: 'default',
      callSid: 'CA1',
      change: { Status: 'completed' },
      outcome: 'updated',
      reason: 'in-progress for 7200 s',
    };
    const json = auditRecordJson(
      auditRecordFrame({ trigger: record.trigger, actor: record.actor }, record.accountSid),
      record.callSid,
      JSON.stringify(record.change),
      { outcome: record.outcome, reason: record.reason as string },
    );
    const powertools = new Logger({ serviceName: 'call-control-cleanup' });
    const lean = new CallControlLogger({ serviceName: 'call-control-cleanup' });
    for (const logger of [powertools, lean]) logger.addContext(cleanupContext);

    // Act: each instant, Powertools' line, then the lean one of the record and of its JSON
    for (const instant of instants()) {
      vi.setSystemTime(instant);
      audit(powertools, record);
      audit(lean, record);
      lean.auditJson(json);
    }

    // Assess
    expect(lines).toHaveLength(instants().length * 3);
    for (let i = 0; i < lines.length; i += 3) {
      expect(lines[i + 1]).toBe(lines[i]);
      expect(lines[i + 2]).toBe(lines[i]);
    }
  });
});
