/**
 * The cleanup bench's required-work floors do the work they stand for, bundled the production way as the bench
 * runs them: the cleanup's (bench/cleanup-required-work.ts, CleanupPlan's `requiredWork`) lists the calls page by
 * page, ends every stale one and no other, writes the cleanup's audit line for each, keeps the pacer's promise and
 * retries a 429 after the time it asks; the audit record's (`requiredLines`) writes the record's fields and values.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { bundle } from '../../bench/build.ts';
import type { CleanupPlan } from '../../bench/cleanup-driver.ts';
import { busiestWindow } from '../support/busiest-window.ts';
import { runCleanupDriver } from '../support/cleanup-driver.ts';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bench-cleanup-required-'));
const PROJECT = '3f6b2a1c-8d4e-4b7a-9c5d-2e1f0a9b8c7d';
const API_TOKEN = `PT${randomBytes(24).toString('hex')}`;
let driver: string;
let emulator: SignalWireEmulator | undefined;

beforeAll(async () => {
  driver = (await bundle(root, 'bench/cleanup-driver.ts', 'cleanup-driver', work)).outfile;
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

/** The emulator a test started. */
const space = (): SignalWireEmulator => emulator as SignalWireEmulator;

const plan = (given: Partial<CleanupPlan>): CleanupPlan => ({
  projectId: PROJECT,
  apiToken: API_TOKEN,
  // Nothing is sent where no emulator runs (the audit lines).
  spaceOrigin: emulator?.url ?? 'http://127.0.0.1:9',
  concurrency: 10,
  maxCallsToEnd: 10_000,
  maxAgeSeconds: 3600,
  maxRuns: 1,
  trackMemory: false,
  ...given,
});

/** Seeds `stale` calls in progress for 2 h and `fresh` ones for 10 min; their SIDs. */
const seed = (stale: number, fresh: number) => ({
  stale: Array.from(
    { length: stale },
    () => space().seedCall(PROJECT, { status: 'in-progress', ageSeconds: 7200 }).sid,
  ),
  fresh: Array.from(
    { length: fresh },
    () => space().seedCall(PROJECT, { status: 'in-progress', ageSeconds: 600 }).sid,
  ),
});

type Line = { message: string; timestamp?: string; audit?: Record<string, unknown> };
const parsed = (lines: string[]): Line[] => lines.map((line) => JSON.parse(line) as Line);

/** An audit line's text with what differs from call to call (and from run to run) blanked: its fields' order kept. */
const shape = (line: string): string =>
  line.replace(/"(timestamp|callSid|reason|executionId|scheduledTime)":"[^"]*"/g, '"$1":""');

/** An audit line without what differs from call to call (and from run to run). */
const fixedPart = ({ timestamp, audit, ...line }: Line) => {
  const { callSid, reason, actor, ...rest } = audit ?? {};
  const { executionId, scheduledTime, ...attested } = (actor as { attested: Record<string, unknown> })
    .attested;
  return { ...line, audit: { ...rest, actor: { ...(actor as object), attested } } };
};

describe("the cleanup's required-work floor", () => {
  it('lists page by page, ends every stale call and no fresh one, and writes the cleanup audit line of each', async () => {
    // Prepare: more than one page of 200; the cleanup's own line for one call, to compare the floor's with.
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
    seed(1, 0);
    const cleanup = await runCleanupDriver(driver, plan({}));
    const calls = seed(250, 5);

    // Act
    const { outcome, lines } = await runCleanupDriver(driver, plan({ requiredWork: true }));

    // Assess
    expect(outcome).toMatchObject({ runs: 1, found: 255, ended: 250, failed: 0, pagesRead: 2 });
    expect(calls.stale.filter((sid) => space().getCall(PROJECT, sid)?.status !== 'completed')).toEqual([]);
    expect(calls.fresh.every((sid) => space().getCall(PROJECT, sid)?.status === 'in-progress')).toBe(true);
    const written = parsed(lines);
    const audits = written.filter((line) => line.message === 'call-control audit');
    expect(audits.map((line) => line.audit?.callSid).sort()).toEqual([...calls.stale].sort());
    const [own] = parsed(cleanup.lines);
    const ownShape = shape(cleanup.lines[0] as string);
    for (const line of lines.filter((text) => text.includes('"call-control audit"'))) {
      expect(shape(line)).toBe(ownShape);
    }
    for (const line of audits) {
      expect(fixedPart(line)).toEqual(fixedPart(own as Line));
      expect(line.audit?.reason).toMatch(
        /^in-progress for 7\d{3} s by start_time; the policy allows 3600 s$/,
      );
      expect(Date.parse(line.timestamp ?? '')).not.toBeNaN();
    }
    expect(written.filter((line) => line.message === 'cleanup report')).toMatchObject([
      { report: { found: 255, eligible: 250, ended: 250, failed: 0, pagesRead: 2 } },
    ]);
  }, 60_000);

  it("keeps the pacer's promise: at most W / interval + 4 end requests start in any window of W", async () => {
    // Prepare: 100 per second (one every 10 ms), 10 at a time, SignalWire answering at once.
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
    seed(120, 0);

    // Act
    const { outcome } = await runCleanupDriver(driver, plan({ requiredWork: true, maxEndsPerSecond: 100 }));

    // Assess: POSTs as the emulator received them (whole ms, after their transit through a loaded machine, whose
    // stalls bunch arrivals: six more allowed; the exact bound on the start times is test/unit/bench-cleanup-floor's),
    // and no sooner than the pace allows: unpaced, all 120 go within a fraction of a second.
    expect(outcome.ended).toBe(120);
    const starts = space()
      .requests.filter((request) => request.method === 'POST')
      .map((request) => request.at);
    expect(starts).toHaveLength(120);
    expect(busiestWindow(starts, 1000)).toBeLessThanOrEqual(1000 / 10 + 4 + 6);
    expect((starts.at(-1) as number) - (starts[0] as number)).toBeGreaterThanOrEqual((120 - 4) * 10 - 10);
  }, 60_000);

  it('retries a 429 after the time its Retry-After asks, and the call still ends', async () => {
    // Prepare
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
    const [sid] = seed(1, 0).stale;
    space().injectFault({ kind: 'status', status: 429, retryAfter: '1', method: 'POST' });

    // Act
    const { outcome, lines } = await runCleanupDriver(driver, plan({ requiredWork: true }));

    // Assess
    expect(outcome).toMatchObject({ ended: 1, failed: 0, retries: { 'rate-limited': 1 } });
    expect(space().getCall(PROJECT, sid as string)?.status).toBe('completed');
    const [first, second] = space().requests.filter((request) => request.method === 'POST');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(parsed(lines).filter((line) => line.message === 'call-control audit')).toHaveLength(1);
  }, 60_000);
});

describe("the cleanup's required-work floor's answers", () => {
  it('refuses an end answer past the 1 MiB cap, a usable Call or not, as the cleanup does', async () => {
    // Prepare: SignalWire ends the call, then answers with the Call padded past 1 MiB.
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
    const [sid] = seed(1, 0).stale;
    const body = JSON.stringify({ sid, status: 'completed', pad: 'x'.repeat(1024 * 1024) });
    space().injectFault({ kind: 'garble', body, method: 'POST' });

    // Act
    const { outcome, lines } = await runCleanupDriver(driver, plan({ requiredWork: true }));

    // Assess
    expect(outcome).toMatchObject({ ended: 0, failed: 1 });
    const [audit] = parsed(lines).filter((line) => line.message === 'call-control audit');
    expect(audit?.audit).toMatchObject({
      callSid: sid,
      outcome: 'failed',
      reason: "SignalWire's answer exceeded 1048576 bytes",
    });
  }, 60_000);
});

describe("the cleanup's required-work floor's verdicts on answers", () => {
  it("reads past a byte order mark, fails another call's answer, retries a 503, and ends no more than the cap", async () => {
    // Prepare
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
    const endOne = async (
      fault: Parameters<SignalWireEmulator['injectFault']>[0] | ((sid: string) => string),
    ) => {
      const [sid] = seed(1, 0).stale as [string];
      space().injectFault(
        typeof fault === 'function' ? { kind: 'garble', body: fault(sid), method: 'POST' } : fault,
      );
      return runCleanupDriver(driver, plan({ requiredWork: true }));
    };

    // Act
    const bom = await endOne((sid) => `\ufeff${JSON.stringify({ sid, status: 'completed' })}`);
    const other = await endOne(() => JSON.stringify({ sid: 'CA-another', status: 'completed' }));
    const unavailable = await endOne({ kind: 'status', status: 503, method: 'POST' });
    seed(5, 0);
    const capped = await runCleanupDriver(driver, plan({ requiredWork: true, maxCallsToEnd: 3 }));

    // Assess
    expect(bom.outcome).toMatchObject({ ended: 1, failed: 0 });
    expect(other.outcome).toMatchObject({ ended: 0, failed: 1 });
    expect(unavailable.outcome).toMatchObject({ ended: 1, failed: 0, retries: { unavailable: 1 } });
    // The emulator ended the call the misrouted answer was for (garble applies the request): 5 left.
    expect(capped.outcome).toMatchObject({ found: 5, ended: 3 });
    expect(parsed(capped.lines).filter((line) => line.message === 'cleanup report')).toMatchObject([
      { report: { eligible: 5, circuitBreaker: { cap: 3, tripped: true, eligibleBeyondCap: 2 } } },
    ]);
  }, 60_000);
});

describe("the cleanup's required-work floor's resend", () => {
  it('sends an end that timed out once more, as README asks, and the call ends', async () => {
    // Prepare: the first end is answered after 3 s; each attempt may take 500 ms.
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: API_TOKEN }] });
    const [sid] = seed(1, 0).stale;
    space().injectFault({ kind: 'delay', ms: 3000, times: 1, method: 'POST' });

    // Act
    const { outcome } = await runCleanupDriver(driver, plan({ requiredWork: true, requestTimeoutMs: 500 }));

    // Assess
    expect(outcome).toMatchObject({ ended: 1, failed: 0 });
    expect(space().getCall(PROJECT, sid as string)?.status).toBe('completed');
    expect(space().requests.filter((request) => request.method === 'POST')).toHaveLength(2);
  }, 60_000);
});

describe("the audit record's required-work floor", () => {
  it("writes one line per record with the audit record's fields and values, each with its own SID", async () => {
    // Act
    const records = await runCleanupDriver(driver, plan({ auditLines: 3 }));
    const floor = await runCleanupDriver(driver, plan({ requiredLines: 3 }));

    // Assess
    expect(floor.outcome.ended).toBe(3);
    const [record] = parsed(records.lines);
    const lines = parsed(floor.lines);
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((line) => line.audit?.callSid)).size).toBe(3);
    for (const line of lines) {
      expect(fixedPart(line)).toEqual(fixedPart(record as Line));
      expect(line.audit?.reason).toBe(record?.audit?.reason);
      expect(Object.keys(line.audit ?? {})).toEqual(Object.keys(record?.audit ?? {}));
    }
    expect(floor.lines.map(shape)).toEqual(Array(3).fill(shape(records.lines[0] as string)));
  }, 60_000);
});
