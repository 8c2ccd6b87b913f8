import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { LIVE_CALL_WINDOW_SECONDS } from '#commons/calling/assumptions';
import type { AuditRecord } from '#commons/calls/audit';
import type { CallsApi, NativeCallsApi } from '#commons/calls/port';
import { nativeWindowStart } from '#commons/cleanup/native-sweep';
import { type CleanupPolicyInput, resolvePolicy } from '#commons/cleanup/policy';
import { type CleanupOptions, runCleanup } from '#commons/cleanup/run-cleanup';
import { SignalWireError } from '#commons/errors';
import { MAX_ERROR_TEXT_CHARS } from '#commons/signalwire/answers';
import type { Call, CallListPage } from '#commons/signalwire/types';
import { fakeNative, nativeLog } from '../support/fake-native.ts';
import { sampleCall } from '../support/fixtures.ts';

/** The cleanup's native side over an in-memory Calling API and voice logs (test/support/fake-native.ts). */

const NOW = Date.parse('2024-03-01T12:00:00Z');
const isoAgo = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

/** A Compatibility API with one page of calls, recording what it was asked. */
const fakeCompatibility = (calls: Call[] = []) => {
  const requests: string[] = [];
  const api: CallsApi = {
    async listCallsPage(from) {
      const status = 'nextPageUri' in from ? 'next' : from.Status;
      requests.push(`list ${status}`);
      return { calls: calls.filter((call) => call.status === status) } as CallListPage;
    },
    async updateCall(sid, { Status }) {
      requests.push(`end ${sid}`);
      return { ...(calls.find((call) => call.sid === sid) as Call), status: Status ?? 'completed' };
    },
    async getCall(sid) {
      return calls.find((call) => call.sid === sid) as Call;
    },
    listCalls() {
      throw new Error('the engine pages itself');
    },
  };
  return { api, requests };
};

const run = async (
  native: NativeCallsApi | undefined,
  policy: CleanupPolicyInput,
  options: Partial<CleanupOptions> & { compatibility?: CallsApi } = {},
) => {
  const audits: AuditRecord[] = [];
  const logger = { info: (_: string, extra: { audit: AuditRecord }) => audits.push(extra.audit) };
  const { compatibility = fakeCompatibility().api, ...rest } = options;
  const report = await runCleanup(compatibility, resolvePolicy(undefined, policy), {
    scheduleName: 'unit',
    accountSid: 'project',
    logger: logger as unknown as Logger,
    now: () => NOW,
    ...(native ? { native } : {}),
    ...rest,
  });
  return { report, audits };
};

describe('the cleanup over native calls: the age rule', () => {
  it('judges an answered call by its answer event, sparing one queued long but answered recently', async () => {
    const talking = nativeLog({ created_at: isoAgo(3 * 3600) });
    const { api, requests, current } = fakeNative([talking], { [talking.id]: isoAgo(600) });

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report).toMatchObject({ found: 1, eligible: 0, skipped: { fresh: 1 }, ended: 0 });
    expect(current(talking.id)?.status).toBe('answered');
    expect(requests.filter((request) => request.startsWith('end'))).toEqual([]);
  });

  it('hangs up an answered call whose answer is older than the policy allows, naming the answer event', async () => {
    const stale = nativeLog({ created_at: isoAgo(7300) });
    const { api, requests, current } = fakeNative([stale], { [stale.id]: isoAgo(7200) });

    const { report, audits } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report).toMatchObject({ eligible: 1, ended: 1, failed: 0 });
    expect(requests).toContain(`end ${stale.id} hangup`);
    expect(current(stale.id)?.status).toBe('ended');
    expect(audits).toEqual([
      expect.objectContaining({
        callSid: stale.id,
        api: 'calling',
        outcome: 'updated',
        change: { Status: 'completed' },
        priorStatus: 'in-progress',
        resultingStatus: 'completed',
        reason: 'in-progress for 7200 s by the answer event (event_at); the policy allows 3600 s',
      }),
    ]);
  });

  it('reads no events for an answered call whose creation is already within the policy', async () => {
    const fresh = nativeLog({ created_at: isoAgo(1200) });
    const { api, requests } = fakeNative([fresh], { [fresh.id]: isoAgo(1190) });

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report.skipped.fresh).toBe(1);
    expect(requests.some((request) => request.startsWith('events'))).toBe(false);
  });

  it('never ends an answered call without an answer event: its age is unknown, and reported', async () => {
    const unknown = nativeLog({ created_at: isoAgo(7200) });
    const { api, requests } = fakeNative([unknown]);

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report.unknownAgeCalls).toEqual([
      {
        sid: unknown.id,
        api: 'calling',
        status: 'in-progress',
        reason: 'in-progress native call without a calling_call_answered event',
      },
    ]);
    expect(requests.filter((request) => request.startsWith('end'))).toEqual([]);
  });

  it('never ends an answered call whose events cannot be read', async () => {
    const call = nativeLog({ created_at: isoAgo(7200) });
    const fake = fakeNative([call]);
    const api: NativeCallsApi = {
      ...fake.api,
      async voiceLogEvents() {
        throw new SignalWireError(500, { code: undefined, message: 'down', moreInfo: undefined });
      },
    };

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report).toMatchObject({ eligible: 0, ended: 0, skipped: { unknownAge: 1 } });
    expect(report.unknownAgeCalls[0]?.reason).toMatch(
      /voice-log events could not be read \(UPSTREAM_ERROR\)/,
    );
  });

  it('never reads an answer time that is not an ISO instant ("0" would date the answer to 2000)', async () => {
    const call = nativeLog({ created_at: isoAgo(7200) });
    const { api, requests } = fakeNative([call], { [call.id]: '0' });

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report).toMatchObject({ eligible: 0, ended: 0, skipped: { unknownAge: 1 } });
    expect(requests.filter((request) => request.startsWith('end'))).toEqual([]);
  });

  it('dates a call by its latest answer event, and never before its creation, sparing it in doubt', async () => {
    const reanswered = nativeLog({ created_at: isoAgo(7200) });
    const early = nativeLog({ created_at: isoAgo(1800) });
    const fake = fakeNative([reanswered, early]);
    const event = (id: string, at: string) => ({
      event_at: at,
      level: 'info' as const,
      name: 'calling_call_answered',
      details: {},
      project_id: fake.api.projectId,
      log_id: id,
    });
    const api: NativeCallsApi = {
      ...fake.api,
      async voiceLogEvents(id) {
        // Listed newest last for one call; for the other an answer event dated before the call was created.
        return id === reanswered.id
          ? { data: [event(id, isoAgo(7000)), event(id, isoAgo(600))] }
          : { data: [event(id, isoAgo(9000))] };
      },
    };

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report).toMatchObject({ eligible: 0, ended: 0, skipped: { fresh: 2 } });
    expect([reanswered, early].map((call) => fake.current(call.id)?.status)).toEqual([
      'answered',
      'answered',
    ]);
  });

  it('judges and ends a call listed on two voice-log pages once, spending one of maxCallsToEnd', async () => {
    const [shifted, other] = [
      nativeLog({ status: 'queued', created_at: isoAgo(1200) }),
      nativeLog({ status: 'queued', created_at: isoAgo(1300) }),
    ];
    const fake = fakeNative([shifted, other]);
    const links = { self: '/api/voice/logs', first: '/api/voice/logs' };
    const api: NativeCallsApi = {
      ...fake.api,
      async listVoiceLogsPage(from) {
        await fake.api.listVoiceLogsPage(from);
        // A call created while the list was read pushed `shifted` onto the second page too (in capitals there).
        return 'next' in from
          ? { links, data: [{ ...shifted, id: shifted.id.toUpperCase() }, other] }
          : {
              links: { ...links, next: 'https://space.example/api/voice/logs?page_token=2' },
              data: [shifted],
            };
      },
    };

    const { report, audits } = await run(api, { maxAgeSeconds: { queued: 600 }, maxCallsToEnd: 2 });

    expect(report).toMatchObject({ found: 2, eligible: 2, ended: 2, alreadyEnded: 0 });
    expect(report.circuitBreaker.tripped).toBe(false);
    expect(audits.map((audit) => audit.callSid)).toEqual([shifted.id, other.id]);
    expect([shifted, other].map((call) => fake.current(call.id)?.status)).toEqual(['canceled', 'canceled']);
  });

  it('judges queued and ringing calls by created_at, as Compatibility ones by date_created', async () => {
    const staleQueued = nativeLog({ status: 'queued', created_at: isoAgo(1200) });
    const staleCreated = nativeLog({ status: 'created', created_at: isoAgo(1200) });
    const freshQueued = nativeLog({ status: 'queued', created_at: isoAgo(30) });
    const { api } = fakeNative([staleQueued, staleCreated, freshQueued]);

    const { report, audits } = await run(api, { maxAgeSeconds: { queued: 600 } });

    expect(report).toMatchObject({ found: 3, eligible: 2, ended: 2, skipped: { fresh: 1 } });
    expect(audits.map((audit) => audit.reason)).toEqual([
      'queued for 1200 s by created_at; the policy allows 600 s',
      'queued for 1200 s by created_at; the policy allows 600 s',
    ]);
  });
});

describe('the cleanup over native calls: a runaway campaign', () => {
  it('cancels every stale queued call (calling.end with cancel), re-reading each first', async () => {
    const campaign = Array.from({ length: 3 }, () =>
      nativeLog({ status: 'queued', created_at: isoAgo(1200), from: '+14155550199' }),
    );
    const { api, requests, current } = fakeNative(campaign);

    const { report, audits } = await run(api, { maxAgeSeconds: { queued: 600 } });

    expect(report).toMatchObject({ eligible: 3, ended: 3, failed: 0 });
    for (const call of campaign) {
      expect(current(call.id)?.status).toBe('canceled');
      expect(requests.indexOf(`get ${call.id}`)).toBeLessThan(requests.indexOf(`end ${call.id} cancel`));
    }
    expect(audits.map((audit) => [audit.api, audit.change, audit.resultingStatus])).toEqual(
      Array(3).fill(['calling', { Status: 'canceled' }, 'canceled']),
    );
  });

  it('does not cancel a queued call answered after it was listed: state changed, nothing sent', async () => {
    const queued = nativeLog({ status: 'queued', created_at: isoAgo(1200) });
    const fake = fakeNative([queued]);
    const api: NativeCallsApi = {
      ...fake.api,
      async getVoiceLog(id) {
        return { ...(await fake.api.getVoiceLog(id)), status: 'answered' };
      },
    };

    const { report, audits } = await run(api, { maxAgeSeconds: { queued: 600 } });

    expect(report).toMatchObject({ eligible: 1, stateChanged: 1, ended: 0, failed: 0 });
    expect(fake.requests.filter((request) => request.startsWith('end'))).toEqual([]);
    expect(audits).toEqual([
      expect.objectContaining({ outcome: 'rejected', errorCode: 'CALL_STATE_CONFLICT', api: 'calling' }),
    ]);
  });

  it('counts a call that ended between listing and ending as already ended', async () => {
    const queued = nativeLog({ status: 'queued', created_at: isoAgo(1200) });
    const fake = fakeNative([queued]);
    const api: NativeCallsApi = {
      ...fake.api,
      async getVoiceLog(id) {
        return { ...(await fake.api.getVoiceLog(id)), status: 'canceled' };
      },
    };

    const { report, audits } = await run(api, { maxAgeSeconds: { queued: 600 } });

    expect(report).toMatchObject({ eligible: 1, alreadyEnded: 1, ended: 0, failed: 0 });
    expect(audits).toEqual([expect.objectContaining({ outcome: 'already-ended', api: 'calling' })]);
  });

  it('counts an answered call that ended as the end request was sent as already ended (422, then its log)', async () => {
    const talking = nativeLog({ created_at: isoAgo(7300) });
    const fake = fakeNative([talking], { [talking.id]: isoAgo(7200) });
    const api: NativeCallsApi = {
      ...fake.api,
      async endCall(id, reason) {
        await fake.api.endCall(id, reason);
        throw new SignalWireError(422, { code: undefined, message: 'ended', moreInfo: undefined });
      },
    };

    const { report } = await run(api, { maxAgeSeconds: { inProgress: 3600 } });

    expect(report).toMatchObject({ eligible: 1, alreadyEnded: 1, failed: 0 });
  });
});

describe('the cleanup over native calls: what a policy covers', () => {
  const compatibilityCall = sampleCall({
    sid: 'c0ffee00-0000-4000-8000-000000000001',
    status: 'in-progress',
    start_time: new Date(NOW - 7200_000).toUTCString().replace('GMT', '+0000'),
  });

  it('covers both kinds by default, ending each through its own API', async () => {
    const compatibility = fakeCompatibility([compatibilityCall]);
    const talking = nativeLog({ created_at: isoAgo(7300) });
    const native = fakeNative([talking], { [talking.id]: isoAgo(7200) });

    const { report, audits } = await run(
      native.api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { compatibility: compatibility.api },
    );

    expect(report).toMatchObject({ found: 2, ended: 2, pagesRead: 1, voiceLogPagesRead: 1 });
    expect(compatibility.requests).toEqual(['list in-progress', `end ${compatibilityCall.sid}`]);
    expect(native.requests).toContain(`end ${talking.id} hangup`);
    expect(audits.map((audit) => [audit.callSid, audit.api]).sort()).toEqual(
      [
        [compatibilityCall.sid, 'compatibility'],
        [talking.id, 'calling'],
      ].sort(),
    );
  });

  it('paces native and Compatibility end requests on one schedule: they share the account-wide POST budget', async () => {
    const compatibilityCalls = ['1', '2', '3'].map((n) =>
      sampleCall({ ...compatibilityCall, sid: `c0ffee00-0000-4000-8000-00000000000${n}` }),
    );
    const compatibility = fakeCompatibility(compatibilityCalls);
    const talking = Array.from({ length: 3 }, () => nativeLog({ created_at: isoAgo(7300) }));
    const native = fakeNative(talking, Object.fromEntries(talking.map((call) => [call.id, isoAgo(7200)])));

    const started = performance.now();
    const { report } = await run(
      native.api,
      { maxAgeSeconds: { inProgress: 3600 } },
      { compatibility: compatibility.api, maxEndsPerSecond: 5 },
    );

    expect(report.ended).toBe(6);
    // Six starts at 5 per second, the first three allowed at once (the pacer's catch-up): at least 600 ms.
    // Each kind on its own schedule would start its three at once.
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
  });

  it("leaves native calls alone under apis ['compatibility'], and Compatibility calls under ['calling']", async () => {
    const compatibility = fakeCompatibility([compatibilityCall]);
    const native = fakeNative([nativeLog({ created_at: isoAgo(7300) })]);

    const onlyCompatibility = await run(
      native.api,
      { maxAgeSeconds: { inProgress: 3600 }, apis: ['compatibility'] },
      { compatibility: compatibility.api },
    );
    expect(native.requests).toEqual([]);
    expect(onlyCompatibility.report).toMatchObject({ found: 1, ended: 1, voiceLogPagesRead: 0 });

    compatibility.requests.length = 0;
    await run(
      native.api,
      { maxAgeSeconds: { inProgress: 3600 }, apis: ['calling'] },
      { compatibility: compatibility.api },
    );
    expect(compatibility.requests).toEqual([]);
    expect(native.requests[0]).toMatch(/^list /);
  });

  it('needs no native API when the policy covers Compatibility calls only, and refuses to run without one otherwise', async () => {
    await expect(
      run(undefined, { maxAgeSeconds: { inProgress: 3600 }, apis: ['compatibility'] }),
    ).resolves.toBeDefined();
    await expect(run(undefined, { maxAgeSeconds: { inProgress: 3600 } })).rejects.toThrow(
      /covers native calls \('calling'\) but no native API was given/,
    );
  });

  it('skips native calls in states the policy does not clean, without counting them', async () => {
    const { api } = fakeNative([
      nativeLog({ status: 'ringing', created_at: isoAgo(1200) }),
      nativeLog({ status: 'ended', created_at: isoAgo(1200) }),
      nativeLog({ status: 'queued', created_at: isoAgo(1200), source: 'laml', type: 'laml_call' }),
    ]);

    const { report } = await run(api, { maxAgeSeconds: { queued: 600 } });

    expect(report).toMatchObject({ found: 0, eligible: 0, voiceLogPagesRead: 1 });
  });

  it('applies the filters and the allow-list to native calls as to Compatibility ones', async () => {
    const parent = 'f00dfeed-0000-4000-8000-000000000001';
    const calls = [
      nativeLog({ status: 'queued', created_at: isoAgo(1200), to: '+4420555' }),
      nativeLog({ status: 'queued', created_at: isoAgo(1200), direction: 'inbound' }),
      nativeLog({ status: 'queued', created_at: isoAgo(1200), parent_id: parent }),
      nativeLog({ status: 'queued', created_at: isoAgo(1200), from: '+13105550000' }),
      nativeLog({ status: 'queued', created_at: isoAgo(1200) }),
    ];
    const { api, requests } = fakeNative(calls);

    const { report } = await run(api, {
      maxAgeSeconds: { queued: 600 },
      to: { prefixes: ['+1'] },
      directions: ['outbound-api'],
      neverTouch: [parent.toUpperCase(), '+13105550000'],
    });

    expect(report).toMatchObject({
      found: 5,
      eligible: 1,
      ended: 1,
      skipped: { filtered: 2, neverTouch: 2 },
    });
    expect(requests.filter((request) => request.startsWith('end'))).toEqual([`end ${calls[4]?.id} cancel`]);
  });

  it('counts native end requests against the circuit breaker, and previews both kinds in a dry run', async () => {
    const compatibility = fakeCompatibility([compatibilityCall]);
    const campaign = Array.from({ length: 4 }, () =>
      nativeLog({ status: 'queued', created_at: isoAgo(1200) }),
    );
    const { api, requests } = fakeNative(campaign);
    const policy = { maxAgeSeconds: { inProgress: 3600, queued: 600 }, maxCallsToEnd: 3, dryRun: true };

    const { report, audits } = await run(api, policy, { compatibility: compatibility.api });

    expect(report).toMatchObject({
      wouldEnd: 3,
      circuitBreaker: { cap: 3, tripped: true, eligibleBeyondCap: 2 },
    });
    expect(report.wouldEndCalls.map((entry) => entry.api)).toEqual(['compatibility', 'calling', 'calling']);
    expect(audits.map((audit) => [audit.outcome, audit.api])).toEqual([
      ['would-end', 'compatibility'],
      ['would-end', 'calling'],
      ['would-end', 'calling'],
    ]);
    expect(requests.filter((request) => !request.startsWith('list'))).toEqual([]);
  });
});

describe('the cleanup over native calls: listing and throttling', () => {
  it('reads the voice logs back over the live-call window, or the longest policy age plus 15 minutes', () => {
    const policy = (maxAgeSeconds: CleanupPolicyInput['maxAgeSeconds']) =>
      resolvePolicy(undefined, { maxAgeSeconds });

    expect(nativeWindowStart(policy({ inProgress: 3600, queued: 600 }), NOW).getTime()).toBe(
      NOW - LIVE_CALL_WINDOW_SECONDS * 1000,
    );
    expect(nativeWindowStart(policy({ inProgress: 8 * 3600 }), NOW).getTime()).toBe(
      NOW - (8 * 3600 + 900) * 1000,
    );
  });

  it('asks the voice logs for the window it judges, and reports a listing failure under api calling', async () => {
    const fake = fakeNative([]);
    const api: NativeCallsApi = {
      ...fake.api,
      async listVoiceLogsPage(from) {
        await fake.api.listVoiceLogsPage(from);
        throw new SignalWireError(500, { code: undefined, message: 'down', moreInfo: undefined });
      },
    };

    const { report } = await run(api, { maxAgeSeconds: { ringing: 120 } });

    expect(fake.requests).toEqual([`list ${new Date(NOW - LIVE_CALL_WINDOW_SECONDS * 1000).toISOString()}`]);
    expect(report).toMatchObject({
      incomplete: true,
      notReached: { statuses: [], apis: ['calling'] },
      listingFailures: [{ api: 'calling', status: 'ringing', code: 'UPSTREAM_ERROR' }],
    });
  });

  it("keeps why a voice-log listing failed, scrubbed of credentials and cut like SignalWire's own text", async () => {
    const fake = fakeNative([]);
    const why = `a proxy echoed Authorization: Bearer sekr3t-token-value ${'x'.repeat(600)}`;
    const api: NativeCallsApi = {
      ...fake.api,
      async listVoiceLogsPage() {
        throw new SignalWireError(502, { code: 12345, message: why, moreInfo: undefined });
      },
    };

    const { report } = await run(api, { maxAgeSeconds: { ringing: 120 } });

    const [failure] = report.listingFailures;
    expect(failure).toMatchObject({
      api: 'calling',
      code: 'UPSTREAM_ERROR',
      message: 'SignalWire answered 502',
    });
    expect(failure?.signalwireCode).toBe(12345);
    expect(failure?.signalwireMessage).toMatch(/^a proxy echoed Authorization: \[redacted\] x+…$/);
    expect(failure?.signalwireMessage).toHaveLength(MAX_ERROR_TEXT_CHARS);
    expect(JSON.stringify(report)).not.toContain('sekr3t');
  });

  it('sets aside a native end SignalWire throttled and sends it again after the listing', async () => {
    const queued = nativeLog({ status: 'queued', created_at: isoAgo(1200) });
    const fake = fakeNative([queued]);
    let throttled = 0;
    const api: NativeCallsApi = {
      ...fake.api,
      async endCall(id, reason) {
        if (throttled++ === 0) {
          throw new SignalWireError(
            429,
            { code: undefined, message: 'Too Many Requests', moreInfo: undefined },
            0,
          );
        }
        return fake.api.endCall(id, reason);
      },
    };

    const { report } = await run(api, { maxAgeSeconds: { queued: 600 } });

    expect(report).toMatchObject({ ended: 1, failed: 0, retriedAfterThrottling: 1 });
    expect(fake.current(queued.id)?.status).toBe('canceled');
  });
});
