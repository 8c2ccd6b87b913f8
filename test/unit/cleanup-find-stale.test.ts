import { describe, expect, it } from 'vitest';
import type { CallsApi } from '#commons/calls/port';
import { createCallJudge, listCallPages, parseSignalWireDate } from '#commons/cleanup/find-stale';
import { type CleanupPolicy, resolvePolicy } from '#commons/cleanup/policy';
import type { Call, CallListPage } from '#commons/signalwire/types';
import { sampleCall } from '../support/fixtures.ts';

const NOW = Date.parse('2024-03-01T12:00:00Z');
const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');
const secondsAgo = (seconds: number) => rfc2822(NOW - seconds * 1000);

const policy = (overrides: Partial<CleanupPolicy> = {}): CleanupPolicy => ({
  ...resolvePolicy(undefined, { maxAgeSeconds: { inProgress: 3600, ringing: 120, queued: 300 } }),
  ...overrides,
});

describe('parseSignalWireDate', () => {
  it.each([
    ['Wed, 19 Sep 2018 20:00:00 +0000', '2018-09-19T20:00:00.000Z'],
    ['19 Sep 2018 20:00:00 +0000', '2018-09-19T20:00:00.000Z'],
    ['Wed, 19 Sep 2018 20:00 GMT', '2018-09-19T20:00:00.000Z'],
    ['Wed, 19 Sep 2018 22:30:00 +0230', '2018-09-19T20:00:00.000Z'],
    ['Wed, 19 Sep 2018 15:00:00 -0500', '2018-09-19T20:00:00.000Z'],
    ['Thu, 29 Feb 2024 00:00:01 +0000', '2024-02-29T00:00:01.000Z'],
  ])('reads %s as %s', (value, iso) => {
    expect(new Date(parseSignalWireDate(value) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it.each([
    ['an ISO 8601 date', '2018-09-19T20:00:00Z'],
    ['a date without a zone', 'Wed, 19 Sep 2018 20:00:00'],
    ['a named US zone', 'Wed, 19 Sep 2018 20:00:00 EST'],
    ['a day the month does not have', 'Fri, 30 Feb 2024 10:00:00 +0000'],
    ['day 00 (not the last day of the month before)', 'Thu, 00 Mar 2024 10:00:00 +0000'],
    ['day 0', '0 Jan 2024 10:00:00 GMT'],
    ['a weekday that contradicts the date', 'Mon, 19 Sep 2018 20:00:00 +0000'],
    ['an hour past 23', 'Wed, 19 Sep 2018 24:00:00 +0000'],
    ['an offset with 60 minutes', 'Wed, 19 Sep 2018 20:00:00 +0160'],
    ['a lower-case month', 'Wed, 19 sep 2018 20:00:00 +0000'],
    ['an empty string', ''],
    ['words', 'yesterday'],
  ])('refuses %s', (_label, value) => {
    expect(parseSignalWireDate(value)).toBeUndefined();
  });
});

describe('judging a listed call against the policy', () => {
  it('finds an in-progress call stale by start_time, not by date_created', () => {
    const judge = createCallJudge(policy(), NOW);

    const answeredLate = sampleCall({ date_created: secondsAgo(7200), start_time: secondsAgo(60) });
    const answeredEarly = sampleCall({ date_created: secondsAgo(7200), start_time: secondsAgo(3700) });

    expect(judge(answeredLate)).toEqual({ kind: 'fresh' });
    expect(judge(answeredEarly)).toEqual({
      kind: 'stale',
      ageSeconds: 3700,
      maxAgeSeconds: 3600,
      basis: 'start_time',
    });
  });

  it('finds ringing and queued calls stale by date_created', () => {
    const judge = createCallJudge(policy(), NOW);

    expect(judge(sampleCall({ status: 'ringing', start_time: null, date_created: secondsAgo(121) }))).toEqual(
      {
        kind: 'stale',
        ageSeconds: 121,
        maxAgeSeconds: 120,
        basis: 'date_created',
      },
    );
    expect(judge(sampleCall({ status: 'queued', start_time: null, date_created: secondsAgo(299) }))).toEqual({
      kind: 'fresh',
    });
  });

  it('counts a call exactly as old as the policy allows as fresh: only older is stale', () => {
    const judge = createCallJudge(policy(), NOW);

    expect(judge(sampleCall({ start_time: secondsAgo(3600) })).kind).toBe('fresh');
    expect(judge(sampleCall({ start_time: secondsAgo(3601) })).kind).toBe('stale');
  });

  it('gives every fresh, filtered or spared call one shared verdict that no caller can change', () => {
    const judge = createCallJudge(policy({ neverTouch: ['+15550000000'] }), NOW);
    const fresh = judge(sampleCall({ start_time: secondsAgo(10) }));
    const filtered = judge(sampleCall({ status: 'completed' as Call['status'] }));
    const spared = judge(sampleCall({ to: '+15550000000' }));

    expect([fresh, filtered, spared].map((verdict) => verdict.kind)).toEqual([
      'fresh',
      'filtered',
      'never-touch',
    ]);
    expect(judge(sampleCall({ start_time: secondsAgo(20) }))).toBe(fresh);
    for (const verdict of [fresh, filtered, spared]) {
      expect(Object.isFrozen(verdict)).toBe(true);
      expect(() => Object.assign(verdict, { kind: 'stale' })).toThrow(TypeError);
    }
    expect(judge(sampleCall({ start_time: secondsAgo(30) })).kind).toBe('fresh');
  });

  it('never judges a call stale when its age cannot be established', () => {
    const judge = createCallJudge(policy(), NOW);

    expect(judge(sampleCall({ start_time: null, date_created: secondsAgo(86_400) }))).toEqual({
      kind: 'unknown-age',
      reason: 'in-progress call without start_time',
    });
    expect(judge(sampleCall({ start_time: '2018-09-19 20:00:00' }))).toEqual({
      kind: 'unknown-age',
      reason: 'start_time is not an RFC 2822 date',
    });
    expect(judge(sampleCall({ status: 'queued', date_created: 'not a date' }))).toEqual({
      kind: 'unknown-age',
      reason: 'date_created is not an RFC 2822 date',
    });
  });

  it('finding 6: a call started `01 Jan 0099 00:00 GMT` is of unknown age, not 27 years old (read as 1999)', () => {
    const judge = createCallJudge(policy(), NOW);

    expect(judge(sampleCall({ start_time: '01 Jan 0099 00:00 GMT' }))).toEqual({
      kind: 'unknown-age',
      reason: 'start_time is not an RFC 2822 date',
    });
  });

  it('leaves a state without a maximum age alone', () => {
    const judge = createCallJudge(policy({ maxAgeSeconds: { ringing: 120 } }), NOW);

    expect(judge(sampleCall({ start_time: secondsAgo(86_400) })).kind).toBe('filtered');
  });

  it('applies to/from prefixes or numbers and directions, all of them', () => {
    const judge = createCallJudge(
      policy({
        to: { prefixes: ['+1310'], numbers: ['+442071234567'] },
        from: { numbers: ['+14155550100'] },
        directions: ['outbound-api'],
      }),
      NOW,
    );
    const stale = { start_time: secondsAgo(7200), from: '+14155550100', direction: 'outbound-api' } as const;

    expect(judge(sampleCall({ ...stale, to: '+13105550123' })).kind).toBe('stale');
    expect(judge(sampleCall({ ...stale, to: '+442071234567' })).kind).toBe('stale');
    expect(judge(sampleCall({ ...stale, to: '+12125550123' })).kind).toBe('filtered');
    expect(judge(sampleCall({ ...stale, to: '+13105550123', from: '+14155550101' })).kind).toBe('filtered');
    expect(judge(sampleCall({ ...stale, to: '+13105550123', direction: 'inbound' })).kind).toBe('filtered');
  });

  it.each([
    // [policy direction, call direction as SignalWire sends it, matched]
    ['outbound', 'outbound', true],
    ['outbound', 'outbound-api', true],
    ['outbound', 'outbound-dial', true],
    ['outbound', 'inbound', false],
    ['outbound-api', 'outbound-api', true],
    ['outbound-api', 'outbound', false],
    ['outbound-api', 'outbound-dial', false],
    ['outbound-dial', 'outbound-dial', true],
    ['outbound-dial', 'outbound', false],
    ['inbound', 'inbound', true],
    ['inbound', 'outbound', false],
  ] as const)(
    'a policy for %s direction, given a call SignalWire reports as %s, matches it: %s',
    (wanted, direction, matched) => {
      const judge = createCallJudge(policy({ directions: [wanted] }), NOW);

      expect(judge(sampleCall({ start_time: secondsAgo(7200), direction })).kind).toBe(
        matched ? 'stale' : 'filtered',
      );
    },
  );

  it('spares a call whose SID, parent SID, to or from is on the allow-list, whatever its age', () => {
    const parent = '0f0e0d0c-0b0a-4909-8807-060504030201';
    const judge = createCallJudge(
      policy({ neverTouch: ['+13105550001', 'B3877C40-DA60-4998-90AD-B792E98472CA', parent] }),
      NOW,
    );
    const stale = { start_time: secondsAgo(7200) };

    expect(judge(sampleCall({ ...stale })).kind).toBe('never-touch');
    expect(judge(sampleCall({ ...stale, sid: parent.replace('0f', '1f'), to: '+13105550001' })).kind).toBe(
      'never-touch',
    );
    expect(
      judge(sampleCall({ ...stale, sid: parent.replace('0f', '2f'), from: '+13105550001', to: '+1' })).kind,
    ).toBe('never-touch');
    expect(
      judge(sampleCall({ ...stale, sid: parent.replace('0f', '3f'), parent_call_sid: parent })).kind,
    ).toBe('never-touch');
    expect(judge(sampleCall({ ...stale, sid: parent.replace('0f', '4f') })).kind).toBe('stale');
  });

  it('spares a call to or from an allow-listed SIP address, whatever its case', () => {
    const judge = createCallJudge(policy({ neverTouch: ['sip:desk@example.com'] }), NOW);
    const stale = { start_time: secondsAgo(7200) };

    expect(judge(sampleCall({ ...stale, to: 'sip:Desk@Example.com' })).kind).toBe('never-touch');
    expect(judge(sampleCall({ ...stale, from: 'SIP:DESK@EXAMPLE.COM' })).kind).toBe('never-touch');
  });

  it('reads a to, from or parent SID that is not a string (null, absent) as no address: on no allow-list, in no filter', () => {
    const stale = { start_time: secondsAgo(7200) };
    const noTo = sampleCall({ ...stale, to: null as unknown as string });
    const noFrom = sampleCall({ ...stale, from: null as unknown as string });
    const noParent = sampleCall({ ...stale });
    Reflect.deleteProperty(noParent, 'parent_call_sid');
    const allowList = createCallJudge(policy({ neverTouch: ['+13105550001'] }), NOW);
    const toFilter = createCallJudge(policy({ to: { prefixes: ['+1'] } }), NOW);
    const fromFilter = createCallJudge(policy({ from: { numbers: ['+13105550001'] } }), NOW);

    for (const call of [noTo, noFrom, noParent]) expect(allowList(call).kind).toBe('stale');
    expect(allowList({ ...noTo, from: '+13105550001' }).kind).toBe('never-touch');
    expect(toFilter(noTo).kind).toBe('filtered');
    expect(fromFilter(noFrom).kind).toBe('filtered');
    expect(toFilter(noFrom).kind).toBe('stale');
  });

  it('reads a start_time that is not a string as a malformed date: unknown age, never stale', () => {
    const judge = createCallJudge(policy(), NOW);

    expect(judge(sampleCall({ start_time: (NOW - 7_200_000) as unknown as string }))).toEqual({
      kind: 'unknown-age',
      reason: 'start_time is not an RFC 2822 date',
    });
  });

  it('calls an empty or absent start_time a call without one, not a malformed date', () => {
    const judge = createCallJudge(policy(), NOW);
    const absent = sampleCall();
    Reflect.deleteProperty(absent, 'start_time');

    for (const call of [sampleCall({ start_time: '' }), absent]) {
      expect(judge(call)).toEqual({ kind: 'unknown-age', reason: 'in-progress call without start_time' });
    }
  });
});

describe('listing the calls of one state, page by page', () => {
  /** A port serving `pages` in order, linked by `next_page_uri`; records each request. */
  const pagedApi = (pages: Call[][]) => {
    const requests: string[] = [];
    const api = {
      async listCallsPage(from) {
        const index = 'nextPageUri' in from ? Number(from.nextPageUri.split('=')[1]) : 0;
        requests.push('nextPageUri' in from ? from.nextPageUri : `first ${from.Status} ${from.PageSize}`);
        return {
          calls: pages[index] ?? [],
          next_page_uri: index + 1 < pages.length ? `/Calls.json?Page=${index + 1}` : null,
        } as CallListPage;
      },
    } as Pick<CallsApi, 'listCallsPage'> as CallsApi;
    return { api, requests };
  };

  it('yields each page as a list of its own with the link to the next, the port’s pages left as they were', async () => {
    const pages = [[sampleCall({ sid: 'CA1' }), sampleCall({ sid: 'CA2' })], [sampleCall({ sid: 'CA3' })]];
    const { api, requests } = pagedApi(pages);

    const listed = [];
    for await (const page of listCallPages(api, 'in-progress', 2)) {
      listed.push({ sids: page.calls.map((call) => call?.sid), nextPageUri: page.nextPageUri });
      // The run drops each call from its list once examined: the port's page must not change with it.
      page.calls.fill(undefined);
    }

    expect(listed).toEqual([
      { sids: ['CA1', 'CA2'], nextPageUri: '/Calls.json?Page=1' },
      { sids: ['CA3'], nextPageUri: null },
    ]);
    expect(requests).toEqual(['first in-progress 2', '/Calls.json?Page=1']);
    expect(pages.map((page) => page.map((call) => call.sid))).toEqual([['CA1', 'CA2'], ['CA3']]);
  });

  it('keeps of each listed call only what the judge reads, which judges it as the whole call does', async () => {
    const calls = [
      sampleCall({ sid: 'CA1', start_time: secondsAgo(7200), to: '+15550001', direction: 'inbound' }),
      sampleCall({ sid: 'CA2', start_time: secondsAgo(60), parent_call_sid: 'CA0' }),
      sampleCall({ sid: 'CA3', status: 'ringing', date_created: secondsAgo(600), from: '+15550002' }),
    ];
    const { api } = pagedApi([calls]);
    const judge = createCallJudge(
      policy({ neverTouch: ['+15550002'], directions: ['outbound'], to: { prefixes: ['+1'] } }),
      NOW,
    );

    const kept = [];
    for await (const page of listCallPages(api, 'in-progress', 3)) kept.push(...page.calls);

    for (const call of kept) {
      expect(Object.keys(call ?? {}).sort()).toEqual([
        'date_created',
        'direction',
        'from',
        'parent_call_sid',
        'sid',
        'start_time',
        'status',
        'to',
      ]);
    }
    expect(kept.map((call) => call && judge(call))).toEqual(calls.map((call) => judge(call)));
  });
});
