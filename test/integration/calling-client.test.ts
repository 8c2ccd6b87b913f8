import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallingClient } from '#commons/calling/client';
import { callingCommandSchemas } from '#commons/calling/schemas';
import type { VoiceLog } from '#commons/calling/types';
import { nativeCallView } from '#commons/calling/vocabulary';
import { RedirectOutcomeUnknownError, SignalWireError, SignalWireNetworkError } from '#commons/errors';
import { type RetryNotice, SignalWireClient } from '#commons/signalwire/client';
import { SignalWireEmulator } from '#local/signalwire-emulator';
import { quickRetries } from '../support/scripted-client.ts';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const requestValidators = {
  'calling.end': ajv.compile(callingCommandSchemas['calling.end']),
  update: ajv.compile(callingCommandSchemas.update),
  'calling.transfer': ajv.compile(callingCommandSchemas['calling.transfer']),
};

const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
const TOKEN = 'PTsecret-token-one';
let emulator: SignalWireEmulator;
let notices: RetryNotice[];

const clientFor = (options: Partial<ConstructorParameters<typeof SignalWireClient>[0]> = {}) =>
  new CallingClient(
    new SignalWireClient({
      projectId: PROJECT,
      apiToken: TOKEN,
      spaceOrigin: emulator.url,
      ...quickRetries(notices),
      staleAfterMs: 60_000,
      timeoutMs: 1_000,
      ...options,
    }),
  );

const posts = () => emulator.requests.filter((request) => request.method === 'POST');

beforeEach(async () => {
  notices = [];
  emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] });
});

afterEach(async () => {
  // Every native command the client sent is one its request schema accepts.
  for (const request of posts()) {
    const body = request.json as { command: keyof typeof requestValidators };
    const validate = requestValidators[body.command];
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(request.contentType).toBe('application/json');
  }
  await emulator.stop();
});

describe('CallingClient commands', () => {
  it('ends a call with calling.end as JSON, with Basic auth, and returns the ended call', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const call = await clientFor().endCall(id, 'hangup');
    expect(call).toMatchObject({ id, status: 'ended' });
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatchObject({
      path: '/api/calling/calls',
      basicUser: PROJECT,
      authOk: true,
      json: { command: 'calling.end', id, params: { reason: 'hangup' } },
    });
  });

  it('redirects with update, id inside params, and transfers with calling.transfer', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const client = clientFor();
    await client.updateCall(id, {
      url: 'https://example.com/next.swml',
      fallback_url: 'https://example.com/fb',
    });
    await client.transferCall(id, 'sip:desk@example.com');
    expect(posts().map((request) => request.json)).toEqual([
      {
        command: 'update',
        params: { id, url: 'https://example.com/next.swml', fallback_url: 'https://example.com/fb' },
      },
      { command: 'calling.transfer', id, params: { dest: 'sip:desk@example.com' } },
    ]);
    expect(emulator.native.redirectsOf(PROJECT, id)).toEqual([
      { url: 'https://example.com/next.swml', fallbackUrl: 'https://example.com/fb' },
    ]);
    expect(emulator.native.transfersOf(PROJECT, id)).toEqual(['sip:desk@example.com']);
  });

  it("reports SignalWire's 422 with its message and the call unchanged", async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'ringing' });
    const error = await clientFor()
      .updateCall(id, { url: 'https://example.com/x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SignalWireError);
    expect((error as SignalWireError).status).toBe(422);
    expect((error as SignalWireError).message).toMatch(/answered call/);
  });

  it('retries a 429 with backoff, for a redirect too (nothing was done)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    emulator.injectFault({ kind: 'status', status: 429, method: 'POST' });
    await clientFor().transferCall(id, 'sip:desk@example.com');
    expect(posts()).toHaveLength(2);
    expect(notices.map((notice) => notice.reason)).toEqual(['rate-limited']);
    expect(emulator.native.transfersOf(PROJECT, id)).toHaveLength(1);
  });

  it('sends a redirect at most once: a reset after it was applied is REDIRECT_OUTCOME_UNKNOWN, not resent', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });
    const client = clientFor();
    await expect(client.updateCall(id, { url: 'https://example.com/once' })).rejects.toBeInstanceOf(
      RedirectOutcomeUnknownError,
    );
    emulator.injectFault({ kind: 'delay', ms: 1_500, method: 'POST' });
    await expect(client.transferCall(id, 'sip:desk@example.com')).rejects.toBeInstanceOf(
      RedirectOutcomeUnknownError,
    );
    expect(posts()).toHaveLength(2);
    expect(emulator.native.redirectsOf(PROJECT, id)).toHaveLength(1);
  });

  it('repeats calling.end once after a lost answer (ending twice is harmless)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    emulator.injectFault({ kind: 'drop', method: 'POST' });
    const call = await clientFor().endCall(id, 'hangup');
    expect(call.status).toBe('ended');
    expect(posts()).toHaveLength(2);
    expect(notices.map((notice) => notice.reason)).toEqual(['stale-connection']);
  });

  it('proves an idle connection with a read of the voice log before a redirect', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    await clientFor({ staleAfterMs: 0 }).transferCall(id, '+15550100');
    expect(emulator.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET /api/voice/logs/${id}`,
      'POST /api/calling/calls',
    ]);
  });

  it('does not send a redirect when the read before it fails', async () => {
    emulator.injectFault({ kind: 'status', status: 500, method: 'GET' });
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    await expect(
      clientFor({ staleAfterMs: 0 }).updateCall(id, { url: 'https://example.com/x' }),
    ).rejects.toThrow(SignalWireError);
    expect(posts()).toHaveLength(0);
  });

  it('reads a 2xx that is not a call as a 502 (for a redirect: outcome unknown)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    emulator.injectFault({ kind: 'garble', method: 'POST' });
    await expect(clientFor().transferCall(id, '+15550100')).rejects.toBeInstanceOf(
      RedirectOutcomeUnknownError,
    );
  });

  it('reads a call answer without created_at, or dated "0" or "yesterday", as a 502, not a call', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const call = { ...emulator.native.get(PROJECT, id), status: 'ended' };
    for (const body of [
      { id, status: 'ended' },
      { ...call, created_at: '0' },
      { ...call, created_at: 'yesterday' },
    ]) {
      emulator.injectFault({ kind: 'garble', method: 'POST', body: JSON.stringify(body) });
      const error = await clientFor()
        .endCall(id, 'hangup')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SignalWireError);
      expect((error as SignalWireError).message).toMatch(/no ISO 8601 "created_at"/);
    }
    // A voice log dated "2001" (which Date.parse reads as that year) is no voice log.
    const log = await clientFor().getVoiceLog(id);
    emulator.injectFault({
      kind: 'garble',
      method: 'GET',
      body: JSON.stringify({ ...log, created_at: '2001' }),
    });
    await expect(clientFor().getVoiceLog(id)).rejects.toThrow(/is not a voice log/);
  });

  it('fails a refused connection as not sent, after its retries', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const url = emulator.url;
    await emulator.stop();
    const client = new CallingClient(
      new SignalWireClient({
        projectId: PROJECT,
        apiToken: TOKEN,
        spaceOrigin: url,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 200 },
        staleAfterMs: 60_000,
      }),
    );
    const error = await client.transferCall(id, '+15550100').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SignalWireNetworkError);
    expect((error as SignalWireNetworkError).mayHaveReachedServer).toBe(false);
    emulator = await SignalWireEmulator.start({ projects: [{ projectId: PROJECT, apiToken: TOKEN }] });
  });
});

describe('CallingClient voice logs', () => {
  it('pages by links.next to the end and finds live native calls only, windowed by created_after', async () => {
    const live = [
      emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 100 }),
      emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: 50 }),
      emulator.native.seed(PROJECT, { status: 'ringing', ageSeconds: 20 }),
    ];
    emulator.native.seed(PROJECT, { status: 'ended', ageSeconds: 30 });
    emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 40 });
    emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 7_200 });
    const client = clientFor();
    const found: VoiceLog[] = [];
    let pages = 0;
    for await (const page of client.liveCalls({
      createdAfter: new Date(Date.now() - 3_600_000),
      pageSize: 2,
    })) {
      found.push(...page);
      pages++;
    }
    expect(pages).toBe(3);
    expect(found.map((log) => log.id)).toEqual(live.reverse().map((call) => call.id));
    const lists = emulator.requests.filter((request) => request.path === '/api/voice/logs');
    expect(lists[0]?.query).toMatchObject({ page_size: '2' });
    expect(Date.parse(lists[0]?.query.created_after ?? '')).toBeGreaterThan(Date.now() - 3_700_000);
    expect(lists.slice(1).every((request) => request.query.page_token !== undefined)).toBe(true);
  });

  it('refuses a page listing an entry dated "0" (Date.parse would read the year 2000: a stale call)', async () => {
    emulator.native.seed(PROJECT, { status: 'queued' });
    const page = await clientFor().listVoiceLogsPage({ page_size: 10 });
    const [entry] = page.data;
    emulator.injectFault({
      kind: 'garble',
      method: 'GET',
      body: JSON.stringify({ ...page, data: [{ ...entry, created_at: '0' }] }),
    });
    await expect(clientFor().listVoiceLogsPage({ page_size: 10 })).rejects.toThrow(/not a voice log/);
  });

  it('refuses a page, a voice log or a command answer nested deeper than a Compatibility one may be', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const log = await clientFor().getVoiceLog(id);
    /** `levels` levels of arrays: `to` holding it makes a log of levels + 1, and a page of levels + 3. */
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const logOf = (levels: number) =>
      JSON.stringify({ ...log, to: 0 }).replace('"to":0', `"to":${nested(levels)}`);
    const pageOf = (levels: number) => `{"data":[${logOf(levels)}],"links":{}}`;
    const refusal = async (body: string, read: () => Promise<unknown>) => {
      emulator.injectFault({ kind: 'garble', body });
      return read().then(
        () => 'read',
        (error: unknown) => (error instanceof SignalWireError ? error.message : String(error)),
      );
    };
    const page = () => clientFor().listVoiceLogsPage({ page_size: 10 });
    expect(await refusal(pageOf(15), page)).toBe('read');
    expect(await refusal(pageOf(16), page)).toMatch(/nests deeper than 18 levels/);
    expect(await refusal(pageOf(100_000), page)).toMatch(/nests deeper than 18 levels/);
    expect(await refusal(logOf(15), () => clientFor().getVoiceLog(id))).toBe('read');
    expect(await refusal(logOf(16), () => clientFor().getVoiceLog(id))).toMatch(
      /nests deeper than 16 levels/,
    );
    const end = () => clientFor().endCall(id, 'hangup');
    expect(await refusal(logOf(16), end)).toMatch(/nests deeper than 16 levels/);
  });

  it('retries a 503 on a page read', async () => {
    emulator.injectFault({ kind: 'status', status: 503, method: 'GET' });
    const page = await clientFor().listVoiceLogsPage({});
    expect(page.data).toEqual([]);
    expect(notices.map((notice) => notice.reason)).toEqual(['unavailable']);
  });

  it('refuses a links.next outside the voice logs of the space, sending nothing there', async () => {
    const client = clientFor();
    for (const next of [
      'https://elsewhere.example.com/api/voice/logs?page_token=PA1',
      `${emulator.url}/api/other`,
    ]) {
      const error = await client.listVoiceLogsPage({ next }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SignalWireError);
      expect((error as SignalWireError).message).toMatch(/links.next outside/);
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it("reads a call's voice-log events, and refuses an answer that is not a list of them", async () => {
    const { id } = emulator.native.seed(PROJECT, {
      status: 'answered',
      ageSeconds: 300,
      answeredAfterSeconds: 60,
    });
    const events = await clientFor().voiceLogEvents(id);
    expect(events.data.map((event) => event.name)).toEqual([
      'calling_call_initiated',
      'calling_call_answered',
    ]);
    expect(emulator.requests.map((request) => request.path)).toEqual([`/api/voice/logs/${id}/events`]);

    emulator.injectFault({ kind: 'garble', body: '{"events": []}' });
    const error = await clientFor()
      .voiceLogEvents(id)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SignalWireError);
    expect((error as SignalWireError).message).toMatch(/not a list of voice-log events/);
  });

  it("refuses another call's voice-log events and an event without a name or time", async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 300 });
    const event = {
      event_at: '2026-12-06T10:00:00Z',
      level: 'info',
      name: 'calling_call_answered',
      details: {},
      project_id: PROJECT,
      log_id: id,
    };
    for (const [data, why] of [
      [[{ ...event, log_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' }], /another call's voice-log events/],
      [[{ ...event, log_id: undefined }], /another call's voice-log events/],
      [[null], /without a string "name" or "event_at"/],
      [[{ ...event, event_at: 0 }], /without a string "name" or "event_at"/],
    ] as const) {
      emulator.injectFault({ kind: 'garble', body: JSON.stringify({ data }) });
      const error = await clientFor()
        .voiceLogEvents(id)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SignalWireError);
      expect((error as SignalWireError).message).toMatch(why);
    }
    // The same events with this call's log_id read as they are (in either case).
    emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify({ data: [{ ...event, log_id: id.toUpperCase() }] }),
    });
    expect((await clientFor().voiceLogEvents(id)).data).toHaveLength(1);
  });

  it('reads one voice log by id', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', type: 'relay_webrtc_call' });
    expect(await clientFor().getVoiceLog(id)).toMatchObject({
      id,
      type: 'relay_webrtc_call',
      source: 'realtime_api',
    });
  });
});

describe("a thin command answer's charge, read from a voice log that may lag behind the call", () => {
  /** A calling.end answered thin (no from, to, direction, charge), and the call's voice log as `log` says. */
  const endAnsweredThin = async (log: Partial<VoiceLog>) => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const created = '2026-12-06T10:00:00Z';
    emulator.injectFault({
      kind: 'garble',
      body: JSON.stringify({ id, status: 'ended', created_at: created }),
      pathPrefix: '/api/calling/',
    });
    const voiceLog = {
      id,
      created_at: created,
      source: 'realtime_api',
      from: '+15550100',
      to: '+15550101',
      direction: 'outbound',
      ...log,
    };
    emulator.injectFault({ kind: 'garble', body: JSON.stringify(voiceLog), pathPrefix: '/api/voice/logs/' });
    return clientFor().endCall(id, 'hangup');
  };

  it('is not taken from a log that still shows the call live: not known yet (null), never its running figure', async () => {
    const call = await endAnsweredThin({ status: 'answered', charge: 0 });
    expect(call).toMatchObject({ status: 'ended', from: '+15550100', charge: null });
    expect(nativeCallView(call, PROJECT)).toMatchObject({ status: 'completed', price: null });
  });

  it('is not taken from a log of no known status either', async () => {
    const call = await endAnsweredThin({ status: 'something-new' as VoiceLog['status'], charge: 0.25 });
    expect(nativeCallView(call, PROJECT)).toMatchObject({ status: 'completed', price: null });
  });

  it('is the log’s once the log too shows the call ended', async () => {
    const call = await endAnsweredThin({ status: 'ended', charge: 0.25 });
    expect(nativeCallView(call, PROJECT)).toMatchObject({ status: 'completed', price: -0.25 });
  });

  it("nor is its duration: a live log's running figure is not the ended call's (0, not known yet)", async () => {
    const call = await endAnsweredThin({ status: 'answered', charge: 0.01, duration: 12 });
    expect(call).toMatchObject({ status: 'ended', duration: null });
    expect(nativeCallView(call, PROJECT)).toMatchObject({ status: 'completed', duration: 0, price: null });
    const over = await endAnsweredThin({ status: 'ended', charge: 0.25, duration: 42 });
    expect(nativeCallView(over, PROJECT)).toMatchObject({ duration: 42, price: -0.25 });
  });

  it('is null when the log that shows the call ended gives none', async () => {
    const call = await endAnsweredThin({ status: 'ended' });
    expect(nativeCallView(call, PROJECT)).toMatchObject({ status: 'completed', price: null });
  });
});
