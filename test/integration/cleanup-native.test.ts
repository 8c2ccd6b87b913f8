import { beforeAll, describe, expect, it } from 'vitest';
import type { CallingCall, CallingStatus } from '#commons/calling/types';
import type { CleanupPolicyInput } from '#commons/cleanup/policy';
import { CleanupListingError } from '#commons/cleanup/run-cleanup';
import type { Call } from '#commons/signalwire/types';
import type { SeedNativeCall } from '#local/signalwire-emulator';
import { useCleanupSuite } from '../support/local-stack-suite.ts';

/**
 * The real cleanup handler (middleware, Secrets Manager, the SignalWire client) against the emulator's native
 * Calling API and voice logs, beside its Compatibility calls. Each test cleans only the numbers of its prefix.
 */

const { stack, output, invoke, numbered, auditsOf } = useCleanupSuite({ CLEANUP_DEFAULT_POLICY: undefined });

const seedNative = (
  prefix: string,
  status: CallingStatus,
  ageSeconds: number,
  init: Partial<SeedNativeCall> = {},
) => stack.emulator.native.seed(stack.projectId, { status, ageSeconds, to: numbered(prefix), ...init });
const seedCompatibility = (prefix: string, ageSeconds: number): Call =>
  stack.emulator.seedCall(stack.projectId, {
    status: 'in-progress',
    ageSeconds,
    to: numbered(prefix),
    direction: 'outbound',
  });

const nativeStatus = (call: CallingCall) => stack.emulator.native.get(stack.projectId, call.id)?.status;
const compatibilityStatus = (call: Call) => stack.emulator.getCall(stack.projectId, call.sid)?.status;
const nativePosts = () =>
  stack.emulator.requests.filter(
    (request) => request.method === 'POST' && request.path === '/api/calling/calls',
  );

describe('a scheduled cleanup over both kinds of call', () => {
  const prefix = '+1411';
  const policy = {
    maxAgeSeconds: { inProgress: 3600, ringing: 120, queued: 600 },
    to: { prefixes: [prefix] },
  } satisfies CleanupPolicyInput;
  let stale: { agent: CallingCall; ringing: CallingCall; campaign: CallingCall[]; compatibility: Call };
  let fresh: CallingCall[];

  beforeAll(() => {
    stale = {
      agent: seedNative(prefix, 'answered', 7200, { type: 'relay_sip_call', direction: 'inbound' }),
      ringing: seedNative(prefix, 'ringing', 300),
      campaign: Array.from({ length: 5 }, () => seedNative(prefix, 'queued', 1200, { from: '+14155550199' })),
      compatibility: seedCompatibility(prefix, 7200),
    };
    fresh = [
      seedNative(prefix, 'answered', 600),
      // Queued for three hours behind a campaign, answered ten minutes ago: a live conversation of 10 min.
      seedNative(prefix, 'answered', 3 * 3600, { answeredAfterSeconds: 3 * 3600 - 600 }),
      seedNative(prefix, 'ringing', 30),
      ...Array.from({ length: 3 }, () => seedNative(prefix, 'queued', 60, { from: '+14155550199' })),
    ];
  });

  it('previews both kinds in a dry run, each with its api, ending nothing', async () => {
    const report = await invoke('native-dry-run', { ...policy, dryRun: true });

    expect(report).toMatchObject({
      dryRun: true,
      found: 14,
      eligible: 8,
      wouldEnd: 8,
      skipped: { fresh: 6 },
    });
    expect(report.wouldEndCalls.map((entry) => [entry.sid, entry.api]).sort()).toEqual(
      [
        [stale.compatibility.sid, 'compatibility'],
        ...[stale.agent, stale.ringing, ...stale.campaign].map((call) => [call.id, 'calling']),
      ].sort(),
    );
    expect(stack.emulator.requests.filter((request) => request.method === 'POST')).toEqual([]);
    expect(new Set(auditsOf('native-dry-run').map((record) => record.outcome))).toEqual(
      new Set(['would-end']),
    );
  });

  it('hangs up the stale live calls, cancels the queued campaign calls, and leaves the fresh ones', async () => {
    const report = await invoke('native-run', policy);

    expect(report).toMatchObject({ eligible: 8, ended: 8, failed: 0, stateChanged: 0, incomplete: false });
    expect(nativeStatus(stale.agent)).toBe('ended');
    expect(nativeStatus(stale.ringing)).toBe('canceled');
    for (const call of stale.campaign) expect(nativeStatus(call)).toBe('canceled');
    expect(compatibilityStatus(stale.compatibility)).toBe('completed');
    for (const call of fresh) expect(nativeStatus(call)).toBe(call.status);
    const sent = nativePosts().map((request) => request.json as { id: string; params: { reason: string } });
    expect(sent.map(({ id, params }) => [id, params.reason]).sort()).toEqual(
      [
        [stale.agent.id, 'hangup'],
        ...[stale.ringing, ...stale.campaign].map((call) => [call.id, 'cancel']),
      ].sort(),
    );
  });

  it('writes one audit record per call acted on, naming its api', () => {
    const audits = auditsOf('native-run');

    expect(audits).toHaveLength(8);
    expect(audits.find((record) => record.callSid === stale.agent.id)).toMatchObject({
      api: 'calling',
      outcome: 'updated',
      change: { Status: 'completed' },
      priorStatus: 'in-progress',
      resultingStatus: 'completed',
      reason: expect.stringMatching(/^in-progress for \d+ s by the answer event \(event_at\)/),
    });
    for (const call of stale.campaign) {
      expect(audits.find((record) => record.callSid === call.id)).toMatchObject({
        api: 'calling',
        change: { Status: 'canceled' },
        resultingStatus: 'canceled',
        reason: expect.stringMatching(/^queued for \d+ s by created_at/),
      });
    }
    expect(audits.find((record) => record.callSid === stale.compatibility.sid)?.api).toBe('compatibility');
  });

  it('finds nothing left on the next run: every call it ended stays ended', async () => {
    const report = await invoke('native-again', policy);

    expect(report).toMatchObject({ found: 6, eligible: 0, ended: 0 });
    expect(nativePosts()).toEqual([]);
  });
});

describe('a policy narrowed by apis', () => {
  it("leaves native calls alone under apis ['compatibility'], reading no voice log", async () => {
    const queued = seedNative('+1412', 'queued', 1200);
    const compatibility = seedCompatibility('+1412', 7200);

    const report = await invoke('only-compatibility', {
      maxAgeSeconds: { inProgress: 3600, queued: 600 },
      to: { prefixes: ['+1412'] },
      apis: ['compatibility'],
    });

    expect(report).toMatchObject({ ended: 1, voiceLogPagesRead: 0 });
    expect(nativeStatus(queued)).toBe('queued');
    expect(compatibilityStatus(compatibility)).toBe('completed');
    const native = /^\/api\/(calling|voice)\//;
    expect(stack.emulator.requests.filter((request) => native.test(request.path))).toEqual([]);
    expect(stack.emulator.requests.length).toBeGreaterThan(0);
  });

  it("leaves Compatibility calls alone under apis ['calling']", async () => {
    const native = seedNative('+1413', 'queued', 1200);
    const compatibility = seedCompatibility('+1413', 7200);

    const report = await invoke('only-calling', {
      maxAgeSeconds: { inProgress: 3600, queued: 600 },
      to: { prefixes: ['+1413'] },
      apis: ['calling'],
    });

    expect(report).toMatchObject({ ended: 1, pagesRead: 0, voiceLogPagesRead: 1 });
    const listing = stack.emulator.requests.find((request) => request.path === '/api/voice/logs');
    // Pages as full as SignalWire serves them: most entries of the window are not live native calls.
    expect(listing?.query).toMatchObject({ page_size: '1000' });
    expect(nativeStatus(native)).toBe('canceled');
    expect(compatibilityStatus(compatibility)).toBe('in-progress');
  });
});

describe('faults on the native side, as on the Compatibility side', () => {
  const onlyNative = (prefix: string): CleanupPolicyInput => ({
    maxAgeSeconds: { queued: 600 },
    to: { prefixes: [prefix] },
    apis: ['calling'],
  });

  it('waits out a 429 with Retry-After and cancels every call', async () => {
    const campaign = Array.from({ length: 3 }, () => seedNative('+1414', 'queued', 1200));
    stack.emulator.injectFault({ kind: 'status', status: 429, retryAfter: '1', method: 'POST', times: 4 });

    const report = await invoke('native-429', onlyNative('+1414'));

    expect(report).toMatchObject({ eligible: 3, ended: 3, failed: 0 });
    for (const call of campaign) expect(nativeStatus(call)).toBe('canceled');
    const posts = nativePosts();
    expect(posts.length).toBeGreaterThan(3);
    // The client waited at least the Retry-After second before the first resend.
    expect((posts.at(-1)?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('reports every call as failed when the Calling API answers nothing but 500, and audits each', async () => {
    const campaign = Array.from({ length: 2 }, () => seedNative('+1415', 'queued', 1200));
    stack.emulator.injectFault({ kind: 'status', status: 500, method: 'POST', times: 1000 });

    const report = await invoke('native-500', onlyNative('+1415'));

    expect(report).toMatchObject({ eligible: 2, ended: 0, failed: 2 });
    expect(report.failedCalls.map((entry) => [entry.api, entry.code]).sort()).toEqual([
      ['calling', 'UPSTREAM_ERROR'],
      ['calling', 'UPSTREAM_ERROR'],
    ]);
    for (const call of campaign) expect(nativeStatus(call)).toBe('queued');
    expect(auditsOf('native-500').map((record) => [record.api, record.outcome])).toEqual([
      ['calling', 'failed'],
      ['calling', 'failed'],
    ]);
  });

  it('neither cancels nor counts as ended a queued call whose voice log, read again, gives no status', async () => {
    const call = seedNative('+1417', 'queued', 1200);
    const unknown = { ...stack.emulator.native.get(stack.projectId, call.id), status: null };
    stack.emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify(unknown),
      pathPrefix: `/api/voice/logs/${call.id}`,
    });

    const report = await invoke('native-unknown-status', onlyNative('+1417'));

    expect(report).toMatchObject({ eligible: 1, ended: 0, alreadyEnded: 0, failed: 1 });
    expect(report.failedCalls).toEqual([
      expect.objectContaining({
        sid: call.id,
        api: 'calling',
        code: 'UPSTREAM_ERROR',
        message: expect.stringContaining('no status known here'),
      }),
    ]);
    expect(nativePosts()).toEqual([]);
    expect(nativeStatus(call)).toBe('queued');
  });

  it('stops a voice-log listing whose links lead round in a circle, at the first link followed twice', async () => {
    // A fresh call: nothing but the listing reads the voice logs.
    const call = seedNative('+1418', 'queued', 10);
    const logs = `${stack.emulator.url}/api/voice/logs`;
    const [x, y] = ['PAeA', 'PAeQ'].map(
      (token) => `${logs}?page_size=1000&page_number=1&page_token=${token}`,
    );
    const log = stack.emulator.native.get(stack.projectId, call.id);
    // The first page links to x, x to y, y back to x.
    for (const next of [x, y, x]) {
      const body = JSON.stringify({ links: { self: logs, first: logs, next }, data: [log] });
      stack.emulator.injectFault({ kind: 'garble', body, method: 'GET', pathPrefix: '/api/voice/logs' });
    }

    const error = await invoke('native-circle', onlyNative('+1418')).catch((thrown: unknown) => thrown);
    stack.emulator.clearFaults();

    const why = 'SignalWire returned a links.next that leads back to a voice-log page already read';
    expect(error).toBeInstanceOf(CleanupListingError);
    expect((error as CleanupListingError).report).toMatchObject({
      voiceLogPagesRead: 3,
      found: 1,
      skipped: { fresh: 1 },
      listingFailures: [
        {
          api: 'calling',
          code: 'UPSTREAM_ERROR',
          message: 'SignalWire answered 502',
          signalwireMessage: why,
        },
      ],
    });
    // Why it failed reaches the logged report (the run's record) and the failure queue's error, not only "502".
    const logged = output
      .records()
      .filter((record) => record.message === 'cleanup report' && record.scheduleName === 'native-circle');
    expect(logged.map((record) => record.report)).toMatchObject([
      { listingFailures: [{ api: 'calling', signalwireMessage: why }] },
    ]);
    expect((error as Error).message).toContain(`queued (UPSTREAM_ERROR: ${why})`);
    expect(stack.emulator.requests.filter((request) => request.path === '/api/voice/logs')).toHaveLength(3);
  });

  it('reports a voice-log listing it could not read, then fails the invocation', async () => {
    const call = seedNative('+1416', 'queued', 1200);
    stack.emulator.injectFault({ kind: 'status', status: 500, method: 'GET', times: 1000 });

    const error = await invoke('native-listing', onlyNative('+1416')).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(CleanupListingError);
    expect((error as CleanupListingError).report).toMatchObject({
      incomplete: true,
      notReached: { apis: ['calling'] },
      listingFailures: [{ api: 'calling', status: 'queued', code: 'UPSTREAM_ERROR' }],
    });
    expect(nativeStatus(call)).toBe('queued');
  });
});
