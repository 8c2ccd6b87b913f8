import { describe, expect, it } from 'vitest';
import { LIVE_CALL_WINDOW_SECONDS } from '#commons/calling/assumptions';
import type { VoiceLog, VoiceLogPage } from '#commons/calling/types';
import {
  anchorOf,
  apisFor,
  type BothListAccess,
  filterOfPageUri,
  type ListPosition,
  listOverBoth,
  matchesNative,
  voiceLogQueryOf,
} from '#commons/calls/list-both';
import type { NativeCallsApi, ProjectCallsApi } from '#commons/calls/port';
import { RequestValidationError } from '#commons/errors';
import type { Call, CallListPage } from '#commons/signalwire/types';
import { nativeLog } from '../support/fake-native.ts';

const NOW = Date.parse('2026-12-06T08:00:00Z');
/** A live answered voice log (fake-native's), with one fixed id and a start a minute before NOW. */
const log = (over: Partial<VoiceLog> = {}): VoiceLog =>
  nativeLog({ id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', created_at: '2026-12-06T07:59:00Z', ...over });

describe('the kinds of call a listing covers', () => {
  it('covers both kinds by default, and only the one a request names', () => {
    expect(apisFor({ Status: 'queued' })).toEqual(['compatibility', 'calling']);
    expect(apisFor({}, 'calling')).toEqual(['calling']);
    expect(apisFor({}, 'compatibility')).toEqual(['compatibility']);
  });

  it('leaves native calls out for a filter their voice logs cannot honour, and refuses it when they are named', () => {
    expect(apisFor({ 'EndTime>': 'Fri, 27 Nov 2026 14:00:00 +0000' })).toEqual(['compatibility']);
    expect(apisFor({ StartTime: 'Fri, 27 Nov 2026 14:00:00 +0000' })).toEqual(['compatibility']);
    expect(() => apisFor({ 'EndTime<': 'Fri, 27 Nov 2026 14:00:00 +0000' }, 'calling')).toThrow(
      RequestValidationError,
    );
    try {
      apisFor({ EndTime: 'Fri, 27 Nov 2026 14:00:00 +0000' }, 'calling');
    } catch (error) {
      expect((error as RequestValidationError).violations).toEqual([
        expect.objectContaining({ field: 'endTime', rule: 'api' }),
      ]);
    }
  });
});

describe('the voice-log query of a listing', () => {
  it('windows a live status by the live call window, and maps the start bounds to created_after/before', () => {
    expect(voiceLogQueryOf({ Status: 'in-progress' }, NOW)).toEqual({
      created_after: new Date(NOW - LIVE_CALL_WINDOW_SECONDS * 1000).toISOString(),
      page_size: 50,
    });
    expect(
      voiceLogQueryOf(
        {
          Status: 'completed',
          'StartTime>': 'Fri, 27 Nov 2026 14:00:00 +0000',
          'StartTime<': 'Sat, 28 Nov 2026 14:00:00 +0000',
          PageSize: 7,
        },
        NOW,
      ),
    ).toEqual({
      created_after: '2026-11-27T14:00:00.000Z',
      created_before: '2026-11-28T14:00:00.000Z',
      page_size: 7,
    });
  });

  it('keeps the later of a given start bound and the live window', () => {
    const recent = 'Sun, 06 Dec 2026 07:00:00 +0000';
    expect(voiceLogQueryOf({ Status: 'queued', 'StartTime>': recent }, NOW).created_after).toBe(
      '2026-12-06T07:00:00.000Z',
    );
  });

  it('reads the filters back from a next_page_uri', () => {
    expect(
      filterOfPageUri(
        '/api/laml/2010-04-01/Accounts/x/Calls.json?Status=queued&From=%2B1415&PageSize=2&Page=1',
      ),
    ).toEqual({ Status: 'queued', From: '+1415', PageSize: 2 });
  });
});

describe('which voice logs a listing keeps', () => {
  it('keeps native call logs matching status (in the one vocabulary), to, from and parent', () => {
    expect(matchesNative(log(), { Status: 'in-progress' })).toBe(true);
    expect(matchesNative(log({ status: 'created' }), { Status: 'queued' })).toBe(true);
    expect(matchesNative(log({ status: 'ended' }), { Status: 'in-progress' })).toBe(false);
    expect(matchesNative(log(), { To: '+12125550100', From: '+14155550100' })).toBe(true);
    expect(matchesNative(log(), { To: '+12125550199' })).toBe(false);
    const parent = '0f0e0d0c-0b0a-4909-8807-060504030201';
    expect(matchesNative(log({ parent_id: parent }), { ParentCallSid: parent.toUpperCase() })).toBe(true);
    expect(matchesNative(log(), { ParentCallSid: parent })).toBe(false);
  });

  it('passes over Compatibility call logs and entries that are no call logs', () => {
    expect(matchesNative(log({ source: 'laml', type: 'laml_call' }), {})).toBe(false);
    expect(
      matchesNative({ id: 'x', created_at: '2026-12-06T07:59:00Z', type: 'video_room_pstn_leg' }, {}),
    ).toBe(false);
  });
});

describe('a page read after another of the same API (rule 6: what the position names the last call shown)', () => {
  const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
  const sid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const call = (n: number): Call =>
    ({ sid: sid(n), status: 'in-progress', date_updated: null }) as unknown as Call;
  const NEXT_URI = `/api/laml/2010-04-01/Accounts/${PROJECT}/Calls.json?Page=2&PageSize=3`;
  const VOICE_LOGS = 'https://example.signalwire.com/api/voice/logs';

  /** A listing whose next page is `calls` (List Calls) or `logs` (the voice logs), a page after it either way. */
  const access = (page: { calls?: Call[]; logs?: VoiceLog[] }): BothListAccess => ({
    compatibility: async () =>
      ({
        projectId: PROJECT,
        listCallsPage: async (): Promise<CallListPage> =>
          ({ calls: page.calls ?? [], next_page_uri: NEXT_URI, page: 1, page_size: 3 }) as CallListPage,
      }) as unknown as ProjectCallsApi,
    native: async () =>
      ({
        projectId: PROJECT,
        listVoiceLogsPage: async (): Promise<VoiceLogPage> => ({
          links: {
            self: `${VOICE_LOGS}?page_number=1`,
            first: VOICE_LOGS,
            next: `${VOICE_LOGS}?page_number=2`,
          },
          data: page.logs ?? [],
        }),
      }) as unknown as NativeCallsApi,
  });
  const compatibilityAt = (after?: string): { position: ListPosition } => ({
    position: { api: 'compatibility', nextPageUri: NEXT_URI, thenCalling: false, after },
  });
  const callingAt = (after?: string): { position: ListPosition } => ({
    position: {
      api: 'calling',
      next: `${VOICE_LOGS}?page_number=1`,
      filter: { Status: 'in-progress' },
      after,
    },
  });

  it('leaves out the entries up to the call named, which arrivals pushed down from the page before', async () => {
    const page = await listOverBoth(
      access({ calls: [2, 3, 4].map(call) }),
      compatibilityAt(anchorOf(sid(3))),
    );

    expect(page.calls.map((shown) => shown.sid)).toEqual([sid(4)]);
    expect(page.next).toMatchObject({ api: 'compatibility', after: anchorOf(sid(4)) });
  });

  it('reads the page whole when the call named is not on it, and names its last call', async () => {
    const page = await listOverBoth(
      access({ calls: [4, 5, 6].map(call) }),
      compatibilityAt(anchorOf(sid(3))),
    );

    expect(page.calls.map((shown) => shown.sid)).toEqual([sid(4), sid(5), sid(6)]);
    expect(page.next).toMatchObject({ after: anchorOf(sid(6)) });
    // A position without a name (a cursor issued before them) reads the page whole too.
    const unnamed = await listOverBoth(access({ calls: [1, 2].map(call) }), compatibilityAt());
    expect(unnamed.calls.map((shown) => shown.sid)).toEqual([sid(1), sid(2)]);
  });

  it('shows nothing of a page it has all shown, and keeps naming the same call', async () => {
    const page = await listOverBoth(
      access({ calls: [1, 2, 3].map(call) }),
      compatibilityAt(anchorOf(sid(3))),
    );

    expect(page.calls).toEqual([]);
    expect(page.next).toMatchObject({ after: anchorOf(sid(3)) });
  });

  it('finds the call named among the voice logs as read, even one the filters no longer keep', async () => {
    const logs = [
      log({ id: sid(1) }),
      log({ id: sid(2), status: 'ended' }),
      log({ id: sid(3) }),
      log({ id: sid(4), source: 'laml', type: 'laml_call' }),
    ];

    // Call 2 was shown live on the page before and has ended since: still where the page before ended.
    const page = await listOverBoth(access({ logs }), callingAt(anchorOf(sid(2))));

    expect(page.calls.map((shown) => shown.sid)).toEqual([sid(3)]);
    // Named: the last call shown, not the last entry read (a Compatibility call's, which the listing leaves out).
    expect(page.next).toMatchObject({ api: 'calling', after: anchorOf(sid(3)) });
  });

  it('leaves out only what precedes the first reading of the call named, never calls between two readings', async () => {
    // Call 2 ended the page before; read twice here (a page may repeat an entry), with calls 3 and 4 between:
    // never shown, they stay, and the call named is not shown again.
    const logs = [1, 2, 3, 4, 2, 5].map((n) => log({ id: sid(n) }));

    const page = await listOverBoth(access({ logs }), callingAt(anchorOf(sid(2))));

    expect(page.calls.map((shown) => shown.sid)).toEqual([sid(3), sid(4), sid(5)]);
    expect(page.next).toMatchObject({ after: anchorOf(sid(5)) });
    const compatibility = await listOverBoth(
      access({ calls: [2, 3, 2].map(call) }),
      compatibilityAt(anchorOf(sid(2))),
    );
    expect(compatibility.calls.map((shown) => shown.sid)).toEqual([sid(3)]);
  });

  it('keeps naming the call named when a voice-log page shows none', async () => {
    const logs = [log({ id: sid(5), status: 'ended' })];

    const page = await listOverBoth(access({ logs }), callingAt(anchorOf(sid(2))));

    expect(page.calls).toEqual([]);
    expect(page.next).toMatchObject({ after: anchorOf(sid(2)) });
  });

  it('names a call by 11 base64url characters of a digest of its id, in any case', () => {
    expect(anchorOf(sid(1))).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(anchorOf(sid(1).toUpperCase())).toBe(anchorOf(sid(1)));
    expect(anchorOf(sid(1))).not.toBe(anchorOf(sid(2)));
  });
});
