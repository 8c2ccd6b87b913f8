import { describe, expect, it } from 'vitest';
import { type KeepAlivePair, keepAliveNote, keepAliveRows } from '../../bench/warm-keepalive.ts';

/** One adjacent pair: each arm's durations (ms) and CPU per invocation (ms), one connection each. */
const pair = (project: number[], reference: number[], projectFirst: boolean): KeepAlivePair => ({
  projectFirst,
  project,
  projectWithFetch: project.map((value) => value * 2),
  reference,
  projectCpu: 0.6,
  referenceCpu: 1,
  projectConnections: 1,
  referenceConnections: 1,
});

describe('the keep-alive comparison over adjacent pairs', () => {
  it('shows the median of the per-pair p50 ratios with their min–max, and the target id over https only', () => {
    // Prepare: per-pair p50 ratios 0.5, 0.9 and 0.7; the median is 0.7.
    const pairs = [pair([0.5], [1], true), pair([0.9], [1], false), pair([1.4], [2], true)];

    // Act
    const overTls = keepAliveRows(pairs, true);
    const overHttp = keepAliveRows(pairs, false);

    // Assess
    const target = overTls.find((row) => row.id === 'warm-https-vs-sdk-keepalive');
    expect(target?.values.ratio).toBeCloseTo(0.7);
    expect(target?.values.ratioMin).toBeCloseTo(0.5);
    expect(target?.values.ratioMax).toBeCloseTo(0.9);
    expect(target?.met).toBe('yes');
    expect(target?.ratio).toContain('over 3 adjacent rounds');
    expect(overHttp.some((row) => row.id === 'warm-https-vs-sdk-keepalive')).toBe(false);
    expect(overHttp[0]?.summary).toBe(true);
  });

  it('sets the CPU per invocation of the same processes side by side, pair by pair', () => {
    const pairs = [pair([0.5], [1], true), pair([0.9], [1], false), pair([1.4], [2], true)];

    const cpu = keepAliveRows(pairs, true).find((row) => row.id === 'warm-https-cpu-vs-sdk-keepalive');

    expect(cpu?.values.ratio).toBeCloseTo(0.6);
    expect(cpu?.met).toBe('n/a');
  });

  it('measures the former method, the project sharing its process with a bare fetch, in the same rounds', () => {
    const pairs = [pair([0.5], [1], true), pair([0.9], [1], false), pair([1.4], [2], true)];

    const former = keepAliveRows(pairs, true).find((row) =>
      row.metric.includes('interleaving a bare `fetch`'),
    );

    expect(former?.values.ratio).toBeCloseTo(1.4);
    expect(former?.met).toBe('n/a');
    expect(former?.id).toBeUndefined();
  });

  it('says the connections each arm opened and the ratio by order, from the pairs', () => {
    const pairs = [pair([0.5], [1], true), pair([0.9], [1], false), pair([1.4], [2], true)];
    const rows = keepAliveRows(pairs, true);

    const note = keepAliveNote(pairs, rows, true);

    expect(note).toContain('each project process opened 1 connection(s)');
    expect(note).toContain('project first 0.600, SDK first 0.900');
  });
});
