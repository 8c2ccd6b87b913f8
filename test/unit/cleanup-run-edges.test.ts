import { describe, expect, it } from 'vitest';
import type { CallsApi } from '#commons/calls/port';
import { CleanupListingError } from '#commons/cleanup/run-cleanup';
import { SignalWireError } from '#commons/errors';
import { fakeApi, hoursAgo, run, staleCall } from '../support/cleanup-engine.ts';

// The edges of the cleanup run that cleanup-run.test.ts leaves open, over an in-memory CallsApi: what the
// audit and the report say, the time budget's exact limits, and throttling's pause.

const failing = (status: number, code: number, message: string, retryAfter?: number) => async () => {
  throw new SignalWireError(status, { code, message, moreInfo: undefined }, retryAfter);
};

describe('what the audit and the report say', () => {
  it('audits each end with the rule that made the call stale, as a schedule unless told otherwise', async () => {
    const call = staleCall();
    const { api } = fakeApi([[call]]);

    const { report, audits } = run(api, { maxAgeSeconds: { inProgress: 3600 } });
    await report;

    expect(audits).toEqual([
      expect.objectContaining({
        trigger: 'schedule',
        callSid: call.sid,
        reason: 'in-progress for 7200 s by start_time; the policy allows 3600 s',
      }),
    ]);
  });

  it("gives each call's audit record its own status, API and outcome, with the fields in the same order", async () => {
    // The ledger completes each call's audit result in place: a result shared between calls would carry one
    // call's listed status or error into the next call's record.
    const answered = staleCall();
    const ringing = staleCall({ status: 'ringing', date_created: hoursAgo(2) });
    const { api } = fakeApi([[answered, ringing]], async (call, { Status }) => {
      if (call.status === 'ringing')
        throw new SignalWireError(500, { code: 99, message: 'boom', moreInfo: undefined });
      return { ...call, status: Status ?? call.status };
    });

    const { report, audits } = run(api, { maxAgeSeconds: { inProgress: 3600, ringing: 3600 } });
    await report;

    const common = ['trigger', 'actor', 'accountSid', 'callSid', 'change', 'outcome', 'reason'];
    expect(audits.map((record) => Object.keys(record))).toEqual([
      [...common, 'resultingStatus', 'priorStatus', 'api'],
      [...common, 'errorCode', 'signalwireCode', 'priorStatus', 'api'],
    ]);
    expect(audits).toEqual([
      expect.objectContaining({
        callSid: answered.sid,
        outcome: 'updated',
        priorStatus: 'in-progress',
        api: 'compatibility',
      }),
      expect.objectContaining({
        callSid: ringing.sid,
        outcome: 'failed',
        priorStatus: 'ringing',
        api: 'compatibility',
        errorCode: 'UPSTREAM_ERROR',
      }),
    ]);
  });

  it('judges, ends and audits a call listed on two pages once (pages shift between reads)', async () => {
    const [first, shifted, last] = [staleCall(), staleCall(), staleCall()];
    const { api, events } = fakeApi([
      [first, shifted],
      [{ ...shifted, sid: shifted.sid.toUpperCase() }, last],
    ]);

    const { report, audits } = run(api, { maxAgeSeconds: { inProgress: 3600 } });
    const done = await report;

    expect(events.filter((event) => event.startsWith('end '))).toHaveLength(3);
    expect(audits.map((record) => record.callSid)).toEqual([first.sid, shifted.sid, last.sid]);
    expect(done).toMatchObject({ found: 3, eligible: 3, ended: 3 });
  });

  it('names the field of a time margin out of range', async () => {
    const { api } = fakeApi([[]]);

    await expect(
      run(api, { maxAgeSeconds: { inProgress: 3600 } }, { timeMarginMs: -1 }).report,
    ).rejects.toThrow(/^timeMarginMs must be an integer from 0 to \d+, got -1$/);
  });

  it('reports an end refused as a state conflict of an in-progress call as failed, not as answered meanwhile', async () => {
    const calls = [
      staleCall(),
      staleCall({ status: 'ringing', start_time: null, date_created: hoursAgo(1) }),
    ];
    const { api } = fakeApi(calls.length > 0 ? [calls] : [], async (call) => {
      if (call.status === 'in-progress') return failing(400, 21220, 'not in progress')();
      return failing(500, 20500, 'boom')();
    });

    const { report } = run(api, { maxAgeSeconds: { inProgress: 60, ringing: 60 } });

    expect(await report).toMatchObject({ stateChanged: 0, failed: 2 });
  });

  it('says which states it could not list, and why, when a run fails for its listing', async () => {
    const api: CallsApi = {
      ...fakeApi([[]]).api,
      async listCallsPage() {
        throw new SignalWireError(500, { code: 20500, message: 'boom', moreInfo: undefined });
      },
    };

    const report = await run(api, { maxAgeSeconds: { inProgress: 60, ringing: 60 } }).report;
    const error = new CleanupListingError(report);

    expect(error.name).toBe('CleanupListingError');
    expect(error.message).toBe(
      'cleanup could not list every state: in-progress (UPSTREAM_ERROR: boom), ringing (UPSTREAM_ERROR: boom); the rest of the run is in its report',
    );
  });
});

describe('a failing look-ahead page', () => {
  it('is reported as a listing failure when it fails while the page before it is still being worked through', async () => {
    // Prepare: one end at a time, each taking 20 ms, so the run waits for a slot while the next page's request,
    // already sent, fails. Nothing awaited it yet: unhandled, its rejection ended the whole process (Lambda's
    // runtime fails the invocation on one), with no report.
    const calls = [staleCall(), staleCall()];
    const { api } = fakeApi([calls, [staleCall()]], async (call, { Status }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { ...call, status: Status ?? call.status };
    });
    const listPage = api.listCallsPage.bind(api);
    api.listCallsPage = (from, options) =>
      'nextPageUri' in from ? failing(500, 20500, 'boom')() : listPage(from, options);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    // Act
    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 } }, { concurrency: 1 });
    const done = await report.finally(() => process.off('unhandledRejection', onUnhandled));

    // Assess
    expect(unhandled).toEqual([]);
    expect(done).toMatchObject({
      ended: 2,
      incomplete: true,
      listingFailures: [{ status: 'in-progress', code: 'UPSTREAM_ERROR', signalwireMessage: 'boom' }],
    });
  });
});

describe('the time budget', () => {
  it('goes on while exactly the margin is left', async () => {
    const { api } = fakeApi([[staleCall()]]);

    const { report } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { remainingTimeMs: () => 10_000, timeMarginMs: 10_000 },
    );

    expect(await report).toMatchObject({ ended: 1, incomplete: false });
  });

  it('stops in the middle of a page when time runs out, counting the calls of that page and the states left', async () => {
    let remaining = 60_000;
    const ringing = () => staleCall({ status: 'ringing', start_time: null, date_created: hoursAgo(1) });
    const { api } = fakeApi([[ringing(), ringing(), ringing()]], async (call, { Status }) => {
      remaining = 1_000;
      return { ...call, status: Status ?? call.status };
    });

    const { report } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600, ringing: 60, queued: 60 } },
      { remainingTimeMs: () => remaining, timeMarginMs: 5_000, concurrency: 1 },
    );

    expect(await report).toMatchObject({
      ended: 1,
      incomplete: true,
      notReached: { listedCalls: 2, statuses: ['ringing', 'queued'] },
    });
  });

  it('stops between pages when time runs out, before examining the next one', async () => {
    let remaining = 60_000;
    const pages = [[staleCall({ status: 'queued' })], [staleCall({ status: 'queued' })]];
    const { api } = fakeApi(pages, async (call, { Status }) => {
      remaining = 1_000;
      return { ...call, status: Status ?? call.status };
    });

    const { report } = run(
      api,
      { maxAgeSeconds: { queued: 60 } },
      { remainingTimeMs: () => remaining, timeMarginMs: 5_000 },
    );

    expect(await report).toMatchObject({
      ended: 1,
      incomplete: true,
      notReached: { listedCalls: 0, statuses: ['queued'] },
    });
  });
});

describe('throttling', () => {
  it("waits SignalWire's Retry-After before sending a throttled end again, when it is longer than a second", async () => {
    const call = staleCall();
    const sentAt: number[] = [];
    const { api } = fakeApi([[call]], async (current, { Status }) => {
      sentAt.push(performance.now());
      if (sentAt.length === 1) return failing(429, 20429, 'Too Many Requests', 2)();
      return { ...current, status: Status ?? current.status };
    });

    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(await report).toMatchObject({ ended: 1, retriedAfterThrottling: 1 });
    expect((sentAt[1] as number) - (sentAt[0] as number)).toBeGreaterThanOrEqual(1_950);
  });

  it('fails a throttled end it has no time to send again with the rate-limit code', async () => {
    let remaining = 60_000;
    const { api } = fakeApi([[staleCall()]], async () => {
      remaining = 1_000;
      return failing(429, 20429, 'Too Many Requests', 0)();
    });

    const { report } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { remainingTimeMs: () => remaining, timeMarginMs: 5_000 },
    );

    expect((await report).failedCalls).toEqual([
      expect.objectContaining({
        code: 'UPSTREAM_RATE_LIMITED',
        message: 'SignalWire kept throttling and the run ran out of time to send this again',
      }),
    ]);
  });
});
