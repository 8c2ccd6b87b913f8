import { describe, expect, it } from 'vitest';
import type { CallsApi } from '#commons/calls/port';
import { SignalWireError } from '#commons/errors';
import { fakeApi, hoursAgo, run, staleCall, type Update } from '../support/cleanup-engine.ts';

/**
 * The engine over an in-memory `CallsApi`: the cases the emulator cannot stage (a call answered between
 * listing and ending, dates SignalWire would never write, a request that never answers).
 */

describe('runCleanup over the CallsApi port', () => {
  it('never ends a call whose dates SignalWire would not write, and reports it', async () => {
    const iso = staleCall({ start_time: '2024-03-01T09:00:00Z' });
    const { api, events } = fakeApi([[iso]]);

    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(await report).toMatchObject({
      found: 1,
      eligible: 0,
      skipped: { unknownAge: 1 },
      unknownAgeCalls: [
        { sid: iso.sid, status: 'in-progress', reason: 'start_time is not an RFC 2822 date' },
      ],
    });
    expect(events).toEqual(['list 0']);
  });

  it('defect: a listed call with a null `to` failed the listing of its whole state (INTERNAL_ERROR) and left every other stale call of it live, run after run', async () => {
    // The client checks only `sid` and `status` of each listed call; the allow-list read `to` as a string.
    const odd = staleCall({ to: null as unknown as string });
    const others = [staleCall(), staleCall()];
    const { api, events } = fakeApi([[odd, ...others]]);

    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 }, neverTouch: ['+15550000000'] });

    expect(await report).toMatchObject({ found: 3, ended: 3, listingFailures: [], incomplete: false });
    expect(events.filter((event) => event.startsWith('end')).sort()).toEqual(
      [odd, ...others].map(({ sid }) => `end ${sid}`).sort(),
    );
  });

  it('leaves a ringing call that was answered after listing, counting it as changed state', async () => {
    const ringing = staleCall({ status: 'ringing', start_time: null, date_created: hoursAgo(1) });
    const fake = fakeApi([[ringing]], async (call) => {
      // SignalWire answered the call meanwhile and refuses to cancel it.
      fake.answer(call.sid);
      throw new SignalWireError(400, { code: 10000, message: 'cannot cancel', moreInfo: undefined });
    });
    const { api, current } = fake;

    const { report, audits } = run(api, { maxAgeSeconds: { ringing: 120 } });

    expect(await report).toMatchObject({ eligible: 1, stateChanged: 1, ended: 0, failed: 0 });
    expect(current(ringing.sid)?.status).toBe('in-progress');
    expect(audits).toEqual([
      expect.objectContaining({
        outcome: 'rejected',
        change: { Status: 'canceled' },
        errorCode: 'CALL_STATE_CONFLICT',
        signalwireCode: 10000,
        reason: expect.stringContaining('not canceled: it was answered after it was listed'),
      }),
    ]);
  });

  it('reports a 10000 from List Calls as a listing failure (UPSTREAM_REJECTED), not CALL_STATE_CONFLICT', async () => {
    const { api } = fakeApi([[staleCall()]]);
    const refusing: CallsApi = {
      ...api,
      async listCallsPage() {
        throw new SignalWireError(400, { code: 10000, message: 'Invalid argument', moreInfo: undefined });
      },
    };

    const { report, audits } = run(refusing, { maxAgeSeconds: { inProgress: 3600 } });

    expect(await report).toMatchObject({
      incomplete: true,
      failed: 0,
      notReached: { statuses: ['in-progress'] },
      listingFailures: [{ status: 'in-progress', code: 'UPSTREAM_REJECTED' }],
    });
    expect(audits).toEqual([]);
  });

  it('settles every call it acts on once: one audit record per counted call, with the counted outcome', async () => {
    const calls = [
      staleCall(),
      staleCall(),
      staleCall(),
      staleCall({ status: 'ringing', date_created: hoursAgo(3), start_time: null }),
    ];
    const [ended, endedToo, broken, answered] = calls.map((call) => call.sid);
    const fake = fakeApi([calls], async (call, { Status }) => {
      if (call.sid === broken)
        throw new SignalWireError(500, { code: 20500, message: 'boom', moreInfo: undefined });
      if (call.sid === answered)
        throw new SignalWireError(400, { code: 21220, message: 'answered', moreInfo: undefined });
      return { ...call, status: Status! };
    });

    const { report, audits } = run(fake.api, { maxAgeSeconds: { inProgress: 60, ringing: 60 } });
    const done = await report;

    expect(done).toMatchObject({ eligible: 4, ended: 2, stateChanged: 1, failed: 1 });
    expect(done.failedCalls).toEqual([expect.objectContaining({ sid: broken, code: 'UPSTREAM_ERROR' })]);
    expect(done.ended + done.alreadyEnded + done.stateChanged + done.failed).toBe(audits.length);
    expect(
      Object.fromEntries(audits.map((record) => [record.callSid, [record.outcome, record.errorCode]])),
    ).toEqual({
      [ended!]: ['updated', undefined],
      [endedToo!]: ['updated', undefined],
      [broken!]: ['failed', 'UPSTREAM_ERROR'],
      [answered!]: ['rejected', 'CALL_STATE_CONFLICT'],
    });
  });

  it('keeps at most maxListedCalls failures in the report while counting all of them', async () => {
    const calls = Array.from({ length: 5 }, () => staleCall());
    const { api } = fakeApi([calls], async () => {
      throw new SignalWireError(500, { code: 20500, message: 'Internal Server Error', moreInfo: undefined });
    });

    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 } }, { maxListedCalls: 2 });

    const result = await report;
    expect(result.failed).toBe(5);
    expect(result.failedCalls.map((entry) => entry.code)).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
  });

  it('sends throttled end requests again after the listing, so a 429 storm that passes ends every call', async () => {
    const calls = Array.from({ length: 4 }, () => staleCall());
    const throttledOnce = new Set(calls.slice(0, 3).map((call) => call.sid));
    const { api, events, current } = fakeApi([calls], async (call, { Status }) => {
      if (throttledOnce.delete(call.sid)) {
        throw new SignalWireError(429, { code: 20429, message: 'Too Many Requests', moreInfo: undefined }, 0);
      }
      return { ...call, status: Status! };
    });

    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 } });

    const result = await report;
    expect(result).toMatchObject({ ended: 4, failed: 0, retriedAfterThrottling: 3 });
    expect(calls.every((call) => current(call.sid)?.status === 'completed')).toBe(true);
    expect(events.filter((event) => event.startsWith('end'))).toHaveLength(7);
  });

  it('reports a call SignalWire throttles on every pass as failed, after two more passes', async () => {
    const call = staleCall();
    const { api, events } = fakeApi([[call]], async () => {
      throw new SignalWireError(429, { code: 20429, message: 'Too Many Requests', moreInfo: undefined }, 0);
    });

    const { report, audits } = run(api, { maxAgeSeconds: { inProgress: 3600 } });

    const result = await report;
    expect(result).toMatchObject({ ended: 0, failed: 1, retriedAfterThrottling: 2 });
    expect(result.failedCalls).toEqual([
      expect.objectContaining({ sid: call.sid, code: 'UPSTREAM_RATE_LIMITED', signalwireCode: 20429 }),
    ]);
    expect(events.filter((event) => event.startsWith('end'))).toHaveLength(3);
    expect(audits.map((audit) => audit.outcome)).toEqual(['failed']);
  });

  it('fails throttled calls it has no time left to send again, naming why', async () => {
    const call = staleCall();
    let remaining = 60_000;
    const { api } = fakeApi([[call]], async () => {
      remaining = 5_000;
      throw new SignalWireError(503, { code: 20503, message: 'Service Unavailable', moreInfo: undefined });
    });

    const { report } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { remainingTimeMs: () => remaining },
    );

    const result = await report;
    expect(result).toMatchObject({ failed: 1, retriedAfterThrottling: 0 });
    expect(result.failedCalls[0]?.message).toMatch(/ran out of time/);
  });

  it('leaves the pages the port returned as they were: the run takes calls off its own copy of each list', async () => {
    const pages = [[staleCall(), staleCall()], [staleCall({ status: 'ringing', date_created: hoursAgo(3) })]];
    const returned = pages.map((page) => [...page]);
    const { api } = fakeApi(pages);

    const report = await run(api, { maxAgeSeconds: { inProgress: 3600, ringing: 120 } }).report;

    expect(report.ended).toBe(3);
    expect(pages).toEqual(returned);
  });

  it('reads one page ahead at most: a page is requested only once the one two back was dispatched', async () => {
    const pages = Array.from({ length: 5 }, () => Array.from({ length: 4 }, () => staleCall()));
    const { api, events } = fakeApi(pages, async (call, { Status }) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return { ...call, status: Status! };
    });

    const { report } = run(api, { maxAgeSeconds: { inProgress: 3600 } }, { concurrency: 2 });

    expect((await report).ended).toBe(20);
    for (let page = 2; page < pages.length; page++) {
      const requested = events.indexOf(`list ${page}`);
      for (const call of pages[page - 2]!) expect(events.indexOf(`end ${call.sid}`)).toBeLessThan(requested);
    }
  });

  it('abandons requests still in flight at half the margin and reports them as interrupted', async () => {
    const call = staleCall();
    const hang: Update = (_call, _update, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
      });
    const { api } = fakeApi([[call]], hang);
    const deadline = Date.now() + 400;

    const { report, audits } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { remainingTimeMs: () => deadline - Date.now(), timeMarginMs: 300 },
    );

    const result = await report;
    expect(Date.now()).toBeLessThan(deadline);
    expect(result).toMatchObject({
      ended: 0,
      failed: 1,
      failedCalls: [{ sid: call.sid, code: 'INTERRUPTED' }],
    });
    expect(audits).toEqual([expect.objectContaining({ outcome: 'failed', errorCode: 'INTERRUPTED' })]);
  });

  it('starts nothing when the time left is already under the margin', async () => {
    const { api, events } = fakeApi([[staleCall()]]);

    const { report } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600, queued: 600 } },
      { remainingTimeMs: () => 5_000, timeMarginMs: 10_000 },
    );

    expect(await report).toMatchObject({
      found: 0,
      incomplete: true,
      notReached: { statuses: ['in-progress', 'queued'], listedCalls: 0 },
    });
    expect(events).toEqual([]);
  });

  it('refuses a concurrency above the 50 that keeps within SignalWire’s POST limit', async () => {
    const { api } = fakeApi([[]]);

    await expect(
      run(api, { maxAgeSeconds: { inProgress: 3600 } }, { concurrency: 51 }).report,
    ).rejects.toThrow('concurrency must be an integer from 1 to 50, got 51');
  });
});

describe('runCleanup pacing', () => {
  it('starts at most maxEndsPerSecond end requests per second, whatever the concurrency allows', async () => {
    const calls = Array.from({ length: 12 }, () => staleCall());
    const startedAt: number[] = [];
    const { api } = fakeApi([calls], async (call, { Status }) => {
      startedAt.push(performance.now());
      return { ...call, status: Status! };
    });

    const { report } = run(
      api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { concurrency: 50, maxEndsPerSecond: 20 },
    );

    expect((await report).ended).toBe(12);
    // 20 per second is one every 50 ms, with at most four at once (the pacer's catch-up, see pacer.ts): any
    // k + 1 consecutive starts span at least (k - 3) intervals. A busy machine can only spread them further.
    for (let i = 0; i < startedAt.length; i++) {
      for (let j = i + 1; j < startedAt.length; j++) {
        expect((startedAt[j] as number) - (startedAt[i] as number)).toBeGreaterThanOrEqual(
          (j - i - 3) * 50 - 2,
        );
      }
    }
  });

  it('refuses a rate above the account-wide POST budget', async () => {
    const { api } = fakeApi([[]]);

    await expect(
      run(api, { maxAgeSeconds: { inProgress: 3600 } }, { maxEndsPerSecond: 5000 }).report,
    ).rejects.toThrow('maxEndsPerSecond must be an integer from 1 to 1380, got 5000');
  });
});
