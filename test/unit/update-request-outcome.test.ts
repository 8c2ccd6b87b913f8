import { describe, expect, it } from 'vitest';
import type { CallOutcome } from '#commons/calls/service';
import {
  describeError,
  RedirectOutcomeUnknownError,
  SignalWireError,
  SignalWireNetworkError,
} from '#commons/errors';
import { CALL_UPDATE_FAILED, CALL_UPDATED, type CallUpdateRequestedEvent } from '#commons/events/contracts';
import {
  decideOutcome,
  decideRecord,
  decideRefusal,
  recordOf,
  retryUnpublished,
} from '#commons/update-requests/outcome';
import { CALL_SID, PROJECT_ID, sampleCall } from '../support/fixtures.ts';

const event: CallUpdateRequestedEvent = {
  version: '0',
  id: 'e-1',
  'detail-type': 'Call Update Requested',
  source: 'com.example.crm',
  account: '123456789012',
  time: '2026-12-06T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { callSid: CALL_SID, action: 'update', update: { Url: 'https://example.com/next.xml' } },
};

const failedWith = (error: unknown, accountSid: string | null = PROJECT_ID): CallOutcome => ({
  ok: false,
  accountSid,
  callSid: CALL_SID,
  error: describeError(error, { redirect: true }),
  cause: error,
});

const upstream = (status: number, code?: number) =>
  new SignalWireError(status, { code, message: 'no', moreInfo: undefined });

describe('the outcome classifier of "Call Update Requested"', () => {
  it('applied: publishes Call Updated, final, remembered, not retried, SignalWire acted', () => {
    const decision = decideOutcome(event, {
      ok: true,
      accountSid: PROJECT_ID,
      callSid: CALL_SID,
      call: sampleCall(),
      outcome: 'updated',
    });

    expect(decision).toMatchObject({ remember: true, retry: false, acted: true, replayed: false });
    expect(decision.result).toMatchObject({
      detailType: CALL_UPDATED,
      detail: { outcome: 'updated', replayed: false },
    });
  });

  it.each([
    ['a state conflict', upstream(400, 21220), 'CALL_STATE_CONFLICT', false],
    ['an unknown call', upstream(404, 20404), 'CALL_NOT_FOUND', false],
    [
      'a redirect whose outcome is unknown',
      new RedirectOutcomeUnknownError(upstream(502)),
      'REDIRECT_OUTCOME_UNKNOWN',
      true,
    ],
  ] as const)('%s: Call Update Failed, final, remembered, not retried', (_name, error, code, acted) => {
    const decision = decideOutcome(event, failedWith(error));

    expect(decision).toMatchObject({ remember: true, retry: false, acted });
    expect(decision.result).toMatchObject({ detailType: CALL_UPDATE_FAILED, code, detail: { final: true } });
  });

  it('our own configuration (credentials refused): final, but released, so the request applies once fixed', () => {
    const decision = decideOutcome(event, failedWith(upstream(401)));

    expect(decision).toMatchObject({ remember: false, retry: false, acted: false });
    expect(decision.result).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', detail: { final: true } });
  });

  it('transient (SignalWire unreachable): Call Update Failed not final, released and retried by Lambda', () => {
    const decision = decideOutcome(
      event,
      failedWith(new SignalWireNetworkError('connection', false, 'refused')),
    );

    expect(decision).toMatchObject({ remember: false, retry: true, acted: false });
    expect(decision.result).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', detail: { final: false } });
  });

  it('a replayed record is published as recorded, marked replayed, and not run again', () => {
    const record = recordOf(event, failedWith(new RedirectOutcomeUnknownError(upstream(504))));

    const decision = decideRecord(event, { ...record, replayed: true });

    expect(decision).toMatchObject({ replayed: true, retry: false, acted: true });
    expect(decision.result).toMatchObject({
      code: 'REDIRECT_OUTCOME_UNKNOWN',
      detail: { replayed: true, final: true },
    });
  });

  it('a refusal before SignalWire: final unless a retry can help, never remembered, nothing acted', () => {
    expect(decideRefusal({ source: 'x' }, describeError(new Error('boom')))).toMatchObject({
      remember: false,
      retry: true,
      acted: false,
      result: { code: 'INTERNAL_ERROR', detail: { final: false } },
    });
  });

  it('refused first PutEvents of an applied redirect: retried only when the outcome is remembered, so a retry replays it', () => {
    const applied = decideOutcome(event, {
      ok: true,
      accountSid: PROJECT_ID,
      callSid: CALL_SID,
      call: sampleCall(),
      outcome: 'updated',
    });
    const transient = decideOutcome(
      event,
      failedWith(new SignalWireNetworkError('connection', false, 'refused')),
    );

    expect(retryUnpublished(applied, true)).toBe(true);
    expect(retryUnpublished(applied, false)).toBe(false);
    expect(retryUnpublished(transient, false)).toBe(true);
  });

  it('remembers a refusal SignalWire decided as refused, with the account and the error the caller was told', () => {
    expect(recordOf(event, failedWith(upstream(404, 20404)))).toEqual({
      kind: 'refused',
      accountSid: PROJECT_ID,
      error: expect.objectContaining({ code: 'CALL_NOT_FOUND' }),
    });
  });

  it("publishes a failure it does not remember with the call's account, and never counts it as a replay", () => {
    for (const error of [new SignalWireNetworkError('connection', false, 'refused'), upstream(401)]) {
      const decision = decideOutcome(event, failedWith(error, PROJECT_ID));

      expect(decision.replayed).toBe(false);
      expect(decision.result.detail).toMatchObject({ accountSid: PROJECT_ID, replayed: false });
    }
    expect(decideRefusal({ source: 'x' }, describeError(new Error('boom'))).replayed).toBe(false);
  });
});
