import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { ANSWERED_EVENT_NAME } from '#commons/calling/assumptions';
import {
  callingCallSchema,
  statusErrorSchema,
  undocumentedStatusErrorSchema,
  validationErrorSchema,
  voiceLogEventsSchema,
  voiceLogPageSchema,
  voiceLogSchema,
} from '#commons/calling/schemas';
import type {
  CallingCall,
  RestApiErrorItem,
  VoiceLog,
  VoiceLogEvents,
  VoiceLogPage,
} from '#commons/calling/types';
import { SignalWireEmulator } from '#local/signalwire-emulator';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validators = {
  call: ajv.compile(callingCallSchema),
  log: ajv.compile(voiceLogSchema),
  events: ajv.compile(voiceLogEventsSchema),
  page: ajv.compile(voiceLogPageSchema),
  invalid: ajv.compile(validationErrorSchema),
  status: ajv.compile(statusErrorSchema),
  undocumented: ajv.compile(undocumentedStatusErrorSchema),
};

const PROJECT = '7d3c1f0e-5a2b-4c8d-9e6f-1a2b3c4d5e6f';
const TOKEN = 'PTsecret-token-one';
const OTHER_PROJECT = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const OTHER_TOKEN = 'PTsecret-token-two';
const T0 = Date.parse('2025-03-04T10:00:00Z');
let nowMs = T0;
let emulator: SignalWireEmulator;

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer {
  status: number;
  body: unknown;
}

/** Every answer of the native side is checked against the project's schema for its status. */
const checked = (path: string, status: number, body: unknown): Answer => {
  const validate =
    status === 200
      ? path.startsWith('/api/calling')
        ? validators.call
        : path === '/api/voice/logs'
          ? validators.page
          : path.endsWith('/events')
            ? validators.events
            : validators.log
      : status === 422
        ? validators.invalid
        : [400, 401, 404, 500].includes(status)
          ? validators.status
          : validators.undocumented;
  expect(validate(body), `${status} from ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
  return { status, body };
};

const command = async (
  body: unknown,
  options: { auth?: string; contentType?: string; raw?: string } = {},
): Promise<Answer> => {
  const response = await fetch(`${emulator.url}/api/calling/calls`, {
    method: 'POST',
    headers: {
      authorization: options.auth ?? basic(PROJECT, TOKEN),
      'content-type': options.contentType ?? 'application/json',
    },
    body: options.raw ?? JSON.stringify(body),
  });
  return checked('/api/calling', response.status, await response.json());
};

const get = async (pathAndQuery: string, auth = basic(PROJECT, TOKEN)): Promise<Answer> => {
  const response = await fetch(`${emulator.url}${pathAndQuery}`, { headers: { authorization: auth } });
  return checked(pathAndQuery.split('?')[0] as string, response.status, await response.json());
};

const attributeOf = (answer: Answer): string | null | undefined =>
  (answer.body as { errors: RestApiErrorItem[] }).errors[0]?.attribute;

beforeEach(async () => {
  nowMs = T0;
  emulator = await SignalWireEmulator.start({
    projects: [
      { projectId: PROJECT, apiToken: TOKEN },
      { projectId: OTHER_PROJECT, apiToken: OTHER_TOKEN },
    ],
    now: () => new Date(nowMs),
  });
});
afterEach(() => emulator.stop());

describe('the native Calling API of the emulator', () => {
  it('ends an answered call with calling.end and answers the call, ended', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 90 });
    nowMs += 10_000;
    const answer = await command({ command: 'calling.end', id, params: { reason: 'hangup' } });
    expect(answer.status).toBe(200);
    const call = answer.body as CallingCall;
    expect(call).toMatchObject({ id, status: 'ended', source: 'realtime_api', duration: 97 });
    expect(emulator.native.get(PROJECT, id)?.status).toBe('ended');
  });

  it('cancels a queued call reached by calling.end', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'queued' });
    const answer = await command({ command: 'calling.end', id, params: { reason: 'cancel' } });
    expect((answer.body as CallingCall).status).toBe('canceled');
  });

  it('refuses any command on an ended call with 422 naming id, and changes nothing', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'ended', ageSeconds: 60 });
    const answer = await command({ command: 'calling.end', id, params: {} });
    expect(answer.status).toBe(422);
    expect(attributeOf(answer)).toBe('id');
    expect(emulator.native.get(PROJECT, id)?.status).toBe('ended');
  });

  it('redirects an answered call with update (id inside params) and records the url', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const answer = await command({
      command: 'update',
      params: { id, url: 'https://example.com/next.swml', fallback_url: 'https://example.com/fallback' },
    });
    expect(answer.status).toBe(200);
    expect((answer.body as CallingCall).status).toBe('answered');
    expect(emulator.native.redirectsOf(PROJECT, id)).toEqual([
      { url: 'https://example.com/next.swml', fallbackUrl: 'https://example.com/fallback' },
    ]);
  });

  it('refuses a redirect of a call that is not answered with 422 naming url', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'ringing' });
    const answer = await command({ command: 'update', params: { id, url: 'https://example.com/x' } });
    expect(answer.status).toBe(422);
    expect(attributeOf(answer)).toBe('url');
    expect(emulator.native.redirectsOf(PROJECT, id)).toEqual([]);
  });

  it('applies the status rules: canceled only while queued or ringing, completed only while answered', async () => {
    const answered = emulator.native.seed(PROJECT, { status: 'answered' }).id;
    const ringing = emulator.native.seed(PROJECT, { status: 'ringing' }).id;
    const swml = { version: '1.0.0', sections: { main: ['hangup'] } };
    const cancelAnswered = await command({
      command: 'update',
      params: { id: answered, swml, status: 'canceled' },
    });
    expect([cancelAnswered.status, attributeOf(cancelAnswered)]).toEqual([422, 'status']);
    const completeRinging = await command({
      command: 'update',
      params: { id: ringing, swml, status: 'completed' },
    });
    expect([completeRinging.status, attributeOf(completeRinging)]).toEqual([422, 'status']);
    const cancelRinging = await command({
      command: 'update',
      params: { id: ringing, swml, status: 'canceled' },
    });
    expect((cancelRinging.body as CallingCall).status).toBe('canceled');
    const complete = await command({
      command: 'update',
      params: { id: answered, swml, status: 'completed' },
    });
    expect((complete.body as CallingCall).status).toBe('completed');
  });

  it('transfers an answered call and refuses to transfer a ringing one', async () => {
    const answered = emulator.native.seed(PROJECT, { status: 'answered' }).id;
    const ringing = emulator.native.seed(PROJECT, { status: 'ringing' }).id;
    const ok = await command({
      command: 'calling.transfer',
      id: answered,
      params: { dest: 'sip:desk@example.com' },
    });
    expect(ok.status).toBe(200);
    expect(emulator.native.transfersOf(PROJECT, answered)).toEqual(['sip:desk@example.com']);
    const refused = await command({
      command: 'calling.transfer',
      id: ringing,
      params: { dest: '+15550100' },
    });
    expect([refused.status, attributeOf(refused)]).toEqual([422, 'id']);
  });

  it('names the attribute of a request its schema refuses (missing, unknown, wrong value, unknown command)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    expect(attributeOf(await command({ command: 'calling.transfer', id, params: {} }))).toBe('dest');
    expect(attributeOf(await command({ command: 'calling.end', id, params: { Method: 'GET' } }))).toBe(
      'Method',
    );
    expect(attributeOf(await command({ command: 'calling.end', id, params: { reason: 'bye' } }))).toBe(
      'reason',
    );
    expect(attributeOf(await command({ command: 'update', params: { id } }))).toMatch(/^(url|swml)$/);
    expect(attributeOf(await command({ command: 'calling.play', id, params: {} }))).toBe('command');
    expect(attributeOf(await command({ command: 'calling.end', id: 'not-a-uuid', params: {} }))).toBe('id');
    expect(emulator.native.get(PROJECT, id)?.status).toBe('answered');
  });

  it('answers 400 to a body that is not JSON or not sent as JSON, 401 without valid credentials, 404 for an unknown call', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    const body = { command: 'calling.end', id, params: {} };
    expect((await command(body, { raw: '{"command":' })).status).toBe(400);
    expect((await command(body, { contentType: 'application/x-www-form-urlencoded' })).status).toBe(400);
    expect((await command(body, { auth: basic(PROJECT, 'wrong') })).status).toBe(401);
    const unknown = await command({ ...body, id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' });
    expect(unknown).toEqual({ status: 404, body: { error: 'Not Found' } });
    // Another project's credentials do not reach this project's call.
    expect((await command(body, { auth: basic(OTHER_PROJECT, OTHER_TOKEN) })).status).toBe(404);
    expect(emulator.native.get(PROJECT, id)?.status).toBe('answered');
  });

  it('does not act on a Compatibility call (the other API owns it)', async () => {
    const laml = emulator.seedCall(PROJECT, { status: 'in-progress' });
    expect((await command({ command: 'calling.end', id: laml.sid, params: {} })).status).toBe(404);
    expect(emulator.getCall(PROJECT, laml.sid)?.status).toBe('in-progress');
  });

  it('records the JSON body of each command, so tests can check what a client sent', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    await command({ command: 'calling.end', id, params: { reason: 'hangup' } });
    expect(emulator.requests.at(-1)?.json).toEqual({
      command: 'calling.end',
      id,
      params: { reason: 'hangup' },
    });
  });
});

describe('the voice logs of the emulator', () => {
  it('lists calls of both kinds newest first, with their source and type', async () => {
    const old = emulator.native.seed(PROJECT, {
      status: 'answered',
      ageSeconds: 300,
      type: 'relay_sip_call',
    });
    const laml = emulator.seedCall(PROJECT, { status: 'in-progress', ageSeconds: 200 });
    const recent = emulator.native.seed(PROJECT, { status: 'queued', ageSeconds: 10 });
    emulator.native.seed(OTHER_PROJECT, { status: 'answered' });
    const page = (await get('/api/voice/logs')).body as VoiceLogPage;
    const data = page.data as VoiceLog[];
    expect(data.map((log) => log.id)).toEqual([recent.id, laml.sid, old.id]);
    expect(data.map((log) => [log.source, log.type, log.status])).toEqual([
      ['realtime_api', 'relay_pstn_call', 'queued'],
      ['laml', 'laml_call', 'in-progress'],
      ['realtime_api', 'relay_sip_call', 'answered'],
    ]);
    expect(page.links.next).toBeUndefined();
  });

  it('pages by page_token through links.next, every call once, to a last page without next', async () => {
    const seeded = Array.from({ length: 7 }, (_, index) =>
      emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: index * 10 }),
    );
    const seen: string[] = [];
    let next: string | undefined = '/api/voice/logs?page_size=3';
    let pages = 0;
    while (next !== undefined) {
      const url = new URL(next, emulator.url);
      expect(url.origin).toBe(emulator.url);
      const page = (await get(`${url.pathname}${url.search}`)).body as VoiceLogPage;
      seen.push(...page.data.map((log) => log.id));
      next = page.links.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(seeded.map((call) => call.id));
  });

  it('links each page after the first to the page before it (links.prev), and the first to none', async () => {
    const seeded = Array.from({ length: 7 }, (_, index) =>
      emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: index * 10 }),
    );
    const read = async (link: string) => {
      const url = new URL(link, emulator.url);
      expect(url.origin).toBe(emulator.url);
      return (await get(`${url.pathname}${url.search}`)).body as VoiceLogPage;
    };
    const ids = (page: VoiceLogPage) => page.data.map((log) => log.id);
    const first = await read('/api/voice/logs?page_size=3');
    const second = await read(first.links.next ?? '');
    const third = await read(second.links.next ?? '');
    expect(first.links.prev).toBeUndefined();
    expect(ids(await read(second.links.prev ?? ''))).toEqual(ids(first));
    expect(ids(await read(third.links.prev ?? ''))).toEqual(ids(second));
    expect(ids(third)).toEqual(seeded.slice(6).map((call) => call.id));
  });

  it('filters by created_after, created_before and created_on', async () => {
    const young = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 60 });
    const middle = emulator.native.seed(PROJECT, { status: 'answered', ageSeconds: 3600 });
    const yesterday = emulator.native.seed(PROJECT, { status: 'ended', ageSeconds: 86_400 });
    const ids = async (query: string) =>
      (((await get(`/api/voice/logs?${query}`)).body as VoiceLogPage).data as VoiceLog[]).map(
        (log) => log.id,
      );
    expect(await ids(`created_after=${new Date(T0 - 7200_000).toISOString()}`)).toEqual([
      young.id,
      middle.id,
    ]);
    expect(await ids(`created_before=${new Date(T0 - 600_000).toISOString()}`)).toEqual([
      middle.id,
      yesterday.id,
    ]);
    expect(await ids('created_on=2025-03-03')).toEqual([yesterday.id]);
  });

  it('refuses a bad page_size, page_token, date or unknown parameter with 422 naming it', async () => {
    for (const [query, attribute] of [
      ['page_size=0', 'page_size'],
      ['page_size=1001', 'page_size'],
      ['page_token=nonsense', 'page_token'],
      ['created_after=yesterday', 'created_after'],
      ['status=answered', 'status'],
      ['page_number=2', 'page_number'],
    ] as const) {
      const answer = await get(`/api/voice/logs?${query}`);
      expect([answer.status, attributeOf(answer)], query).toEqual([422, attribute]);
    }
  });

  it('reads one log by id, 404 for an unknown one, 401 without credentials', async () => {
    const { id } = emulator.native.seed(PROJECT, {
      status: 'ringing',
      url: 'https://example.com/agent.swml',
    });
    const log = (await get(`/api/voice/logs/${id}`)).body as VoiceLog;
    expect(log).toMatchObject({
      id,
      status: 'ringing',
      source: 'realtime_api',
      url: 'https://example.com/agent.swml',
    });
    expect((await get('/api/voice/logs/3fa85f64-5717-4562-b3fc-2c963f66afa6')).status).toBe(404);
    expect((await get(`/api/voice/logs/${id}`, basic(PROJECT, 'nope'))).status).toBe(401);
  });
});

describe('voice-log events', () => {
  it("lists a native call's creation, answer and end, each when it happened; 404 for a call it does not know", async () => {
    const { id } = emulator.native.seed(PROJECT, {
      status: 'answered',
      ageSeconds: 600,
      answeredAfterSeconds: 120,
    });
    const events = (await get(`/api/voice/logs/${id}/events`)).body as VoiceLogEvents;
    expect(events.data.map((event) => [event.name, event.event_at, event.log_id])).toEqual([
      ['calling_call_initiated', new Date(T0 - 600_000).toISOString().replace('.000Z', 'Z'), id],
      [ANSWERED_EVENT_NAME, new Date(T0 - 480_000).toISOString().replace('.000Z', 'Z'), id],
    ]);

    await command({ command: 'calling.end', id, params: { reason: 'hangup' } });
    const ended = (await get(`/api/voice/logs/${id}/events`)).body as VoiceLogEvents;
    expect(ended.data.map((event) => event.name)).toEqual([
      'calling_call_initiated',
      ANSWERED_EVENT_NAME,
      'calling_call_ended',
    ]);
    const queued = emulator.native.seed(PROJECT, { status: 'queued' });
    const unanswered = (await get(`/api/voice/logs/${queued.id}/events`)).body as VoiceLogEvents;
    expect(unanswered.data.map((event) => event.name)).toEqual(['calling_call_initiated']);
    expect((await get('/api/voice/logs/3fa85f64-5717-4562-b3fc-2c963f66afa6/events')).status).toBe(404);
  });
});

describe('faults on the native side', () => {
  it('answers injected 429, 500 and 503 in the native error shape, then serves the request', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    emulator.injectFault({ kind: 'status', status: 429, retryAfter: '1', method: 'POST' });
    emulator.injectFault({ kind: 'status', status: 500, method: 'GET' });
    emulator.injectFault({ kind: 'status', status: 503, method: 'GET' });
    const throttled = await command({ command: 'calling.end', id, params: {} });
    expect(throttled).toEqual({ status: 429, body: { error: 'Too Many Requests' } });
    expect(emulator.native.get(PROJECT, id)?.status).toBe('answered');
    expect((await get('/api/voice/logs')).status).toBe(500);
    expect((await get('/api/voice/logs')).status).toBe(503);
    expect((await get('/api/voice/logs')).status).toBe(200);
  });

  it('applies the POST rate limit to commands, as on the Compatibility side', async () => {
    emulator.setRateLimit({ maxPosts: 1, windowMs: 60_000 });
    const first = emulator.native.seed(PROJECT, { status: 'answered' }).id;
    const second = emulator.native.seed(PROJECT, { status: 'answered' }).id;
    expect((await command({ command: 'calling.end', id: first, params: {} })).status).toBe(200);
    expect((await command({ command: 'calling.end', id: second, params: {} })).status).toBe(429);
    expect(emulator.native.get(PROJECT, second)?.status).toBe('answered');
  });

  it('drops the connection after applying a command when told to (the answer lost, the change made)', async () => {
    const { id } = emulator.native.seed(PROJECT, { status: 'answered' });
    emulator.injectFault({ kind: 'drop', applyFirst: true, method: 'POST' });
    await expect(
      fetch(`${emulator.url}/api/calling/calls`, {
        method: 'POST',
        headers: { authorization: basic(PROJECT, TOKEN), 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'calling.end', id, params: {} }),
      }),
    ).rejects.toThrow();
    onTestFinished(() => emulator.clearFaults());
    expect(emulator.native.get(PROJECT, id)?.status).toBe('ended');
  });
});
