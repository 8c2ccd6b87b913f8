import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AuditRecord } from '#commons/calls/audit';
import type { CallsApi, RequestOptions } from '#commons/calls/port';
import { type CleanupPolicyInput, resolvePolicy } from '#commons/cleanup/policy';
import { type CleanupOptions, runCleanup } from '#commons/cleanup/run-cleanup';
import type { Call, CallListPage, CallUpdate } from '#commons/signalwire/types';
import { fakeNative } from './fake-native.ts';
import { sampleCall } from './fixtures.ts';

/**
 * The cleanup engine over an in-memory `CallsApi` (test/unit/cleanup-run.test.ts and cleanup-run-edges.test.ts):
 * a fixed clock, calls started some hours before it, pages served in order, and a run that keeps its audit records.
 */

export const NOW = Date.parse('2024-03-01T12:00:00Z');
/** A start time `hours` before NOW, as SignalWire writes dates. */
export const hoursAgo = (hours: number) =>
  new Date(NOW - hours * 3_600_000).toUTCString().replace('GMT', '+0000');
/** A call started two hours before NOW. */
export const staleCall = (overrides: Partial<Call> = {}): Call =>
  sampleCall({ sid: randomUUID(), start_time: hoursAgo(2), ...overrides });

export type Update = (call: Call, update: CallUpdate, options?: RequestOptions) => Promise<Call>;

/**
 * Serves `pages` to any listing (`listing` hears each page's index as it is asked for) and applies `update` to each
 * end request; records what happened in order (`events`), and lets a test read or answer a call meanwhile.
 */
export const fakeApi = (
  pages: Call[][],
  update: Update = async (call, { Status }) => ({ ...call, status: Status ?? call.status }),
  listing?: (index: number) => void,
) => {
  const events: string[] = [];
  const bySid = new Map(pages.flat().map((call) => [call.sid, call]));
  const api: CallsApi = {
    async listCallsPage(from) {
      const index = 'nextPageUri' in from ? Number(from.nextPageUri.split('=')[1]) : 0;
      events.push(`list ${index}`);
      listing?.(index);
      return {
        calls: pages[index] ?? [],
        next_page_uri: index + 1 < pages.length ? `/Calls.json?Page=${index + 1}` : null,
      } as CallListPage;
    },
    async updateCall(sid, fields, options) {
      events.push(`end ${sid}`);
      const updated = await update(bySid.get(sid) as Call, fields, options);
      bySid.set(sid, updated);
      return updated;
    },
    async getCall(sid) {
      return bySid.get(sid) as Call;
    },
    listCalls() {
      throw new Error('the engine pages itself');
    },
  };
  return {
    api,
    events,
    current: (sid: string) => bySid.get(sid),
    answer: (sid: string) =>
      bySid.set(sid, { ...(bySid.get(sid) as Call), status: 'in-progress', start_time: hoursAgo(0) }),
  };
};

/** Runs the cleanup at NOW under `policy`, keeping each audit record it logs. */
export const run = (api: CallsApi, policy: CleanupPolicyInput, options: Partial<CleanupOptions> = {}) => {
  const audits: AuditRecord[] = [];
  const logger = { info: (_message: string, extra: { audit: AuditRecord }) => audits.push(extra.audit) };
  const report = runCleanup(api, resolvePolicy(undefined, policy), {
    scheduleName: 'unit',
    accountSid: 'project',
    logger: logger as unknown as Logger,
    now: () => NOW,
    // No native call: the policies cover both kinds (the default), and these cases are Compatibility ones.
    native: fakeNative([]).api,
    ...options,
  });
  return { report, audits };
};
