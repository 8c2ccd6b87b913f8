import { describe, expect, it } from 'vitest';
import { LIVE_CALL_WINDOW_SECONDS } from '#commons/calling/assumptions';
import type { VoiceLog } from '#commons/calling/types';
import { apisFor, filterOfPageUri, matchesNative, voiceLogQueryOf } from '#commons/calls/list-both';
import { RequestValidationError } from '#commons/errors';

const NOW = Date.parse('2026-12-06T08:00:00Z');
const log = (over: Partial<VoiceLog> = {}): VoiceLog => ({
  id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  from: '+14155550100',
  to: '+12125550100',
  source: 'realtime_api',
  charge: 0,
  charge_details: [],
  created_at: '2026-12-06T07:59:00Z',
  type: 'relay_pstn_call',
  url: null,
  direction: 'outbound-api',
  status: 'answered',
  duration: null,
  duration_ms: null,
  billing_ms: null,
  parent_id: null,
  ...over,
});

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
