import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallsApi } from '#commons/calls/port';
import { resolvePolicy } from '#commons/cleanup/policy';
import { runCleanup } from '#commons/cleanup/run-cleanup';
import { SignalWireError, SignalWireNetworkError } from '#commons/errors';
import type { Call, CallListPage } from '#commons/signalwire/types';
import { watchProxyRefusals } from '../../cli/core/cleanup-proxy.ts';
import { fakeNative, nativeLog } from '../support/fake-native.ts';
import { sampleCall } from '../support/fixtures.ts';
import { startRefusingProxy } from '../support/scripted-server.ts';

/**
 * `cleanup --direct` runs the functions' engine in the CLI, behind the operator's proxy. An end request whose
 * CONNECT tunnel the proxy refused is the proxy's refusal (`PROXY_REFUSED`, naming HTTPS_PROXY and what it
 * answered), as `calls end` says for one call; any other failure keeps the engine's own words.
 */

let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;
let proxyUrl: string;
const saved = { ...process.env };

beforeAll(async () => {
  proxy = await startRefusingProxy();
  proxyUrl = proxy.url;
});

afterAll(() => proxy.close());

afterEach(() => {
  for (const name of ['NODE_USE_ENV_PROXY', 'HTTPS_PROXY'])
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
});

/** What Node's agent throws for an https request to the space the proxy refused to tunnel. */
const tunnelError = (): Promise<Error> =>
  proxy.refusedTunnel('https://example.signalwire.com/api/calling/calls', 'POST');

const NOW = Date.parse('2024-03-01T12:00:00Z');
const twoHoursAgo = new Date(NOW - 7_200_000).toUTCString().replace('GMT', '+0000');

describe('cleanup run in the CLI behind a proxy that refuses the tunnel of some end requests', () => {
  it('reports each refused call as PROXY_REFUSED with the proxy named and what to do; other failures keep their words', async () => {
    // Prepare: three stale calls; the proxy refuses the tunnel for one Compatibility end and the native end, and
    // the third loses its connection (no proxy involved).
    const refusal = await tunnelError();
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTPS_PROXY = proxyUrl;
    const [refused, reset] = [randomUUID(), randomUUID()];
    const calls = [refused, reset].map((sid) => sampleCall({ sid, start_time: twoHoursAgo }));
    const compatibility: CallsApi = {
      async listCallsPage(from) {
        const first = !('nextPageUri' in from) && from.Status === 'in-progress';
        return { calls: first ? calls : [], next_page_uri: null } as CallListPage;
      },
      async updateCall(sid) {
        throw sid === refused
          ? new SignalWireNetworkError('connection', false, 'connection to SignalWire failed', {
              cause: refusal,
            })
          : new SignalWireNetworkError('connection', true, 'connection to SignalWire failed (ECONNRESET)');
      },
      async getCall(sid) {
        return calls.find((call) => call.sid === sid) as Call;
      },
      listCalls() {
        throw new Error('the engine pages itself');
      },
    };
    const agent = nativeLog({ status: 'answered', created_at: new Date(NOW - 7_200_000).toISOString() });
    const native = fakeNative([agent], { [agent.id]: new Date(NOW - 7_000_000).toISOString() });
    native.api.endCall = async () => {
      throw new SignalWireNetworkError('connection', false, 'connection to SignalWire failed', {
        cause: refusal,
      });
    };
    const port = watchProxyRefusals({ ...compatibility, projectId: 'project' }, native.api);

    // Act
    const report = port.said(
      await runCleanup(
        port.calls,
        resolvePolicy(undefined, { maxAgeSeconds: { inProgress: 3600 }, dryRun: false }),
        {
          scheduleName: 'cli',
          accountSid: 'project',
          native: port.native,
          logger: { info: () => {} } as unknown as Logger,
          now: () => NOW,
        },
      ),
    );

    // Assess
    const bySid = new Map(report.failedCalls.map((failed) => [failed.sid, failed]));
    expect(report.failed).toBe(3);
    const proxyPort = new URL(proxyUrl).port;
    for (const sid of [refused, agent.id]) {
      const failed = bySid.get(sid);
      expect(failed?.code, sid).toBe('PROXY_REFUSED');
      expect(failed?.message).toBe(
        `the request to SignalWire failed: the proxy HTTPS_PROXY (http://127.0.0.1:${proxyPort}) refused to carry the request to example.signalwire.com (HTTP 403 to the tunnel); nothing was sent past the proxy`,
      );
      expect(failed?.hint).toContain('NO_PROXY');
    }
    expect(bySid.get(reset)?.code).toBe('UPSTREAM_UNREACHABLE');
    expect(bySid.get(reset)?.hint).toBeUndefined();
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('names only the listing the proxy refused: a later listing SignalWire refused keeps its own code', async () => {
    // Prepare: the proxy refuses the tunnel for the in-progress listing; the ringing listing reaches SignalWire,
    // which answers 500. Both are Compatibility listings of one run.
    const refusal = await tunnelError();
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTPS_PROXY = proxyUrl;
    const compatibility: CallsApi = {
      async listCallsPage(from) {
        if (!('nextPageUri' in from) && from.Status === 'in-progress')
          throw new SignalWireNetworkError('connection', false, 'connection to SignalWire failed', {
            cause: refusal,
          });
        throw new SignalWireError(500, { code: undefined, message: 'down', moreInfo: undefined });
      },
      async updateCall() {
        throw new Error('nothing is listed, nothing is ended');
      },
      async getCall() {
        throw new Error('nothing is listed');
      },
      listCalls() {
        throw new Error('the engine pages itself');
      },
    };
    const native = fakeNative([], {});
    const port = watchProxyRefusals({ ...compatibility, projectId: 'project' }, native.api);

    // Act
    const report = port.said(
      await runCleanup(
        port.calls,
        resolvePolicy(undefined, { maxAgeSeconds: { inProgress: 3600, ringing: 120 }, dryRun: false }),
        {
          scheduleName: 'cli',
          accountSid: 'project',
          native: port.native,
          logger: { info: () => {} } as unknown as Logger,
          now: () => NOW,
        },
      ),
    );

    // Assess
    const byStatus = new Map(
      report.listingFailures.filter((f) => f.api === 'compatibility').map((f) => [f.status, f]),
    );
    expect(byStatus.get('in-progress')?.code).toBe('PROXY_REFUSED');
    expect(byStatus.get('ringing')?.code).not.toBe('PROXY_REFUSED');
    expect(byStatus.get('ringing')?.hint).toBeUndefined();
  });

  it('names a call as refused only when its failure is the unreachable one and its last request was refused', async () => {
    // Prepare: a call's first request refused by the proxy, the next carried; a second call refused, then
    // failing for a reason of SignalWire's own (what the engine decides, not a thrown transport error).
    const refusal = await tunnelError();
    process.env.NODE_USE_ENV_PROXY = '1';
    process.env.HTTPS_PROXY = proxyUrl;
    const [carried, decided] = [randomUUID(), randomUUID()];
    let tries = 0;
    const compatibility = {
      projectId: 'project',
      async getCall(sid: string) {
        if (sid === carried && tries++ > 0) return sampleCall({ sid });
        throw new SignalWireNetworkError('connection', false, 'connection to SignalWire failed', {
          cause: refusal,
        });
      },
    } as unknown as Parameters<typeof watchProxyRefusals>[0];
    const port = watchProxyRefusals(compatibility, fakeNative([], {}).api);
    await port.calls.getCall(carried).catch(() => {});
    await port.calls.getCall(carried);
    await port.calls.getCall(decided).catch(() => {});
    const failed = (sid: string, code: string) => ({
      sid,
      api: 'compatibility',
      status: 'queued',
      code,
      message: 'm',
    });

    // Act
    const report = port.said({
      failedCalls: [failed(carried, 'UPSTREAM_UNREACHABLE'), failed(decided, 'UPSTREAM_ERROR')],
      listingFailures: [],
    } as unknown as Parameters<ReturnType<typeof watchProxyRefusals>['said']>[0]);

    // Assess
    expect(report.failedCalls.map((call) => call.code)).toEqual(['UPSTREAM_UNREACHABLE', 'UPSTREAM_ERROR']);
  });
});
