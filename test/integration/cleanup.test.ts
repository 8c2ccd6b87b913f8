import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CleanupPolicyInput } from '#commons/cleanup/policy';
import { CleanupListingError, type CleanupReport } from '#commons/cleanup/run-cleanup';
import { RequestValidationError } from '#commons/errors';
import type { Call, CallStatus } from '#commons/signalwire/types';
import { createLambdaContext } from '#local/lambda-context';
import type { SeedCall } from '#local/signalwire-emulator';
import { SCHEDULER_ALIAS_ARN, schedulerOf, useCleanupSuite } from '../support/local-stack-suite.ts';

/** Protected by CLEANUP_DEFAULT_POLICY, so every schedule's policy inherits it. */
const DEFAULT_PROTECTED = '+13119999999';

const {
  stack,
  output,
  handler,
  invoke: run,
  numbered,
  auditsOf,
} = useCleanupSuite({
  POWERTOOLS_METRICS_DISABLED: 'false',
  CLEANUP_CONCURRENCY: '20',
  CLEANUP_DEFAULT_POLICY: JSON.stringify({ neverTouch: [DEFAULT_PROTECTED], maxCallsToEnd: 1000 }),
});
/** Through the `scheduler` alias, with the Scheduler's context attributes, as EventBridge Scheduler invokes it. */
const invoke = (scheduleName: string, policy: CleanupPolicyInput, timeoutMs = 60_000) =>
  run(scheduleName, policy, { timeoutMs, viaScheduler: true });

/** Seeds a call to `${prefix}` + a unique suffix; each test cleans only its own prefix. */
const seed = (prefix: string, status: CallStatus, ageSeconds: number, init: Partial<SeedCall> = {}): Call =>
  stack.emulator.seedCall(stack.projectId, {
    status,
    ageSeconds,
    to: numbered(prefix),
    direction: 'outbound',
    ...init,
  });
const seedMany = (count: number, ...args: Parameters<typeof seed>): Call[] =>
  Array.from({ length: count }, () => seed(...args));

const current = (call: Call): Call | undefined => stack.emulator.getCall(stack.projectId, call.sid);
const statusOf = (call: Call): CallStatus | undefined => current(call)?.status;
const sids = (calls: readonly Call[]): string[] => calls.map((call) => call.sid).sort();
const posts = () => stack.emulator.requests.filter((request) => request.method === 'POST');

const loggedReportsOf = (scheduleName: string): unknown[] =>
  output
    .records()
    .filter((record) => record.message === 'cleanup report')
    .map((record) => record.report as CleanupReport)
    .filter((report) => report.scheduleName === scheduleName);
const metricsOf = (scheduleName: string): Record<string, unknown> | undefined =>
  output.records().find((record) => record._aws !== undefined && record.scheduleName === scheduleName);

describe('a cleanup over 1,200 calls in every state and age', () => {
  const prefix = '+1311';
  const policyProtected = '+13119999998';
  const policy = {
    maxAgeSeconds: { inProgress: 3600, ringing: 120, queued: 600 },
    to: { prefixes: [prefix] },
    directions: ['outbound'],
    maxCallsToEnd: 1000,
  } satisfies CleanupPolicyInput;

  let stale: { inProgress: Call[]; ringing: Call[]; queued: Call[] };
  let untouched: Call[];
  let unknownAge: Call[];
  let protectedBySid: Call[];

  beforeAll(() => {
    stale = {
      inProgress: seedMany(300, prefix, 'in-progress', 7200),
      ringing: seedMany(150, prefix, 'ringing', 300),
      queued: seedMany(150, prefix, 'queued', 1200),
    };
    protectedBySid = seedMany(5, prefix, 'ringing', 300);
    unknownAge = seedMany(5, prefix, 'in-progress', 7200, { startTime: null });
    untouched = [
      ...seedMany(200, prefix, 'in-progress', 1800),
      ...seedMany(100, prefix, 'ringing', 60),
      ...seedMany(100, prefix, 'queued', 300),
      ...seedMany(10, prefix, 'in-progress', 7200, { to: policyProtected }),
      ...seedMany(5, prefix, 'in-progress', 7200, { to: DEFAULT_PROTECTED }),
      ...protectedBySid,
      ...unknownAge,
      // Out of the policy's filters: another prefix, and an inbound direction.
      ...seedMany(60, '+4420', 'in-progress', 7200),
      ...seedMany(40, prefix, 'ringing', 300, { direction: 'inbound' }),
      // Ended long ago: never listed.
      ...(['completed', 'canceled', 'busy', 'failed', 'no-answer'] as const).flatMap((status) =>
        seedMany(20, prefix, status, 7200),
      ),
    ];
  });

  const all = () => [...stale.inProgress, ...stale.ringing, ...stale.queued, ...untouched];
  const staleSids = () => sids([...stale.inProgress, ...stale.ringing, ...stale.queued]);
  const fullPolicy = (): CleanupPolicyInput => ({
    ...policy,
    neverTouch: [policyProtected, ...protectedBySid.map((call) => call.sid)],
  });
  // in-progress 580 (3 pages of 200), ringing 295 (2 pages), queued 250 (2 pages)
  const expectedCounts = {
    pagesRead: 7,
    found: 1125,
    eligible: 600,
    skipped: { fresh: 400, filtered: 100, neverTouch: 20, unknownAge: 5 },
  };

  it('seeds more than 1,200 calls', () => {
    expect(all().length).toBeGreaterThanOrEqual(1200);
  });

  it('dry run: ends nothing, and reports and audits exactly the stale calls as would-end', async () => {
    const report = await invoke('big-dry-run', { ...fullPolicy(), dryRun: true });

    expect(report).toMatchObject({
      ...expectedCounts,
      dryRun: true,
      wouldEnd: 600,
      ended: 0,
      alreadyEnded: 0,
      failed: 0,
      incomplete: false,
      circuitBreaker: { cap: 1000, tripped: false, eligibleBeyondCap: 0 },
    });
    expect(posts()).toEqual([]);
    for (const call of all()) expect(current(call)).toEqual(call);
    const audits = auditsOf('big-dry-run');
    expect(audits.map((record) => record.callSid).sort()).toEqual(staleSids());
    expect(new Set(audits.map((record) => record.outcome))).toEqual(new Set(['would-end']));
    expect(sids(unknownAge)).toEqual(report.unknownAgeCalls.map((entry) => entry.sid).sort());
    // The report names the first 100 of them itself, each one stale.
    expect(report.wouldEndCalls).toHaveLength(100);
    const stale = new Set(staleSids());
    for (const entry of report.wouldEndCalls) expect(stale.has(entry.sid), entry.sid).toBe(true);
  });

  it('ends exactly the stale calls, each with the status its state needs, and touches nothing else', async () => {
    const report = await invoke('big-run', fullPolicy());

    expect(report).toMatchObject({
      ...expectedCounts,
      dryRun: false,
      ended: 600,
      wouldEnd: 0,
      alreadyEnded: 0,
      stateChanged: 0,
      failed: 0,
      failedCalls: [],
      incomplete: false,
      notReached: { statuses: [], listedCalls: 0 },
      listingFailures: [],
    });
    for (const call of stale.inProgress) expect(statusOf(call)).toBe('completed');
    for (const call of [...stale.ringing, ...stale.queued]) expect(statusOf(call)).toBe('canceled');
    for (const call of untouched) expect(current(call)).toEqual(call);
    expect(
      posts()
        .map((request) => request.path.split('/').at(-1)?.replace('.json', ''))
        .sort(),
    ).toEqual(staleSids());
  });

  it('reports the calls whose age cannot be established and never ends them', async () => {
    const report = await invoke('big-unknown-age', fullPolicy());

    const bySid = (a: { sid: string }, b: { sid: string }) => a.sid.localeCompare(b.sid);
    expect([...report.unknownAgeCalls].sort(bySid)).toEqual(
      unknownAge
        .map((call) => ({
          sid: call.sid,
          api: 'compatibility',
          status: 'in-progress',
          reason: 'in-progress call without start_time',
        }))
        .sort(bySid),
    );
    for (const call of unknownAge) expect(statusOf(call)).toBe('in-progress');
  });

  it('writes the audit record of the HTTP route for each call it ended', () => {
    const audits = auditsOf('big-run');
    const inProgress = new Set(sids(stale.inProgress));

    expect(audits).toHaveLength(600);
    for (const record of audits) {
      const wasInProgress = inProgress.has(record.callSid);
      expect(record).toEqual({
        trigger: 'schedule',
        // The name is what the input claims; the ARN and execution id are what Scheduler attests.
        actor: {
          name: 'big-run',
          claimed: { scheduleName: 'big-run' },
          attested: { invokedAs: SCHEDULER_ALIAS_ARN, ...schedulerOf('big-run') },
        },
        accountSid: stack.projectId,
        callSid: record.callSid,
        change: { Status: wasInProgress ? 'completed' : 'canceled' },
        outcome: 'updated',
        priorStatus: wasInProgress ? 'in-progress' : expect.stringMatching(/^(ringing|queued)$/),
        resultingStatus: wasInProgress ? 'completed' : 'canceled',
        api: 'compatibility',
        reason: expect.stringMatching(/ for \d+ s by (start_time|date_created); the policy allows \d+ s$/),
      });
    }
  });

  it('logs its report once and publishes CallsFound, CallsEnded and CallsFailed as EMF', async () => {
    const [report] = loggedReportsOf('big-run') as CleanupReport[];

    expect(loggedReportsOf('big-run')).toHaveLength(1);
    expect(report?.ended).toBe(600);
    expect(metricsOf('big-run')).toMatchObject({ CallsFound: 1125, CallsEnded: 600, CallsFailed: 0 });
    expect(metricsOf('big-run')).not.toHaveProperty('CircuitBreakerTripped');
  });
});

describe('under a 429 storm', () => {
  it('ends every stale call it can through the back-off and names each one it could not, with why', async () => {
    const calls = seedMany(80, '+1312', 'in-progress', 7200);
    stack.emulator.setRateLimit({ maxPosts: 10, windowMs: 200 });

    const report = await invoke('storm', {
      maxAgeSeconds: { inProgress: 3600 },
      to: { prefixes: ['+1312'] },
    });

    const failedSids = new Set(report.failedCalls.map((entry) => entry.sid));
    expect(posts().length).toBeGreaterThan(calls.length);
    expect(report.ended).toBeGreaterThan(0);
    expect(report.ended + report.failed).toBe(80);
    expect(report.failedCalls).toHaveLength(report.failed);
    for (const entry of report.failedCalls) {
      expect(entry).toEqual({
        sid: entry.sid,
        api: 'compatibility',
        status: 'in-progress',
        code: 'UPSTREAM_RATE_LIMITED',
        message: 'SignalWire is rate-limiting this project; retries were exhausted',
        signalwireCode: 20429,
      });
    }
    for (const call of calls)
      expect(statusOf(call)).toBe(failedSids.has(call.sid) ? 'in-progress' : 'completed');

    stack.emulator.setRateLimit(undefined);
    const next = await invoke('storm', { maxAgeSeconds: { inProgress: 3600 }, to: { prefixes: ['+1312'] } });

    expect(next).toMatchObject({ ended: report.failed, failed: 0 });
    for (const call of calls) expect(statusOf(call)).toBe('completed');
  });

  it('reports every call when SignalWire answers nothing but 429, and audits each as failed', async () => {
    const calls = seedMany(3, '+1316', 'in-progress', 7200);
    stack.emulator.injectFault({ kind: 'status', status: 429, method: 'POST', times: 1000 });

    const report = await invoke('storm-total', {
      maxAgeSeconds: { inProgress: 3600 },
      to: { prefixes: ['+1316'] },
    });

    expect(report).toMatchObject({ eligible: 3, ended: 0, failed: 3, incomplete: false });
    expect(report.failedCalls.map((entry) => entry.sid).sort()).toEqual(sids(calls));
    expect(new Set(report.failedCalls.map((entry) => entry.code))).toEqual(
      new Set(['UPSTREAM_RATE_LIMITED']),
    );
    for (const call of calls) expect(statusOf(call)).toBe('in-progress');
    expect(
      auditsOf('storm-total').map((record) => [record.outcome, record.errorCode, record.signalwireCode]),
    ).toEqual(Array(3).fill(['failed', 'UPSTREAM_RATE_LIMITED', 20429]));
    expect(metricsOf('storm-total')).toMatchObject({ CallsFailed: 3, CallsEnded: 0 });
  });
});

describe('the time budget', () => {
  it('stops starting work under the margin, reports what remains, and the next run finishes it', async () => {
    const calls = seedMany(200, '+1313', 'in-progress', 7200);
    const policy = { maxAgeSeconds: { inProgress: 3600 }, to: { prefixes: ['+1313'] } };
    stack.emulator.setLatency(50);

    // 1,300 ms to live with a 1,000 ms margin: about 300 ms of work, far less than 200 calls need.
    const first = await invoke('budget', policy, 1300);

    const stillLive = calls.filter((call) => statusOf(call) === 'in-progress');
    expect(first.incomplete).toBe(true);
    expect(first.notReached.statuses).toEqual(['in-progress']);
    expect(first.ended).toBeLessThan(200);
    expect(first.ended + stillLive.length).toBe(200);
    expect(first.failed).toBe(0);
    expect(first.durationMs).toBeLessThan(1300);

    stack.emulator.setLatency(0);
    const second = await invoke('budget', policy);

    expect(second).toMatchObject({ incomplete: false, ended: stillLive.length, alreadyEnded: 0, failed: 0 });
    for (const call of calls) expect(statusOf(call)).toBe('completed');
  });
});

describe('the circuit breaker', () => {
  it('ends no call past maxCallsToEnd, counts those beyond it, and publishes CircuitBreakerTripped', async () => {
    const calls = seedMany(30, '+1314', 'in-progress', 7200);

    const report = await invoke('breaker', {
      maxAgeSeconds: { inProgress: 3600 },
      to: { prefixes: ['+1314'] },
      maxCallsToEnd: 10,
    });

    expect(report).toMatchObject({
      eligible: 30,
      ended: 10,
      circuitBreaker: { cap: 10, tripped: true, eligibleBeyondCap: 20 },
      incomplete: false,
    });
    expect(posts()).toHaveLength(10);
    expect(calls.filter((call) => statusOf(call) === 'completed')).toHaveLength(10);
    expect(calls.filter((call) => statusOf(call) === 'in-progress')).toHaveLength(20);
    expect(metricsOf('breaker')).toMatchObject({ CircuitBreakerTripped: 1, CallsEnded: 10 });
  });

  it('trips the same way in a dry run, so a policy can be tried against the cap first', async () => {
    seedMany(12, '+1317', 'ringing', 600);

    const report = await invoke('breaker-dry-run', {
      maxAgeSeconds: { ringing: 120 },
      to: { prefixes: ['+1317'] },
      maxCallsToEnd: 5,
      dryRun: true,
    });

    expect(report).toMatchObject({
      wouldEnd: 5,
      ended: 0,
      circuitBreaker: { cap: 5, tripped: true, eligibleBeyondCap: 7 },
    });
    expect(posts()).toEqual([]);
  });
});

describe('one SID form', () => {
  it('cleans a project named in upper case, and reports and audits it, and neverTouch SIDs, in lower case', async () => {
    const [spared, ...ended] = seedMany(3, '+1318', 'in-progress', 7200);

    const report = await invoke('upper-case-sids', {
      maxAgeSeconds: { inProgress: 3600 },
      to: { prefixes: ['+1318'] },
      neverTouch: [(spared as Call).sid.toUpperCase()],
      accountSid: stack.projectId.toUpperCase(),
    });

    expect(report).toMatchObject({ accountSid: stack.projectId, ended: 2 });
    expect(statusOf(spared as Call)).toBe('in-progress');
    expect(ended.map(statusOf)).toEqual(['completed', 'completed']);
    expect(posts().map((request) => request.path)).toEqual(
      expect.arrayContaining(
        ended.map((call) => expect.stringContaining(`/Accounts/${stack.projectId}/Calls/${call.sid}.json`)),
      ),
    );
    expect(auditsOf('upper-case-sids').map((record) => record.accountSid)).toEqual([
      stack.projectId,
      stack.projectId,
    ]);
  });
});

describe("defect: schedule 'attested' fields writable by anyone who may invoke the function", () => {
  it.each([
    ['another account', 'arn:aws:scheduler:us-east-1:999999999999:schedule/call-control/forged-a'],
    ['another region', 'arn:aws:scheduler:eu-west-1:123456789012:schedule/call-control/forged-b'],
    ['another schedule name', 'arn:aws:scheduler:us-east-1:123456789012:schedule/call-control/other-name'],
  ])('records a schedule ARN of %s as claimed, not attested', async (_case, scheduleArn) => {
    const name = scheduleArn.endsWith('other-name') ? 'forged-c' : (scheduleArn.split('/').at(-1) as string);
    seedMany(1, `+1319${name.length}`, 'in-progress', 7200);
    const scheduler = { scheduleArn, executionId: `exec-${name}` };

    await handler()(
      {
        scheduleName: name,
        policy: { maxAgeSeconds: { inProgress: 3600 }, to: { prefixes: [`+1319${name.length}`] } },
        scheduler,
      },
      createLambdaContext({ functionName: 'call-control-cleanup', timeoutMs: 60_000, alias: 'scheduler' }),
    );

    const [record] = auditsOf(name);
    expect(record?.actor).toEqual({
      name,
      attested: { invokedAs: SCHEDULER_ALIAS_ARN },
      claimed: { scheduleName: name, ...scheduler },
    });
  });
});

describe('races and failures', () => {
  it('counts a call that ended between listing and ending as already ended, not as a failure', async () => {
    const [call] = seedMany(1, '+1315', 'in-progress', 7200);
    stack.emulator.injectFault({ kind: 'delay', ms: 300, method: 'POST' });

    // Compatibility calls only: the race is on List Calls' path, and this file's 1,500 calls in the voice logs,
    // read in this same process, would slow the operator's request past the 300 ms it has on a busy machine.
    const run = invoke('race', {
      maxAgeSeconds: { inProgress: 3600 },
      to: { prefixes: ['+1315'] },
      apis: ['compatibility'],
    });
    // While the cleanup's end request is held back, an operator hangs up through the HTTP API.
    for (let waited = 0; posts().length === 0 && waited < 2000; waited += 5) await sleep(5);
    const operator = await fetch(`${stack.api.url}/calls/${call?.sid}/terminate`, { method: 'POST' });
    const report = await run;

    expect(operator.status).toBe(200);
    expect(report).toMatchObject({ eligible: 1, ended: 0, alreadyEnded: 1, failed: 0 });
    expect(auditsOf('race')).toEqual([
      expect.objectContaining({ callSid: call?.sid, outcome: 'already-ended', resultingStatus: 'completed' }),
    ]);
  });

  it('reports a state it could not list, cleans the others, and then fails the invocation', async () => {
    const ringing = seedMany(2, '+1318', 'ringing', 600);
    stack.emulator.injectFault({ kind: 'status', status: 500, method: 'GET' });

    const error = await invoke('listing', {
      maxAgeSeconds: { inProgress: 3600, ringing: 120 },
      to: { prefixes: ['+1318'] },
    }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(CleanupListingError);
    const { report } = error as CleanupListingError;
    expect(report.listingFailures).toEqual([
      {
        api: 'compatibility',
        status: 'in-progress',
        code: 'UPSTREAM_ERROR',
        message: 'SignalWire answered 500',
        signalwireCode: 20500,
        signalwireMessage: 'Internal Server Error',
      },
    ]);
    expect(report).toMatchObject({ incomplete: true, ended: 2, notReached: { statuses: ['in-progress'] } });
    for (const call of ringing) expect(statusOf(call)).toBe('canceled');
    expect(loggedReportsOf('listing')).toHaveLength(1);
  });

  it('stops a List Calls listing whose next_page_uri leads back to a page already read, and says so', async () => {
    // Younger than every other in-progress call here, so on the first page (newest first) whatever ran before.
    const [call] = seedMany(1, '+1320', 'in-progress', 600);
    // Every List Calls answer links back to its first page: read for ever, a run would only end at its budget.
    stack.emulator.injectFault({ kind: 'circle', method: 'GET', pathPrefix: '/api/laml/', times: 1000 });

    const error = await invoke(
      'list-circle',
      { maxAgeSeconds: { inProgress: 300 }, to: { prefixes: ['+1320'] } },
      20_000,
    ).catch((thrown: unknown) => thrown);
    stack.emulator.clearFaults();

    const why = 'SignalWire returned a next_page_uri that leads back to a List Calls page already read';
    expect(error).toBeInstanceOf(CleanupListingError);
    const { report } = error as CleanupListingError;
    // The first page, then the page its link names (the first again) once: the link followed twice stops it.
    expect(report).toMatchObject({
      pagesRead: 2,
      ended: 1,
      incomplete: true,
      notReached: { statuses: ['in-progress'] },
      listingFailures: [
        {
          api: 'compatibility',
          status: 'in-progress',
          code: 'UPSTREAM_ERROR',
          message: 'SignalWire answered 502',
          signalwireMessage: why,
        },
      ],
    });
    expect((error as Error).message).toContain(`in-progress (UPSTREAM_ERROR: ${why})`);
    expect(statusOf(call as Call)).toBe('completed');
    expect(posts().filter((request) => request.path.includes(call?.sid ?? '-'))).toHaveLength(1);
  });

  it("names SignalWire's reason for a call it could not end, scrubbed of credentials and cut", async () => {
    const [call] = seedMany(1, '+1319', 'in-progress', 7200);
    // A gateway echoing the request's headers: the reason must survive, the credentials must not.
    const reason = `upstream refused: Authorization: Basic ${Buffer.from('project:PT0123456789abcdef0123').toString('base64')} token PT0123456789abcdef0123 ${'x'.repeat(600)}`;
    stack.emulator.injectFault({ kind: 'status', status: 502, method: 'POST', message: reason, times: 100 });

    const report = await invoke('end-502', {
      maxAgeSeconds: { inProgress: 3600 },
      to: { prefixes: ['+1319'] },
    });
    stack.emulator.clearFaults();

    const [failed] = report.failedCalls;
    expect(report.failedCalls).toHaveLength(1);
    expect(failed).toEqual({
      sid: call?.sid,
      api: 'compatibility',
      status: 'in-progress',
      code: 'UPSTREAM_ERROR',
      message: 'SignalWire answered 502',
      signalwireCode: 20502,
      signalwireMessage: expect.stringMatching(
        /^upstream refused: Authorization: \[redacted\] token \[redacted\] x+…$/,
      ),
    });
    expect([...(failed?.signalwireMessage ?? '')]).toHaveLength(500);
    expect(JSON.stringify(report)).not.toMatch(/PT0123|cHJvamVjd/);
    expect(JSON.stringify(loggedReportsOf('end-502'))).not.toMatch(/PT0123|cHJvamVjd/);
    expect(statusOf(call as Call)).toBe('in-progress');
  });

  it('refuses a bad policy before listing anything, naming the field', async () => {
    const error = await invoke('bad-policy', { maxAgeSeconds: { inProgress: 5 } }).catch(
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).violations).toEqual([
      {
        field: 'policy.maxAgeSeconds.inProgress',
        rule: 'range',
        message: 'policy.maxAgeSeconds.inProgress must be >= 60',
      },
    ]);
    expect(stack.emulator.requests).toEqual([]);
  });
});
