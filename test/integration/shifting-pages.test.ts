import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallingClient } from '#commons/calling/client';
import type { AuditRecord } from '#commons/calls/audit';
import { listOverBoth } from '#commons/calls/list-both';
import { resolvePolicy } from '#commons/cleanup/policy';
import { runCleanup } from '#commons/cleanup/run-cleanup';
import { SignalWireClient } from '#commons/signalwire/client';
import { SignalWireEmulator } from '#local/signalwire-emulator';

/**
 * SignalWire's pages shifting between two page reads (neither List Calls nor the voice logs say their page token
 * is a cursor): the emulator cuts its pages by offset, and a newer call arrives after each first page, so the last
 * call of that page is read again first on the next. The real adapters list over it; each call counts once.
 */

const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
const TOKEN = 'PTsecret-token-one';
let emulator: SignalWireEmulator;
let client: SignalWireClient;

beforeEach(async () => {
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] });
  client = new SignalWireClient({ projectId: PROJECT, apiToken: TOKEN, spaceOrigin: emulator.url });
});
afterEach(() => emulator.stop());

/** The native adapter reading two voice logs a page, so that the shift shows within a few calls. */
class SmallPages extends CallingClient {
  override listVoiceLogsPage(...[from, options]: Parameters<CallingClient['listVoiceLogsPage']>) {
    return super.listVoiceLogsPage('next' in from ? from : { ...from, page_size: 2 }, options);
  }
}

/** After the first page read only, a newer call of `seed` arrives: the listing is pushed down by one. */
const shiftOnce = (seed: () => void) => {
  let pages = 0;
  emulator.setPaging('offset', () => {
    if (pages++ === 0) seed();
  });
  return () => pages;
};

describe('a cleanup run over pages that shift between reads', () => {
  it('judges, counts and ends each stale Compatibility call once', async () => {
    const stale = [3, 2, 1].map((hours) =>
      emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: hours * 3600, to: '+13105550100' }),
    );
    const pagesRead = shiftOnce(() =>
      emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 0, to: '+13105550199' }),
    );
    const audits: AuditRecord[] = [];

    const report = await runCleanup(
      client,
      resolvePolicy(undefined, { maxAgeSeconds: { inProgress: 1800 } }),
      {
        scheduleName: 'shifting',
        accountSid: PROJECT,
        native: new CallingClient(client),
        logger: { info: (_message: string, { audit }: { audit: AuditRecord }) => void audits.push(audit) },
        pageSize: 2,
      },
    );

    expect(pagesRead()).toBeGreaterThan(1);
    // The newer call arrived above the pages still to read: the next run lists it.
    expect(report).toMatchObject({ found: 3, eligible: 3, ended: 3, alreadyEnded: 0 });
    expect(audits.map((record) => record.callSid).sort()).toEqual(stale.map((call) => call.sid).sort());
    const ends = emulator.requests.filter((request) => request.method === 'POST');
    expect(ends).toHaveLength(3);
  });

  it('cancels each stale native call once', async () => {
    const campaign = [3, 2, 1].map((minutes) =>
      emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: minutes * 600 }),
    );
    shiftOnce(() => emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: 0 }));

    const report = await runCleanup(
      client,
      resolvePolicy(undefined, { maxAgeSeconds: { queued: 300 }, apis: ['calling'] }),
      {
        scheduleName: 'shifting-native',
        accountSid: PROJECT,
        native: new SmallPages(client),
        logger: { info: () => undefined },
      },
    );

    expect(report).toMatchObject({ found: 3, eligible: 3, ended: 3, alreadyEnded: 0 });
    for (const call of campaign) expect(emulator.native.get(PROJECT, call.id)?.status).toBe('canceled');
  });
});

describe('one page of a listing over both APIs', () => {
  it('shows a call its voice-log page lists twice once, as its freshest reading', async () => {
    const call = emulator.native.seed(PROJECT, { status: 'ringing', ageSeconds: 30 });
    const answered = { ...emulator.native.get(PROJECT, call.id), status: 'answered' };
    const ringing = emulator.native.get(PROJECT, call.id);
    const page = {
      links: { self: `${emulator.url}/api/voice/logs`, first: `${emulator.url}/api/voice/logs` },
      data: [ringing, answered],
    };
    emulator.injectFault({ kind: 'garble', body: JSON.stringify(page), pathPrefix: '/api/voice/logs' });

    const listed = await listOverBoth(
      { compatibility: async () => client, native: async () => new CallingClient(client) },
      { filter: {}, apis: ['calling'] },
    );

    expect(listed.calls.map((entry) => [entry.sid, entry.status])).toEqual([[call.id, 'in-progress']]);
  });
});
