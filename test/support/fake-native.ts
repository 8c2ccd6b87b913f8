import { randomUUID } from 'node:crypto';
import { ANSWERED_EVENT_NAME } from '#commons/calling/assumptions';
import type { CallingCall, VoiceLog, VoiceLogEvent } from '#commons/calling/types';
import { isLiveNativeStatus } from '#commons/calling/vocabulary';
import type { NativeCallsApi } from '#commons/calls/port';
import { SignalWireError } from '#commons/errors';

/** A voice log of a native call, live and answered by default. */
export const nativeLog = (overrides: Partial<VoiceLog> = {}): VoiceLog => ({
  id: randomUUID(),
  from: '+14155550100',
  to: '+12125550100',
  source: 'realtime_api',
  charge: 0,
  charge_details: [],
  created_at: '2024-03-01T10:00:00Z',
  type: 'relay_pstn_call',
  url: null,
  direction: 'outbound-api',
  status: 'answered',
  duration: null,
  duration_ms: null,
  billing_ms: null,
  parent_id: null,
  ...overrides,
});

/**
 * An in-memory native Calling API and voice logs: one page of every log given, `calling.end` as the emulator
 * applies it (an ended call refused with 422), each call's answer event at `answeredAt` (none when absent).
 * `requests` records what was asked, in order.
 */
export const fakeNative = (
  logs: VoiceLog[],
  answeredAt: Record<string, string> = {},
  projectId = 'project',
) => {
  const requests: string[] = [];
  const byId = new Map(logs.map((log) => [log.id, { ...log }]));
  const api: NativeCallsApi = {
    projectId,
    async endCall(id, reason) {
      requests.push(`end ${id} ${reason}`);
      const log = byId.get(id);
      if (!log)
        throw new SignalWireError(404, { code: undefined, message: 'Not Found', moreInfo: undefined });
      if (!isLiveNativeStatus(log.status)) {
        throw new SignalWireError(422, { code: undefined, message: 'ended', moreInfo: undefined });
      }
      log.status = ['queued', 'initiated', 'created', 'ringing'].includes(log.status) ? 'canceled' : 'ended';
      return log as unknown as CallingCall;
    },
    async updateCall() {
      throw new Error('the cleanup never redirects');
    },
    async transferCall() {
      throw new Error('the cleanup never transfers');
    },
    async getVoiceLog(id) {
      requests.push(`get ${id}`);
      const log = byId.get(id);
      if (!log)
        throw new SignalWireError(404, { code: undefined, message: 'Not Found', moreInfo: undefined });
      return { ...log };
    },
    async voiceLogEvents(id) {
      requests.push(`events ${id}`);
      const at = answeredAt[id];
      const event = (name: string, eventAt: string): VoiceLogEvent => ({
        event_at: eventAt,
        level: 'info',
        name,
        details: {},
        project_id: projectId,
        log_id: id,
      });
      const created = byId.get(id)?.created_at ?? '2024-03-01T00:00:00Z';
      return {
        data: [event('calling_call_initiated', created), ...(at ? [event(ANSWERED_EVENT_NAME, at)] : [])],
      };
    },
    async listVoiceLogsPage(from) {
      requests.push(`list ${'next' in from ? from.next : (from.created_after ?? '')}`);
      return { links: { self: '/api/voice/logs', first: '/api/voice/logs' }, data: [...byId.values()] };
    },
    liveCalls() {
      throw new Error('the cleanup pages the voice logs itself');
    },
  };
  return { api, requests, current: (id: string) => byId.get(id) };
};
