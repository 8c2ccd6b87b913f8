import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallingClient } from '#commons/calling/client';
import type { AuditRecord } from '#commons/calls/audit';
import { listOverBoth } from '#commons/calls/list-both';
import { withNativeCalls } from '#commons/calls/native-calls';
import { createCallService } from '#commons/calls/service';
import { resolvePolicy } from '#commons/cleanup/policy';
import { runCleanup } from '#commons/cleanup/run-cleanup';
import { SignalWireClient } from '#commons/signalwire/client';
import { SignalWireEmulator } from '#local/signalwire-emulator';

const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
const TOKEN = 'PTsecret-token-one';
let emulator: SignalWireEmulator;
let client: SignalWireClient;
beforeEach(async () => {
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] });
  client = new SignalWireClient({ projectId: PROJECT, apiToken: TOKEN, spaceOrigin: emulator.url, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 3000 } });
});
afterEach(() => emulator.stop());
const service = () => {
  const access = { forAccount: async () => client, nativeFor: async () => new CallingClient(client) };
  const audits: AuditRecord[] = [];
  const log = { info: (_: string, { audit }: { audit: AuditRecord }) => void audits.push(audit) };
  return withNativeCalls(createCallService(access, log), access, log);
};
const cmd = (callSid: string, action: any, extra = {}) => ({ trigger: 'http' as const, actor: { name: 'x', attested: {}, claimed: {} }, callSid, action, ...extra });

describe('probe', () => {
  it('looping links.next in cleanup', async () => {
    emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: 1200 });
    const self = `${emulator.url}/api/voice/logs?page_size=1000`;
    const log = emulator.native.get(PROJECT, (await new CallingClient(client).listVoiceLogsPage({})).data[0]!.id);
    const page = JSON.stringify({ links: { self, first: self, next: `${emulator.url}/api/voice/logs?page_token=PAx&page_number=1` }, data: [log] });
    emulator.injectFault({ kind: 'garble', body: page, pathPrefix: '/api/voice/logs', times: 50 } as any);
    const started = Date.now();
    const report = await runCleanup(client, resolvePolicy(undefined, { maxAgeSeconds: { queued: 300 }, apis: ['calling'] }), {
      scheduleName: 'p', accountSid: PROJECT, native: new CallingClient(client), logger: { info: () => undefined },
      remainingTimeMs: () => 20_000 - (Date.now() - started), timeMarginMs: 1000,
    }).catch((e) => e.report);
    console.log('LOOP', JSON.stringify({ pages: report.voiceLogPagesRead, found: report.found, ended: report.ended, inc: report.incomplete, lf: report.listingFailures, ms: Date.now() - started }));
  });
  it('unknown status in command answer', async () => {
    const c = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    emulator.injectFault({ kind: 'garble', body: JSON.stringify({ ...emulator.native.get(PROJECT, c.id), status: 'parked' }), pathPrefix: '/api/calling/' });
    const o = await service().apply(cmd(c.id, { kind: 'terminate' }, { api: 'calling' }));
    console.log('UNKNOWN', JSON.stringify(o.ok ? { ok: true, status: o.call.status } : o.error), emulator.native.get(PROJECT, c.id)?.status);
  });
  it('429 Retry-After on voice log list and on command', async () => {
    const c = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: '1', pathPrefix: '/api/calling/', times: 5 });
    const t = Date.now();
    const o = await service().apply(cmd(c.id, { kind: 'terminate' }, { api: 'calling' }));
    console.log('429CMD', Date.now() - t, JSON.stringify(o.ok ? { ok: true, status: o.call.status } : o.error));
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: '1', method: 'GET', pathPrefix: '/api/voice/logs', times: 1 });
    const t2 = Date.now();
    const l = await listOverBoth({ compatibility: async () => client, native: async () => new CallingClient(client) }, { filter: {}, apis: ['calling'] }).catch((e) => e);
    console.log('429LIST', Date.now() - t2, l instanceof Error ? l.message : l.calls.length);
  });
  it('redirect of a call that ended between read and command', async () => {
    const c = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    // end it meanwhile
    await new CallingClient(client).endCall(c.id, 'hangup');
    const o = await service().apply(cmd(c.id, { kind: 'update', update: { Url: 'https://example.com/x.swml' } }, { api: 'calling' }));
    console.log('REDIRECT-ENDED', JSON.stringify(o.ok ? { ok: true } : o.error));
    const o2 = await service().apply(cmd(c.id, { kind: 'update', update: { Status: 'canceled' } }));
    console.log('CANCEL-ENDED', JSON.stringify(o2.ok ? { ok: true, outcome: o2.outcome, status: o2.call.status } : o2.error));
    const t = await service().transfer({ trigger: 'http', actor: { name: 'x', attested: {}, claimed: {} }, callSid: c.id, dest: 'sip:a@example.com' } as any);
    console.log('TRANSFER-ENDED', JSON.stringify(t.ok ? { ok: true } : t.error));
  });
  it('odd cursors', async () => {
    for (const next of ['', 'not a url', '/api/voice/logs?page_token=', `${'https://evil.example.com'}/api/voice/logs?x=1`, '/api/voice/logs/../logs?page_token=PA1']) {
      emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: 10 });
      const self = `${emulator.url}/api/voice/logs`;
      emulator.injectFault({ kind: 'garble', body: JSON.stringify({ links: { self, first: self, next }, data: [] }), pathPrefix: '/api/voice/logs' });
      const l = await listOverBoth({ compatibility: async () => client, native: async () => new CallingClient(client) }, { filter: {}, apis: ['calling'] }).catch((e) => e);
      console.log('CURSOR', JSON.stringify(next), l instanceof Error ? `ERR ${l.message}` : JSON.stringify(l.next));
    }
  });
  it('huge page', async () => {
    const self = `${emulator.url}/api/voice/logs`;
    const log = emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: 10 });
    const data = Array.from({ length: 20000 }, (_, i) => ({ ...log, id: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000` }));
    emulator.injectFault({ kind: 'garble', body: JSON.stringify({ links: { self, first: self }, data }), pathPrefix: '/api/voice/logs' });
    const l = await listOverBoth({ compatibility: async () => client, native: async () => new CallingClient(client) }, { filter: {}, apis: ['calling'] }).catch((e) => e);
    console.log('HUGE', l instanceof Error ? `ERR ${l.message}` : l.calls.length, JSON.stringify(l.calls?.[0]).slice(0,300));
  });
});
