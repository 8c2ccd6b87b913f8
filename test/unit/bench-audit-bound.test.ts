import { describe, expect, it } from 'vitest';
import { auditBoundRows, auditNote } from '../../bench/cleanup-audit.ts';
import type { CleanupResult } from '../../bench/cleanup-scenarios.ts';
import { cleanupRun } from '../support/cleanup-runs.ts';
import { expectQuotes } from '../support/layer-rows.ts';

/** A run of 1,000 lines for `userMs` + `systemMs` of CPU (posts: none). */
const run = (userMs: number, systemMs: number, lineBytes?: number): CleanupResult =>
  cleanupRun(userMs + systemMs, 1000, {
    posts: 0,
    userCpuMs: userMs,
    systemCpuMs: systemMs,
    ...(lineBytes ? { lineBytes } : {}),
  });

// Records: 16, 15 and 18 µs each (user 12, 11, 13; system 4, 4, 5). Bare writes: 4, 3 and 6 µs per line.
const audits = [run(12, 4), run(11, 4), run(13, 5)];
const writes = [run(1, 3, 612), run(1, 2, 612), run(2, 4, 612)];

describe('what bounds the audit-record target', () => {
  it("splits the record's CPU into user and system time, each with its id and min–max over the repeats", () => {
    // Act
    const [user, system] = auditBoundRows(audits, writes);

    // Assess
    expect(user?.id).toBe('audit-record-user-ms');
    expect(user?.project).toBe('0.0120 ms');
    expect(user?.ratio).toBe('min–max 0.0110 ms–0.0130 ms over 3 repeats');
    expect(user?.reference).toBe('of 0.0160 ms in all');
    expect(system?.id).toBe('audit-record-system-ms');
    expect(system?.values).toMatchObject({
      project: 0.004,
      projectMin: 0.004,
      projectMax: 0.005,
      repeats: 3,
    });
    expect([user, system].every((row) => row?.met === 'n/a' && row.target === '— (context)')).toBe(true);
  });

  it('sets the bare writes of a line as long beside the record, round by round', () => {
    // Act
    const floor = auditBoundRows(audits, writes)[2];

    // Assess: per round 4/16, 3/15, 6/18 of the record.
    expect(floor?.id).toBe('audit-write-floor-ms');
    expect(floor?.metric).toContain('(612 bytes)');
    expect(floor?.project).toBe('0.0040 ms');
    expect(floor?.reference).toBe('audit record 0.0160 ms');
    expect(floor?.values.ratio).toBeCloseTo(0.25, 10);
    expect(floor?.values.ratioMin).toBeCloseTo(0.2, 10);
    expect(floor?.values.ratioMax).toBeCloseTo(1 / 3, 10);
  });

  it('says in its note how much of the 0.015 ms target the write itself takes', () => {
    // Act
    const note = auditNote(audits, writes);

    // Assess
    expectQuotes(note, [
      'Missed, audit record',
      '0.0160 ms of client CPU per record',
      'of which (the median run) user time 0.0120 ms and system time 0.0040 ms',
      'a line as long (612 bytes)',
      'take 0.0040 ms per line (user 0.0010 ms, system 0.0030 ms)',
      '27 % of the 0.015 ms target, 25 % of the',
      'leaving 0.0110 ms for building the line',
      'against the 0.0120 ms it takes',
    ]);
  });

  it('says so when the write alone takes more than the whole target', () => {
    const note = auditNote([run(14, 6)], [run(10, 6)]);

    expect(note).toContain('107 % of the 0.015 ms target, 80 % of the');
    expect(note).toContain('more than the whole target before the line is built');
    expect(note).not.toContain('leaving');
  });

  it('does not say what building the line takes when the bare writes cost as much as the whole record', () => {
    // Prepare: in a noisy round the bare writes came out above the records that make the same writes.
    const note = auditNote([run(12, 4)], [run(12, 6)]);

    // Assess
    expect(note).not.toContain('0.0000 ms it takes');
    expect(note).toContain('113 % of the');
    expect(note).toContain(
      'the records took no more CPU than their bare writes in this run, so it shows nothing of what building the line takes',
    );
  });

  it("says that the kernel's user and system split is sampled, and when the write shows more system time than the record", () => {
    // Prepare: the write's system time above the record's, which makes the same write (the figures of a run).
    const sampled = auditNote([run(51.4, 5)], [run(14.5, 9.1)]);

    // Assess
    expectQuotes(sampled, [
      "Linux splits a process's CPU time into user and system time by sampling where its scheduler tick",
      "over a run's 56 ms of CPU each part moves",
      'here the bare writes show more system time than the records, which make the same writes',
    ]);
    expect(auditNote(audits, writes)).not.toContain('more system time than the records');
  });

  it('does not call the target missed when the record is within it', () => {
    expect(auditNote([run(10, 4)], [run(1, 3)])).toMatch(/^Audit record \(/);
  });
});
