import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditNote, auditRequiredRows } from '../../bench/cleanup-audit.ts';
import {
  cleanupFloorRows,
  type FloorRuns,
  floorCpuSentence,
  floorWallSentence,
} from '../../bench/cleanup-floor.ts';
import { rfc2822Ms } from '../../bench/cleanup-required-dates.ts';
import { auditLineMaker, pace } from '../../bench/cleanup-required-work.ts';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';
import { parseSignalWireDate } from '../../functions/commons/signalwire/dates.ts';
import { busiestWindow } from '../support/busiest-window.ts';
import { cleanupRun } from '../support/cleanup-runs.ts';
import { expectQuotes, expectRatios } from '../support/layer-rows.ts';

/** A round's run of 1,000 ended calls: `cpuUs` µs of CPU and `wallMs` of wall time in all. */
const run = (cpuUs: number, wallMs: number): CleanupResult => cleanupRun(cpuUs, 1000, { wallMs });

// CPU per call (µs): pool 100, 110, 90; floor 170, 180, 160 (1.7, 1.636…, 1.777…, median 1.7); cleanup 200, 230,
// 190 (over the floor 1.176…, 1.277…, 1.1875, median 1.1875). Wall: pool 1,000 ms; floor 1,100, 1,000, 1,050
// (pool / floor 0.909…, 1, 0.952…, median 0.952…); cleanup 1,250, 1,100, 1,200 (floor / cleanup 0.88, 0.909…,
// 0.875, median 0.88).
const bounded: FloorRuns = {
  bareHttp: [run(100, 1000), run(110, 1000), run(90, 1000)],
  required: [run(170, 1100), run(180, 1000), run(160, 1050)],
  plain: [run(200, 1250), run(230, 1100), run(190, 1200)],
};
// The same pool and cleanup, a floor of 120, 130, 110 µs (1.2, 1.1818…, 1.2222…) and 960, 980, 990 ms (pool / floor
// 1.0416…, 1.0204…, 1.0101…, median 1.0204…; floor / cleanup 0.768, 0.8909…, 0.825, median 0.825).
const unbounded: FloorRuns = {
  ...bounded,
  required: [run(120, 960), run(130, 980), run(110, 990)],
};

describe("the cleanup's required-work floor", () => {
  it('sets the floor against the bare pool and the cleanup against the floor, CPU and wall, round by round', () => {
    // Act
    const rows = cleanupFloorRows(bounded, '1,000');

    // Assess
    expect(rows.map((row) => row.id)).toEqual([
      'cleanup-required-work-vs-node-http',
      'cleanup-vs-required-work',
      'cleanup-wall-required-work',
      'cleanup-wall-vs-required-work',
    ]);
    expect(rows.every((row) => row.met === 'n/a' && row.target === '— (context)')).toBe(true);
    const [cpuFloor, cpuOver, wallFloor, wallOver] = rows;
    expect(cpuFloor?.metric).toMatch(
      /^Context, what bounds the cleanup CPU target: client CPU per ended call of the cleanup's required-work floor \(bench\/cleanup-required-work\.ts: /,
    );
    expect(cpuFloor?.project).toBe('170 µs');
    expect(cpuFloor?.reference).toBe('bare node:http 100 µs');
    expectRatios(cpuFloor, [1.7, 180 / 110, 160 / 90]);
    expectRatios(cpuOver, [190 / 160, 200 / 170, 230 / 180]);
    expectRatios(wallFloor, [1000 / 1050, 1000 / 1100, 1]);
    expectRatios(wallOver, [1100 / 1250, 1050 / 1200, 1000 / 1100]);
    expect(wallOver?.project).toBe('required work 1.05 s');
    expect(wallOver?.reference).toBe('cleanup 1.20 s');
  });

  it('has no rows and no sentences when the rounds did not run it', () => {
    const none: FloorRuns = { ...bounded, required: [] };

    expect(cleanupFloorRows(none, '1,000')).toEqual([]);
    expect(floorCpuSentence(none, 1.6)).toBe('');
    expect(floorWallSentence(none, 0.95)).toBe('');
  });

  it('says the CPU target is bounded when the floor alone is beyond it', () => {
    // Act
    const sentence = floorCpuSentence(bounded, 1.6);

    // Assess
    expectQuotes(sentence, [
      '`cleanup-required-work-vs-node-http` and `cleanup-vs-required-work` rows',
      'spends 170 µs per ended call, 1.70x the bare `node:http` pool',
      'min–max 1.64–1.78',
      'beyond the 1.6x target on its own: on this machine the target is bounded by the work the contract ' +
        'requires, done plainly; the cleanup is 1.19x that floor.',
    ]);
  });

  it('says by how much the cleanup exceeds the floor when the floor is within the CPU target', () => {
    // Act
    const sentence = floorCpuSentence(unbounded, 1.6);

    // Assess: the cleanup over the floor per round 200/120, 230/130, 190/110 (median 1.727…).
    expectQuotes(sentence, [
      '1.20x the bare `node:http` pool',
      'within the 1.6x target (0.40x of the pool to spare): the target is not bounded by it, and the cleanup ' +
        'exceeds it by 1.73x (80 µs per call more)',
    ]);
    expect(sentence).not.toContain('bounded by the work');
  });

  it('claims no bound, CPU or wall, when the floor failed calls', () => {
    // Prepare: the bounded floor, one round of which failed 40 calls (CPU per ended call inflated).
    const failing: FloorRuns = {
      ...bounded,
      required: [run(170, 1100), cleanupRun(180, 960, { wallMs: 1080, failed: 40 }), run(160, 1090)],
    };

    // Act
    const cpu = floorCpuSentence(failing, 1.6);
    const wall = floorWallSentence(failing, 0.95);

    // Assess
    for (const sentence of [cpu, wall]) {
      expect(sentence).toContain(
        "not read as a bound: 40 of the floor's calls failed, so its figures are not the required work's",
      );
      expect(sentence).not.toMatch(/bounded by the work|below the 0\.95 target on its own/);
    }
  });

  it('says the wall target is bounded when the pool over the floor alone is below it', () => {
    const bound: FloorRuns = { ...bounded, required: [run(170, 1100), run(180, 1080), run(160, 1090)] };

    // Act
    const sentence = floorWallSentence(bound, 0.95);

    // Assess: pool / floor 0.909…, 0.925…, 0.917…
    expectQuotes(sentence, [
      '`cleanup-wall-required-work` and `cleanup-wall-vs-required-work` rows',
      'pool time / floor time 0.917 (1/1.1)',
      'below the 0.95 target on its own',
    ]);
  });

  it('says how much longer the cleanup takes than the floor when the floor meets the wall target', () => {
    // Act
    const sentence = floorWallSentence(unbounded, 0.95);

    // Assess: floor / cleanup median 0.825, so the cleanup takes 1/0.825 − 1 = 21.2 % longer.
    expectQuotes(sentence, [
      'pool time / floor time 1.02x',
      'at or above the 0.95 target: the target is not bounded by it, and the cleanup takes 21.2 % longer than ' +
        'the floor (floor time / cleanup time 0.825 (1/1.2))',
    ]);
  });
});

describe("the audit record's required-work floor", () => {
  /** 1,000 lines for `cpuUs` µs of CPU in all. */
  const lines = (cpuUs: number) => cleanupRun(cpuUs, 1000, { posts: 0, userCpuMs: cpuUs, systemCpuMs: 0 });
  // Records: 16, 15, 18 µs; bare writes 4, 3, 6 µs; the floor 11, 10, 12 (over it 16/11, 15/10, 18/12 = 1.5 median).
  const audits = [lines(16), lines(15), lines(18)];
  const writes = [lines(4), lines(3), lines(6)];

  it('gives the floor its CPU per line and the record its ratio to it, round by round', () => {
    // Act
    const [floor, over] = auditRequiredRows(audits, [lines(11), lines(10), lines(12)]);

    // Assess
    expect(floor?.id).toBe('audit-required-work-ms');
    expect(floor?.project).toBe('0.0110 ms');
    expect(floor?.ratio).toBe('min–max 0.0100 ms–0.0120 ms over 3 repeats');
    expect(over?.id).toBe('audit-record-vs-required-work');
    expect(over?.reference).toBe('required work 0.0110 ms');
    expectRatios(over, [1.5, 16 / 11, 1.5]);
    expect(auditRequiredRows(audits, [])).toEqual([]);
  });

  it('says the target is not bounded by the floor when the floor is within it, and by how much the record exceeds it', () => {
    // Act
    const note = auditNote(audits, writes, [lines(11), lines(10), lines(12)]);

    // Assess
    expectQuotes(note, [
      '`audit-required-work-ms` and `audit-record-vs-required-work` rows',
      'takes 0.0110 ms per line: within the 0.015 ms target (0.0040 ms to spare): the target is not bounded by ' +
        'it, and the record exceeds it by 0.0050 ms per record',
      'The record is 1.50x that floor',
    ]);
  });

  it('says the target is bounded when the floor alone is beyond it', () => {
    // Act
    const note = auditNote(audits, writes, [lines(15.5), lines(16), lines(17)]);

    // Assess
    expectQuotes(note, ['takes 0.0160 ms per line: beyond the 0.015 ms target on its own']);
    expect(auditNote(audits, writes)).not.toContain('audit-required-work-ms');
  });
});

describe("the required-work floor's pace", () => {
  it("keeps the pacer's promise on Node's own timers: at most W / interval + 4 starts in any window of W", async () => {
    // Prepare: 10 callers at once, each asking for its next turn as soon as it has started, 5 ms apart.
    const turn = pace(5);
    const starts: number[] = [];
    const caller = async () => {
      while (starts.length < 60) {
        await turn();
        starts.push(performance.now());
      }
    };

    // Act
    await Promise.all(Array.from({ length: 10 }, caller));

    // Assess
    for (const windowMs of [0, 5, 12, 50, 200]) {
      expect(busiestWindow(starts, windowMs)).toBeLessThanOrEqual(Math.floor(windowMs / 5) + 4);
    }
    expect((starts.at(-1) as number) - (starts[0] as number)).toBeGreaterThanOrEqual(
      (starts.length - 4) * 5 - 5,
    );
  });
});

describe("the required-work floor's audit line", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
  const frame = {
    service: 'bench',
    actor: { name: 'bench-cleanup', attested: {}, claimed: { scheduleName: 'bench-cleanup' } },
    accountSid: 'project',
    change: { Status: 'completed' },
    api: 'compatibility',
  };
  const parts = (callSid: string) => ({
    callSid,
    outcome: 'updated',
    reason: 'in-progress for 7200 s by start_time; the policy allows 3600 s',
    resultingStatus: 'completed',
    priorStatus: 'in-progress',
  });

  it("repeats no work per line but the SID, the rule and the timestamp's milliseconds", () => {
    // Prepare: the clock inside one second; the project's record keeps the same (audit-record.ts `quote`,
    // audit-logger.ts `isoNow`), so a floor that serialised more per line would bound what it does not.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-12-07T19:00:00.000Z'));
    const line = auditLineMaker(frame);
    line(parts('CA0'));
    const stringify = vi.spyOn(JSON, 'stringify');
    const iso = vi.spyOn(Date.prototype, 'toISOString');

    // Act
    for (let i = 1; i <= 100; i++) {
      vi.setSystemTime(Date.parse('2026-12-07T19:00:00.000Z') + i * 7);
      line(parts(`CA${i}`));
    }

    // Assess
    expect(stringify).toHaveBeenCalledTimes(200);
    expect(iso).not.toHaveBeenCalled();
  });

  it('gives each line the timestamp new Date().toISOString() gives, across seconds', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const line = auditLineMaker(frame);
    for (const at of [0, 5, 99, 999, 1000, 1001, 61_010, 60_000, 86_400_123]) {
      const now = Date.parse('2026-12-07T19:00:00.000Z') + at;
      vi.setSystemTime(now);
      const written = JSON.parse(line(parts('CA1'))) as { timestamp: string; audit: Record<string, unknown> };
      expect(written.timestamp).toBe(new Date(now).toISOString());
      expect(written.audit).toMatchObject({ outcome: 'updated', resultingStatus: 'completed' });
    }
  });
});

describe("the required-work floor's start_time", () => {
  /** What the cleanup makes of a date: its instant, or NaN where it refuses it (the call's age is unknown). */
  const projects = (value: string): number => parseSignalWireDate(value) ?? Number.NaN;

  it('reads a date as the cleanup does, and refuses what it refuses where Date.parse would guess an instant', () => {
    const dates = [
      'Wed, 19 Sep 2018 20:00:00 +0000',
      '19 Sep 2018 20:00 GMT',
      ' Sat, 29 Feb 2020 23:59:60 -1400 ',
      '1 Jan 1000 00:00:00 UT',
      'Tue, 29 Feb 2000 12:00:00 +0000',
      '31 Dec 9999 23:59:59 +0000',
      // Read by Date.parse, refused by the cleanup: not RFC 2822, a day or weekday that is not the date's, a zone
      // that is no offset or a name, a year of two digits or past the range.
      '2018-09-19T20:00:00Z',
      'Sep 19 2018 20:00:00',
      'Thu, 19 Sep 2018 20:00:00 +0000',
      '31 Sep 2018 20:00:00 +0000',
      '29 Feb 2019 20:00:00 +0000',
      '19 Sep 2018 20:00:00 +2500',
      '19 Sep 2018 20:00:00 EST',
      '19 Sep 18 20:00:00 +0000',
      '1 Jan 1000 00:00:00 +0100',
      '31 Dec 9999 23:59:59 -0001',
      '29 Feb 1900 12:00:00 +0000',
    ];
    expect(dates.map(rfc2822Ms)).toEqual(dates.map(projects));
    const refused = dates.slice(6);
    expect(refused.filter((date) => Number.isNaN(Date.parse(date)))).toEqual([]);
    expect(refused.map(rfc2822Ms).filter((ms) => !Number.isNaN(ms))).toEqual([]);
  });

  it('agrees with the cleanup on every date of the grammar and beside it', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const pick = (...values: string[]) => fc.constantFrom(...values);
    const date = fc
      .tuple(
        pick('', 'Mon, ', 'Tue, ', 'Wed, ', 'Thu, ', 'Fri, ', 'Sat, ', 'Sun, ', 'Wed ,'),
        fc.oneof(two(39), fc.integer({ min: 0, max: 9 }).map(String)),
        pick(
          'Jan',
          'Feb',
          'Mar',
          'Apr',
          'May',
          'Jun',
          'Jul',
          'Aug',
          'Sep',
          'Oct',
          'Nov',
          'Dec',
          'Sept',
          'jan',
        ),
        fc.oneof(
          fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
          // The years at the range's ends and the centuries the leap rule turns on, which a uniform year misses.
          pick('0999', '1000', '1001', '9998', '9999', '1600', '1900', '2000', '2100', '2400', '20180'),
        ),
        two(29),
        two(69),
        fc.option(two(69)),
        fc.oneof(
          fc.tuple(pick('+', '-'), fc.oneof(two(29), pick('99')), two(99)).map((parts) => parts.join('')),
          pick('GMT', 'UT', 'UTC', 'EST', 'Z'),
        ),
        // Spacing and what may follow: RFC 2822's folding whitespace and comments, which the cleanup refuses.
        pick(' ', ' ', ' ', '  ', '\t'),
        pick('', '', '', ' ', '\n', ' (comment)'),
      )
      .map(
        ([weekday, day, month, year, hour, minute, second, zone, space, tail]) =>
          `${weekday}${day} ${month} ${year} ${hour}:${minute}${second === null ? '' : `:${second}`}${space}${zone}${tail}`,
      );
    // Dates at the edges the rules turn on, most of them valid: the range's first and last days with the widest
    // offsets, the century years of the leap rule, the leap second. Few of these come from the generator above.
    const edge = fc
      .tuple(
        pick('', '', 'Fri, ', 'Tue, '),
        pick('1', '01', '28', '29', '30', '31'),
        pick('Jan', 'Feb', 'Dec'),
        pick('0999', '1000', '1600', '1900', '2000', '2100', '2400', '9999'),
        pick('00:00', '00:00:00', '12:00', '23:59:59', '23:59:60', '24:00'),
        pick('+0000', '-0000', '+0001', '-0001', '+1400', '-1400', '+1401', '-9999', 'GMT', 'UT'),
      )
      .map(([weekday, day, month, year, time, zone]) => `${weekday}${day} ${month} ${year} ${time} ${zone}`);
    fc.assert(
      fc.property(fc.oneof(date, edge), (value) => {
        expect(rfc2822Ms(value)).toBe(projects(value));
      }),
      { numRuns: 5000 },
    );
  });
});
